"""The spec being served, held against what the emulator can say, before it serves anything.

A value the emulator emits that the spec does not allow (a call status, a final status, a hangup
reason, a webhook event, a response status, a field it does not always send but the spec requires,
a field the spec does not declare) stops the start-up with one line naming the value and where in
the spec it is missing: a client generated from that spec would misread the emulator's answers.
Values the spec allows and the emulator never produces are not an error here; a contract run's
coverage reports them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from dialnexa_emulator._spec import SpecError, escape_pointer, node_at
from dialnexa_emulator._vocabulary import ALWAYS_SENT_HEADERS, Provoke, Vocabulary, vocabulary

if TYPE_CHECKING:
    from dialnexa_emulator._config import EmulatorConfig
    from dialnexa_emulator._spec import Spec


def check_spec(spec: Spec, config: EmulatorConfig) -> None:
    """SpecError, one line, for the first value the emulator can produce that `spec` lacks."""
    problems = spec_problems(spec, config)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise SpecError(problems[0] + more)


def spec_problems(spec: Spec, config: EmulatorConfig) -> list[str]:
    try:
        return list(_problems(spec, vocabulary(config)))
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        # A part the check reads is missing or of the wrong kind: as unservable as a bad value.
        return [f"{spec.source}: cannot hold the emulator to this spec: {exc!r}"]


@lru_cache(maxsize=8)
def _problems(spec: Spec, words: Vocabulary) -> tuple[str, ...]:
    # The first sample showing each problem says how to provoke it; the others are repeats.
    found: dict[str, str] = {}
    for problem in _all_problems(spec, words):
        what, _, how = problem.partition(" (")
        found.setdefault(what, f"{spec.source}: {what}" + (f" ({how}" if how else ""))
    return tuple(found.values())


def _all_problems(spec: Spec, words: Vocabulary) -> Iterator[str]:
    document = spec.document
    bodies = _body_schemas(spec)
    for operation in spec.operations.values():
        responses_pointer = f"{operation.pointer}/responses"
        declared = node_at(document, responses_pointer)
        for status, why in sorted(words.responses.get(operation.id, {}).items()):
            key = _declared_key(declared, status)
            if key is None:
                yield (
                    f"#{responses_pointer} lacks '{status}', which the emulator answers "
                    f"{operation.id} with ({why})"
                )
                continue
            yield from _header_problems(spec, f"{responses_pointer}/{escape_pointer(key)}", status)
    for event in words.webhook_events:
        if event not in document.get("webhooks", {}):
            how = words.webhook_events[event].how
            yield f"#/webhooks lacks '{event}', which the emulator delivers ({how})"
    for sample in words.samples:
        pointer = bodies.get(sample.where, "")
        if pointer.startswith("#"):  # declared without a JSON body
            yield (
                f"{pointer}/content lacks 'application/json', the body the emulator sends in "
                f"{sample.where} ({sample.provoke.how})"
            )
        elif pointer:
            yield from _walk(document, pointer, sample.body, sample.where, sample.provoke)
    yield from _final_problems(spec, words)


def _declared_key(responses: Mapping[str, Any], status: int) -> str | None:
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in responses:
            return key
    return None


def _header_problems(spec: Spec, pointer: str, status: int) -> Iterator[str]:
    response_pointer, response = _follow(spec.document, pointer)
    sent = ALWAYS_SENT_HEADERS.get(status, frozenset())
    for name in response.get("headers", {}):
        _, header = _follow(spec.document, f"{response_pointer}/headers/{escape_pointer(name)}")
        if header.get("required") and name.lower() not in sent:
            yield (
                f"#{response_pointer}/headers/{escape_pointer(name)} is required, which the "
                f"emulator's {status} answers do not always send"
            )


def _body_schemas(spec: Spec) -> dict[str, str]:
    """Where each sample's body schema is: `getCall 200` -> its JSON schema's pointer, or
    `#` and the pointer of a response (or request body) declared without JSON content."""
    pointers = {}
    for operation in spec.operations.values():
        responses = node_at(spec.document, f"{operation.pointer}/responses")
        for key in responses:
            response_pointer, response = _follow(
                spec.document, f"{operation.pointer}/responses/{escape_pointer(key)}"
            )
            schema = f"{response_pointer}/content/application~1json/schema"
            if "application/json" not in response.get("content", {}):
                schema = f"#{response_pointer}"
            pointers[f"{operation.id} {key}"] = schema
    for event, item in spec.document.get("webhooks", {}).items():
        for method in item:
            base = f"/webhooks/{escape_pointer(event)}/{method}/requestBody"
            body_pointer, body = _follow(spec.document, base)
            if isinstance(body, Mapping) and "application/json" in body.get("content", {}):
                pointers[f"{event} event"] = f"{body_pointer}/content/application~1json/schema"
            else:
                pointers[f"{event} event"] = f"#{body_pointer}"
    # A status the spec declares only as a range or `default` judges its samples too.
    for operation in spec.operations.values():
        for key in ("4XX", "5XX", "default"):
            if f"{operation.id} {key}" in pointers:
                for status in range(400, 600):
                    pointers.setdefault(
                        f"{operation.id} {status}", pointers[f"{operation.id} {key}"]
                    )
    return pointers


def _final_problems(spec: Spec, words: Vocabulary) -> Iterator[str]:
    """`x-final-values` on the status enum must say exactly which of the emulator's statuses are
    final: the client's `CallStatus.is_final` and `calls.wait` read it."""
    operation = spec.operations.get("getCall")
    if operation is None or not _exists(spec.document, f"{operation.pointer}/responses/200"):
        return
    response_pointer, _ = _follow(spec.document, f"{operation.pointer}/responses/200")
    schema = f"{response_pointer}/content/application~1json/schema"
    if not _exists(spec.document, schema):
        return
    pointer, status = _property(spec.document, schema, "status")
    if status is None:
        return
    final_values = status.get("x-final-values")
    if final_values is None:
        yield (
            f"#{pointer} lacks x-final-values, which must list the statuses the emulator ends "
            f"calls with ({', '.join(words.final_statuses)})"
        )
        return
    for value, provoke in words.final_statuses.items():
        if value not in final_values:
            yield (
                f"#{pointer}/x-final-values lacks {value!r}, which the emulator ends calls "
                f"with ({provoke.how})"
            )
    for value, provoke in words.call_statuses.items():
        if value in final_values and value not in words.final_statuses:
            yield (
                f"#{pointer}/x-final-values lists {value!r}, a status the emulator's calls "
                f"leave ({provoke.how})"
            )


