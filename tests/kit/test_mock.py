"""`mock_dialnexa()`: api.dialnexa.com is served in process inside the block, and only there."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from dialnexa_client import AsyncDialNexa, AuthenticatedClient, DialNexa
from dialnexa_client.api.calls import create_call, list_calls
from dialnexa_client.errors import PaymentRequiredError
from dialnexa_client.models import CreateCallRequest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from dialnexa_emulator import ConfigError, mock_dialnexa
from tests.serving import served

PRODUCTION_URL = "https://api.dialnexa.com/v1"
BUILT_IN_KEY = "kid_demo:sk_demo_secret"
AUTH = {"Authorization": f"Bearer {BUILT_IN_KEY}"}
BODY = CreateCallRequest(agent_id="agt_abc123", to_phone_number="+919876543210")
ORIGINALS = (httpx.HTTPTransport.handle_request, httpx.AsyncHTTPTransport.handle_async_request)


def production_client() -> AuthenticatedClient:
    """What code under test builds from its production settings."""
    return AuthenticatedClient(base_url=PRODUCTION_URL, token=BUILT_IN_KEY)


def nothing_patched() -> bool:
    current = (httpx.HTTPTransport.handle_request, httpx.AsyncHTTPTransport.handle_async_request)
    return current == ORIGINALS


@pytest.fixture(scope="module")
def other_host() -> Iterator[str]:
    """A server on another host, which a mocked process must still reach as it is."""

    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"other host saw {request.url.path}")

    with served(Starlette(routes=[Route("/{path:path}", hello)])) as url:
        yield url


def test_context_manager_serves_the_generated_client_and_yields_the_handle() -> None:
    with production_client() as client, mock_dialnexa() as emulator:
        assert emulator.api_key == BUILT_IN_KEY
        assert emulator.base_url == PRODUCTION_URL
        call = create_call.sync(client=client, body=BODY)
        assert call.status == "initiated"
        assert [c["id"] for c in emulator.calls] == [call.id]
        emulator.clock.advance(3600)
        assert emulator.calls[0]["status"] == "completed"
    assert nothing_patched()


def test_plain_httpx_sync_and_async_clients_are_served() -> None:
    async def place_async() -> httpx.Response:
        async with httpx.AsyncClient() as client:
            return await client.post(f"{PRODUCTION_URL}/calls", headers=AUTH, json=BODY.to_dict())

    with mock_dialnexa() as emulator:
        placed = httpx.post(f"{PRODUCTION_URL}/calls", headers=AUTH, json=BODY.to_dict())
        assert placed.status_code == 201
        assert asyncio.run(place_async()).status_code == 201
        assert len(emulator.calls) == 2
        assert httpx.get(f"{PRODUCTION_URL}/calls").status_code == 401  # the emulator's auth


def test_a_client_made_before_the_block_and_a_thread_inside_it_are_served() -> None:
    statuses: list[int] = []
    with httpx.Client(base_url=PRODUCTION_URL, headers=AUTH) as client, mock_dialnexa():
        worker = threading.Thread(target=lambda: statuses.append(client.get("/calls").status_code))
        worker.start()
        worker.join()
    assert statuses == [200]


@mock_dialnexa()
def place_a_call() -> str:
    with DialNexa(api_key=BUILT_IN_KEY, base_url=PRODUCTION_URL) as client:
        return client.calls.create(body=BODY).id


@mock_dialnexa
async def count_calls_async(placed: int) -> int:
    async with AsyncDialNexa(api_key=BUILT_IN_KEY, base_url=PRODUCTION_URL) as client:
        for _ in range(placed):
            await client.calls.create(body=BODY)
        return len(await list_calls.asyncio(client=client.api_client))


def test_decorators_give_every_call_a_fresh_emulator() -> None:
    assert place_a_call.__name__ == "place_a_call"
    assert place_a_call() != ""
    assert nothing_patched()
    assert asyncio.run(count_calls_async(2)) == 2
    assert asyncio.run(count_calls_async(1)) == 1  # nothing kept from the call before
    assert nothing_patched()


@mock_dialnexa()
def test_the_decorator_on_a_test_itself() -> None:
    assert httpx.get(f"{PRODUCTION_URL}/calls", headers=AUTH).json() == []


def test_other_hosts_are_untouched_inside_the_block(other_host: str) -> None:
    async def fetch_async() -> str:
        async with httpx.AsyncClient() as client:
            return (await client.get(f"{other_host}/v1/calls")).text

    with mock_dialnexa():
        assert httpx.get(f"{other_host}/v1/calls").text == "other host saw /v1/calls"
        assert asyncio.run(fetch_async()) == "other host saw /v1/calls"


def test_nothing_leaks_out_of_a_block_left_by_an_exception() -> None:
    with pytest.raises(RuntimeError, match="boom"), mock_dialnexa():
        raise RuntimeError("boom")
    assert nothing_patched()


def test_the_innermost_block_wins_and_the_outer_one_comes_back() -> None:
    with mock_dialnexa() as outer:
        with mock_dialnexa() as inner:
            httpx.post(f"{PRODUCTION_URL}/calls", headers=AUTH, json=BODY.to_dict())
        assert (len(outer.calls), len(inner.calls)) == (0, 1)
        httpx.post(f"{PRODUCTION_URL}/calls", headers=AUTH, json=BODY.to_dict())
        assert len(outer.calls) == 1
    assert nothing_patched()


def test_a_custom_config_and_its_key(tmp_path: Path) -> None:
    config = tmp_path / "shop.toml"
    config.write_text(
        '[[workspaces]]\nid = "shop"\nnumbers = ["+14155550123"]\n'
        '[workspaces.telephony]\ndestinations = [{ country = "US" }]\n'
        '[[workspaces.api_keys]]\nid = "kid_shop"\nsecret = "sk_shop"\n',
        encoding="utf-8",
    )
    with mock_dialnexa(config) as emulator:
        assert emulator.api_key == "kid_shop:sk_shop"
        assert httpx.get(f"{PRODUCTION_URL}/calls", headers=AUTH).status_code == 401


def test_a_bad_config_fails_where_the_mock_is_made(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing\.toml"):
        mock_dialnexa(tmp_path / "missing.toml")
    assert nothing_patched()


def test_one_mock_object_is_entered_once_at_a_time() -> None:
    mock = mock_dialnexa()
    with mock, pytest.raises(RuntimeError, match="already active"), mock:
        pass
    assert nothing_patched()


def test_the_handle_reads_the_journal_seeds_calls_and_sets_clock_and_wallet() -> None:
    """What a user's test does with the `dialnexa_emulator` fixture's handle."""
    with DialNexa(api_key=BUILT_IN_KEY) as client, mock_dialnexa() as emulator:
        seeded = emulator.seed_calls({"status": "busy", "count": 30, "every_sec": 5})
        listed = client.calls.list(status=["busy"], limit=200)
        assert [c.id for c in listed] == [c["id"] for c in reversed(seeded)]
        assert [r["operation"] for r in emulator.requests] == ["listCalls"]
        assert emulator.requests[0]["headers"]["authorization"] == "[redacted]"
        emulator.journal.clear()
        assert emulator.requests == []

        emulator.set_balance(0)
        assert emulator.balance() == 0
        with pytest.raises(PaymentRequiredError):
            client.calls.create(agent_id="agt_abc123", to_phone_number="+919876543210")

        emulator.set_clock(datetime(2024, 3, 2, tzinfo=UTC))
        assert emulator.clock.now() == datetime(2024, 3, 2, tzinfo=UTC)
        emulator.reset()
        assert emulator.calls == []
        assert emulator.balance() == 1000000
