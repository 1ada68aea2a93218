"""The one way out to a live server: an in-process ASGI app forwarding every request over HTTP.

Schemathesis (cases, checks' probes, stateful runs) and the generated client all talk to this app
as they talk to the embedded emulator, so every request of a live run passes `CallGuard.screen`:
a guard no sender can go around, and no code path that differs between the two kinds of target.

It also paces the run by the target's rate limit (`Pacer`): a 429 is waited out and the request
sent again, so no check ever judges an operation by a throttled answer.
"""

from __future__ import annotations

import math
import ssl
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx

from dialnexa_contract._call_guard import CallGuard, is_create
from dialnexa_contract._run_stats import STATS

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# Set per connection by whoever sends the request on; forwarding them would garble it.
_HOP_BY_HOP = frozenset(
    {"host", "connection", "keep-alive", "transfer-encoding", "te", "upgrade", "content-length"}
)
# httpx hands over a decoded body, so its original encoding and length no longer apply.
_STALE_RESPONSE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
# A target that keeps answering 429 after this many waits gets its 429 judged like any answer.
MAX_RATE_LIMITED_RETRIES = 30
_EARLIEST_UNIX_RESET = 1_000_000_000  # September 2001


class Pacer:
    """Waits as the target's `Retry-After` and `X-RateLimit-*` headers say, and counts it."""

    def __init__(self) -> None:
        self._resume_at = 0.0  # time.monotonic() before which the window has no request left

    async def wait_turn(self) -> None:
        await self._sleep(self._resume_at - time.monotonic())

    async def after(self, response: httpx.Response) -> bool:
        """Note the answer's rate-limit headers; True (after waiting) if it must be sent again."""
        until_reset = seconds_until_reset(response.headers)
        if response.status_code == 429:
            STATS.add("rate_limited")
            retry_after = _number(response.headers.get("retry-after"))
            await self._sleep(retry_after if retry_after is not None else until_reset or 1.0)
            return True
        if response.headers.get("x-ratelimit-remaining") == "0" and until_reset:
            self._resume_at = time.monotonic() + until_reset
        return False

    @staticmethod
    async def _sleep(seconds: float) -> None:
        if seconds > 0:
            STATS.add("waited_sec", seconds)
            await anyio.sleep(seconds)


def _number(value: str | None) -> float | None:
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) and number >= 0 else None


def seconds_until_reset(headers: httpx.Headers) -> float | None:
    """Seconds until `X-RateLimit-Reset`, at most an hour (past any sane window).

    The spec makes it a Unix time; DialNexa has been seen sending the seconds left (`60`), so a
    value no Unix time of this century can be is read as that.
    """
    reset = _number(headers.get("x-ratelimit-reset"))
    if reset is None:
        return None
    left = reset if reset < _EARLIEST_UNIX_RESET else reset - time.time()
    return min(max(0.0, left), 3600.0)


class LiveGateway:
    def __init__(self, base_url: str, guard: CallGuard, *, token: str, timeout: float) -> None:
        parts = urlsplit(base_url)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._guard = guard
        self._run_authorization = f"Bearer {token}".encode("latin-1")
        self._timeout = timeout
        # Loading the CA bundle takes tens of milliseconds: once, not per request.
        self._tls = ssl.create_default_context()
        self.pacer = Pacer()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _serve_lifespan(receive, send)
            return
        body = await _read_body(receive)
        method: str = scope["method"]
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        path = raw_path.decode("latin-1")
        probe = False
        if is_create(method, path):
            authorization = dict(scope["headers"]).get(b"authorization")
            with_run_key = authorization == self._run_authorization
            body, probe = self._guard.screen(body, with_run_key=with_run_key)
        url = self._origin + path
        if scope["query_string"]:
            url += "?" + scope["query_string"].decode("latin-1")
        headers = [
            (name, value)
            for name, value in scope["headers"]
            if name.decode("latin-1").lower() not in _HOP_BY_HOP
        ]
        async with httpx.AsyncClient(timeout=self._timeout, verify=self._tls) as client:
            for _ in range(MAX_RATE_LIMITED_RETRIES + 1):
                await self.pacer.wait_turn()
                STATS.add("requests")
                response = await client.request(method, url, headers=headers, content=body)
                if not await self.pacer.after(response):
                    break
        if probe:
            self._guard.settle_probe(accepted=response.is_success)
            STATS.add("probes")
            STATS.add("probes_accepted", response.is_success)
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": [
                    (name, value)
                    for name, value in response.headers.raw
                    if name.decode("latin-1").lower() not in _STALE_RESPONSE_HEADERS
                ],
            }
        )
        await send({"type": "http.response.body", "body": response.content})


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _serve_lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
