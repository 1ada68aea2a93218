"""Requests as exact bytes over a loopback socket, for what an HTTP client will not send (dot
segments, control characters, broken framing), and a strict reading of the answer."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

import orjson

TIMEOUT_SEC = 20


@dataclass(frozen=True)
class RawResponse:
    status_code: int
    headers: dict[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return orjson.loads(self.content)


def exchange(port: int, request: bytes) -> RawResponse:
    """Send `request`, read one complete response; a reset or a cut-short answer raises."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_SEC) as sock:
        sock.sendall(request)
        received = b""
        while b"\r\n\r\n" not in received:
            received += _recv(sock)
        head, _, body = received.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in header_lines)
        }
        length = int(headers["content-length"])
        while len(body) < length:
            body += _recv(sock)
        return RawResponse(int(status_line.split()[1]), headers, body[:length])


def _recv(sock: socket.socket) -> bytes:
    chunk = sock.recv(65536)
    if not chunk:
        raise ConnectionError("the server closed the connection before a complete response")
    return chunk


def request(
    method: str, target: bytes, *headers: bytes, body: bytes = b"", authorization: bytes = b""
) -> bytes:
    """An HTTP/1.1 request with exactly these bytes in its request line and headers."""
    lines = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1"]
    if authorization:
        lines.append(b"Authorization: " + authorization)
    lines += headers
    if body:
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body
