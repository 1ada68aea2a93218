"""What a run covered: every answer and webhook event the target gave, held against what it can
produce and what the spec declares.

Every request of the run reaches the target through `ObservingApp`, so whoever sent it (a
schemathesis case, a check's probe, the client, the coverage tests) the answer is counted: the
operation and its status, and the call statuses its calls show. Webhook deliveries the suite's
receivers take are counted too (event types, hangup reasons). At the end the summary shows, per
dimension, what was observed, what the target can be made to produce and never was (for an
emulator, what its `GET /_emulator/vocabulary` lists; for another server, everything the spec
declares), and what the spec declares that the target never produces.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUIRE = "CONTRACT_REQUIRE_COVERAGE"
"""`1`: the run fails unless it observed everything the target can produce; `0`: report only."""

DIMENSIONS = ("responses", "call statuses", "hangup reasons", "webhook events")


@dataclass
class Observed:
    values: dict[str, set[str]] = field(default_factory=lambda: {d: set() for d in DIMENSIONS})
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, dimension: str, value: str) -> None:
        with self._lock:
            self.values[dimension].add(value)

    def answer(self, operation: str, status: int, body: Any) -> None:
        self.add("responses", f"{operation} {status}")
        calls = body if isinstance(body, list) else [body]
        if operation in ("createCall", "getCall", "listCalls") and 200 <= status < 300:
            for call in calls:
                if isinstance(call, Mapping) and isinstance(call.get("status"), str):
                    self.add("call statuses", call["status"])

    def event(self, body: Any) -> None:
        """A webhook delivery's JSON body."""
        if not isinstance(body, Mapping):
            return
        if isinstance(body.get("event_type"), str):
            self.add("webhook events", body["event_type"])
        call = (body.get("payload") or {}).get("call")
        if isinstance(call, Mapping):
            for name in ("hangup_reason", "disconnection_reason"):
                if isinstance(call.get(name), str):
                    self.add("hangup reasons", call[name])

    def clear(self) -> None:
        with self._lock:
            for values in self.values.values():
                values.clear()


OBSERVED = Observed()
VOCABULARY: dict[str, Any] = {}
"""What the target said it can produce (`GET /_emulator/vocabulary`), once asked."""


def required() -> bool:
    return os.environ.get(REQUIRE, "") not in ("", "0")


# --- what the spec declares, and what an emulator says it can produce -------------------------


def declared(document: Mapping[str, Any]) -> dict[str, set[str]]:
    """Every value of each dimension the spec declares."""
    values: dict[str, set[str]] = {d: set() for d in DIMENSIONS}
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, Mapping) and "operationId" in operation:
                for status in operation.get("responses", {}):
                    values["responses"].add(f"{operation['operationId']} {status}")
    schemas = document.get("components", {}).get("schemas", {})
    values["call statuses"] = set(
        _enum(document, _property(document, schemas.get("Call"), "status"))
    )
    webhook_call = schemas.get("WebhookCall")
    values["hangup reasons"] = set(
        _enum(document, _property(document, webhook_call, "hangup_reason"))
    )
    values["webhook events"] = set(document.get("webhooks", {}))
    return values


def producible(vocabulary: Mapping[str, Any]) -> dict[str, set[str]]:
    """What an emulator's `GET /_emulator/vocabulary` says it can produce, by dimension."""
    return {
        "responses": {
            f"{operation} {status}"
            for operation, answers in vocabulary.get("responses", {}).items()
            for status in answers
        },
        "call statuses": set(vocabulary.get("call_statuses", {})),
        "hangup reasons": set(vocabulary.get("hangup_reasons", {})),
        "webhook events": set(vocabulary.get("webhook_events", {})),
    }


