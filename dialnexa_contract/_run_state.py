"""What a run has seen so far, for the checks that judge one answer against earlier ones.

One instance per process (`RUN`): the suite's run, or a bare `schemathesis run` that loaded the
hooks. It keeps the calls the run created (what was asked and what the 201 said), and how far the
suite has moved the target's clock. Forgotten when the target is reset (the embedded emulator
between stateful scenarios): calls the target was told to forget are not the target's fault.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

# The fields a call has from its creation and keeps: they never move on their own.
CREATION_FIELDS = (
    "agent_id",
    "to_phone_number",
    "from_phone_number",
    "agent_version_number",
    "metadata",
    "created_at",
)
# The request's fields the record must carry when the request sent them.
PINNED_FIELDS = ("agent_id", "to_phone_number", "from_phone_number", "agent_version_number")


@dataclass(frozen=True)
class CreatedCall:
    id: str
    requested: dict[str, Any]
    """The create's body, as sent (pins included)."""
    record: dict[str, Any]
    """The 201's call record."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class RunState:
    created: dict[str, CreatedCall] = field(default_factory=dict)
    clock_moved_sec: float = 0.0
    """How far the suite moved a live emulator's clock (over HTTP, with --emulator)."""
    target_clock: Callable[[], datetime] | None = None
    """The target's own clock when the suite can read it (an emulator in process)."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def created_call(self, requested: dict[str, Any], record: dict[str, Any]) -> None:
        call = CreatedCall(str(record["id"]), dict(requested), dict(record))
        with self._lock:
            self.created[call.id] = call

    def oldest_created(self, but: str | None = None) -> CreatedCall | None:
        """The first call the run created (and still holds), other than `but`."""
        with self._lock:
            return next((c for c in self.created.values() if c.id != but), None)

    def moved_clock(self, seconds: float) -> None:
        with self._lock:
            self.clock_moved_sec += seconds

    def now(self) -> datetime:
        """What time the target should think it is: its own clock when the suite can read it,
        else this machine's plus whatever the suite moved the target's clock by."""
        if self.target_clock is not None:
            return self.target_clock()
        return _utc_now() + timedelta(seconds=self.clock_moved_sec)

    def forget_calls(self) -> None:
        """The target was reset: every call it had is gone, by request."""
        with self._lock:
            self.created.clear()


RUN = RunState()
