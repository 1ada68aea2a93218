"""An httpx transport whose every request reaches one chosen worker process of a served
multi-worker emulator, however long the test runs and whatever closes connections meanwhile.

A connection belongs to the worker that accepted it (read from /proc, EmulatorProcess.pid_serving)
and can never move to another. When the server closes it (an idle timeout, say) before a request
is answered, new connections are opened until the same worker accepts one, and the request is
sent again on it: a request the server closed the connection on was never handled. So pinning
depends on no timing: no request is ever answered by another worker.
"""

from __future__ import annotations

import asyncio
import contextlib

import httpx

from tests.hardening.emulator_process import EmulatorProcess

ATTEMPTS = 500  # connections tried to reach one worker; each lands on one at random
ACCEPT_POLL_SEC = 0.005  # how often /proc is read while a new connection awaits its accept()
ACCEPT_DEADLINE_SEC = 60  # a worker busy that long would fail the test anyway


class NotPinned(AssertionError):
    """No connection reached the worker wanted within ATTEMPTS tries."""


class PinnedTransport(httpx.AsyncBaseTransport):
    def __init__(self, emulator: EmulatorProcess, worker: int | None = None) -> None:
        """Pinned to `worker` (a pid), or to whichever worker accepts the first connection."""
        self.emulator = emulator
        self.worker = worker
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._lock = asyncio.Lock()
        self.reconnections = 0  # times the server closed the pinned connection

    async def connect(self) -> int:
        """Open a connection to the worker (any, if none was chosen); its pid."""
        for _ in range(ATTEMPTS):
            reader, writer = await asyncio.open_connection("127.0.0.1", self.emulator.port)
            worker = await self._accepted_by(writer.get_extra_info("sockname")[1])
            if self.worker in (None, worker):
                self.worker = worker
                self._streams = reader, writer
                return worker
            writer.close()
        raise NotPinned(f"no connection reached worker {self.worker} in {ATTEMPTS} tries")

    async def _accepted_by(self, client_port: int) -> int:
        deadline = asyncio.get_running_loop().time() + ACCEPT_DEADLINE_SEC
        while (worker := self.emulator.pid_serving(client_port)) is None:
            assert asyncio.get_running_loop().time() < deadline, "no worker accepted"
            await asyncio.sleep(ACCEPT_POLL_SEC)
        return worker

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = b"".join([chunk async for chunk in request.stream])  # type: ignore[union-attr]
        head = [f"{request.method} {request.url.raw_path.decode()} HTTP/1.1".encode()]
        head += [name + b": " + value for name, value in request.headers.raw]
        raw = b"\r\n".join(head) + b"\r\n\r\n" + body
        async with self._lock:
            while True:
                if self._streams is None:
                    await self.connect()
                assert self._streams is not None
                try:
                    return await _exchange(*self._streams, raw)
                except (ConnectionError, asyncio.IncompleteReadError):
                    self._streams[1].close()
                    self._streams = None
                    self.reconnections += 1

    def drop_connection(self) -> None:
        """Close our end of the pinned connection, as a server's idle timeout would."""
        if self._streams is not None:
            self._streams[1].close()

    def serving_now(self) -> int | None:
        """The worker holding the pinned connection now (None if it is closed)."""
        if self._streams is None:
            return None
        return self.emulator.pid_serving(self._streams[1].get_extra_info("sockname")[1])

    async def aclose(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            with contextlib.suppress(OSError):
                await self._streams[1].wait_closed()
            self._streams = None


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> httpx.Response:
    writer.write(raw)
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed before an answer")
    headers: list[tuple[bytes, bytes]] = []
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.rstrip(b"\r\n").partition(b":")
        headers.append((name.strip(), value.strip()))
    length = next((int(v) for n, v in headers if n.lower() == b"content-length"), 0)
    content = await reader.readexactly(length)
    return httpx.Response(int(status_line.split()[1]), headers=headers, content=content)


def pinned_client(emulator: EmulatorProcess, transport: PinnedTransport) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=emulator.api, transport=transport, timeout=60)
