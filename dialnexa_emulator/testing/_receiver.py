"""`WebhookReceiver`: an HTTP server on a free loopback port that collects webhook deliveries.

For tests of webhooks: the pytest fixture `dialnexa_webhook_receiver`, the contract suite and the
kit's own tests point an endpoint at `receiver.url`. It answers 200 unless told otherwise: it can
fail the next deliveries, or hand them to an app of yours (your webhook route) and answer as it
does. Served by uvicorn in a daemon thread; `with WebhookReceiver() as receiver:` or
`start()` / `stop()`.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import orjson
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_SECRET = "whsec_emulator_receiver"  # noqa: S105 - a local test receiver's


@dataclass(frozen=True, slots=True)
class ReceivedDelivery:
    """One request the receiver got, and the status it answered."""

    path: str
    headers: Mapping[str, str]  # names in lower case
    body: bytes
    status: int

    def json(self) -> Any:
        return orjson.loads(self.body)

    @property
    def event_type(self) -> str | None:
        try:
            event = self.json()
        except orjson.JSONDecodeError:
            return None
        return event.get("event_type") if isinstance(event, dict) else None

    @property
    def call(self) -> dict[str, Any]:
        """The event's `payload.call` (empty if the body has none)."""
        try:
            call = self.json()["payload"]["call"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return {}
        return call if isinstance(call, dict) else {}


class WebhookReceiver:
    def __init__(self, secret: str = DEFAULT_SECRET, *, port: int = 0) -> None:
        """`port`: the loopback port to listen on (default: a free one)."""
        self.secret = secret
        self._port = port
        self._lock = threading.Condition()
        self._received: list[ReceivedDelivery] = []
        self._failures: list[int] = []
        self._app: ASGIApp | None = None
        self._path = "/"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    @property
    def deliveries(self) -> list[ReceivedDelivery]:
        """Everything received so far, in arrival order."""
        with self._lock:
            return list(self._received)

    def events(self, event_type: str | None = None) -> list[ReceivedDelivery]:
        """The deliveries it acknowledged (2xx), optionally only of one event type."""
        return [
            d
            for d in self.deliveries
            if 200 <= d.status < 300 and event_type in (None, d.event_type)
        ]

    def wait_for(self, done: Callable[[list[ReceivedDelivery]], bool], timeout: float) -> bool:
        """Wait until `done(deliveries)` holds, at most `timeout` seconds; whether it does. For
        servers whose clock is not yours; an emulator's `webhooks.flush()` needs no waiting."""
        with self._lock:
            return self._lock.wait_for(lambda: done(list(self._received)), timeout)

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        """Answer the next `count` deliveries with `status` instead."""
        with self._lock:
            self._failures.extend([status] * count)

    def forward_to(self, app: ASGIApp | None, path: str = "/") -> None:
        """Hand every delivery to `app` (e.g. your Starlette or FastAPI app) as a request for
        `path`, and answer with its response; `forward_to(None)` answers 200 again."""
        self._app, self._path = app, path

    def clear(self) -> None:
        """Forget what was received, armed failures and the app forwarded to."""
        with self._lock:
            self._received.clear()
            self._failures.clear()
        self._app, self._path = None, "/"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        app = self._app
        status = failure or 200

        # Recorded before the answer is complete: whoever gets the answer sees the delivery.
        def record() -> None:
            with self._lock:
                self._received.append(ReceivedDelivery(scope["path"], headers, body, status))
                self._lock.notify_all()

        if failure is not None or app is None:
            record()
            await send({"type": "http.response.start", "status": status, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        delivered = False

        async def receive_body() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send_through(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif not message.get("more_body", False):
                record()
            await send(message)

        forwarded = dict(scope, path=self._path, raw_path=self._path.encode())
        await app(forwarded, receive_body, send_through)

    def start(self) -> WebhookReceiver:
        sock = socket.socket()
        sock.bind(("127.0.0.1", self._port))
        host, port = sock.getsockname()
        self.url = f"http://{host}:{port}/"
        config = uvicorn.Config(self, log_level="warning", lifespan="off", access_log=False)
        self._server = server = uvicorn.Server(config)
        self._thread = thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="webhook-receiver", daemon=True
        )
        thread.start()
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the webhook receiver did not start")
            thread.join(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
