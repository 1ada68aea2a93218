"""Requests, answers and webhook deliveries held against the spec the emulator serves.

Requests are checked by the emulator's own compiled validators (`_spec.Operation`), so the recorder
refuses exactly what the emulator would; answers and deliveries against the schemas the spec
declares for them. Besides what breaks the spec (`problems`), what the spec does not declare at all
is a *gap*: a status an operation does not list, a field no schema names. The target may be right
there and the spec incomplete, which is why gaps are listed apart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from dialnexa_emulator._errors import ApiError
from dialnexa_emulator._spec import SPEC_URI, Operation, Spec, _escape, _follow, _inline
from dialnexa_emulator._validation import Schema, compile_schema


@dataclass(slots=True)
class Verdict:
    problems: list[str] = field(default_factory=list)
    """What breaks the spec."""
    gaps: list[str] = field(default_factory=list)
    """What the spec does not declare: a status, a field."""


def _messages(error: ApiError) -> list[str]:
    return [error.message] if isinstance(error.message, str) else list(error.message)


class SpecCheck:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self._document = spec.document
        self._registry: Registry[Any] = Registry().with_resource(
            SPEC_URI, Resource.from_contents(spec.document, default_specification=DRAFT202012)
        )
        self._routes = [
            (
                op,
                re.compile(
                    spec.base_path + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", op.path) + r"/?\Z"
                ),
            )
            for op in spec.operations.values()
        ]
        self._events: dict[str, str] = {}  # event_type -> pointer of its body schema
        for name in spec.document.get("webhooks") or {}:
            pointer = f"/webhooks/{_escape(name)}/post/requestBody/content/application~1json/schema"
            self._events[name] = pointer
        self._schemas: dict[str, tuple[Any, Schema]] = {}

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The spec's operation for this request, with its path parameters; None if none."""
        for operation, pattern in self._routes:
            found = pattern.match(path)
            if found and operation.method == method.upper():
                return operation, found.groupdict()
        return None

    def methods(self, path: str) -> list[str]:
        """The methods the spec has on this path (none: not one of its paths)."""
        return sorted({op.method for op, pattern in self._routes if pattern.match(path)})

    def request(
        self,
        operation: Operation,
        path_parameters: Mapping[str, str],
        query: Sequence[tuple[str, str]],
        body: bytes,
    ) -> Verdict:
        """What the emulator would refuse in this request's shape (never its domain rules)."""
        verdict = Verdict()
        for parameters, items in (
            (operation.path_parameters, list(path_parameters.items())),
            (operation.query, list(query)),
        ):
            if parameters is not None:
                try:
                    parameters.parse(items)
                except ApiError as refused:
                    verdict.problems += _messages(refused)
        if operation.body is not None:
            try:
                payload = json.loads(body)
            except ValueError:
                verdict.problems.append("request body is not JSON")
            else:
                verdict.problems += operation.body.problems(payload)
        return verdict

    def declared(self, operation_id: str) -> Mapping[str, Any]:
        """status text -> the response object the operation declares for it."""
        operation = self.spec.operations[operation_id]
        pointer = f"/paths/{_escape(operation.path)}/{operation.method.lower()}/responses"
        return {
            status: _follow(self._document, f"{pointer}/{status}")[1]
            for status in _follow(self._document, pointer)[1]
        }

    def named_headers(self, operation_id: str, status: int) -> dict[str, bool]:
        """Header name (lower case) -> required, for the headers the spec names on this answer."""
        response = self.declared(operation_id).get(str(status)) or {}
        named = {}
        for name, given in (response.get("headers") or {}).items():
            header = given
            if given.get("$ref", "").startswith("#/"):
                header = _follow(self._document, given["$ref"][1:])[1]
            named[name.lower()] = bool(header.get("required"))
        return named

    def response(
        self, operation_id: str, status: int, headers: Mapping[str, str], body: str | None
    ) -> Verdict:
        verdict = Verdict()
        declared = self.declared(operation_id)
        if str(status) not in declared:
            verdict.gaps.append(
                f"{operation_id} answered {status}, a status the spec does not declare"
            )
            return verdict
        lower = {name.lower() for name in headers}
        for name, required in self.named_headers(operation_id, status).items():
            if required and name not in lower:
                verdict.problems.append(f"{operation_id} {status}: header {name} is missing")
        operation = self.spec.operations[operation_id]
        pointer = f"/paths/{_escape(operation.path)}/{operation.method.lower()}/responses/{status}"
        pointer = _follow(self._document, pointer)[0] + "/content/application~1json/schema"
        self._body(verdict, pointer, body, f"{operation_id} {status}")
        return verdict

    def webhook(self, body: str) -> tuple[str | None, Verdict]:
        """The delivery's event type and what about it breaks or escapes the spec."""
        verdict = Verdict()
        try:
            event = json.loads(body)
        except ValueError:
            verdict.problems.append("webhook body is not JSON")
            return None, verdict
        event_type = event.get("event_type") if isinstance(event, dict) else None
        if not isinstance(event_type, str):
            verdict.problems.append("webhook body has no event_type")
            return None, verdict
        if event_type not in self._events:
            verdict.gaps.append(
                f"webhook event_type {event_type!r}, an event the spec does not declare"
            )
            return event_type, verdict
        self._body(verdict, self._events[event_type], body, f"webhook {event_type}")
        return event_type, verdict

    def _body(self, verdict: Verdict, pointer: str, body: str | None, where: str) -> None:
        try:
            raw, schema = self._schema(pointer)
        except (KeyError, IndexError):
            return  # the answer declares no JSON body: nothing to check it against
        try:
            instance = json.loads(body or "")
        except ValueError:
            verdict.problems.append(f"{where}: body is not JSON")
            return
        verdict.problems += [f"{where}: {p}" for p in schema.problems(instance, root="body")]
        verdict.gaps += [
            f"{where}: field {name}, which the spec does not declare"
            for name in undeclared_fields(raw, instance)
        ]

    def _schema(self, pointer: str) -> tuple[Any, Schema]:
        if pointer not in self._schemas:
            raw = _inline(self._document, pointer)
            self._schemas[pointer] = (raw, compile_schema(raw, self._registry))
        return self._schemas[pointer]


def undeclared_fields(schema: Any, instance: Any, path: str = "") -> list[str]:
    """Names (`payload.call.category`) of object members no `properties` of `schema` declares.

    An object whose schema declares no properties (a free-form map such as `metadata`) has none.
    """
    if not isinstance(schema, Mapping):
        return []
    options = [schema, *schema.get("allOf", [])]
    for keyword in ("oneOf", "anyOf"):
        options += schema.get(keyword, [])
    found: list[str] = []
    if isinstance(instance, dict):
        properties: dict[str, Any] = {}
        for option in options:
            if isinstance(option, Mapping):
                properties.update(option.get("properties") or {})
        for name, value in instance.items():
            where = f"{path}.{name}" if path else name
            if name in properties:
                found += undeclared_fields(properties[name], value, where)
            elif properties:
                found.append(where)
    elif isinstance(instance, list):
        items = next((o["items"] for o in options if isinstance(o, Mapping) and "items" in o), None)
        if items is not None and instance:
            # One report per field, not per element: the first element that has it names it.
            seen: dict[str, None] = {}
            for index, item in enumerate(instance):
                for name in undeclared_fields(items, item, f"{path}[{index}]"):
                    seen.setdefault(re.sub(r"\[\d+\]", "[]", name), None)
            found += list(seen)
    return found


@cache
def spec_check(spec: Spec) -> SpecCheck:
    return SpecCheck(spec)
