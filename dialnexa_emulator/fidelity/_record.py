"""The validating recorder: a local URL in front of a target that checks and records every exchange.

Every request to the spec's operations is checked against the spec (the emulator's own request
validators) and, unless `strict` refuses an off-spec one, forwarded to the target; the answer is
checked too, and the exchange, redacted, appended to the cassette. Anything off-spec is printed as
it happens. What is not one of the spec's operations is never forwarded (a live target sees only
the spec), and creates follow the contract suite's budget rules (`_budget`): at most
`allow_calls` of them, only to the `destinations` allowed; any other create is answered here, 403,
and never leaves.

The target's webhook deliveries are received at `webhook_path`, their signatures verified with the
client's `dialnexa_client.webhooks.verify`, checked against the spec's `webhooks:` and recorded in
the same cassette, in the order they arrived.
"""

from __future__ import annotations

import base64
import re
import ssl
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from dialnexa_client.webhooks import WebhookPayloadError, WebhookSignatureError, verify
from starlette.types import Message, Receive, Scope, Send

from dialnexa_emulator._clock import SystemClock, iso
from dialnexa_emulator._errors import REASONS, dump_json, envelope
from dialnexa_emulator._spec import Spec
from dialnexa_emulator.fidelity._budget import CallBudget
from dialnexa_emulator.fidelity._cassette import Auth, CassetteWriter, Exchange, Redactor
from dialnexa_emulator.fidelity._conformance import Verdict, spec_check

DEFAULT_WEBHOOK_PATH = "/_fidelity/webhooks"
REFUSED_HEADER = "x-dialnexa-recorder"
# Set per connection by whoever sends the request on; forwarding them would garble it.
_HOP_BY_HOP = frozenset(
    {"host", "connection", "keep-alive", "transfer-encoding", "te", "upgrade", "content-length"}
)
_STALE = frozenset({"content-encoding", "content-length", "transfer-encoding", "connection"})
_TOKEN = re.compile(r"Bearer\s+(\S+:\S+)\Z", re.IGNORECASE)


@dataclass(slots=True)
class RecordOptions:
    target: str
    """The target's base URL, e.g. https://sandbox.example/v1."""
    cassette: Path
    spec: Spec
    strict: bool = False
    allow_calls: int = 0
    destinations: Sequence[str] = ()
    webhook_path: str = DEFAULT_WEBHOOK_PATH
    webhook_secret: str = ""
    token: str = ""
    """The target's API key, if known: redacted, and how a request's key is told apart."""
    timeout_sec: float = 30.0
    command: str = "dialnexa-emulator record"


@dataclass(slots=True)
class Tally:
    exchanges: int = 0
    deliveries: int = 0
    off_spec: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    creates_forwarded: int = 0
    bad_signatures: int = 0


