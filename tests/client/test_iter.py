"""calls.iter against the emulator in process: every call, newest first, no duplicates, in the
fewest page requests (stopping at the first short page); the async twin yields the same."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from dialnexa_client import AsyncDialNexa, DialNexa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from dialnexa_emulator import SyncASGITransport, create_app
from tests.client.conftest import AGENT, TOKEN

PAGE_MAX = 200  # listCalls' largest `limit`
OTHER_AGENT_NUMBER = "+14155550188"


class Counting(SyncASGITransport):
    """The emulator's sync transport, keeping the page requests (listCalls) it serves."""

    def __init__(self, app: Starlette) -> None:
        super().__init__(app)
        self.pages: list[httpx.URL] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path.endswith("/calls"):
            self.pages.append(request.url)
        return super().handle_request(request)


@pytest.fixture(scope="module")
def app() -> Starlette:
    return create_app()


@pytest.fixture(scope="module")
def transport(app: Starlette) -> Counting:
    return Counting(app)


@pytest.fixture(scope="module")
def client(transport: Counting) -> DialNexa:
    return DialNexa(
        api_key=TOKEN, base_url="http://emulator/v1", httpx_args={"transport": transport}
    )


def place(app: Starlette, client: DialNexa, n: int) -> list[str]:
    """A fresh emulator holding exactly n calls; their ids, oldest first."""
    app.state.emulator.reset()
    return [
        client.calls.create(agent_id=AGENT, to_phone_number=f"+91987654{i:04d}").id
        for i in range(n)
    ]


def async_ids(app: Starlette, page_size: int) -> list[str]:
    async def collect() -> list[str]:
        transport = httpx.ASGITransport(app)
        async with AsyncDialNexa(
            api_key=TOKEN, base_url="http://emulator/v1", httpx_args={"transport": transport}
        ) as client:
            return [call.id async for call in client.calls.iter(page_size=page_size)]

    return asyncio.run(collect())


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(n=st.integers(0, 30), page_size=st.integers(1, 32))
def test_iter_yields_every_call_newest_first_in_the_fewest_pages(
    app: Starlette, client: DialNexa, transport: Counting, n: int, page_size: int
) -> None:
    created = place(app, client, n)
    transport.pages.clear()

    ids = [call.id for call in client.calls.iter(page_size=page_size)]

    assert ids == created[::-1]
    # Offset pages over a bare array: the end shows only as a short page, so n // size + 1 requests
    # is the fewest possible, and one more would be a page past the end.
    assert len(transport.pages) == n // page_size + 1
    assert [url.params["page"] for url in transport.pages] == [
        str(p) for p in range(1, len(transport.pages) + 1)
    ]
    assert {url.params["limit"] for url in transport.pages} == {str(page_size)}
    assert async_ids(app, page_size=page_size) == ids


def test_iter_uses_the_largest_page_unless_told(
    app: Starlette, client: DialNexa, transport: Counting
) -> None:
    created = place(app, client, 3)
    transport.pages.clear()
    assert [call.id for call in client.calls.iter()] == created[::-1]
    (url,) = transport.pages
    assert url.params["limit"] == str(PAGE_MAX) and url.params["page"] == "1"


def test_iter_passes_its_filters_on_every_page(
    app: Starlette, client: DialNexa, transport: Counting
) -> None:
    created = place(app, client, 5)
    other = client.calls.create(agent_id=AGENT, to_phone_number=OTHER_AGENT_NUMBER).id
    transport.pages.clear()
    found = [c.id for c in client.calls.iter(to_phone_number="+919876540002", page_size=1)]
    assert found == [created[2]]
    assert all(url.params["to_phone_number"] == "+919876540002" for url in transport.pages)
    assert other in [c.id for c in client.calls.iter(status=["initiated", "created"])]


def test_iter_is_lazy_and_checks_the_page_size(client: DialNexa, transport: Counting) -> None:
    transport.pages.clear()
    calls = client.calls.iter(page_size=PAGE_MAX + 1)
    assert transport.pages == []  # nothing is sent until iteration starts
    with pytest.raises(ValueError, match="page_size"):
        next(calls)


def test_a_call_created_mid_iteration_shifts_no_call_in_twice(
    app: Starlette, client: DialNexa
) -> None:
    created = place(app, client, 5)
    calls = client.calls.iter(page_size=2)
    first = [next(calls).id, next(calls).id]
    # A newer call pushes every call one place down: page 2 now starts with the last of page 1.
    client.calls.create(agent_id=AGENT, to_phone_number=OTHER_AGENT_NUMBER)
    rest = [call.id for call in calls]
    assert first + rest == created[::-1]
