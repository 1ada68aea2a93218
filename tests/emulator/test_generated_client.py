"""The generated client drives the emulator end to end, sync and async, in process."""

from __future__ import annotations

import httpx
import pytest
from dialnexa_client import AuthenticatedClient
from dialnexa_client.api.calls import create_call, get_call, list_calls
from dialnexa_client.models import CreateCallRequest, Metadata
from starlette.applications import Starlette

from dialnexa_emulator import Emulator, FrozenClock, SyncASGITransport
from tests.emulator.conftest import DEMO_KEY
from tests.seed import SEED_REQUEST

BASE_URL = "http://emulator/v1"


def seed_request() -> CreateCallRequest:
    return CreateCallRequest(
        agent_id=SEED_REQUEST["agent_id"],
        to_phone_number=SEED_REQUEST["to_phone_number"],
        from_phone_number=SEED_REQUEST["from_phone_number"],
        agent_version_number=SEED_REQUEST["agent_version_number"],
        metadata=Metadata.from_dict(SEED_REQUEST["metadata"]),
    )


def test_sync_client_creates_follows_and_lists_a_call(app: Starlette, clock: FrozenClock) -> None:
    client = AuthenticatedClient(
        base_url=BASE_URL, token=DEMO_KEY, httpx_args={"transport": SyncASGITransport(app)}
    )
    with client:
        created = create_call.sync_detailed(client=client, body=seed_request())
        assert created.status_code == 201
        assert created.parsed is not None
        call = created.parsed.to_dict()
        assert call["status"] == "initiated"

        clock.advance(120)
        fetched = get_call.sync_detailed(call["id"], client=client).parsed
        listed = list_calls.sync_detailed(client=client, limit=5).parsed

    assert fetched is not None
    finished = fetched.to_dict()
    assert finished["status"] == "completed"
    assert finished["duration_sec"] == 30
    assert finished["transcript"].startswith("Agent: Hi Priya Sharma,")
    assert finished["metadata"] == SEED_REQUEST["metadata"]
    assert isinstance(listed, list)
    assert [c.to_dict()["id"] for c in listed] == [call["id"]]


@pytest.mark.anyio
async def test_async_client_creates_and_fetches_a_call(app: Starlette) -> None:
    client = AuthenticatedClient(
        base_url=BASE_URL, token=DEMO_KEY, httpx_args={"transport": httpx.ASGITransport(app)}
    )
    async with client:
        created = await create_call.asyncio_detailed(client=client, body=seed_request())
        assert created.parsed is not None
        call_id = created.parsed.to_dict()["id"]
        fetched = await get_call.asyncio_detailed(call_id, client=client)
        missing = await get_call.asyncio_detailed("call_doesnotexist", client=client)

    assert created.status_code == 201
    assert fetched.status_code == 200
    assert fetched.parsed is not None
    assert fetched.parsed.to_dict()["agent_version_number"] == 3
    assert missing.status_code == 404


def test_the_client_parses_the_emulators_errors(app: Starlette) -> None:
    client = AuthenticatedClient(
        base_url=BASE_URL, token=DEMO_KEY, httpx_args={"transport": SyncASGITransport(app)}
    )
    request = CreateCallRequest(
        agent_id="agt_abc123", to_phone_number="+919876543210", agent_version_number=2
    )
    with client:
        response = create_call.sync_detailed(client=client, body=request)

    assert response.status_code == 400
    assert response.parsed is not None
    assert response.parsed.to_dict()["message"] == (
        "Version 2 of agent agt_abc123 is a draft. Publish it before placing a call."
    )


def test_a_create_whose_response_is_lost_is_not_placed_twice(
    app: Starlette, emulator: Emulator
) -> None:
    """What commit-then-drop is for: whatever the client reports, exactly one call exists."""
    emulator.faults.add(operation="createCall", drop_after_commit=True)
    client = AuthenticatedClient(
        base_url=BASE_URL, token=DEMO_KEY, httpx_args={"transport": SyncASGITransport(app)}
    )
    with client:
        try:
            create_call.sync_detailed(client=client, body=seed_request())
        except Exception as exc:  # the client's own error type for an unknown outcome
            failure: Exception | None = exc
        else:
            failure = None
        listed = list_calls.sync_detailed(client=client).parsed

    assert failure is not None, "a lost response must not look like a success"
    assert isinstance(listed, list)
    assert len(listed) == 1
