"""The emulator's clock: calls age by it, and tests move it instead of sleeping."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

# Every moment the emulator keeps or shows lies between these. Python's datetime ends with 9999; a
# call placed at the latest moment schedules its statuses and webhook retries days ahead, and a
# seed reaches back from it, so the bound stays far from that end. Before 1970 a rate-limit reset
# (Unix seconds) would be negative.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


class ClockRangeError(ValueError):
    """A moment outside EARLIEST..LATEST; the message names the field and the range."""


def allowed_range() -> str:
    return f"from {iso(EARLIEST)} to {iso(LATEST)}"


def check_in_range(moment: datetime, field: str) -> datetime:
    """`moment`, or ClockRangeError naming `field` if it lies outside EARLIEST..LATEST."""
    if not EARLIEST <= moment <= LATEST:
        raise ClockRangeError(f"{field} must be {allowed_range()}; got {_shown(moment)}")
    return moment


def _shown(moment: datetime) -> str:
    try:
        return iso(moment)
    except OverflowError:  # in UTC it would be year 0 or 10000
        return moment.isoformat()


def check_advance(now: datetime, seconds: float) -> None:
    """ValueError unless moving the clock `seconds` forward from `now` is allowed."""
    _check_forward(seconds)
    room = (LATEST - now).total_seconds()  # in seconds: now + seconds may not be a datetime
    if seconds > room:
        raise ClockRangeError(
            f"seconds: {seconds:g} would take the clock past {iso(LATEST)} (the clock stays "
            f"{allowed_range()}); at most {max(room, 0):.3f} from {iso(now)}"
        )


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
        check_advance(self.now(), seconds)
        self._offset += seconds

    def set(self, moment: datetime) -> None:
        check_in_range(moment, "now")
        # Not through now(): it must work even when the clock reads outside datetime's range.
        elapsed = time.monotonic() - self._started_monotonic
        self._offset = (moment - self._started_at).total_seconds() - elapsed

    def reset(self) -> None:
        self._offset = 0.0


class FrozenClock:
    """A clock that stands still until advanced: fully deterministic timelines for tests."""

    def __init__(self, start: datetime = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._start = check_in_range(_utc(start, "start"), "start")
        self._now = self._start

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        check_advance(self._now, seconds)
        self._now += timedelta(seconds=seconds)

    def set(self, moment: datetime) -> None:
        self._now = check_in_range(_utc(moment, "now"), "now")

    def reset(self) -> None:
        self._now = self._start


def _check_forward(seconds: float) -> None:
    if not seconds >= 0:  # also refuses NaN
        raise ValueError(f"the clock only moves forward; got {seconds} seconds")


def _utc(moment: datetime, field: str) -> datetime:
    """`moment` in UTC; ClockRangeError if that is past the ends of datetime (0001-01-01T00:00
    at +01:00 is still year 0 in UTC)."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ClockRangeError(f"{field} must be {allowed_range()}; got {_shown(moment)}") from None


def parse_iso(text: str, field: str = "date-time") -> datetime:
    """An RFC 3339 date-time (already checked by its schema's `format`) as a UTC datetime;
    ClockRangeError, naming `field`, if it cannot be one.

    Python reads neither a lowercase `t` / `z` nor a leap second (read as the second before).
    """
    return _utc(datetime.fromisoformat(text.upper().replace(":60", ":59")), field)


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
