"""The client against the emulator's fault injection: in process, and over real loopback HTTP
(uvicorn) where a dropped connection and a timeout are the network's, not an exception's."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest
from dialnexa_client import AuthenticatedClient, errors
from dialnexa_client.api.calls import (
    correlated,
    create_call,
    create_call_reconciled,
    create_call_reconciled_async,
    find_created_call,
    get_call,
    list_calls,
)
from dialnexa_client.models import CreateCallRequest
from starlette.applications import Starlette

from dialnexa_emulator import Emulator
from tests.client.conftest import AGENT, DESTINATION, TOKEN, InProcess, Sleeps, policy

BODY = CreateCallRequest(agent_id=AGENT, to_phone_number=DESTINATION)


def faults(app: Starlette) -> Emulator:
    emulator: Emulator = app.state.emulator
    return emulator


def methods(transport: InProcess) -> list[str]:
    return [f"{r.method} {r.url.path}" for r in transport.requests]


def test_a_429_with_retry_after_on_get_call_is_retried_and_succeeds(
    emulator_app: Starlette,
    emulator_client: AuthenticatedClient,
    in_process: InProcess,
    sleeps: Sleeps,
) -> None:
    created = create_call.sync(client=emulator_client, body=BODY)
    faults(emulator_app).faults.add(operation="getCall", status=429, retry_after=1)

    fetched = get_call.sync(created.id, client=emulator_client)

    assert fetched.id == created.id
    assert sleeps == [1.0]  # the server's Retry-After, not a backoff guess
    assert methods(in_process)[1:] == [f"GET /v1/calls/{created.id}"] * 2


def test_a_503_on_create_call_is_not_retried(
    emulator_app: Starlette,
    emulator_client: AuthenticatedClient,
    in_process: InProcess,
    sleeps: Sleeps,
) -> None:
    faults(emulator_app).faults.add(operation="createCall", status=503, retry_after=1)

    with pytest.raises(errors.ServerError) as raised:
        create_call.sync(client=emulator_client, body=BODY)

    assert isinstance(raised.value, errors.OutcomeUnknownError)
    assert raised.value.status_code == 503 and raised.value.retry_after == 1
    assert raised.value.messages == ["Service unavailable"]
    assert methods(in_process) == ["POST /v1/calls"] and sleeps == []
    assert list_calls.sync(client=emulator_client) == []


def test_a_dropped_read_is_simply_sent_again(
    emulator_app: Starlette,
    emulator_client: AuthenticatedClient,
    in_process: InProcess,
    sleeps: Sleeps,
) -> None:
    created = create_call.sync(client=emulator_client, body=BODY)
    faults(emulator_app).faults.add(operation="getCall", drop_after_commit=True)

    assert get_call.sync(created.id, client=emulator_client).id == created.id
    assert len(sleeps) == 1 and methods(in_process)[1:] == [f"GET /v1/calls/{created.id}"] * 2


def test_commit_then_drop_on_create_call_leaves_exactly_one_call_which_reconciliation_finds(
    emulator_app: Starlette, emulator_client: AuthenticatedClient, in_process: InProcess
) -> None:
    body = correlated(BODY, "order-4711")
    faults(emulator_app).faults.add(operation="createCall", drop_after_commit=True)

    with pytest.raises(errors.OutcomeUnknownError) as raised:
        create_call.sync(client=emulator_client, body=body)

    assert isinstance(raised.value, errors.ConnectionOutcomeUnknownError)
    assert isinstance(raised.value.__cause__, httpx.TransportError)
    assert methods(in_process) == ["POST /v1/calls"]
    (placed,) = list_calls.sync(client=emulator_client)
    found = find_created_call(client=emulator_client, body=body)
    assert found is not None and found.id == placed.id
    assert found.to_dict()["metadata"] == {"correlation_id": "order-4711"}


def test_the_recipe_finds_the_dropped_call_instead_of_placing_a_second(
    emulator_app: Starlette, emulator_client: AuthenticatedClient, in_process: InProcess
) -> None:
    faults(emulator_app).faults.add(operation="createCall", drop_after_commit=True)

    call = create_call_reconciled(client=emulator_client, body=BODY, correlation_id="order-4712")

    assert [c.id for c in list_calls.sync(client=emulator_client)] == [call.id]
    assert methods(in_process)[:2] == ["POST /v1/calls", "GET /v1/calls"]


def test_the_recipe_reraises_when_nothing_was_placed_and_a_later_try_places_one(
    emulator_app: Starlette, emulator_client: AuthenticatedClient
) -> None:
    faults(emulator_app).faults.add(operation="createCall", status=500)

    with pytest.raises(errors.ServerOutcomeUnknownError):
        create_call_reconciled(client=emulator_client, body=BODY, correlation_id="order-4713")
    assert list_calls.sync(client=emulator_client) == []

    call = create_call_reconciled(client=emulator_client, body=BODY, correlation_id="order-4713")
    assert [c.id for c in list_calls.sync(client=emulator_client)] == [call.id]


def test_the_async_recipe(emulator_app: Starlette, emulator_client: AuthenticatedClient) -> None:
    faults(emulator_app).faults.add(operation="createCall", drop_after_commit=True)

    async def scenario() -> str:
        call = await create_call_reconciled_async(
            client=emulator_client, body=BODY, correlation_id="order-4714"
        )
        return call.id

    call_id = asyncio.run(scenario())
    assert [c.id for c in list_calls.sync(client=emulator_client)] == [call_id]


def test_unknown_fields_and_statuses_from_the_emulator_parse(
    emulator_client: AuthenticatedClient,
) -> None:
    call = create_call.sync(client=emulator_client, body=correlated(BODY, "x"))
    assert call.status.is_known and not call.additional_properties


# -- over real loopback HTTP -----------------------------------------------------------------------


def served_client(root: str, sleeps: Sleeps, **kwargs: object) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url=f"{root}/v1",
        token=TOKEN,
        retries=policy(sleeps),
        **kwargs,  # type: ignore[arg-type]
    )


def arm(root: str, **fault: object) -> None:
    response = httpx.post(f"{root}/_emulator/faults", json=fault)
    assert response.status_code == 201, response.text


def test_over_http_a_dropped_create_is_reconciled_not_repeated(
    served_emulator: str, sleeps: Sleeps
) -> None:
    client = served_client(served_emulator, sleeps)
    arm(served_emulator, operation="createCall", count=1, drop_after_commit=True)
    body = correlated(BODY, "order-5001")

    with pytest.raises(errors.ConnectionOutcomeUnknownError) as raised:
        create_call.sync(client=client, body=body)
    assert isinstance(raised.value.__cause__, httpx.RemoteProtocolError)  # the peer hung up
    assert sleeps == []

    (placed,) = list_calls.sync(client=client)
    found = find_created_call(client=client, body=body)
    assert found is not None and found.id == placed.id


def test_over_http_a_429_on_get_call_is_retried(served_emulator: str, sleeps: Sleeps) -> None:
    client = served_client(served_emulator, sleeps)
    call = create_call.sync(client=client, body=BODY)
    arm(served_emulator, operation="getCall", count=2, status=429, retry_after=1)

    assert get_call.sync(call.id, client=client).id == call.id
    assert sleeps == [1.0, 1.0]


def test_over_http_a_create_that_times_out_is_not_repeated(
    served_emulator: str, sleeps: Sleeps
) -> None:
    client = served_client(served_emulator, sleeps)
    arm(served_emulator, operation="createCall", count=1, latency_ms=300)
    body = correlated(BODY, "order-5002")

    with pytest.raises(errors.TimeoutOutcomeUnknownError) as raised:
        create_call.sync(client=client, body=body, timeout=0.1)
    assert isinstance(raised.value.__cause__, httpx.ReadTimeout)
    assert sleeps == []
    # The emulator gives up on a request whose client hung up before it read the body.
    assert find_created_call(client=client, body=body) is None


def test_a_refused_create_is_retried_then_reported_as_never_sent(sleeps: Sleeps) -> None:
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        host, port = closed.getsockname()
        client = served_client(f"http://{host}:{port}", sleeps)
        with pytest.raises(errors.APIConnectionError) as raised:
            create_call.sync(client=client, body=BODY)
    assert not isinstance(raised.value, errors.OutcomeUnknownError)
    assert isinstance(raised.value.__cause__, httpx.ConnectError)
    assert len(sleeps) == 2
