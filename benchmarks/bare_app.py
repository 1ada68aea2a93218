"""The ceiling for benchmarks/emulator.py: a bare ASGI app on the same uvicorn stack as the
emulator, answering every request with a fixed, pre-encoded Call (201 for POST, 200 otherwise)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]

BODY = (
    b'{"id":"call_abc123","status":"initiated","agent_id":"agt_abc123",'
    b'"to_phone_number":"+919876543210","created_at":"2024-03-01T10:00:00.000Z"}'
)
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(
    scope: Scope,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    if scope["type"] != "http":  # lifespan: nothing to set up
        return
    # Drain the request body, as any real handler must.
    while (await receive()).get("more_body", False):
        pass
    status = 201 if scope["method"] == "POST" else 200
    await send({"type": "http.response.start", "status": status, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
