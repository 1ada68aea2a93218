"""A small closed-loop HTTP/1.1 load generator on asyncio streams (keep-alive, one request at a
time per connection), cheap enough that several loops in one client process measure the server,
not the client; and the server's memory, read from /proc."""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks._common import API_KEY


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def request(
        self, method: str, path: str, body: bytes = b"", *, auth: bool = True
    ) -> tuple[int, bytes]:
        head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
        if auth:
            head.append(f"Authorization: Bearer {API_KEY}")
        if body:
            head.append("Content-Type: application/json")
        self._writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        status_line = await self._reader.readline()
        if not status_line:
            raise ConnectionError("closed by the server")
        length = 0
        while (line := await self._reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        content = await self._reader.readexactly(length) if length else b""
        return int(status_line.split()[1]), content

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()


@dataclass
class Tally:
    """Latencies (seconds) and answers of one kind of request."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0  # answers other than the expected status, or failed connections

    @property
    def count(self) -> int:
        return len(self.latencies) + self.errors

    def quantile_ms(self, q: float) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1e3 if self.latencies else float("nan")
        cuts = statistics.quantiles(self.latencies, n=1000, method="inclusive")
        return cuts[min(int(q * 1000), 999) - 1] * 1e3


async def loop(
    port: int,
    until: Callable[[], bool],
    request: Callable[[int], tuple[str, str, bytes]],
    expect: int,
    tally: Tally,
) -> None:
    """Send `request(n)` (method, path, body) one after another until `until()`; reconnect after
    a failure."""
    conn: Connection | None = None
    n = 0
    while not until():
        method, path, body = request(n)
        n += 1
        try:
            conn = conn or await Connection.open(port)
            started = time.perf_counter()
            status, _ = await conn.request(method, path, body)
        except (OSError, asyncio.IncompleteReadError, ConnectionError):
            tally.errors += 1
            conn = None
            continue
        if status == expect:
            tally.latencies.append(time.perf_counter() - started)
        else:
            tally.errors += 1
    if conn is not None:
        await conn.close()


def rss_mb(pids: list[int]) -> float:
    """Resident memory of these processes, MB (their VmRSS summed)."""
    total_kb = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total_kb += int(line.split()[1])
    return total_kb / 1024


def children(pid: int) -> list[int]:
    """The processes `pid` started (uvicorn's workers), or `pid` itself when it has none."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found or [pid]


def cpu_sec(pids: list[int]) -> float:
    """CPU time (user + system) these processes have used, seconds."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def thread_cpu_sec(pid: int) -> tuple[float, float]:
    """CPU time of a process's main thread, and of all its other threads together, seconds."""
    main = others = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rpartition(")")[2].split()
        except OSError:  # the thread ended meanwhile
            continue
        ticks = int(fields[11]) + int(fields[12])
        if int(task.name) == pid:
            main += ticks
        else:
            others += ticks
    tick = os.sysconf("SC_CLK_TCK")
    return main / tick, others / tick
