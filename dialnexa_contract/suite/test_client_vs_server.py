"""Client <-> server: the generated client, sync and async, against the target itself.

It places a call, follows it to a final status (moving the emulator's clock, never sleeping),
finds it with listCalls, and gets the typed exception for each error the API documents.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import pytest
from dialnexa_client import AuthenticatedClient, RetryPolicy, errors
from dialnexa_client.api.calls import create_call, get_call, list_calls
from dialnexa_client.models import Call, CreateCallRequest, Error

from dialnexa_contract._lifecycle import FINAL, transition_error
from dialnexa_contract._run_stats import STATS
from dialnexa_contract._settings import current
from dialnexa_contract._target import current_target

TARGET = current_target()
# A destination the emulator's default config enables; live runs are aimed at `--to` instead.
EMULATOR_DESTINATION = "+919876543210"
# Valid, but Germany is not among the emulator workspace's enabled destinations.
FORBIDDEN_DESTINATION = "+4915123456789"
POLL_STEP_SEC = 5.0
MAX_POLLS = 60  # 5 minutes of the emulator's time: past any configured call length


class Api(Protocol):
    """The three operations, through the sync or the async half of the generated client."""

    async def create(self, body: CreateCallRequest) -> Call: ...
    async def get(self, call_id: str) -> Call: ...
    async def list(self, **filters: Any) -> list[Call]: ...
    async def create_detailed(self, body: CreateCallRequest) -> Any: ...
    async def get_detailed(self, call_id: str) -> Any: ...
    async def close(self) -> None: ...


def _client(token: str | None, *, asynchronous: bool) -> AuthenticatedClient:
    client = AuthenticatedClient(
        base_url=TARGET.base_url,
        token=token or TARGET.settings.token,
        retries=RetryPolicy(max_retries=0),  # each expected error must come from one request
    )
    if asynchronous:
        return client.set_async_httpx_client(TARGET.async_http(token))
    return client.set_httpx_client(TARGET.sync_http(token))


class SyncApi:
    def __init__(self, token: str | None = None) -> None:
        self.client = _client(token, asynchronous=False)

    async def create(self, body: CreateCallRequest) -> Call:
        return create_call.sync(client=self.client, body=body)

    async def get(self, call_id: str) -> Call:
        return get_call.sync(call_id, client=self.client)

    async def list(self, **filters: Any) -> list[Call]:
        return list_calls.sync(client=self.client, **filters)

    async def create_detailed(self, body: CreateCallRequest) -> Any:
        return create_call.sync_detailed(client=self.client, body=body)

    async def get_detailed(self, call_id: str) -> Any:
        return get_call.sync_detailed(call_id, client=self.client)

    async def close(self) -> None:
        self.client.get_httpx_client().close()


class AsyncApi:
    def __init__(self, token: str | None = None) -> None:
        self.client = _client(token, asynchronous=True)

    async def create(self, body: CreateCallRequest) -> Call:
        return await create_call.asyncio(client=self.client, body=body)

    async def get(self, call_id: str) -> Call:
        return await get_call.asyncio(call_id, client=self.client)

    async def list(self, **filters: Any) -> list[Call]:
        return await list_calls.asyncio(client=self.client, **filters)

    async def create_detailed(self, body: CreateCallRequest) -> Any:
        return await create_call.asyncio_detailed(client=self.client, body=body)

    async def get_detailed(self, call_id: str) -> Any:
        return await get_call.asyncio_detailed(call_id, client=self.client)

    async def close(self) -> None:
        await self.client.get_async_httpx_client().aclose()


APIS: dict[str, Callable[..., Api]] = {"sync": SyncApi, "async": AsyncApi}


def run(mode: str, scenario: Callable[[Api], Awaitable[None]], token: str | None = None) -> None:
    """Run `scenario` with the client in `mode`, closing its connections afterwards."""

    async def main() -> None:
        api = APIS[mode](token)
        try:
            await scenario(api)
        finally:
            await api.close()

    asyncio.run(main())


def a_call_request() -> CreateCallRequest:
    body: dict[str, Any] = {
        "agent_id": current().agent_id,
        "to_phone_number": EMULATOR_DESTINATION,
        "metadata": {"customer_name": "Contract Suite", "run_seed": current().seed},
    }
    if TARGET.guard is not None:
        TARGET.guard.aim(body)
    STATS.add("calls_placed")
    return CreateCallRequest.from_dict(body)


async def place_and_follow(api: Api) -> None:
    request = a_call_request()
    call = await api.create(request)
    assert (call.agent_id, call.to_phone_number) == (request.agent_id, request.to_phone_number)
    assert call.metadata.to_dict() == request.metadata.to_dict()  # type: ignore[union-attr]

    listed = await api.list(agent_id=call.agent_id, to_phone_number=call.to_phone_number, limit=200)
    assert call.id in [item.id for item in listed], "listCalls does not include the new call"

    status = call.status.value
    for _ in range(MAX_POLLS):
        fetched = await api.get(call.id)
        assert fetched.id == call.id
        moved = transition_error(status, fetched.status.value)
        assert moved is None, moved
        status = fetched.status.value
        if status in FINAL:
            return
        if not TARGET.advance_clock(POLL_STEP_SEC):
            pytest.skip(
                "the server has no clock to move: following a call to its end needs the emulator"
            )
    pytest.fail(f"call {call.id} still `{status}` after {MAX_POLLS} polls")


@pytest.mark.parametrize(
    "mode",
    [
        pytest.param(
            mode,
            marks=pytest.mark.contract(operation="createCall", check=f"client_lifecycle_{mode}"),
        )
        for mode in APIS
    ],
)
def test_client_places_a_call_and_follows_it_to_the_end(mode: str) -> None:
    if not TARGET.can_place_calls:
        pytest.skip(
            "the --allow-calls budget is spent"
            if current().allow_calls
            else "placing a call on a live server needs --allow-calls and --to"
        )
    run(mode, place_and_follow)


def _status_cases() -> list[Any]:
    cases = [
        ("400", "createCall", errors.BadRequestError, None),
        ("401", "getCall", errors.AuthenticationError, "kid_demo:not-the-secret"),
        ("403", "createCall", errors.PermissionDeniedError, None),
        ("404", "getCall", errors.NotFoundError, None),
    ]
    return [
        pytest.param(
            int(status),
            operation,
            error,
            token,
            mode,
            marks=pytest.mark.contract(operation=operation, check=f"client_typed_error_{status}"),
            id=f"{status}-{mode}",
        )
        for status, operation, error, token in cases
        for mode in APIS
    ]


async def provoke(api: Api, status: int, *, detailed: bool) -> Any:
    """The request that must get `status`: a number that is not real (400), a wrong secret (401),
    a destination the workspace has not enabled (403), an id that does not exist (404)."""
    if status in (400, 403):
        body = CreateCallRequest(
            agent_id=current().agent_id,
            to_phone_number="+10" if status == 400 else FORBIDDEN_DESTINATION,
        )
        return await (api.create_detailed(body) if detailed else api.create(body))
    call_id = "call_doesnotexist00"
    return await (api.get_detailed(call_id) if detailed else api.get(call_id))


@pytest.mark.parametrize(("status", "operation", "error", "token", "mode"), _status_cases())
def test_client_raises_the_typed_error(
    status: int, operation: str, error: type[errors.APIStatusError], token: str | None, mode: str
) -> None:
    if status == 403 and TARGET.is_live:
        pytest.skip("which destinations a live workspace forbids is not known")

    async def scenario(api: Api) -> None:
        response = await provoke(api, status, detailed=True)
        assert response.status_code == status
        assert isinstance(response.parsed, Error)
        assert response.parsed.status_code == status
        with pytest.raises(error) as raised:
            await provoke(api, status, detailed=False)
        assert raised.value.status_code == status
        assert raised.value.error is not None and raised.value.error.status_code == status

    run(mode, scenario, token)
