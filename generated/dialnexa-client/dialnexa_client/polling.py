"""How `calls.wait` paces itself: poll interval, Retry-After, the deadline, and the clock it runs on.

DialNexa asks pollers to wait 5 to 10 seconds between reads of a call; `wait` waits
`DEFAULT_POLL_INTERVAL` unless told otherwise, never less than `MIN_POLL_INTERVAL`, and after a 429
at least the server's Retry-After.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from attrs import evolve

from .errors import RateLimitError, WaitTimeoutError

if TYPE_CHECKING:
    import httpx

    from .client import RetryPolicy
    from .models.call import Call

DEFAULT_POLL_INTERVAL = 5.0
"""Seconds between reads: the low end of DialNexa's advice (5 to 10 s)."""

MIN_POLL_INTERVAL = 1.0
"""No wait between two reads of a call is ever shorter."""


class PollClock(Protocol):
    """What `wait` needs of a clock: the time, and a way to let time pass. The emulator's
    `FrozenClock` is one: `advance` moves it at once, so a test waits without sleeping."""

    def now(self) -> datetime: ...
    def advance(self, seconds: float) -> None: ...


class SystemClock:
    """Real time: `now` runs on the monotonic clock (unaffected by changes of the system time) and
    `advance` sleeps."""

    _START = datetime(2000, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self._START + timedelta(seconds=time.monotonic())

    def advance(self, seconds: float) -> None:
        time.sleep(seconds)


def offered_clock(http: httpx.Client | httpx.AsyncClient) -> PollClock | None:
    """The clock the transport serving `http`'s base URL offers for waits, if any.

    The extension point for test doubles: a transport with a `poll_clock(url)` method returning a
    `PollClock` (or None) has `wait` run on that clock instead of real time, with no ``clock=``
    from the caller. The kit's emulator transports offer their frozen clock, so waits in tests are
    instant; httpx's own transports have no such method, so outside tests nothing changes.
    """
    find = getattr(http, "_transport_for_url", None)  # httpx's lookup, mounts included
    hook = getattr(find(http.base_url), "poll_clock", None) if find is not None else None
    clock: PollClock | None = hook(http.base_url) if callable(hook) else None
    return clock


def checked_interval(poll_interval: float | None) -> float:
    """The poll interval to use; ValueError below `MIN_POLL_INTERVAL`."""
    if poll_interval is None:
        return DEFAULT_POLL_INTERVAL
    if not poll_interval >= MIN_POLL_INTERVAL:  # NaN too
        raise ValueError(f"poll_interval must be at least {MIN_POLL_INTERVAL:g} s, not {poll_interval!r}")
    return float(poll_interval)


def on_clock(policy: RetryPolicy, clock: PollClock) -> RetryPolicy:
    """`policy`, waiting between its retries on `clock` (so that they count towards the deadline)."""
    return evolve(policy, sleep=clock.advance, async_sleep=async_advance(clock))


class Poll:
    """One wait: after each read, how long to wait before the next, or the error that ends it."""

    def __init__(self, clock: PollClock, timeout: float, poll_interval: float | None) -> None:
        if not timeout >= 0:
            raise ValueError(f"timeout must be a number of seconds >= 0, not {timeout!r}")
        self.interval = checked_interval(poll_interval)
        self.timeout = timeout
        self.clock = clock
        self.deadline = clock.now() + timedelta(seconds=timeout)
        self.last: Call | None = None

    def _remaining(self) -> float:
        return (self.deadline - self.clock.now()).total_seconds()

    def in_flight(self, call: Call) -> float:
        """Seconds to wait after a read that found `call` not final yet; at the deadline,
        WaitTimeoutError with that call."""
        self.last = call
        remaining = self._remaining()
        if remaining <= 0:
            raise WaitTimeoutError(call, self.timeout)
        return max(MIN_POLL_INTERVAL, min(self.interval, remaining))

    def rate_limited(self, error: RateLimitError) -> float:
        """Seconds to wait after a read answered 429 (its retries spent): its Retry-After, at least
        the poll interval. When that would pass the deadline: WaitTimeoutError with the last call
        seen, or `error` itself if no read has succeeded yet."""
        delay = max(self.interval, error.retry_after or 0.0)
        if delay > self._remaining():
            if self.last is None:
                raise error
            raise WaitTimeoutError(self.last, self.timeout) from error
        return delay


def async_advance(clock: PollClock | None) -> Callable[[float], Awaitable[None]]:
    """How the async `wait` lets time pass: `asyncio.sleep`, or `clock.advance` when one is given."""
    if clock is None:
        import asyncio  # noqa: PLC0415  (only async callers need it)

        return asyncio.sleep

    async def advance(seconds: float) -> None:
        clock.advance(seconds)

    return advance
