"""JSON Schema validation that reads like DialNexa's errors: one message per failing field.

Used for request shapes (compiled from the spec) and for the emulator's own config file. Valid
instances are accepted by code fastjsonschema generates (microseconds); only a rejected one goes
through jsonschema, slower but able to list every problem.

Every `format` is asserted, never just annotated: each format JSON Schema 2020-12 defines (checked
by jsonschema-rs), `e164` (phonenumbers), and OpenAPI's `int32` / `int64` (as bounds). Both
validators get the same checkers, so they agree. A schema naming any other format is refused when
compiled: a rule the spec states must not pass unenforced.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import fastjsonschema
import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from jsonschema.protocols import Validator
from referencing import Registry

from dialnexa_emulator._telephony import is_e164

E164 = "e164"


@lru_cache(maxsize=256)
def _ecma_regex(pattern: str) -> re.Pattern[str]:
    r"""Compile a JSON Schema (ECMA-262) pattern for Python.

    ECMA's `$` matches only at the very end, Python's also before a final newline, so a value such
    as "agt_1\n" would slip through `^\S+$`. Outside character classes `$` becomes `\Z`.
    """
    out: list[str] = []
    in_class = False
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            out.append(char + next(chars, ""))
        elif char == "$" and not in_class:
            out.append(r"\Z")
        else:
            in_class = (in_class or char == "[") and char != "]"
            out.append(char)
    return re.compile("".join(out))


def _pattern(
    validator: Validator, pattern: str, instance: object, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if isinstance(instance, str) and not _ecma_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


SchemaValidator: type[Validator] = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {"pattern": _pattern}
)

# Formats JSON Schema 2020-12 defines, and what a valid value is, for messages.
_STANDARD_FORMATS = {
    "date-time": "an RFC 3339 date-time, e.g. 2024-03-01T10:00:00.000Z",
    "date": "an RFC 3339 full-date, e.g. 2024-03-01",
    "time": "an RFC 3339 full-time, e.g. 10:00:00Z",
    "duration": "an ISO 8601 duration, e.g. P3DT4H",
    "email": "an email address, e.g. priya@example.com",
    "idn-email": "an email address, e.g. priya@example.com",
    "hostname": "a hostname, e.g. api.example.com",
    "idn-hostname": "a hostname, e.g. api.example.com",
    "ipv4": "an IPv4 address, e.g. 192.0.2.1",
    "ipv6": "an IPv6 address, e.g. 2001:db8::1",
    "uri": "an absolute URI, e.g. https://example.com/path",
    "uri-reference": "a URI reference, e.g. /path?query",
    "iri": "an absolute IRI, e.g. https://example.com/path",
    "iri-reference": "an IRI reference, e.g. /path?query",
    "uri-template": "a URI template, e.g. /calls/{call_id}",
    "uuid": "a UUID, e.g. 123e4567-e89b-12d3-a456-426614174000",
    "json-pointer": "a JSON pointer, e.g. /metadata/customer_name",
    "relative-json-pointer": "a relative JSON pointer, e.g. 0/name",
    "regex": "a regular expression",
}
# OpenAPI's integer formats, asserted as bounds; its other formats only describe a value.
_INTEGER_BOUNDS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_ANNOTATIONS = frozenset({"float", "double", "password"})


def _standard_check(name: str) -> Callable[[Any], bool]:
    is_valid = jsonschema_rs.validator_for({"format": name}, validate_formats=True).is_valid
    return lambda value: not isinstance(value, str) or bool(is_valid(value))


# Checkers by format; each accepts values of other types, which `type` judges.
FORMATS: dict[str, Callable[[Any], bool]] = {
    **{name: _standard_check(name) for name in _STANDARD_FORMATS},
    E164: is_e164,
}
FORMAT_PHRASES = {**_STANDARD_FORMATS, E164: "a phone number in E.164 form"}

FORMAT_CHECKER = FormatChecker(formats=())
for _name, _check in FORMATS.items():
    FORMAT_CHECKER.checks(_name)(_check)


class UnknownFormatError(ValueError):
    """A schema names a format the emulator cannot check."""


@dataclass(frozen=True, slots=True)
class Schema:
    """A compiled schema that asserts `format: e164` and reads patterns the ECMA way."""

    validator: Validator
    accepts: Callable[[Any], Any] | None  # raises JsonSchemaException unless valid

    def problems(self, instance: Any, *, root: str = "request body") -> list[str]:
        """What is wrong with `instance`, one message per failing field (empty when valid).

        When a field breaks several rules the most basic one is reported: a wrong type before a
        pattern, a pattern before a format.
        """
        if self.accepts is not None:
            try:
                self.accepts(instance)
            except fastjsonschema.JsonSchemaException:
                pass
            else:
                return []
        return _problems(self.validator, instance, root)


def compile_schema(schema: Mapping[str, Any], registry: Registry[Any] | None = None) -> Schema:
    """Compile `schema`; `$ref`s it keeps resolve in `registry`, and skip the fast path.

    UnknownFormatError if it names a format that is neither checked nor a mere annotation.
    """
    schema = _asserting_formats(schema)
    validator = SchemaValidator(
        schema, registry=registry or Registry(), format_checker=FORMAT_CHECKER
    )
    accepts = None
    if not _has_ref(schema):
        # use_default=False: fastjsonschema would otherwise write defaults into the instance.
        accepts = fastjsonschema.compile(dict(schema), formats=FORMATS, use_default=False)
    return Schema(validator, accepts)


# Keywords whose content is data, not schemas: a "format" key there is not a format.
_VALUES = frozenset({"const", "default", "enum", "example", "examples"})


def _asserting_formats(node: Any) -> Any:
    """`node` with each integer format also stated as bounds; refuses an unknown format."""
    if isinstance(node, list):
        return [_asserting_formats(item) for item in node]
    if not isinstance(node, Mapping):
        return node
    out = {
        key: value if key in _VALUES or key.startswith("x-") else _asserting_formats(value)
        for key, value in node.items()
    }
    name = node.get("format")
    if isinstance(name, str):
        if name in _INTEGER_BOUNDS:
            low, high = _INTEGER_BOUNDS[name]
            out["allOf"] = [*out.get("allOf", []), {"minimum": low, "maximum": high}]
        elif name not in FORMATS and name not in _ANNOTATIONS:
            known = ", ".join(sorted([*FORMATS, *_INTEGER_BOUNDS, *_ANNOTATIONS]))
            raise UnknownFormatError(
                f"format {name!r} is not one the emulator checks (it checks {known}); "
                "add a checker to dialnexa_emulator/_validation.py FORMATS"
            )
    return out


def _has_ref(node: Any) -> bool:
    if isinstance(node, Mapping):
        return "$ref" in node or any(_has_ref(value) for value in node.values())
    return isinstance(node, list) and any(_has_ref(item) for item in node)


def _problems(validator: Validator, instance: Any, root: str) -> list[str]:
    best: dict[str, tuple[int, str]] = {}
    for error in validator.iter_errors(instance):
        for field, rank, message in _explain(error, root):
            if field not in best or rank < best[field][0]:
                best[field] = (rank, message)
    return [message for _, message in best.values()]


def field_name(path: Sequence[str | int]) -> str:
    """`metadata.customer_name`, `versions[2].number`."""
    name = ""
    for part in path:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else part
    return name


_TYPE_PHRASES = {
    "string": "a string",
    "integer": "an integer number",
    "number": "a number",
    "boolean": "a boolean value",
    "object": "an object",
    "array": "an array",
    "null": "null",
}

_RANKS = {"type": 0, "required": 0, "additionalProperties": 0, "format": 2}


def _type_phrase(types: str | list[str]) -> str:
    if isinstance(types, str):
        return _TYPE_PHRASES[types]
    phrases = [_TYPE_PHRASES[t] for t in types]
    return ", ".join(phrases[:-1]) + " or " + phrases[-1]


def _explain(error: ValidationError, root: str) -> Iterator[tuple[str, int, str]]:
    path = list(error.absolute_path)
    field = field_name(path)
    subject = field or root
    keyword, schema = error.validator, error.schema
    value: Any = error.validator_value
    instance: Any = error.instance
    if "propertyNames" in error.schema_path:
        subject = f'{subject} key "{instance}"'
        field = f"{field}[key]"
    rank = _RANKS.get(str(keyword), 1)

    if keyword == "required":
        for name in value:
            if isinstance(instance, Mapping) and name not in instance:
                missing = field_name([*path, name])
                yield missing, rank, f"{missing} should not be empty"
        return
    if keyword == "additionalProperties" and isinstance(schema, Mapping):
        known = schema.get("properties", {})
        for name in instance:
            if name not in known and not any(
                _ecma_regex(p).search(name) for p in schema.get("patternProperties", {})
            ):
                extra = field_name([*path, name])
                yield extra, rank, f"property {extra} should not exist"
        return
    yield field, rank, f"{subject} {_predicate(error)}"


_PREDICATES = {
    "minLength": "must be longer than or equal to {} characters",
    "maxLength": "must be shorter than or equal to {} characters",
    "minimum": "must not be less than {}",
    "maximum": "must not be greater than {}",
    "exclusiveMinimum": "must be greater than {}",
    "exclusiveMaximum": "must be less than {}",
    "minItems": "must contain at least {} elements",
    "maxItems": "must contain no more than {} elements",
    "minProperties": "must have at least {} properties",
    "maxProperties": "must have at most {} properties",
}


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _predicate(error: ValidationError) -> str:  # noqa: PLR0911 - one answer per keyword
    keyword = str(error.validator)
    value: Any = error.validator_value
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if keyword == "type":
        return f"must be {_type_phrase(value)}"
    if keyword == "pattern" and schema.get("format") == E164:
        example = schema.get("examples", ["+919876543210"])[0]
        return f"must be in E.164 format, e.g. {example}"
    if keyword == "pattern":
        return f"must match {value} regular expression"
    if keyword == "format" and value == E164:
        return f"must be a valid phone number: {error.instance} is not a dialable number"
    if keyword == "format" and value in FORMAT_PHRASES:
        return f"must be {FORMAT_PHRASES[value]}; got {error.instance!r}"
    if keyword in ("minLength", "minItems", "minProperties") and value == 1:
        return "should not be empty"
    if keyword == "enum":
        return "must be one of the following values: " + ", ".join(map(_json_text, value))
    if keyword in _PREDICATES:
        return _PREDICATES[keyword].format(value)
    return f"is invalid: {error.message}"
