"""Optional per-key rate limits: fixed windows on the emulator's clock."""

from __future__ import annotations

import math
from dataclasses import dataclass

from dialnexa_emulator._errors import ApiError

TOO_MANY_REQUESTS = "Too many requests. Please slow down and retry after a moment."


@dataclass(frozen=True, slots=True)
class RateLimit:
    requests: int
    window_sec: float


@dataclass(slots=True)
class _Window:
    started: float
    used: int = 0


class RateLimiter:
    def __init__(self) -> None:
        self._windows: dict[str, _Window] = {}

    def admit(self, key_id: str, limit: RateLimit, now: float) -> dict[str, str]:
        """Count one request of `key_id` at Unix time `now`; the X-RateLimit-* headers to send.

        Raises a 429 with `Retry-After` once the window's requests are used up.
        """
        window = self._windows.get(key_id)
        if window is None or now >= window.started + limit.window_sec:
            window = self._windows[key_id] = _Window(started=now)
        ends = window.started + limit.window_sec
        if window.used >= limit.requests:
            headers = _headers(limit.requests, 0, ends)
            headers["Retry-After"] = str(max(1, math.ceil(ends - now)))
            raise ApiError(429, TOO_MANY_REQUESTS, headers)
        window.used += 1
        return _headers(limit.requests, limit.requests - window.used, ends)

    def reset(self) -> None:
        self._windows.clear()


def _headers(limit: int, remaining: int, resets_at: float) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(math.ceil(resets_at)),
    }
