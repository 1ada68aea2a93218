"""Issue 19: connections that stall are closed. Before, 50 sockets dripping headers for 30 s all
stayed open. Real sockets against `dialnexa-emulator` started with small timeouts; nothing here
asserts how fast: only that the server closes what a client leaves hanging, well before the
sockets' own generous timeout."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from tests.hardening.emulator_process import EmulatorProcess
from tests.hardening.raw_http import exchange, request

# The server's timeouts, and how long a test waits for it to act on them (many times more).
TIMEOUT_SEC = 0.5
PATIENCE_SEC = 30
DRIPPING = 8
DRIP = b"GET /v1/calls HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 10_000


@pytest.fixture(scope="module")
def served() -> Iterator[EmulatorProcess]:
    timeouts = ("--header-timeout", "--body-timeout", "--idle-timeout")
    with EmulatorProcess(*(arg for name in timeouts for arg in (name, str(TIMEOUT_SEC)))) as em:
        yield em


def connect(port: int, first: bytes = b"") -> socket.socket:
    """A connection that has sent `first` at once (so a dripping one has begun a request)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=PATIENCE_SEC)
    sock.sendall(first)
    sock.settimeout(0.05)
    return sock


def drip_until_closed(sockets: list[socket.socket], data: bytes) -> list[bytes]:
    """Send `data` a byte at a time on every socket at once until the server has closed each;
    what it answered on each (b"" for nothing). Fails if one is still open after PATIENCE_SEC."""
    answers = [b""] * len(sockets)
    open_ones = set(range(len(sockets)))
    deadline = time.monotonic() + PATIENCE_SEC
    for byte in data:
        for i in list(open_ones):
            assert time.monotonic() < deadline, "the server kept a stalled connection open"
            chunk = _exchange_byte(sockets[i], byte)
            if chunk is None:
                open_ones.discard(i)
            else:
                answers[i] += chunk
        if not open_ones:
            return answers
    raise AssertionError("the server read every dripped byte without closing")


def _exchange_byte(sock: socket.socket, byte: int) -> bytes | None:
    """Send one byte, read what came back; None once the server has closed."""
    try:
        sock.send(bytes([byte]))
        return sock.recv(65536) or None
    except TimeoutError:
        return b""
    except (BrokenPipeError, ConnectionResetError):
        return None


def read_until_closed(sock: socket.socket) -> bytes:
    answer = b""
    sock.settimeout(PATIENCE_SEC)
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def envelope_of(answer: bytes) -> dict[str, object]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), answer
    envelope: dict[str, object] = orjson.loads(body)
    return envelope


def test_connections_dripping_headers_are_closed_with_a_408(served: EmulatorProcess) -> None:
    sockets = [connect(served.port, DRIP[:1]) for _ in range(DRIPPING)]
    try:
        answers = drip_until_closed(sockets, DRIP[1:])
    finally:
        for sock in sockets:
            sock.close()

    for answer in answers:
        assert envelope_of(answer) == {
            "statusCode": 408,
            "message": f"The request's line and headers did not arrive within {TIMEOUT_SEC:g} s",
            "error": "Request Timeout",
        }


def test_a_body_that_stops_coming_is_closed_with_a_408(served: EmulatorProcess) -> None:
    head = (
        b"POST /v1/calls HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Authorization: Bearer kid_demo:sk_demo_secret\r\nContent-Length: 100\r\n\r\n{"
    )
    with connect(served.port) as sock:
        sock.sendall(head)
        answer = read_until_closed(sock)

    assert envelope_of(answer)["message"] == (
        f"The request's body did not arrive within {TIMEOUT_SEC:g} s"
    )


@pytest.mark.parametrize(
    "before", [b"", b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"]
)
def test_a_silent_connection_is_closed_without_an_answer(
    served: EmulatorProcess, before: bytes
) -> None:
    """Never a byte (the header timeout), or nothing after an answer (the idle timeout)."""
    with connect(served.port) as sock:
        sock.sendall(before)
        answer = read_until_closed(sock)

    assert answer.count(b"HTTP/1.1 ") == (1 if before else 0)
    if before:
        assert answer.startswith(b"HTTP/1.1 200 ")


def test_it_serves_on_after_closing_them(served: EmulatorProcess) -> None:
    answer = exchange(served.port, request("GET", b"/_emulator/health"))

    assert answer.status_code == 200


def test_prompt_clients_are_served_on_a_kept_alive_connection() -> None:
    """Deadlines are per request: a connection that keeps sending whole requests is never cut,
    however long it lives (here over twice the header timeout; the idle timeout is generous)."""
    with (
        EmulatorProcess("--header-timeout", str(TIMEOUT_SEC), "--idle-timeout", "60") as emulator,
        connect(emulator.port) as sock,
    ):
        sock.settimeout(PATIENCE_SEC)
        stream = sock.makefile("rb")
        for _ in range(3):
            time.sleep(TIMEOUT_SEC)
            sock.sendall(request("GET", b"/_emulator/health"))
            status = stream.readline()
            length = 0
            while (line := stream.readline()) != b"\r\n":
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            stream.read(length)
            assert status.startswith(b"HTTP/1.1 200 "), status


def test_the_config_file_sets_the_timeouts(tmp_path: Path) -> None:
    config = tmp_path / "slow.toml"
    default = (Path(__file__).parents[2] / "dialnexa_emulator" / "default_config.toml").read_text()
    config.write_text(f"[server]\nheader_timeout_sec = {TIMEOUT_SEC}\n{default}", encoding="utf-8")
    with (
        EmulatorProcess("--config", config) as emulator,
        connect(emulator.port, DRIP[:1]) as sock,
    ):
        [answer] = drip_until_closed([sock], DRIP[1:])

    assert envelope_of(answer)["statusCode"] == 408
