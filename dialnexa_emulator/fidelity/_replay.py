"""Replay a cassette against a fresh emulator, in process, and compare every answer.

The emulator runs on a `FrozenClock` that starts when the recording started and is moved, before
each request, to the offset the request was recorded at: calls age exactly as long between two
requests as they did at the target. The same operations go in the same order, with the ids of the
calls the target created replaced by the emulator's, and the credentials a request carried stood
in for by the emulator's own (the run's key, an unknown key, a malformed header or none). Webhook
deliveries go to a local receiver and are compared with the ones recorded, call by call.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from dialnexa_emulator._clock import FrozenClock, parse_iso
from dialnexa_emulator._config import EmulatorConfig, default_config
from dialnexa_emulator._emulator import Emulator
from dialnexa_emulator._lifecycle import Timeline
from dialnexa_emulator.app import create_app
from dialnexa_emulator.fidelity._cassette import SECRET_HEADERS, Cassette, Exchange
from dialnexa_emulator.fidelity._compare import (
    Comparison,
    Context,
    compare_body,
    compare_headers,
    map_ids,
)
from dialnexa_emulator.fidelity._conformance import SpecCheck, spec_check
from dialnexa_emulator.webhooks._events import event_body

DEFAULT_TOLERANCE_SEC = 2.0
_UNKNOWN_KEY = "Bearer kid_fidelity_unknown:sk_fidelity_unknown"
_RECEIVER_SECRET = "whsec_fidelity_replay"  # noqa: S105 - a local receiver's, checked by no one
# Recorded headers replay sends as they were (not Prefer: the emulator honours it, DialNexa not).
_SENT_AS_IS = frozenset({"content-type", "accept"})


@dataclass(slots=True)
class Result:
    target: str
    comparisons: list[Comparison]
    gaps: list[tuple[int, str, str]]
    """(exchange number, operation, what the spec does not declare)."""
    tolerance_sec: float
    notes: list[str] = field(default_factory=list)

    def by_operation(self) -> dict[str, list[Comparison]]:
        grouped: dict[str, list[Comparison]] = {}
        for comparison in self.comparisons:
            grouped.setdefault(comparison.operation, []).append(comparison)
        return grouped

    @property
    def score(self) -> float:
        """The mean of the exchanges' scores, 1.0 when nothing differs."""
        if not self.comparisons:
            return 1.0
        return sum(c.score for c in self.comparisons) / len(self.comparisons)


def replay(
    cassette: Cassette,
    *,
    config: EmulatorConfig | None = None,
    spec: str | None = None,
    tolerance_sec: float = DEFAULT_TOLERANCE_SEC,
) -> Result:
    config = config or default_config()
    start = parse_iso(cassette.started_at) if cassette.started_at else FrozenClock().now()
    app = create_app(config, clock=FrozenClock(start), spec=spec)
    emulator: Emulator = app.state.emulator
    run = _Run(cassette, emulator, spec_check(emulator.spec), start, tolerance_sec)
    hooks = [e for e in cassette.exchanges if e.kind == "webhook"]
    with (
        _receiver(emulator, enabled=bool(hooks)),
        httpx.Client(transport=_InProcess(app), base_url="http://emulator") as client,
    ):
        for index, exchange in enumerate(cassette.exchanges, 1):
            # A recorded delivery's moment is a step too, so the emulator's deliveries come out
            # at the same steps the target's were seen at.
            run.move_to(exchange.offset_sec, flush=bool(hooks))
            if exchange.kind == "api" and exchange.operation is None:
                exchange.operation = run.operation_of(exchange)  # e.g. schemathesis' cassettes
            if exchange.kind == "api" and exchange.operation in emulator.spec.operations:
                run.api(index, exchange, client)
        if hooks:
            run.webhooks(cassette.exchanges)
    run.gather_gaps()
    return Result(cassette.target, run.comparisons, run.gaps, tolerance_sec, run.notes)


class _InProcess(httpx.BaseTransport):
    """A sync httpx transport to an ASGI app, on an event loop of its own in a private thread
    (so replay works from code that already runs a loop)."""

    def __init__(self, app: Any) -> None:
        self._transport = httpx.ASGITransport(app)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return asyncio.run_coroutine_threadsafe(self._send(request), self._loop).result()

    async def _send(self, request: httpx.Request) -> httpx.Response:
        response = await self._transport.handle_async_request(request)
        content = await response.aread()
        return httpx.Response(response.status_code, headers=response.headers, content=content)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


