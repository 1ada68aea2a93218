"""`dialnexa-emulator --state FILE --workers 2`: two processes, one view. Calls are created over
many connections; then every call, list and status is read back through a connection to each
worker (told apart by which process holds the server side of the socket, from /proc)."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from dialnexa_emulator.server._state_file import SqliteStore, StateFile
from tests.hardening.conftest import FOUR_WORKSPACES, KEYS, bearer
from tests.hardening.emulator_process import EmulatorProcess
from tests.hardening.load import (
    DEADLINE_SEC,
    assert_listed_exactly,
    assert_readable_by_owner_only,
    create_calls,
    http_client,
    listed_ids,
)

CALLS = 1_000
WORKERS = 2
PINNING_ATTEMPTS = 200  # new connections tried until each worker has accepted one

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")


def test_two_workers_serve_one_consistent_view(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    with EmulatorProcess(
        "--config", FOUR_WORKSPACES, "--state", state, "--workers", str(WORKERS)
    ) as emulator:
        asyncio.run(_one_view_from_every_worker(emulator, state))
        assert not [line for line in emulator.stderr if "Traceback" in line or "ERROR" in line]


async def _one_view_from_every_worker(emulator: EmulatorProcess, state: Path) -> None:
    calls = await create_calls(emulator.api, CALLS)
    assert len(calls) == CALLS
    store = SqliteStore(StateFile(state), {})
    for workspace in KEYS:  # every create was charged exactly once, whichever worker took it
        assert store.balance(workspace) == Decimal(1000) - CALLS // 4 * Decimal("0.05")

    async with AsyncExitStack() as stack, asyncio.timeout(DEADLINE_SEC):
        pinned = await _a_connection_to_each_worker(emulator, stack)
        assert len(pinned) == WORKERS, "a connection to every worker"
        for worker, client in pinned.items():
            await assert_listed_exactly(client, calls)
            await assert_readable_by_owner_only([client], calls, others=False)
            assert await _worker_of(emulator, client) == worker, "the connection was replaced"

        # The clock, moved through one worker, moves for both; so does a reset.
        first, second = pinned.values()
        advanced = await first.post(
            f"{emulator.origin}/_emulator/clock/advance", json={"seconds": 60}
        )
        assert advanced.status_code == 200
        assert await _statuses(second) == await _statuses(first) == {"completed"}
        assert (await second.post(f"{emulator.origin}/_emulator/reset")).status_code == 204
        for client in (first, second):
            for workspace in KEYS:
                assert await listed_ids(client, workspace) == []


async def _a_connection_to_each_worker(
    emulator: EmulatorProcess, stack: AsyncExitStack
) -> dict[int, httpx.AsyncClient]:
    pinned: dict[int, httpx.AsyncClient] = {}
    for _ in range(PINNING_ATTEMPTS):
        client = http_client(emulator.api, connections=1)
        stack.push_async_callback(client.aclose)
        worker = await _worker_of(emulator, client)
        if worker is not None:
            pinned.setdefault(worker, client)
        if len(pinned) == WORKERS:
            break
    return pinned


async def _worker_of(emulator: EmulatorProcess, client: httpx.AsyncClient) -> int | None:
    """The worker at the other end of the client's (single, kept-alive) connection."""
    response = await client.get("/calls", params={"limit": 1}, headers=bearer("north"))
    assert response.status_code == 200
    _, client_port = response.extensions["network_stream"].get_extra_info("client_addr")
    return emulator.pid_serving(client_port)


async def _statuses(client: httpx.AsyncClient) -> set[str]:
    statuses: set[str] = set()
    for workspace in KEYS:
        response = await client.get("/calls", params={"limit": 200}, headers=bearer(workspace))
        calls: list[dict[str, Any]] = response.json()
        statuses |= {call["status"] for call in calls}
    return statuses
