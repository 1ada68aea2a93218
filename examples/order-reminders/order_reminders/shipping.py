"""The one thing the app does: a shipped order becomes exactly one call to its customer."""

from __future__ import annotations

import os
from dataclasses import dataclass

from dialnexa_client import AsyncDialNexa, DialNexa
from dialnexa_client.api.calls import create_call_reconciled, create_call_reconciled_async
from dialnexa_client.models import CreateCallRequest, Metadata

DEFAULT_AGENT_ID = "agt_abc123"


@dataclass(frozen=True)
class Order:
    id: str
    customer_name: str
    phone: str  # E.164, e.g. +919876543210


def _request(order: Order) -> CreateCallRequest:
    return CreateCallRequest(
        agent_id=os.environ.get("ORDER_REMINDERS_AGENT_ID", DEFAULT_AGENT_ID),
        to_phone_number=order.phone,
        metadata=Metadata.from_dict({"customer_name": order.customer_name, "order_id": order.id}),
    )


def on_order_shipped(order: Order, client: DialNexa | None = None) -> str:
    """Have DialNexa call the customer; the call's id.

    Without `client`, one from the production settings (DIALNEXA_API_KEY, DIALNEXA_BASE_URL).
    The order id is the call's correlation id: if the create's outcome is unknown (a dropped
    connection, a 5xx), the call it may have placed is found instead of ringing twice.
    """
    if client is None:
        with DialNexa() as production:
            return on_order_shipped(order, production)
    body, order_id = _request(order), order.id
    return create_call_reconciled(client=client.api_client, body=body, correlation_id=order_id).id


async def on_order_shipped_async(order: Order, client: AsyncDialNexa) -> str:
    """`on_order_shipped`, for an async app."""
    call = await create_call_reconciled_async(
        client=client.api_client, body=_request(order), correlation_id=order.id
    )
    return call.id
