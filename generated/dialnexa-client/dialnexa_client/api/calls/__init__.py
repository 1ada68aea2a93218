"""Endpoint functions for calls, and the reconciliation DialNexa recommends after an ambiguous create.

DialNexa has no idempotency key, and a create rings a phone and costs money. So tag each create with a
correlation value in its metadata (`correlated`); when it fails with errors.OutcomeUnknownError (the
request may have been carried out), look the call up with listCalls (`find_created_call`) before
sending it again. `create_call_reconciled` does both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
from attrs import evolve

from ...errors import OutcomeUnknownError, ReconciliationLimitError
from ...models.call import Call
from ...models.create_call_request import CreateCallRequest
from ...types import Unset
from . import create_call, list_calls

if TYPE_CHECKING:
    from ..._client import Client
    from ...client import AuthenticatedClient

CORRELATION_KEY = "correlation_id"
"""The metadata key of the correlation value (like all metadata, it is also a prompt variable)."""

_PAGE = 200  # listCalls' largest page


def correlated(body: CreateCallRequest, correlation_id: str, key: str = CORRELATION_KEY) -> CreateCallRequest:
    """A copy of `body` whose metadata carries `correlation_id` under `key`. Use a value you store
    before creating (an order id, a uuid4) and never reuse for another call."""
    from ...models.metadata import Metadata  # noqa: PLC0415  (only a correlated create needs it)

    metadata = {} if isinstance(body.metadata, Unset) else body.metadata.to_dict()
    return evolve(body, metadata=Metadata.from_dict({**metadata, key: correlation_id}))


def _correlation_id(body: CreateCallRequest, key: str) -> str:
    value = None if isinstance(body.metadata, Unset) else body.metadata.additional_properties.get(key)
    if not isinstance(value, str):
        raise ValueError(f"the request carries no correlation value in metadata[{key!r}]; tag it with correlated()")
    return value


def _match(calls: list[Call], key: str, correlation_id: str) -> Call | None:
    return next(
        (
            c
            for c in calls
            if not isinstance(c.metadata, Unset) and c.metadata.additional_properties.get(key) == correlation_id
        ),
        None,
    )


def _too_many_pages(max_pages: int) -> ReconciliationLimitError:
    return ReconciliationLimitError(
        f"no match in the newest {max_pages * _PAGE} calls, and there are more; raise max_pages"
    )


def find_created_call(
    *,
    client: AuthenticatedClient | Client,
    body: CreateCallRequest,
    key: str = CORRELATION_KEY,
    max_pages: int = 10,
    timeout: float | httpx.Timeout | None = None,
) -> Call | None:
    """The call created from `body` (tagged with `correlated`), or None if no such call exists.

    Pages through listCalls filtered by the body's agent and destination, newest first. None means no
    call carried the correlation value when it looked: a create still in flight can appear later, so
    wait a few seconds and look once more before sending the create again.

    Raises:
        ValueError: `body` carries no correlation value.
        errors.ReconciliationLimitError: `max_pages` full pages went by without a match or an end
            (also a LookupError).
        errors.DialNexaError: listCalls failed.
    """
    correlation_id = _correlation_id(body, key)
    for page in range(1, max_pages + 1):
        calls = list_calls.sync(
            client=client,
            page=page,
            limit=_PAGE,
            agent_id=body.agent_id,
            to_phone_number=body.to_phone_number,
            timeout=timeout,
        )
        if (call := _match(calls, key, correlation_id)) is not None or len(calls) < _PAGE:
            return call
    raise _too_many_pages(max_pages)


async def find_created_call_async(
    *,
    client: AuthenticatedClient | Client,
    body: CreateCallRequest,
    key: str = CORRELATION_KEY,
    max_pages: int = 10,
    timeout: float | httpx.Timeout | None = None,
) -> Call | None:
    """Async `find_created_call`."""
    correlation_id = _correlation_id(body, key)
    for page in range(1, max_pages + 1):
        calls = await list_calls.asyncio(
            client=client,
            page=page,
            limit=_PAGE,
            agent_id=body.agent_id,
            to_phone_number=body.to_phone_number,
            timeout=timeout,
        )
        if (call := _match(calls, key, correlation_id)) is not None or len(calls) < _PAGE:
            return call
    raise _too_many_pages(max_pages)


def create_call_reconciled(
    *,
    client: AuthenticatedClient | Client,
    body: CreateCallRequest,
    correlation_id: str,
    key: str = CORRELATION_KEY,
    timeout: float | httpx.Timeout | None = None,
) -> Call:
    """createCall, tagged with `correlation_id`; after an unknown outcome, the call if it was placed.

    ``timeout`` applies to each request. It never sends a second create. When the outcome stays unknown
    (no such call found), it re-raises the errors.OutcomeUnknownError: look again with find_created_call
    a little later before retrying.
    """
    body = correlated(body, correlation_id, key)
    try:
        return create_call.sync(client=client, body=body, timeout=timeout)
    except OutcomeUnknownError:
        if (call := find_created_call(client=client, body=body, key=key, timeout=timeout)) is None:
            raise
        return call


async def create_call_reconciled_async(
    *,
    client: AuthenticatedClient | Client,
    body: CreateCallRequest,
    correlation_id: str,
    key: str = CORRELATION_KEY,
    timeout: float | httpx.Timeout | None = None,
) -> Call:
    """Async `create_call_reconciled`."""
    body = correlated(body, correlation_id, key)
    try:
        return await create_call.asyncio(client=client, body=body, timeout=timeout)
    except OutcomeUnknownError:
        if (call := await find_created_call_async(client=client, body=body, key=key, timeout=timeout)) is None:
            raise
        return call