def _walk(
    document: Mapping[str, Any], pointer: str, value: Any, where: str, provoke: Provoke
) -> Iterator[str]:
    """What in the schema at `pointer` does not allow `value`: its enums and consts, the fields
    it requires and the fields it declares (the rest, types and formats, is for the answers'
    own validation)."""
    pointer, schema = _follow(document, pointer)
    if not isinstance(schema, Mapping):
        return
    for index in range(len(schema.get("allOf", []))):
        yield from _walk(document, f"{pointer}/allOf/{index}", value, where, provoke)
    if value is None:
        return
    if "enum" in schema and value not in schema["enum"]:
        yield f"#{pointer}/enum lacks {value!r}, which the emulator produces ({provoke.how})"
    if "const" in schema and value != schema["const"]:
        yield (
            f"#{pointer}/const is {schema['const']!r}, not {value!r}, which the emulator sends "
            f"in {where} ({provoke.how})"
        )
    if isinstance(value, Mapping):
        yield from _object_problems(document, pointer, schema, value, where, provoke)
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for item in value:
            yield from _walk(document, f"{pointer}/items", item, where, provoke)


def _object_problems(  # noqa: PLR0917 - _walk's arguments, and the schema it found
    document: Mapping[str, Any],
    pointer: str,
    schema: Mapping[str, Any],
    value: Mapping[str, Any],
    where: str,
    provoke: Provoke,
) -> Iterator[str]:
    for name in schema.get("required", []):
        if name not in value:
            yield (
                f"#{pointer}/required lists {name!r}, which the emulator's {where} does not "
                f"always send ({provoke.how})"
            )
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return
    closed = schema.get("additionalProperties", False) is False  # absent: closed for the emulator
    for name, field_value in value.items():
        if name in properties:
            yield from _walk(
                document,
                f"{pointer}/properties/{escape_pointer(name)}",
                field_value,
                where,
                provoke,
            )
        elif closed and not schema.get("patternProperties"):
            yield (
                f"#{pointer}/properties lacks {name!r}, which the emulator sends in {where} "
                f"({provoke.how})"
            )


def _property(
    document: Mapping[str, Any], pointer: str, name: str
) -> tuple[str, Mapping[str, Any] | None]:
    pointer, schema = _follow(document, pointer)
    properties = schema.get("properties", {}) if isinstance(schema, Mapping) else {}
    if name not in properties:
        return pointer, None
    found, node = _follow(document, f"{pointer}/properties/{escape_pointer(name)}")
    return found, node if isinstance(node, Mapping) else None


def _follow(document: Mapping[str, Any], pointer: str) -> tuple[str, Any]:
    node = node_at(document, pointer)
    while isinstance(node, Mapping) and str(node.get("$ref", "")).startswith("#/"):
        pointer = node["$ref"][1:]
        node = node_at(document, pointer)
    return pointer, node


def _exists(document: Mapping[str, Any], pointer: str) -> bool:
    try:
        _follow(document, pointer)
    except (KeyError, IndexError, TypeError):
        return False
    return True
