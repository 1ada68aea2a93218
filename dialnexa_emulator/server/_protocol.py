"""The HTTP/1.1 protocol the CLI serves with: uvicorn's httptools protocol plus these guards.

- The request head (request line and headers) is capped at MAX_HEAD_BYTES. httptools has no cap of
  its own, so one endless header would be buffered whole; past the cap the answer is a 431.
- A request httptools cannot parse is answered in DialNexa's envelope (400), not uvicorn's plain
  text.
- Deadlines: a connection must send a request's head within `header_timeout` seconds of
  connecting or of the request's first byte, and its body within `body_timeout` of the head's
  end; past either the answer is a 408 (a connection that never sent a byte is just closed).
  uvicorn has neither: a client dripping a header a byte at a time held its connection forever.
  Idle kept-alive connections are uvicorn's `timeout_keep_alive`.

Each refusal is sent, then the connection stops sending and swallows what the client still
sends until it closes (at most LINGER_SEC): closing at once, with unread bytes, would reset the
connection, and the client would see a dropped connection instead of the answer.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import Any, Literal

import orjson
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from dialnexa_emulator._config import DEFAULT_BODY_TIMEOUT_SEC, DEFAULT_HEADER_TIMEOUT_SEC

MAX_HEAD_BYTES = 65536
LINGER_SEC = 5.0

# What the connection waits for: a request's head, its body, or nothing (a request is answered).
_Phase = Literal["head", "body", "answer"]


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    _head_bytes: int | None = 0  # bytes of the request head so far; None while a body is read
    _head_began_in_chunk = False  # a new head began inside the chunk just parsed
    _refused = False  # answered and closing: whatever else arrives is swallowed
    _phase: _Phase = "head"
    _begun = False  # a byte of the awaited request has arrived
    _deadline: asyncio.TimerHandle | None = None
    _deadline_phase: _Phase | None = None

    def __init__(
        self,
        *args: Any,
        header_timeout: float = DEFAULT_HEADER_TIMEOUT_SEC,
        body_timeout: float = DEFAULT_BODY_TIMEOUT_SEC,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._timeouts = {"head": header_timeout, "body": body_timeout}

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._watch()  # a connection that never sends a byte is closed too

    def connection_lost(self, exc: Exception | None) -> None:
        self._unwatch()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        super().data_received(data)
        if not self._refused:
            self._watch()
        if self._refused or self._head_bytes is None:
            return
        # Still inside a head after a whole chunk: count it, so an endless head is cut off after
        # MAX_HEAD_BYTES plus one read. (How much of a chunk in which a head began belongs to it
        # is unknown, so that chunk is not counted; on_headers_complete measures exactly.)
        if self._head_began_in_chunk:
            self._head_began_in_chunk = False
            return
        self._head_bytes += len(data)
        if self._head_bytes > MAX_HEAD_BYTES:
            self._refuse_head()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._phase, self._begun = "head", True

    def on_headers_complete(self) -> None:
        self._phase = "body"
        self._head_bytes = None
        self._head_began_in_chunk = False
        if self._refused:
            return
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > MAX_HEAD_BYTES:
            self._refuse_head()
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        self._phase, self._begun = "answer", False
        self._head_bytes = 0
        self._head_began_in_chunk = True
        if not self._refused:
            super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request httptools cannot parse (it has logged a warning)."""
        self._refuse(400, "Invalid HTTP request")

    def _refuse_head(self) -> None:
        self._refuse(431, f"Request line and headers are larger than {MAX_HEAD_BYTES} bytes")

    def _watch(self) -> None:
        """Keep the deadline of what the connection now waits for (none while it is answered)."""
        phase = self._phase
        if phase == self._deadline_phase:
            return
        self._unwatch()
        if phase != "answer":
            self._deadline_phase = phase
            self._deadline = self.loop.call_later(self._timeouts[phase], self._expire, phase)

    def _unwatch(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = self._deadline_phase = None

    def _expire(self, phase: _Phase) -> None:
        self._deadline = self._deadline_phase = None
        if self._refused or self.transport.is_closing():
            return
        if phase == "head" and not self._begun:
            self.transport.close()  # not a byte of a request: nobody to answer
            return
        part = "line and headers" if phase == "head" else "body"
        self._refuse(408, f"The request's {part} did not arrive within {self._timeouts[phase]:g} s")

    def _refuse(self, status: int, message: str) -> None:
        if self._refused:
            return
        self._refused = True
        self._unwatch()
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            if cycle.response_started:  # half an answer is out: nothing else can be said
                self.transport.close()
                return
            # The app still works on this request: it now sees a disconnect, and its answer goes
            # nowhere (uvicorn drops what is sent on a disconnected cycle).
            cycle.disconnected = True
            cycle.message_event.set()
        body = orjson.dumps(
            {"statusCode": status, "message": message, "error": HTTPStatus(status).phrase}
        )
        head = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head.append(
            b"content-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n"
            % len(body)
        )
        self.transport.write(b"".join(head) + body)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.flow.resume_reading()
        self.loop.call_later(LINGER_SEC, self.transport.close)
