"""Every answer the emulator sends, held against the spec it serves: status, headers and body.

The emulator is the reference other code is tested against, so an answer the spec does not allow
is a bug to hear about at once, never a silent pass. In process (fixtures, `mock_dialnexa`, the
contract suite's embedded run) an off-spec answer raises `OffSpecAnswerError` in the test that
provoked it; a served emulator started with `--check-responses` logs it and answers a 500 whose
message says what broke. Each message names the operation, the field and the rule, with the rule's
place in the spec. A valid answer costs one compiled-validator call (`benchmarks/run answers`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jsonschema import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from dialnexa_emulator._spec import SPEC_URI, Spec, escape_pointer, inline_schema, node_at
from dialnexa_emulator._validation import Schema, compile_schema, field_name

_MAX_PROBLEMS = 5


class OffSpecAnswerError(Exception):
    """The emulator was about to send an answer the spec it serves does not allow.

    `problems` lists each broken rule: `createCall 201: ended_at: None is not of type 'string'
    (type, #/components/schemas/Call/properties/ended_at/type)`.
    """

    def __init__(self, operation: str, status: int | None, problems: Sequence[str]) -> None:
        """`status` None: a webhook delivery whose event is `operation`."""
        self.operation = operation
        self.status = status
        self.problems = list(problems)
        super().__init__(
            f"the emulator's {self._what} breaks the spec it serves:\n"
            + "\n".join(f"  {problem}" for problem in self.problems)
        )

    @property
    def _what(self) -> str:
        if self.status is None:
            return f"{self.operation} delivery"
        return f"{self.status} answer to {self.operation}"

    def one_line(self) -> str:
        return f"the emulator's {self._what} breaks " + "; ".join(self.problems)


@dataclass(frozen=True, slots=True)
class _Declared:
    pointer: str  # the response object's place in the spec
    body: Schema | None
    body_pointer: str | None
    headers: Mapping[str, Schema]  # required headers (lower-case name) and their value's schema


@dataclass(frozen=True, slots=True, eq=False)
class AnswerCheck:
    """The declared answers of each operation of one spec, compiled."""

    spec: Spec
    declared: Mapping[str, Mapping[str, _Declared]]  # operationId -> "201" / "4XX" / "default"
    events: Mapping[str, _Declared]  # webhook event -> its body's schema

    def problems(
        self, operation: str, status: int, headers: Mapping[str, str], body: Any
    ) -> list[str]:
        """What in this answer the spec does not allow; empty when it conforms."""
        where = f"{self.spec.source}: {operation} {status}"
        answers = self.declared.get(operation, {})
        declared = next(
            (
                answers[key]
                for key in (str(status), f"{str(status)[0]}XX", "default")
                if key in answers
            ),
            None,
        )
        if declared is None:
            pointer = self.spec.operations[operation].pointer + "/responses"
            return [f"{where}: status {status} is not declared (#{pointer})"]
        found = [
            f"{where}: header {name} is missing (required, #{declared.pointer}/headers)"
            for name in declared.headers
            if name not in headers
        ]
        for name, schema in declared.headers.items():
            if name in headers and schema.problems(_header_value(headers[name])):
                found.append(
                    f"{where}: header {name}: {headers[name]!r} breaks its schema "
                    f"(#{declared.pointer}/headers)"
                )
        if declared.body is not None:
            schema = declared.body
            if schema.accepts is None or not _accepted(schema, body):
                found += _explain(self.spec, where, schema, declared.body_pointer or "", body)
        return found[:_MAX_PROBLEMS]

    def event_problems(self, event_type: str, body: Any) -> list[str]:
        """What in a webhook delivery's JSON body the spec's `webhooks:` does not allow."""
        where = f"{self.spec.source}: {event_type} event"
        declared = self.events.get(event_type)
        if declared is None:
            return [f"{where}: the event is not described (#/webhooks)"]
        schema = declared.body
        if schema is None or (schema.accepts is not None and _accepted(schema, body)):
            return []
        return _explain(self.spec, where, schema, declared.body_pointer or "", body)[:_MAX_PROBLEMS]

    def check(self, operation: str, status: int, headers: Mapping[str, str], body: Any) -> None:
        """OffSpecAnswerError unless the answer conforms."""
        problems = self.problems(operation, status, headers, body)
        if problems:
            raise OffSpecAnswerError(operation, status, problems)


@lru_cache(maxsize=8)
def answer_check(spec: Spec) -> AnswerCheck:
    """The compiled answers of `spec` (once per spec: emulators built from it share them)."""
    document = spec.document
    registry: Registry[Any] = Registry().with_resource(
        SPEC_URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    declared: dict[str, dict[str, _Declared]] = {}
    for operation in spec.operations.values():
        answers: dict[str, _Declared] = {}
        for key in node_at(document, f"{operation.pointer}/responses"):
            pointer = _follow(document, f"{operation.pointer}/responses/{escape_pointer(key)}")
            response = node_at(document, pointer)
            body = body_pointer = None
            if "application/json" in response.get("content", {}):
                body_pointer = _follow(document, f"{pointer}/content/application~1json/schema")
                body = compile_schema(inline_schema(document, body_pointer), registry)
            headers = {}
            for name in response.get("headers", {}):
                header_pointer = _follow(document, f"{pointer}/headers/{escape_pointer(name)}")
                header = node_at(document, header_pointer)
                if header.get("required") and "schema" in header:
                    schema = inline_schema(document, f"{header_pointer}/schema")
                    headers[name.lower()] = compile_schema(schema, registry)
            answers[str(key)] = _Declared(pointer, body, body_pointer, headers)
        declared[operation.id] = answers
    events: dict[str, _Declared] = {}
    for event, item in document.get("webhooks", {}).items():
        for method in item:
            base = f"/webhooks/{escape_pointer(event)}/{method}/requestBody"
            body = node_at(document, _follow(document, base))
            if "application/json" in body.get("content", {}):
                pointer = _follow(document, f"{base}/content/application~1json/schema")
                compiled = compile_schema(inline_schema(document, pointer), registry)
                events[event] = _Declared(base, compiled, pointer, {})
    return AnswerCheck(spec, declared, events)


def _accepted(schema: Schema, body: Any) -> bool:
    assert schema.accepts is not None
    try:
        schema.accepts(body)
    except Exception:
        return False
    return True


def _explain(spec: Spec, where: str, schema: Schema, pointer: str, body: Any) -> list[str]:
    """One line per broken rule: the field, what is wrong, the keyword and where it is stated."""
    lines = []
    for error in sorted(schema.validator.iter_errors(body), key=lambda e: list(e.absolute_path)):
        path = list(error.absolute_path)
        rule = str(error.validator)
        stated = _stated_at(spec.document, pointer, error)
        if rule == "required" and isinstance(error.instance, Mapping):
            for name in (
                error.schema.get("required", []) if isinstance(error.schema, Mapping) else []
            ):
                if name not in error.instance:
                    field = field_name([*path, name])
                    lines.append(f"{where}: {field}: missing ({rule}, #{stated})")
            continue
        field = field_name(path) or "body"
        lines.append(f"{where}: {field}: {error.message} ({rule}, #{stated})")
    return lines or [f"{where}: the body breaks #{pointer}"]


def _stated_at(document: Mapping[str, Any], pointer: str, error: ValidationError) -> str:
    """The spec's pointer to the keyword that failed, following the `$ref`s the path crosses
    (the validated schema had them inlined)."""
    node: Any = node_at(document, pointer)
    tokens = list(error.absolute_schema_path)
    index = 0
    while index < len(tokens):
        step = tokens[index]
        if isinstance(node, Mapping) and "$ref" in node and str(step) not in node:
            pointer = _follow(document, pointer)
            node = node_at(document, pointer)
            if step == "allOf" and "allOf" not in node:  # `$ref` beside other keywords
                index += 2
            continue
        try:
            node = node[int(step)] if isinstance(node, list) else node[str(step)]
        except (KeyError, IndexError, TypeError):
            break
        pointer = f"{pointer}/{escape_pointer(str(step))}"
        index += 1
    return pointer


def _follow(document: Mapping[str, Any], pointer: str) -> str:
    node = node_at(document, pointer)
    while isinstance(node, Mapping) and str(node.get("$ref", "")).startswith("#/"):
        pointer = node["$ref"][1:]
        node = node_at(document, pointer)
    return pointer


def _header_value(text: str) -> Any:
    """A header's text as the JSON value its schema describes (an integer when it is one)."""
    stripped = text.strip()
    if stripped.lstrip("-").isdigit():
        return int(stripped)
    return text
