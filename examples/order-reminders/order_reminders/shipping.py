"""The one thing the app does: a shipped order becomes exactly one call to its customer."""

from __future__ import annotations

import os
from dataclasses import dataclass

from dialnexa_client import AuthenticatedClient
from dialnexa_client.api.calls import create_call_reconciled, create_call_reconciled_async
from dialnexa_client.models import CreateCallRequest, Metadata

DEFAULT_AGENT_ID = "agt_abc123"


@dataclass(frozen=True)
class Order:
    id: str
    customer_name: str
    phone: str  # E.164, e.g. +919876543210


def dialnexa_from_env() -> AuthenticatedClient:
    """The production client: DIALNEXA_API_KEY, and DIALNEXA_BASE_URL if set."""
    return AuthenticatedClient(
        base_url=os.environ.get("DIALNEXA_BASE_URL", "https://api.dialnexa.com/v1"),
        token=os.environ["DIALNEXA_API_KEY"],
    )


def _request(order: Order) -> CreateCallRequest:
    return CreateCallRequest(
        agent_id=os.environ.get("ORDER_REMINDERS_AGENT_ID", DEFAULT_AGENT_ID),
        to_phone_number=order.phone,
        metadata=Metadata.from_dict({"customer_name": order.customer_name, "order_id": order.id}),
    )


def on_order_shipped(order: Order, client: AuthenticatedClient | None = None) -> str:
    """Have DialNexa call the customer; the call's id.

    The order id is the call's correlation id: if the create's outcome is unknown (a dropped
    connection, a 5xx), the call it may have placed is found instead of ringing twice.
    """
    if client is None:
        with dialnexa_from_env() as own_client:
            return on_order_shipped(order, own_client)
    call = create_call_reconciled(client=client, body=_request(order), correlation_id=order.id)
    return call.id


async def on_order_shipped_async(order: Order, client: AuthenticatedClient) -> str:
    """`on_order_shipped`, for an async app."""
    call = await create_call_reconciled_async(
        client=client, body=_request(order), correlation_id=order.id
    )
    return call.id
