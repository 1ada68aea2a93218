"""The one way out to a live server: an in-process ASGI app forwarding every request over HTTP.

Schemathesis (cases, checks' probes, stateful runs) and the generated client all talk to this app
as they talk to the embedded emulator, so every request of a live run passes `CallGuard.screen`:
a guard no sender can go around, and no code path that differs between the two kinds of target.
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from contract_tests.call_guard import CallGuard, is_create

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


class LiveGateway:
    def __init__(self, base_url: str, guard: CallGuard, *, timeout: float) -> None:
        parts = urlsplit(base_url)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._guard = guard
        self._timeout = timeout
        # Loading the CA bundle takes tens of milliseconds: once, not per request.
        self._tls = ssl.create_default_context()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _serve_lifespan(receive, send)
            return
        body = await _read_body(receive)
        method: str = scope["method"]
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        path = raw_path.decode("latin-1")
        if is_create(method, path):
            body = self._guard.screen(body)
        url = self._origin + path
        if scope["query_string"]:
            url += "?" + scope["query_string"].decode("latin-1")
        headers = [
            (name, value)
            for name, value in scope["headers"]
            if name.decode("latin-1").lower() not in _HOP_BY_HOP
        ]
        async with httpx.AsyncClient(timeout=self._timeout, verify=self._tls) as client:
            response = await client.request(method, url, headers=headers, content=body)
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
