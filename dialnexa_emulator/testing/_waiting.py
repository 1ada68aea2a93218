"""Waits that take no time: the clock the kit's transports offer the client's `calls.wait`.

The client asks the transport serving its base URL for a `poll_clock(url)` (see the client's
`polling.offered_clock`); the kit's transports answer with a `WaitClock` on their emulator, so
the wait moves the emulator's frozen clock between reads instead of sleeping. Before it moves the
clock it checks that waiting can end: a call that will never reach a final status (seeded in an
in-flight status, which a call keeps forever) fails the wait at once, saying so.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from dialnexa_emulator._lifecycle import OUTCOMES

if TYPE_CHECKING:
    from dialnexa_emulator._emulator import Emulator


class NeverEndingWait(AssertionError):
    """`calls.wait` on a call that nothing will ever end: the test fails at once, not after the
    wait's timeout."""


class WaitClock:
    """A `PollClock` on an emulator's clock: `advance` moves it (no sleeping)."""

    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator

    def now(self) -> datetime:
        return self._emulator.clock.now()

    def advance(self, seconds: float) -> None:
        self._check_it_can_end()
        self._emulator.clock.advance(seconds)

    def _check_it_can_end(self) -> None:
        emulator = self._emulator
        last = emulator.journal.last("getCall")
        if last is None or last["status"] != 200 or last["override_id"]:
            return
        call_id = last["path"].rstrip("/").rsplit("/", 1)[-1]
        call = emulator.store.get(last["workspace_id"], call_id)
        if call is None:
            return
        status = call.timeline[-1][1]
        if status not in OUTCOMES:
            raise NeverEndingWait(
                f"waiting for {call_id} to end would never return: it is {status!r} and stays "
                f"so, as a call seeded in an in-flight status does (the emulator's clock is "
                f"frozen and only the wait moves it). Seed it with a final status "
                f"({', '.join(OUTCOMES)}) or place it with calls.create; to test how your code "
                f"handles a wait that times out, pass clock=<the emulator's handle>.clock to "
                f"wait, which then runs to its timeout"
            )
