"""Many creates at once over real HTTP, and reading every call back: the load and worker tests.

httpx's connection pool does work for every queued request each time it hands out a connection,
so a thousand requests on one client cost seconds of CPU. Here a client gets at most as many
requests at a time as it has connections, and reads run as a few sequential streams.
"""

from __future__ import annotations

import asyncio
import math
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, TypeVar

import httpx

from tests.hardening.conftest import CREATE, KEYS, bearer

DEADLINE_SEC = 180  # a bound on every burst and read-back; they take seconds
PAGE = 200  # listCalls' largest page
CONNECTIONS_PER_CLIENT = 10
READ_STREAMS = 8
# Unused on plain HTTP, but httpx builds one per client unless given one: tens of milliseconds.
_TLS = ssl.create_default_context()

Item = TypeVar("Item")


def http_client(api: str, connections: int = CONNECTIONS_PER_CLIENT) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=api, limits=limits, timeout=60, verify=_TLS)


@asynccontextmanager
async def clients_for(
    api: str, requests: int, connections: int = CONNECTIONS_PER_CLIENT
) -> AsyncIterator[list[httpx.AsyncClient]]:
    """Enough clients for `requests` at once, each request on a connection of its own."""
    async with AsyncExitStack() as stack:
        count = math.ceil(requests / connections)
        yield [await stack.enter_async_context(http_client(api, connections)) for _ in range(count)]


def create_body(n: int, workspace: str) -> dict[str, Any]:
    return {**CREATE, "metadata": {"n": n, "workspace": workspace}}


def owner(call: dict[str, Any]) -> str:
    workspace: str = call["metadata"]["workspace"]
    return workspace


async def create_calls(api: str, count: int) -> dict[str, dict[str, Any]]:
    """`count` creates at once, each on its own connection, spread round-robin over the
    workspaces; the created calls by id."""
    workspaces = list(KEYS)

    async def create(client: httpx.AsyncClient, n: int) -> dict[str, Any]:
        workspace = workspaces[n % len(workspaces)]
        response = await client.post(
            "/calls", json=create_body(n, workspace), headers=bearer(workspace)
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async with asyncio.timeout(DEADLINE_SEC), clients_for(api, count) as clients:
        created = await asyncio.gather(
            *(create(clients[n % len(clients)], n) for n in range(count))
        )
    return {call["id"]: call for call in created}


async def listed_ids(client: httpx.AsyncClient, workspace: str) -> list[str]:
    """Every id listCalls shows the workspace, page by page."""
    ids: list[str] = []
    for page in range(1, 10_000):
        response = await client.get(
            "/calls", params={"page": page, "limit": PAGE}, headers=bearer(workspace)
        )
        assert response.status_code == 200, response.text
        ids += [call["id"] for call in response.json()]
        if len(response.json()) < PAGE:
            return ids
    raise AssertionError("listCalls never ended")


async def assert_listed_exactly(
    client: httpx.AsyncClient, calls: dict[str, dict[str, Any]]
) -> None:
    """Each workspace's list holds exactly its calls: none lost, none twice, none of another's."""
    for workspace in KEYS:
        ids = await listed_ids(client, workspace)
        assert len(ids) == len(set(ids)), f"{workspace}: a call listed twice"
        assert set(ids) == {i for i, call in calls.items() if owner(call) == workspace}


async def assert_readable_by_owner_only(
    clients: Sequence[httpx.AsyncClient],
    calls: dict[str, dict[str, Any]],
    *,
    others: bool = True,
) -> None:
    """getCall returns each call to its own workspace and, when `others`, a 404 to every other
    workspace; the reads are shared out over `clients`."""

    async def check(client: httpx.AsyncClient, read: tuple[str, str]) -> None:
        call_id, workspace = read
        response = await client.get(f"/calls/{call_id}", headers=bearer(workspace))
        if workspace != owner(calls[call_id]):
            assert response.status_code == 404, response.text
            return
        assert response.status_code == 200, response.text
        for field in ("id", "created_at", "metadata", "agent_id", "to_phone_number"):
            assert response.json()[field] == calls[call_id][field]

    reads = [
        (call_id, workspace)
        for call_id, call in calls.items()
        for workspace in (KEYS if others else [owner(call)])
    ]
    await in_streams(clients, reads, check)


async def in_streams(
    clients: Sequence[httpx.AsyncClient],
    items: Sequence[Item],
    check: Callable[[httpx.AsyncClient, Item], Awaitable[None]],
) -> None:
    """`check(client, item)` for every item: one sequential stream per client, all at once."""

    async def stream(k: int) -> None:
        for item in items[k :: len(clients)]:
            await check(clients[k], item)

    async with asyncio.timeout(DEADLINE_SEC):
        await asyncio.gather(*(stream(k) for k in range(len(clients))))