def _resolve(document: Mapping[str, Any], node: Any) -> Any:
    while isinstance(node, Mapping) and str(node.get("$ref", "")).startswith("#/"):
        target: Any = document
        for token in node["$ref"][2:].split("/"):
            target = target[token.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _property(document: Mapping[str, Any], schema: Any, name: str) -> Any:
    schema = _resolve(document, schema)
    if not isinstance(schema, Mapping):
        return None
    return _resolve(document, schema.get("properties", {}).get(name))


def _enum(document: Mapping[str, Any], schema: Any) -> list[str]:
    if not isinstance(schema, Mapping):
        return []
    return [str(value) for value in schema.get("enum", [])]


# --- the verdict -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    observed: Mapping[str, set[str]]
    expected: Mapping[str, set[str]]  # what the target can be made to produce
    declared: Mapping[str, set[str]]
    expected_from: str  # "the emulator's vocabulary" or "the spec"

    def missing(self) -> dict[str, list[str]]:
        """What the target can produce and the run never observed."""
        return {
            d: _sorted(self.expected[d] - self.observed[d])
            for d in DIMENSIONS
            if self.expected[d] - self.observed[d]
        }

    def never_produced(self) -> dict[str, list[str]]:
        """What the spec declares and the target cannot produce (known only for an emulator)."""
        if self.expected is self.declared:
            return {}
        return {
            d: _sorted(self.declared[d] - self.expected[d])
            for d in DIMENSIONS
            if self.declared[d] - self.expected[d]
        }

    def undeclared(self) -> dict[str, list[str]]:
        """What the run observed and the spec does not declare (other checks fail on it)."""
        return {
            d: _sorted(self.observed[d] - self.declared[d])
            for d in DIMENSIONS
            if d != "webhook events" and self.observed[d] - self.declared[d]
        }

    def lines(self) -> list[str]:
        out = [f"coverage (what the target can produce: {self.expected_from}):"]
        for d in DIMENSIONS:
            seen = self.observed[d] & self.expected[d]
            out.append(
                f"  {d}: {len(seen)}/{len(self.expected[d])} observed"
                + (
                    f" ({len(self.declared[d])} declared)"
                    if self.declared[d] != self.expected[d]
                    else ""
                )
            )
            if d == "responses":
                out += [f"    {row}" for row in _by_operation(self.observed[d] & self.declared[d])]
            elif seen:
                out.append(f"    {' '.join(_sorted(seen))}")
        for title, found in (
            ("never observed, though the target can produce them", self.missing()),
            ("declared by the spec, never produced by the target", self.never_produced()),
            ("observed, not declared by the spec", self.undeclared()),
        ):
            if found:
                out.append(f"  {title}:")
                out += [f"    {d}: {', '.join(values)}" for d, values in found.items()]
        return out


def verdict(
    observed: Mapping[str, set[str]],
    document: Mapping[str, Any],
    vocabulary: Mapping[str, Any] | None,
) -> Verdict:
    spec = declared(document)
    if vocabulary is None:
        return Verdict(observed, spec, spec, "everything the spec declares")
    return Verdict(observed, producible(vocabulary), spec, "the emulator's vocabulary")


def run_verdict(
    document: Mapping[str, Any], fetch: Callable[[], dict[str, Any] | None] | None = None
) -> Verdict:
    """This run's coverage: what it observed against what the target (asked once) can produce."""
    if not VOCABULARY and fetch is not None:
        VOCABULARY.update(fetch() or {})
    return verdict(OBSERVED.values, document, VOCABULARY or None)


def _by_operation(values: Iterable[str]) -> list[str]:
    rows: dict[str, list[str]] = {}
    for value in values:
        operation, _, status = value.partition(" ")
        rows.setdefault(operation, []).append(status)
    width = max((len(op) for op in rows), default=0)
    return [f"{op:<{width}}  {' '.join(sorted(rows[op]))}" for op in sorted(rows)]


def _sorted(values: Iterable[str]) -> list[str]:
    return sorted(
        values, key=lambda v: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", v)]
    )


# --- observing every answer ------------------------------------------------------------------


class ObservingApp:
    """The target's ASGI app, counting each answer to one of the spec's operations."""

    def __init__(self, app: ASGIApp, base_path: str, document: Mapping[str, Any]) -> None:
        self.app = app
        self._routes = [
            (method.upper(), _path_regex(base_path + path), operation["operationId"])
            for path, item in document.get("paths", {}).items()
            for method, operation in item.items()
            if isinstance(operation, Mapping) and "operationId" in operation
        ]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)  # `state` (the emulator's handle) and the like

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation = self._operation(scope) if scope["type"] == "http" else None
        if operation is None:
            await self.app(scope, receive, send)
            return
        status = 0
        chunks: list[bytes] = []

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            if status:
                OBSERVED.answer(operation, status, _json(b"".join(chunks)))

    def _operation(self, scope: Scope) -> str | None:
        method = "GET" if scope["method"] == "HEAD" else scope["method"]
        path = scope.get("root_path", "") + scope["path"]
        for route_method, regex, operation in self._routes:
            if route_method == method and regex.fullmatch(path):
                return str(operation)
        return None


def _path_regex(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", path)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None
