"""The HTTP/1.1 protocol the CLI serves with: uvicorn's httptools protocol plus two guards.

- The request head (request line and headers) is capped at MAX_HEAD_BYTES. httptools has no cap of
  its own, so one endless header would be buffered whole; past the cap the answer is a 431.
- A request httptools cannot parse is answered in DialNexa's envelope (400), not uvicorn's plain
  text.

Either refusal is sent, then the connection stops sending and swallows what the client still
sends until it closes (at most LINGER_SEC): closing at once, with unread bytes, would reset the
connection, and the client would see a dropped connection instead of the answer.
"""

from __future__ import annotations

from http import HTTPStatus

import orjson
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

MAX_HEAD_BYTES = 65536
LINGER_SEC = 5.0


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    _head_bytes: int | None = 0  # bytes of the request head so far; None while a body is read
    _head_began_in_chunk = False  # a new head began inside the chunk just parsed
    _refused = False  # answered and closing: whatever else arrives is swallowed

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        super().data_received(data)
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

    def on_headers_complete(self) -> None:
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
        self._head_bytes = 0
        self._head_began_in_chunk = True
        if not self._refused:
            super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request httptools cannot parse (it has logged a warning)."""
        self._refuse(400, "Invalid HTTP request")

    def _refuse_head(self) -> None:
        self._refuse(431, f"Request line and headers are larger than {MAX_HEAD_BYTES} bytes")

    def _refuse(self, status: int, message: str) -> None:
        if self._refused:
            return
        self._refused = True
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