class Recorder:
    """The recorder as an ASGI app. `transport` reaches the target (default: the network);
    `clock` gives the time offsets are measured by (default: the system's)."""

    def __init__(
        self,
        options: RecordOptions,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], datetime] | None = None,
        out: TextIO | None = None,
    ) -> None:
        self.options = options
        parts = urlsplit(options.target)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._target_base = parts.path.rstrip("/")
        self._base = options.spec.base_path
        self._check = spec_check(options.spec)
        create = options.spec.operations["createCall"]
        self._budget = CallBudget(
            allow_calls=options.allow_calls,
            destinations=options.destinations,
            is_valid=lambda payload: create.body is None or not create.body.problems(payload),
        )
        self._redactor = Redactor([options.token, options.webhook_secret])
        self._transport = transport
        # Loading the CA bundle takes tens of milliseconds: once, not per request.
        self._tls = ssl.create_default_context()
        self._now = clock or SystemClock().now
        self._out = out or sys.stderr
        self.started_at = self._now()
        self.tally = Tally()
        self._writer = CassetteWriter(
            options.cassette,
            target=options.target,
            started_at=iso(self.started_at),
            command=options.command,
        )

    def close(self) -> None:
        self._writer.close()

    def _say(self, line: str) -> None:
        print(self._redactor.text(line), file=self._out, flush=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        if scope["method"] == "POST" and scope["path"] == self.options.webhook_path:
            await self._webhook(scope, body, send)
        else:
            await self._api(scope, body, send)

    async def _api(self, scope: Scope, body: bytes, send: Send) -> None:
        method: str = scope["method"]
        path: str = scope["path"]
        query = scope["query_string"].decode("latin-1")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        authorization = next((v for k, v in headers if k.lower() == "authorization"), None)
        if authorization:
            self._redactor.add(authorization)  # before anything is printed or written
        found = self._check.match(method, path)
        if found is None:
            await self._outside_spec(method, path, send)
            return
        operation, path_parameters = found
        asked = self._check.request(
            operation, path_parameters, parse_qsl(query, keep_blank_values=True), body
        )
        for problem in asked.problems:
            self._say(f"off-spec request {operation.id}: {problem}")
        if asked.problems and self.options.strict:
            self.tally.refused["off-spec (--strict)"] += 1
            await _answer(send, 400, [f"not forwarded (--strict): {p}" for p in asked.problems])
            return
        auth = self._auth(authorization)
        probe = False
        if operation.id == "createCall":
            admitted = self._budget.admit(body, with_run_key=auth == "run-key")
            if not admitted.forward:
                self.tally.refused["create beyond the budget or destinations"] += 1
                self._say(
                    f"refused createCall: --allow-calls {self.options.allow_calls} spent, or a "
                    "destination not given with --to; not forwarded"
                )
                await _answer(
                    send,
                    403,
                    "not forwarded: the recorder's call budget (--allow-calls) is spent or the "
                    "destination is not one of --to",
                )
                return
            probe = admitted.probe
        # Forwarded as received (raw_path); recorded decoded, so redaction sees every secret.
        raw_path = (scope.get("raw_path") or path.encode()).decode("latin-1")
        url = f"{self._origin}{self._target_base}{path[len(self._base) :]}"
        recorded_query = urlencode(parse_qsl(query, keep_blank_values=True))
        forwarded = [(k, v) for k, v in headers if k.lower() not in _HOP_BY_HOP]
        at = self._now()
        try:
            async with httpx.AsyncClient(
                transport=self._transport, timeout=self.options.timeout_sec, verify=self._tls
            ) as client:
                response = await client.request(
                    method,
                    f"{self._origin}{self._target_base}{raw_path[len(self._base) :]}"
                    + (f"?{query}" if query else ""),
                    headers=forwarded,
                    content=body,
                )
        except httpx.HTTPError as exc:
            if probe:
                self._budget.settle(accepted=True)  # the outcome is unknown: keep it counted
            self._say(f"target did not answer {operation.id}: {exc!r}")
            await _answer(send, 502, f"the target did not answer: {type(exc).__name__}")
            return
        if probe:
            self._budget.settle(accepted=response.is_success)
        if operation.id == "createCall" and response.is_success:
            self.tally.creates_forwarded += 1
        answer_headers = {k: v for k, v in response.headers.items()}
        answered = self._check.response(
            operation.id, response.status_code, answer_headers, response.text
        )
        exchange = Exchange(
            kind="api",
            method=method,
            uri=url + (f"?{recorded_query}" if recorded_query else ""),
            request_headers=_grouped(headers),
            request_body=_text_or_base64(body)[0] if body else None,
            status=response.status_code,
            reason=response.reason_phrase,
            response_headers=_grouped(
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw
            ),
            response_body=response.text,
            offset_sec=(at - self.started_at).total_seconds(),
            recorded_at=iso(at),
            operation=operation.id,
            auth=auth,
            elapsed_sec=response.elapsed.total_seconds(),
            checks=[_check("request_conformance", asked), _check("response_conformance", answered)],
            gaps=answered.gaps,
            request_base64=_text_or_base64(body)[1],
        )
        self._keep(exchange, answered)
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": [
                    (k, v)
                    for k, v in response.headers.raw
                    if k.decode("latin-1").lower() not in _STALE
                ],
            }
        )
        await send({"type": "http.response.body", "body": response.content})

    async def _outside_spec(self, method: str, path: str, send: Send) -> None:
        """Not one of the spec's operations: never forwarded. Another method on one of its paths
        is answered as the spec's servers answer it (405 and `Allow`), anything else 404."""
        allowed = self._check.methods(path)
        if allowed:
            self.tally.refused["a method the spec does not have"] += 1
            await _answer(send, 405, f"Cannot {method} {path}", {"allow": ", ".join(allowed)})
            return
        self.tally.refused["not in the spec"] += 1
        self._say(f"refused {method} {path}: not an operation of the spec, not forwarded")
        await _answer(send, 404, f"{method} {path} is not an operation of the spec: not forwarded")

    def _auth(self, authorization: str | None) -> Auth:
        if authorization is None:
            return "none"
        token = _TOKEN.match(authorization.strip())
        if token is None:
            return "malformed"
        known = self.options.token
        return "run-key" if not known or token.group(1) == known else "other-key"

    async def _webhook(self, scope: Scope, body: bytes, send: Send) -> None:
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        text = body.decode("utf-8", "replace")
        event_type, verdict = self._check.webhook(text)
        signature: dict[str, str | None] = {
            "name": "webhook_signature",
            "status": "SKIP",
            "message": "no webhook secret given (DIALNEXA_WEBHOOK_SECRET)",
        }
        status = 204
        if self.options.webhook_secret:
            try:
                verify(body, headers, self.options.webhook_secret)
                signature = {"name": "webhook_signature", "status": "SUCCESS", "message": None}
            except WebhookSignatureError as refused:
                signature = {
                    "name": "webhook_signature",
                    "status": "FAILURE",
                    "message": str(refused),
                }
                self.tally.bad_signatures += 1
                status = 400
            except WebhookPayloadError:
                signature = {"name": "webhook_signature", "status": "SUCCESS", "message": None}
        at = self._now()
        exchange = Exchange(
            kind="webhook",
            method="POST",
            uri=self.options.webhook_path,
            request_headers=_grouped(headers),
            request_body=text,
            status=status,
            reason=REASONS.get(status, "No Content"),
            response_headers={},
            response_body=None,
            offset_sec=(at - self.started_at).total_seconds(),
            recorded_at=iso(at),
            operation=event_type,
            checks=[_check("webhook_conformance", verdict), signature],
            gaps=verdict.gaps,
        )
        if signature["status"] == "FAILURE":
            verdict.problems.append(f"signature: {signature['message']}")
        self._keep(exchange, verdict)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def _keep(self, exchange: Exchange, verdict: Verdict) -> None:
        self._redactor.exchange(exchange)
        self._writer.write(exchange)
        if exchange.kind == "api":
            self.tally.exchanges += 1
        else:
            self.tally.deliveries += 1
        name = exchange.operation or exchange.kind
        self._say(f"#{self._writer.count} +{exchange.offset_sec:.1f}s {name} {exchange.status}")
        problems = exchange.off_spec
        if problems:
            self.tally.off_spec += 1
        for problem in problems:
            self._say(f"  off-spec: {problem}")
        for gap in exchange.gaps:
            self._say(f"  spec gap: {gap}")

    def summary(self) -> str:
        t = self.tally
        refused = ", ".join(f"{n} {why}" for why, n in t.refused.items()) or "none"
        return (
            f"recorded {t.exchanges} exchange(s) and {t.deliveries} webhook delivery(ies) to "
            f"{self.options.cassette}; {t.off_spec} off-spec; {t.bad_signatures} bad signature(s); "
            f"{t.creates_forwarded} call(s) created (--allow-calls {self.options.allow_calls}); "
            f"refused: {refused}"
        )


def _text_or_base64(body: bytes) -> tuple[str, bool]:
    """The body as text, or as base64 when it is not UTF-8 (so replay sends the same bytes)."""
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode(), True


def _check(name: str, verdict: Verdict) -> dict[str, Any]:
    if verdict.problems:
        return {"name": name, "status": "FAILURE", "message": "; ".join(verdict.problems)}
    return {"name": name, "status": "SUCCESS", "message": None}


def _grouped(pairs: Any) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


async def _answer(
    send: Send, status: int, message: str | list[str], headers: dict[str, str] | None = None
) -> None:
    """An answer of the recorder's own, in the API's envelope, marked as not the target's."""
    extra = [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (REFUSED_HEADER.encode(), b"refused"),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": dump_json(envelope(status, message))})


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message: Message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
