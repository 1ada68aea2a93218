"""Load: 1,000 concurrent creates over 4 workspaces, on `dialnexa-emulator` over real HTTP."""

from __future__ import annotations

import asyncio

from tests.hardening.emulator_process import EmulatorProcess
from tests.hardening.load import (
    READ_STREAMS,
    assert_listed_exactly,
    assert_readable_by_owner_only,
    clients_for,
    create_calls,
)

CALLS = 1_000


def test_1000_concurrent_creates_are_all_kept_and_each_seen_by_its_workspace_only(
    served: EmulatorProcess,
) -> None:
    async def scenario() -> None:
        calls = await create_calls(served.api, CALLS)

        assert len(calls) == CALLS  # distinct ids
        async with clients_for(served.api, READ_STREAMS, connections=1) as clients:
            await assert_listed_exactly(clients[0], calls)
            await assert_readable_by_owner_only(clients, calls)

    asyncio.run(scenario())
    assert not [line for line in served.stderr if "Traceback" in line or "ERROR" in line]
