"""For in-process callers: the parts that need httpx, apart so serving never imports it (slow).

`httpx.ASGITransport` only serves `httpx.AsyncClient`; `SyncASGITransport` serves `httpx.Client`.
"""

from __future__ import annotations

import asyncio
import threading

import httpx
from starlette.types import ASGIApp

from dialnexa_emulator.web._dropped import ConnectionDropped

__all__ = ["ConnectionDropped", "SyncASGITransport"]


class SyncASGITransport(httpx.BaseTransport):
    """Serve a sync httpx client from an ASGI app, on an event loop in a private thread.

    The thread keeps it usable from code that already runs an event loop. App exceptions reach
    the caller as raised, so an injected dropped connection surfaces as `ConnectionDropped`,
    an `httpx.TransportError`, exactly as with `httpx.ASGITransport`.
    """

    def __init__(self, app: ASGIApp, client: tuple[str, int] = ("127.0.0.1", 123)) -> None:
        """`client` is the peer address the app sees, as for `httpx.ASGITransport`."""
        self._transport = httpx.ASGITransport(app, client=client)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="dialnexa-emulator", daemon=True
        )
        self._thread.start()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # a sync body stream cannot be read on the loop; bytes can
        return asyncio.run_coroutine_threadsafe(self._send(request), self._loop).result()

    async def _send(self, request: httpx.Request) -> httpx.Response:
        response = await self._transport.handle_async_request(request)
        content = await response.aread()
        return httpx.Response(response.status_code, headers=response.headers, content=content)

    def close(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()
