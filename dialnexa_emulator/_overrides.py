"""Answers on demand: the next N requests to an operation get the answer a test chose.

Like a transient stub in WireMock or respx, but checked against the spec the emulator serves: the
status must be one the operation declares, the body must validate against that status's schema
(a partial body is completed with the spec's own example values first), and headers the spec
requires on that answer are filled in. `off_spec=True` lets a test send what the spec does not
allow, to see how code copes with a future API. An override only answers: nothing in the
emulator's state changes (a 201 from createCall places no call).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from dialnexa_emulator._errors import REASONS, ApiError
from dialnexa_emulator._spec import (
    SPEC_URI,
    Parameter,
    ParameterSet,
    Spec,
    _escape,
    _follow,
    _inline,
    _json_type,
)
from dialnexa_emulator._validation import Schema, compile_schema

DEFAULT: Any = object()  # "no body given": the spec's example answer


class OverrideError(ValueError):
    """An answer the spec does not allow for that operation; the message names the rule."""

    def __init__(self, rule: str, *, escapable: bool = True) -> None:
        hint = "; pass off_spec=True to send it anyway" if escapable else ""
        super().__init__(rule + hint)
        self.rule = rule


@dataclass(slots=True)
class Override:
    id: str
    operation: str
    status: int
    body: Any
    headers: dict[str, str]
    remaining: int
    off_spec: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "operation": self.operation,
            "status": self.status,
            "body": self.body,
            "headers": self.headers,
            "remaining": self.remaining,
            "off_spec": self.off_spec,
        }


@dataclass(frozen=True, slots=True)
class _Declared:
    """What the spec says one operation may answer with one status."""

    schema: Mapping[str, Any] | None  # inlined JSON Schema of the body; None: no JSON body
    compiled: Schema | None
    example: Any
    headers: ParameterSet | None
    required_headers: Mapping[str, str] = field(default_factory=dict)  # name: example value


class Overrides:
    def __init__(self, spec: Spec) -> None:
        self._spec = spec
        self._pending: list[Override] = []
        self._ids = itertools.count(1)

    def add(
        self,
        operation: str,
        status: int,
        body: Any = DEFAULT,
        headers: Mapping[str, str] | None = None,
        *,
        times: int = 1,
        off_spec: bool = False,
    ) -> Override:
        """Answer the next `times` requests to `operation` with this; OverrideError says which
        rule of the spec the answer breaks (unless `off_spec`)."""
        if times < 1:
            raise OverrideError(f"times must be at least 1, not {times}", escapable=False)
        override = self.answer(operation, status, body, headers, off_spec=off_spec)
        override.id, override.remaining = f"override_{next(self._ids)}", times
        self._pending.append(override)
        return override

    def answer(
        self,
        operation: str,
        status: int,
        body: Any = DEFAULT,
        headers: Mapping[str, str] | None = None,
        *,
        off_spec: bool = False,
    ) -> Override:
        """The completed, checked answer, not armed (a `Prefer: code=` request's)."""
        if operation not in self._spec.operations:
            known = ", ".join(sorted(self._spec.operations))
            raise OverrideError(
                f"operation must be one of {known}, not {operation!r}", escapable=False
            )
        if not 100 <= status <= 599:
            raise OverrideError(
                f"status must be an HTTP status (100 to 599), not {status}", escapable=False
            )
        given = {str(k): str(v) for k, v in (headers or {}).items()}
        declared = _declarations(self._spec, operation)
        if off_spec:  # unchecked; a partial body of a declared status is still completed
            body = _filled(body, declared.get(str(status)), status)
            return Override("", operation, status, body, given, 1, off_spec=True)
        if str(status) not in declared:
            raise OverrideError(
                f"{operation} does not declare a {status} answer in the spec (it declares "
                f"{', '.join(declared)})"
            )
        answer = declared[str(status)]
        body = _filled(body, answer, status)
        if answer.compiled is not None:
            problems = answer.compiled.problems(body, root="body")
            if problems:
                raise OverrideError(
                    f"the body is not a valid {status} answer of {operation}: {'; '.join(problems)}"
                )
        headers_out = {**answer.required_headers, **given}
        if answer.headers is not None:
            lowered = {name.lower(): value for name, value in headers_out.items()}
            try:
                answer.headers.parse(list(lowered.items()))
            except ApiError as exc:
                raise OverrideError(
                    f"the headers are not valid on a {status} answer of {operation}: {exc}"
                ) from None
        return Override("", operation, status, body, headers_out, 1)

    def take(self, operation: str) -> Override | None:
        """The override the next request to `operation` gets (oldest armed first), if any."""
        for override in self._pending:
            if override.operation == operation:
                override.remaining -= 1
                if override.remaining == 0:
                    self._pending.remove(override)
                return override
        return None

    def armed(self) -> list[Override]:
        return list(self._pending)

    def remove(self, override_id: str) -> bool:
        for override in self._pending:
            if override.id == override_id:
                self._pending.remove(override)
                return True
        return False

    def clear(self) -> None:
        self._pending.clear()

    def declared(self, operation: str) -> list[int]:
        """The statuses the spec declares for `operation`."""
        return [int(status) for status in _declarations(self._spec, operation)]


@lru_cache(maxsize=32)
def _declarations(spec: Spec, operation_id: str) -> dict[str, _Declared]:
    operation = spec.operations[operation_id]
    document = spec.document
    registry: Registry[Any] = Registry().with_resource(
        SPEC_URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    pointer = f"/paths/{_escape(operation.path)}/{operation.method.lower()}/responses"
    _, responses = _follow(document, pointer)
    declared = {}
    for status in responses:
        if not status.isdigit():
            continue
        response_pointer, response = _follow(document, f"{pointer}/{status}")
        media = response.get("content", {}).get("application/json")
        schema = compiled = example = None
        if media is not None:
            media_pointer = f"{response_pointer}/content/application~1json"
            schema = _inline(document, f"{media_pointer}/schema")
            compiled = compile_schema(schema, registry)
            example = _media_example(media)
            if example is None:
                example = _complete({}, schema, None)
        parameters, properties, required, examples = [], {}, [], {}
        for name in response.get("headers", {}):
            header_pointer, header = _follow(
                document, f"{response_pointer}/headers/{_escape(name)}"
            )
            key = name.lower()
            parameters.append(Parameter(key, _json_type(header.get("schema", {}))))
            properties[key] = _inline(document, f"{header_pointer}/schema")
            if header.get("required"):
                required.append(key)
                examples[name] = str(header.get("example", ""))
        header_set = None
        if parameters:
            header_schema = {"type": "object", "properties": properties, "required": required}
            header_set = ParameterSet(tuple(parameters), compile_schema(header_schema, registry))
        declared[status] = _Declared(schema, compiled, example, header_set, examples)
    return declared


def _filled(body: Any, answer: _Declared | None, status: int) -> Any:
    """`body` completed from what the spec declares (`answer`); none given, its example."""
    if answer is None:
        if body is DEFAULT:
            return {
                "statusCode": status,
                "message": "Off-spec answer",
                "error": REASONS.get(status, ""),
            }
        return body
    if body is DEFAULT:
        return copy.deepcopy(answer.example)
    if answer.schema is not None:
        return _complete(body, answer.schema, answer.example)
    return body


def _media_example(media: Mapping[str, Any]) -> Any:
    if "example" in media:
        return media["example"]
    for example in media.get("examples", {}).values():
        if isinstance(example, Mapping) and "value" in example:
            return example["value"]
    return None


def _complete(partial: Any, schema: Mapping[str, Any], example: Any) -> Any:
    """`partial` with what its schema requires and it lacks filled in: from `example` (the
    spec's example answer) where it has the field, else from the field's own schema."""
    schema = _merged(schema)
    if isinstance(partial, dict) and _json_type(schema) == "object":
        filled = dict(partial)
        properties = schema.get("properties", {})
        base = example if isinstance(example, Mapping) else {}
        for name in schema.get("required", []):
            if name not in filled:
                if name in base:
                    filled[name] = copy.deepcopy(base[name])
                else:
                    filled[name] = _complete({}, properties.get(name, {}), None)
        for name, value in partial.items():
            if name in properties and isinstance(value, (dict, list)):
                filled[name] = _complete(value, properties[name], base.get(name))
        return filled
    if isinstance(partial, list) and _json_type(schema) == "array":
        items = schema.get("items", {})
        sample = example[0] if isinstance(example, list) and example else None
        return [_complete(item, items, sample) for item in partial]
    if partial == {} and _json_type(schema) != "object":
        return _sample(schema)
    return partial


def _merged(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """`allOf` parts folded into one schema (how `_inline` writes a `$ref` with siblings)."""
    if "allOf" not in schema:
        return schema
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for each in schema["allOf"]:
        part = _merged(each)
        merged["properties"] = {**part.get("properties", {}), **merged.get("properties", {})}
        merged["required"] = [*part.get("required", []), *merged.get("required", [])]
        for key, value in part.items():
            merged.setdefault(key, value)
    return merged


def _sample(schema: Mapping[str, Any]) -> Any:
    """A value the schema accepts, from what it states: an example, a default, an enum."""
    schema = _merged(schema)
    for key in ("examples", "enum"):
        if schema.get(key):
            return copy.deepcopy(schema[key][0])
    for key in ("example", "default", "const"):
        if key in schema:
            return copy.deepcopy(schema[key])
    if "oneOf" in schema or "anyOf" in schema:
        return _sample((schema.get("oneOf") or schema["anyOf"])[0])
    kind = _json_type(schema)
    if kind == "object":
        return _complete({}, schema, None)
    samples = {"string": "", "integer": schema.get("minimum", 0), "number": 0, "boolean": False}
    return copy.deepcopy(samples.get(kind, []))
