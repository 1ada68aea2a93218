"""The emulator as users run it: `python -m dialnexa_emulator --port 0 ...` in a subprocess of its
own process group (so its workers go with it), every line it prints kept."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import IO

STARTUP_TIMEOUT_SEC = 30
STOP_TIMEOUT_SEC = 15
_URL_LINE = re.compile(r"listening on (http://127\.0\.0\.1:(\d+))/v1$")


class EmulatorProcess:
    def __init__(self, *args: str | Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dialnexa_emulator", "--port", "0", *map(str, args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._origin: str | None = None
        self._started = threading.Event()
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.stdout)),
            threading.Thread(target=self._read, args=(self.process.stderr, self.stderr)),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: IO[str], lines: list[str]) -> None:
        for line in stream:
            lines.append(line.rstrip("\n"))
            if self._origin is None and (match := _URL_LINE.search(lines[-1])):
                self._origin = match.group(1)
                self._started.set()
        self._started.set()  # it exited: let a waiter see that

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:PORT`, once the banner is printed (the socket is listening then)."""
        assert self._started.wait(STARTUP_TIMEOUT_SEC), "no URL printed in time"
        assert self._origin is not None, f"exited early: {self.stdout} {self.stderr}"
        return self._origin

    @property
    def port(self) -> int:
        return int(self.origin.rsplit(":", 1)[1])

    @property
    def api(self) -> str:
        return f"{self.origin}/v1"

    def worker_pids(self) -> set[int]:
        """The serving processes: the workers, or the process itself when it has none."""
        children = {
            int(pid)
            for pid in os.listdir("/proc")
            if pid.isdigit() and _parent_of(int(pid)) == self.process.pid
        }
        return children or {self.process.pid}

    def pid_serving(self, client_port: int) -> int | None:
        """The worker holding the server side of the loopback connection from `client_port`."""
        inode = _socket_inode(self.port, client_port)
        for pid in self.worker_pids():
            try:
                fds = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
            except OSError:
                continue
            if f"socket:[{inode}]" in fds:
                return pid
        return None

    def kill(self) -> None:
        """SIGKILL, to it and its workers: no shutdown of any kind."""
        self._signal_group(signal.SIGKILL)
        self.process.wait(STOP_TIMEOUT_SEC)
        self._drain()

    def stop(self) -> None:
        """A normal stop (SIGTERM, as Ctrl+C would); SIGKILL if it does not stop in time."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT_SEC)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.process.wait(STOP_TIMEOUT_SEC)
        self._signal_group(signal.SIGKILL)  # any worker left behind
        self._drain()

    def output(self) -> str:
        return "\n".join([*self.stdout, *self.stderr])

    def _signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):  # the whole group has exited
            os.killpg(self.process.pid, sig)

    def _drain(self) -> None:
        for reader in self._readers:
            reader.join(STOP_TIMEOUT_SEC)

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _socket_inode(local_port: int, remote_port: int) -> str | None:
    """The inode of the IPv4 loopback TCP socket from `local_port` to `remote_port`."""
    wanted = (f"0100007F:{local_port:04X}", f"0100007F:{remote_port:04X}")
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if (fields[1], fields[2]) == wanted:
            return fields[9]
    return None


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rpartition(")")[2].split()[1])  # the name, in parentheses, may hold spaces
