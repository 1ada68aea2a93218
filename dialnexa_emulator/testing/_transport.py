"""For in-process callers: the parts that need httpx, apart so serving never imports it (slow).

`httpx.ASGITransport` only serves `httpx.AsyncClient`; `SyncASGITransport` serves `httpx.Client`,
and `AsyncASGITransport` the async ones under `mock_dialnexa()`. Both call the app directly
(`exchange`): a test's every request goes through here, and httpx's own ASGI transport spends more
per request (an import attempt, an event) than the emulator takes to answer.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
from starlette.types import ASGIApp, Message

from dialnexa_emulator.web._dropped import ConnectionDropped

__all__ = ["ConnectionDropped", "SyncASGITransport"]


async def exchange(app: ASGIApp, request: httpx.Request, client: tuple[str, int]) -> httpx.Response:
    """One request through the ASGI app, as `httpx.ASGITransport` sends it (app exceptions are
    raised to the caller); the body must have been read."""
    url = request.url
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "headers": [(name.lower(), value) for name, value in request.headers.raw],
        "scheme": url.scheme,
        "path": url.path,
        "raw_path": url.raw_path.split(b"?")[0],
        "query_string": url.query,
        "server": (url.host, url.port),
        "client": client,
        "root_path": "",
    }
    sent = False
    done: asyncio.Event | None = None
    status = 500
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent, done
        if not sent:
            sent = True
            return {"type": "http.request", "body": request.content, "more_body": False}
        if done is None:  # asked again before the answer is complete: wait for it (as httpx)
            done = asyncio.Event()
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status, headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False) and done is not None:
                done.set()

    await app(scope, receive, send)
    return httpx.Response(status, headers=headers, content=b"".join(chunks), request=request)


class AsyncASGITransport(httpx.AsyncBaseTransport):
    """`httpx.ASGITransport`, lighter: see `exchange`."""

    def __init__(self, app: ASGIApp, client: tuple[str, int] = ("127.0.0.1", 123)) -> None:
        self._app, self._client = app, client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return await exchange(self._app, request, self._client)


class SyncASGITransport(httpx.BaseTransport):
    """Serve a sync httpx client from an ASGI app, on an event loop of the calling thread's own.

    Called from code that already runs an event loop, it uses a loop in a private thread instead.
    App exceptions reach the caller as raised, so an injected dropped connection surfaces as
    `ConnectionDropped`, an `httpx.TransportError`, exactly as with `httpx.ASGITransport`.
    """

    def __init__(self, app: ASGIApp, client: tuple[str, int] = ("127.0.0.1", 123)) -> None:
        """`client` is the peer address the app sees, as for `httpx.ASGITransport`."""
        self._app, self._client = app, client
        self._lock = threading.Lock()
        self._loops: list[asyncio.AbstractEventLoop] = []  # every one made, to close
        self._local = threading.local()  # this thread's loop, when it has none running
        self._thread: threading.Thread | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None

    def poll_clock(self, url: httpx.URL) -> Any:
        """The client's `calls.wait` runs on the emulator's clock (if the app is an emulator):
        see the client's `polling.offered_clock`."""
        emulator = getattr(getattr(self._app, "state", None), "emulator", None)
        if emulator is None:
            return None
        from dialnexa_emulator.testing._waiting import WaitClock  # noqa: PLC0415

        return WaitClock(emulator)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # a sync body stream cannot be read on the loop; bytes can
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # the usual case: run it here, on this thread's own loop
            return self._own_loop().run_until_complete(self._send(request))
        # Called from code that runs a loop already: that loop is busy, so use a private thread.
        future = asyncio.run_coroutine_threadsafe(self._send(request), self._background_loop())
        return future.result()

    def _own_loop(self) -> asyncio.AbstractEventLoop:
        loop: asyncio.AbstractEventLoop | None = getattr(self._local, "loop", None)
        if loop is None:
            loop = self._local.loop = asyncio.new_event_loop()
            with self._lock:
                self._loops.append(loop)
        return loop

    def _background_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._thread_loop is None:
                self._thread_loop = loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=loop.run_forever, name="dialnexa-emulator", daemon=True
                )
                self._thread.start()
            return self._thread_loop

    async def _send(self, request: httpx.Request) -> httpx.Response:
        return await exchange(self._app, request, self._client)

    def close(self) -> None:
        with self._lock:
            thread, loop, self._thread, self._thread_loop = (
                self._thread,
                self._thread_loop,
                None,
                None,
            )
            loops, self._loops = self._loops, []
        if thread is not None and loop is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            loop.close()
        for own in loops:
            if not own.is_running():
                own.close()