class _Acknowledge(BaseHTTPRequestHandler):
    """Answers every delivery 204: the bodies are read from the emulator's own delivery log."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def _receiver(emulator: Emulator, *, enabled: bool) -> Iterator[None]:
    """A loopback endpoint on the emulator that acknowledges its deliveries, while replaying."""
    if not enabled:
        yield
        return
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Acknowledge)
    thread = threading.Thread(target=server.serve_forever, name="fidelity-receiver", daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        emulator.webhooks.add_endpoint(f"http://127.0.0.1:{port}/", _RECEIVER_SECRET)
        yield
    finally:
        emulator.webhooks.close()
        server.shutdown()
        server.server_close()


class _Run:
    def __init__(
        self,
        cassette: Cassette,
        emulator: Emulator,
        check: SpecCheck,
        start: datetime,
        tolerance_sec: float,
    ) -> None:
        self.cassette = cassette
        self.emulator = emulator
        self.check = check
        self.start = start
        self.tolerance_sec = tolerance_sec
        self.ids: dict[str, str] = {}
        self.created_at_offset: dict[str, float] = {}
        self.comparisons: list[Comparison] = []
        self.seen_at: dict[str, float] = {}
        """Delivery id -> the offset of the step at which the emulator had delivered it."""
        self.gaps: list[tuple[int, str, str]] = []
        self.notes: list[str] = []
        # A cassette without its target (schemathesis') is taken to use the spec's base path.
        target_path = urlsplit(cassette.target).path if cassette.target else None
        self._target_base = (target_path or emulator.spec.base_path).rstrip("/")
        workspace = emulator.config.workspaces[0]
        self._token = workspace.api_keys[0].token

    def move_to(self, offset_sec: float, *, flush: bool) -> None:
        moment = self.start + timedelta(seconds=offset_sec)
        if moment > self.emulator.clock.now():
            self.emulator.set_clock(moment)
        if flush:
            self.emulator.webhooks.flush()
            for delivery in self.emulator.webhooks.deliveries():
                if delivery.state == "delivered":
                    self.seen_at.setdefault(delivery.id, offset_sec)

    def operation_of(self, exchange: Exchange) -> str | None:
        found = self.check.match(exchange.method, self._path(exchange))
        return found[0].id if found else None

    def _path(self, exchange: Exchange) -> str:
        """The request's path on the emulator, with created calls' ids mapped."""
        path = urlsplit(exchange.uri).path
        if path.startswith(self._target_base):
            path = path[len(self._target_base) :]
        return self.emulator.spec.base_path + map_ids(path, self.ids)

    def _request(self, exchange: Exchange) -> httpx.Request:
        parts = urlsplit(exchange.uri)
        path = self._path(exchange)
        query = urlencode([(k, map_ids(v, self.ids)) for k, v in parse_qsl(parts.query, True)])
        headers = {
            name: values[0]
            for name, values in exchange.request_headers.items()
            if name.lower() in _SENT_AS_IS and name.lower() not in SECRET_HEADERS
        }
        authorization = {
            "run-key": f"Bearer {self._token}",
            "other-key": _UNKNOWN_KEY,
            "malformed": "Bearer",
        }.get(exchange.auth)
        if authorization is not None:
            headers["Authorization"] = authorization
        body = exchange.request_bytes()
        if body and not exchange.request_base64:
            body = map_ids(body.decode(), self.ids).encode()
        return httpx.Request(
            exchange.method,
            f"http://emulator{path}" + (f"?{query}" if query else ""),
            headers=headers,
            content=body,
        )

    def api(self, index: int, exchange: Exchange, client: httpx.Client) -> None:
        operation = str(exchange.operation)
        result = Comparison(index, operation)
        self.comparisons.append(result)
        response = client.send(self._request(exchange))
        if exchange.status != response.status_code:
            result.differ("status", "status", exchange.status, response.status_code)
        else:
            result.agree()
        theirs, mine = exchange.json_body(), _json(response)
        created = operation == "createCall" and response.is_success and exchange.status < 300
        if created and isinstance(theirs, dict) and isinstance(mine, dict) and "id" in theirs:
            self.ids[str(theirs["id"])] = str(mine.get("id"))
            self.created_at_offset[str(theirs["id"])] = exchange.offset_sec
        if exchange.status != response.status_code:
            self._blame(result, exchange)
            return  # different answers altogether: their fields say nothing more
        compare_headers(
            result,
            self.check.named_headers(operation, exchange.status),
            {k: v[0] for k, v in exchange.response_headers.items()},
            dict(response.headers),
        )
        compare_body(result, theirs, mine, self._context(exchange.offset_sec))
        self._blame(result, exchange)

    def _context(self, offset_sec: float) -> Context:
        def elapsed(recorded_id: str) -> float | None:
            created = self.created_at_offset.get(recorded_id)
            return None if created is None else offset_sec - created

        return Context(self.ids, self.tolerance_sec, elapsed, self._timeline)

    def _timeline(self, call_id: str) -> Timeline | None:
        for workspace in self.emulator.workspaces:
            call = self.emulator.store.get(workspace, call_id)
            if call is not None:
                return call.timeline
        return None

    def _blame(self, result: Comparison, exchange: Exchange) -> None:
        """The spec first where the target's answer breaks or escapes it: an undeclared status,
        or the very field (or header) the spec check or a gap names."""
        said = [*exchange.off_spec, *exchange.gaps]
        for difference in result.differences:
            if difference.kind == "status":
                blamed = bool(said)
            else:
                name = re.sub(r"\[\d+\]", "[]", re.sub(r"^body\.?", "", difference.where))
                name = name.removeprefix("header ")
                blamed = any(re.search(rf"(field |header |: ){re.escape(name)}\b", s) for s in said)
            if blamed:
                difference.fix = "spec"

    def webhooks(self, exchanges: list[Exchange]) -> None:
        """Each recorded delivery of a call created while recording against the emulator's."""
        recorded: dict[tuple[str, str], tuple[int, Exchange, Any]] = {}
        order_target: dict[str, list[str]] = {}
        for index, exchange in enumerate(exchanges, 1):
            if exchange.kind != "webhook" or any(
                c["name"] == "webhook_signature" and c["status"] == "FAILURE"
                for c in exchange.checks
            ):
                continue
            body = exchange.json_body(request=True)
            call_id = _call_id(body)
            if call_id is None or call_id not in self.ids:
                self.notes.append(
                    f"delivery #{index} is about a call not created while recording; not compared"
                )
                continue
            key = (self.ids[call_id], str(body.get("event_type")))
            if key not in recorded:  # a retry or a duplicate repeats the first
                recorded[key] = (index, exchange, body)
                order_target.setdefault(key[0], []).append(key[1])
        sent = {
            (d.call.id, d.event_type): d
            for d in self.emulator.webhooks.deliveries()
            if d.state == "delivered"
        }
        reverse = {mine: theirs for theirs, mine in self.ids.items()}
        by_call: dict[str, list[Comparison]] = {}
        for (call_id, event_type), (index, exchange, body) in recorded.items():
            result = Comparison(index, f"webhook {event_type}")
            self.comparisons.append(result)
            by_call.setdefault(call_id, []).append(result)
            delivery = sent.get((call_id, event_type))
            if delivery is None:
                result.differ(
                    "webhook-missing",
                    "delivery",
                    event_type,
                    None,
                    f"the emulator sent no {event_type} for this call by then",
                )
                continue
            result.agree()
            context = Context(self.ids, self.tolerance_sec, lambda _: None, lambda _: None)
            # A settled delivery drops its bytes; its body is the same function of the call.
            sent_body = delivery.body or event_body(delivery.call, delivery.event_type)
            compare_body(result, body, json.loads(sent_body), context)
            theirs = exchange.offset_sec - self.created_at_offset[reverse[call_id]]
            mine = self.seen_at[delivery.id] - self.created_at_offset[reverse[call_id]]
            if abs(theirs - mine) <= self.tolerance_sec:
                result.agree()
            else:
                result.differ(
                    "lifecycle-timing", "delivered after creation", f"{theirs:g} s", f"{mine:g} s"
                )
            self._blame(result, exchange)
        in_order = sorted(sent.values(), key=lambda d: d.due_at)
        for call_id in self.ids.values():
            mine_order = [d.event_type for d in in_order if d.call.id == call_id]
            theirs_order = order_target.get(call_id, [])
            results = by_call.get(call_id)
            index = results[-1].index if results else len(exchanges)
            for event_type in [e for e in mine_order if e not in theirs_order]:
                extra = Comparison(index, f"webhook {event_type}")
                extra.differ(
                    "webhook-extra",
                    f"delivery for {reverse[call_id]}",
                    None,
                    event_type,
                    "the emulator sent it; the target did not by then",
                )
                self.comparisons.append(extra)
            common = [e for e in mine_order if e in theirs_order]
            if results and common != [e for e in theirs_order if e in mine_order]:
                results[-1].differ(
                    "ordering", f"events of {reverse[call_id]}", theirs_order, mine_order
                )

    def gather_gaps(self) -> None:
        for index, exchange in enumerate(self.cassette.exchanges, 1):
            for gap in exchange.gaps:
                self.gaps.append((index, str(exchange.operation or exchange.kind), gap))


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _call_id(body: Any) -> str | None:
    try:
        call_id = body["payload"]["call"]["id"]
    except (KeyError, TypeError):
        return None
    return call_id if isinstance(call_id, str) else None
