"""`dialnexa-emulator --state FILE --workers 2`: two processes, one view. Calls are created over
many connections; then every call, list and status is read back through a connection to each
worker (told apart by which process holds the server side of the socket, from /proc, and kept
there by tests/hardening/pinned.py whatever closes connections); faults armed, the journal read
and the clock moved through one worker hold in the other."""

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
    listed_ids,
)
from tests.hardening.pinned import PinnedTransport, pinned_client

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
        for worker, (transport, client) in pinned.items():
            await assert_listed_exactly(client, calls)
            await assert_readable_by_owner_only([client], calls, others=False)
            assert transport.worker == worker

        (_, first), (_, second) = pinned.values()
        control = f"{emulator.origin}/_emulator"
        # A fault armed through one worker strikes through the other, once.
        armed = await first.post(
            f"{control}/faults", json={"operation": "getCall", "status": 503, "count": 1}
        )
        assert armed.status_code == 201, armed.text
        call_id = next(iter(calls))
        answers = [
            (await client.get(f"/calls/{call_id}", headers=bearer("north"))).status_code
            for client in (second, first)
        ]
        assert answers == [503, 404 if calls[call_id]["metadata"]["workspace"] != "north" else 200]
        assert (await first.get(f"{control}/faults")).json() == []
        # The journal read through either worker holds both workers' requests.
        assert (await second.delete(f"{control}/requests")).status_code == 204
        await first.get("/calls", params={"limit": 1}, headers=bearer("east"))
        await second.get("/calls", params={"limit": 2}, headers=bearer("west"))
        for client in (first, second):
            journal = (await client.get(f"{control}/requests")).json()
            assert [(e["operation"], e["query"]) for e in journal] == [
                ("listCalls", "limit=1"),
                ("listCalls", "limit=2"),
            ]
        # What cannot be shared is refused, not done in one worker.
        refused = await second.get(f"{control}/webhooks/deliveries")
        assert refused.status_code == 409, refused.text

        # The clock, moved through one worker, moves for both; so does a reset.
        advanced = await first.post(f"{control}/clock/advance", json={"seconds": 60})
        assert advanced.status_code == 200
        assert await _statuses(second) == await _statuses(first) == {"completed"}
        assert (await second.post(f"{control}/reset")).status_code == 204
        for client in (first, second):
            for workspace in KEYS:
                assert await listed_ids(client, workspace) == []
        # A pinned connection that closes (here our end; a server's idle timeout alike) is
        # replaced by one to the same worker, and the request goes there.
        for worker, (transport, client) in pinned.items():
            transport.drop_connection()
            assert (await client.get("/calls", headers=bearer("north"))).status_code == 200
            assert transport.reconnections == 1
            assert transport.worker == worker == transport.serving_now()


async def _a_connection_to_each_worker(
    emulator: EmulatorProcess, stack: AsyncExitStack
) -> dict[int, tuple[PinnedTransport, httpx.AsyncClient]]:
    pinned: dict[int, tuple[PinnedTransport, httpx.AsyncClient]] = {}
    for _ in range(PINNING_ATTEMPTS):
        transport = PinnedTransport(emulator)
        worker = await transport.connect()
        if worker in pinned:
            await transport.aclose()
            continue
        client = pinned_client(emulator, transport)
        stack.push_async_callback(client.aclose)
        pinned[worker] = (transport, client)
        if len(pinned) == WORKERS:
            break
    return pinned


async def _statuses(client: httpx.AsyncClient) -> set[str]:
    statuses: set[str] = set()
    for workspace in KEYS:
        response = await client.get("/calls", params={"limit": 200}, headers=bearer(workspace))
        calls: list[dict[str, Any]] = response.json()
        statuses |= {call["status"] for call in calls}
    return statuses
