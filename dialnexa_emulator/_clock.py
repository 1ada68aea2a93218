"""The emulator's clock: calls age by it, and tests move it instead of sleeping."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds` (≥ 0)."""

    def set(self, moment: datetime) -> None:
        """Make it `moment` now (timezone-aware), from where it goes on as before.

        Raw: `Emulator.set_clock` checks the clock does not go back past a call.
        """

    def reset(self) -> None:
        """Return to the time the clock started at."""


class SystemClock:
    """Real time, plus whatever `advance` added: calls progress by themselves and on demand.

    Measured on the monotonic clock from start-up, so it never runs backwards when the system
    time is adjusted, which keeps "newest first" the same as "created last".
    """

    def __init__(self) -> None:
        self._started_at = datetime.now(UTC)
        self._started_monotonic = time.monotonic()
        self._offset = 0.0

    def now(self) -> datetime:
        elapsed = time.monotonic() - self._started_monotonic + self._offset
        return self._started_at + timedelta(seconds=elapsed)

    def advance(self, seconds: float) -> None:
        _check_forward(seconds)
        self._offset += seconds

    def set(self, moment: datetime) -> None:
        self._offset += (moment - self.now()).total_seconds()

    def reset(self) -> None:
        self._offset = 0.0


class FrozenClock:
    """A clock that stands still until advanced: fully deterministic timelines for tests."""

    def __init__(self, start: datetime = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._start = start.astimezone(UTC)
        self._now = self._start

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        _check_forward(seconds)
        self._now += timedelta(seconds=seconds)

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(UTC)

    def reset(self) -> None:
        self._now = self._start


def _check_forward(seconds: float) -> None:
    if not seconds >= 0:  # also refuses NaN
        raise ValueError(f"the clock only moves forward; got {seconds} seconds")


def parse_iso(text: str) -> datetime:
    """An RFC 3339 date-time (already checked by its schema's `format`) as a UTC datetime.

    Python reads neither a lowercase `t` / `z` nor a leap second (read as the second before).
    """
    return datetime.fromisoformat(text.upper().replace(":60", ":59")).astimezone(UTC)


@lru_cache(maxsize=4096)  # a call's times are written on every read of it
def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and `Z`, as DialNexa writes times."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"  # without "+00:00"


def with_text_times(entry: Any) -> Any:
    """An entry with a `created_at` datetime (TOML's own, or Python's) as RFC 3339 text."""
    if isinstance(entry, Mapping) and isinstance(entry.get("created_at"), datetime):
        return {**entry, "created_at": entry["created_at"].isoformat()}
    return entry
