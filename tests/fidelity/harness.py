"""A target without a sandbox: an emulator, served with another config or behind a proxy that
changes one behaviour, recorded through the recorder while a scripted session drives it.

The target runs on a `FrozenClock` the session moves, and the recorder measures its offsets by
that clock, so a whole lifecycle is recorded without waiting. Webhook deliveries reach the
recorder over loopback HTTP, as a sandbox's would.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from dialnexa_client.webhooks import sign
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dialnexa_emulator import Emulator, EmulatorConfig, FrozenClock, create_app
from dialnexa_emulator._spec import load_spec
from dialnexa_emulator.fidelity import Cassette, Recorder, RecordOptions, read_cassette
from tests.serving import served

KEY = "kid_demo:sk_demo_secret"
WEBHOOK_SECRET = "whsec_fidelity_target"
TARGET = "http://target.test/v1"
ANSWERED = "+919876543210"  # completed after 30 s of talk (38 s in all)
BUSY = "+919876500002"  # busy, ends after 8 s

# Rewrites one answer: (method, path, status, body) -> (status, body), body parsed JSON.
Answer = Callable[[str, str, int, Any], tuple[int, Any]]


def rewriting(app: ASGIApp, rewrite: Answer) -> ASGIApp:
    """`app` behind a proxy that rewrites its JSON answers with `rewrite`."""

    async def proxy(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            else:
                chunks.append(message.get("body", b""))

        await app(scope, receive, capture)
        raw = b"".join(chunks)
        body = json.loads(raw) if raw else None
        status, body = rewrite(scope["method"], scope["path"], started["status"], body)
        content = json.dumps(body).encode() if body is not None else b""
        headers = [(k, v) for k, v in started["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(content)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    return proxy


def rewriting_deliveries(app: ASGIApp, rewrite: Callable[[dict[str, Any]], None]) -> ASGIApp:
    """`app` (the recorder) receiving webhook deliveries changed by `rewrite`, signed again."""

    async def proxy(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/_fidelity/webhooks":
            await app(scope, receive, send)
            return
        message = await receive()
        event = json.loads(message["body"])
        rewrite(event)
        body = json.dumps(event).encode()
        headers = [
            (k, v)
            for k, v in scope["headers"]
            if k not in (b"x-dialnexa-signature", b"content-length")
        ]
        headers += [
            (b"x-dialnexa-signature", sign(body, WEBHOOK_SECRET).encode()),
            (b"content-length", str(len(body)).encode()),
        ]

        async def replayed() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        await app(dict(scope, headers=headers), replayed, send)

    return proxy


@dataclass
class Session:
    emulator: Emulator
    client: httpx.Client
    cassette_path: Path
    recorder: Recorder
    output: io.StringIO

    def advance(self, seconds: float) -> None:
        self.emulator.clock.advance(seconds)
        self.settle()

    def settle(self) -> None:
        """Deliveries due by now reach the recorder, as a live target's would by themselves."""
        self.emulator.webhooks.flush()

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self.client.request(method, path, **kwargs)
        self.settle()
        return response

    def cassette(self) -> Cassette:
        self.recorder.close()
        return read_cassette(self.cassette_path)


@contextmanager
def recording(
    tmp_path: Path,
    *,
    config: EmulatorConfig | None = None,
    answers: Answer | None = None,
    deliveries: Callable[[dict[str, Any]], None] | None = None,
    wrap: Callable[[ASGIApp], ASGIApp] | None = None,
    webhooks: bool = True,
    **options: Any,
) -> Iterator[Session]:
    """A recorder in front of an emulator target, served on loopback; yields the session."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    target = create_app(config, clock=FrozenClock())
    emulator: Emulator = target.state.emulator
    served_target = rewriting(target, answers) if answers else target
    if wrap is not None:
        served_target = wrap(served_target)
    output = io.StringIO()
    settings: dict[str, Any] = {
        "allow_calls": 10,
        "destinations": [ANSWERED, BUSY],
        "webhook_secret": WEBHOOK_SECRET,
        "token": KEY,
    }
    settings.update(options)
    recorder = Recorder(
        RecordOptions(
            target=TARGET, cassette=tmp_path / "cassette.yaml", spec=load_spec(), **settings
        ),
        transport=httpx.ASGITransport(served_target),
        clock=emulator.clock.now,
        out=output,
    )
    app = rewriting_deliveries(recorder, deliveries) if deliveries else recorder
    try:
        with (
            served(app) as url,
            httpx.Client(
                base_url=f"{url}/v1", headers={"Authorization": f"Bearer {KEY}"}, timeout=30
            ) as client,
        ):
            if webhooks:
                emulator.webhooks.add_endpoint(f"{url}/_fidelity/webhooks", WEBHOOK_SECRET)
            yield Session(emulator, client, tmp_path / "cassette.yaml", recorder, output)
    finally:
        emulator.webhooks.close()
        recorder.close()


def create(session: Session, number: str) -> httpx.Response:
    return session.send(
        "POST", "/calls", json={"agent_id": "agt_abc123", "to_phone_number": number}
    )


def typical_session(session: Session) -> dict[str, str]:
    """What an integration does: calls placed and followed to their end, a list, and the
    refusals a client meets (unknown call, bad key, bad body). The created calls' ids."""
    answered = create(session, ANSWERED).json().get("id", "call_none")
    busy = create(session, BUSY).json().get("id", "call_none")
    session.advance(5)
    session.send("GET", f"/calls/{answered}")
    session.send("GET", f"/calls/{busy}")
    session.advance(20)  # 25 s: the answered call is talking
    session.send("GET", f"/calls/{answered}")
    session.advance(20)  # 45 s: both have ended
    session.send("GET", f"/calls/{answered}")
    session.send("GET", "/calls", params={"limit": 10})
    session.send("GET", "/calls/call_doesnotexist")
    session.send("GET", "/calls", headers={"Authorization": "Bearer kid_nobody:sk_nothing_at_all"})
    session.send("POST", "/calls", json={"agent_id": "agt_abc123"})
    return {"answered": answered, "busy": busy}
