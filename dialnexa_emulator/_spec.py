"""The contract the emulator serves: operations and their request validators, from openapi.yaml.

Everything about request *shapes* (bodies, query and path parameters, their types, ranges, enums
and defaults) comes from the spec and is compiled once, so a field added to the spec is enforced
without touching the emulator. The spec ships inside the package as `openapi.yaml`, a symlink to
the repository's copy that wheels resolve into a real file; `load_spec(path)` reads another copy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from dialnexa_emulator._errors import ApiError
from dialnexa_emulator._validation import Schema, UnknownFormatError, compile_schema

SPEC_URI = "urn:dialnexa-emulator:openapi"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")

_INTEGER = re.compile(r"-?[0-9]+(?:\.0*)?\Z")  # "3.0" is an integer too, as in JSON Schema
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\Z")
_BOOLEANS = {"true": True, "false": False}


class SpecError(ValueError):
    """A spec the emulator cannot serve; the message is one line naming the file."""


@dataclass(frozen=True, slots=True)
class Parameter:
    """A query or path parameter: how to turn its text into the JSON value its schema describes."""

    name: str
    type: str
    item_type: str = "string"
    default: Any = None

    def coerce(self, values: list[str]) -> Any:
        if self.type == "array":
            return [_coerce(self.item_type, value) for value in values]
        return _coerce(self.type, values[0])


def _coerce(json_type: str, text: str) -> Any:
    """The value `text` stands for, or `text` itself, which the schema then reports as wrong."""
    if json_type == "integer" and _INTEGER.match(text):
        return int(text.partition(".")[0])
    if json_type == "number" and _NUMBER.match(text):
        return float(text) if any(c in text for c in ".eE") else int(text)
    if json_type == "boolean":
        return _BOOLEANS.get(text, text)
    return text


@dataclass(frozen=True, slots=True)
class ParameterSet:
    """The query (or path) parameters of an operation, validated together as one object."""

    parameters: tuple[Parameter, ...]
    schema: Schema

    def parse(self, multi_items: list[tuple[str, str]]) -> dict[str, Any]:
        """Coerced, validated values (defaults filled in); unknown parameters are ignored."""
        texts: dict[str, list[str]] = {}
        for name, value in multi_items:
            texts.setdefault(name, []).append(value)
        values: dict[str, Any] = {}
        repeated = []
        for parameter in self.parameters:
            given = texts.get(parameter.name)
            if given is None:
                continue
            if len(given) > 1 and parameter.type != "array":
                repeated.append(f"{parameter.name} must be given once, not {len(given)} times")
                continue
            values[parameter.name] = parameter.coerce(given)
        failures = repeated + self.schema.problems(values, root="parameters")
        if failures:
            raise ApiError.invalid(failures)
        for parameter in self.parameters:
            values.setdefault(parameter.name, parameter.default)
        return values


@dataclass(frozen=True, slots=True)
class Operation:
    id: str
    method: str
    path: str
    body: Schema | None = None
    pointer: str = ""  # where the operation is in the spec, e.g. `/paths/~1calls/post`
    query: ParameterSet | None = None
    path_parameters: ParameterSet | None = None

    def check_body(self, body: object) -> None:
        if self.body is not None:
            failures = self.body.problems(body)
            if failures:
                raise ApiError.invalid(failures)


@dataclass(frozen=True, slots=True, eq=False)  # by identity: what is compiled from it is cached
class Spec:
    document: Mapping[str, Any]
    base_path: str
    operations: Mapping[str, Operation]
    source: str = "openapi.yaml"  # the file, as messages name it


@lru_cache(maxsize=4)
def load_spec(path: str | Path | None = None) -> Spec:
    """The spec at `path` (default: the packaged one), parsed and compiled once per process.

    SpecError says why a file cannot be served.
    """
    source = Path(path) if path is not None else resources.files(__package__) / "openapi.yaml"
    try:
        document = yaml.load(source.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        return compile_spec(document, str(path) if path is not None else "openapi.yaml")
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SpecError(f"{path}: cannot read the spec: {exc}".replace("\n", " ")) from None
    except UnknownFormatError as exc:
        raise SpecError(f"{path or 'openapi.yaml'}: {exc}") from None
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise SpecError(
            f"{path}: not an OpenAPI document the emulator can serve: {exc!r}"
        ) from None


def compile_spec(document: Mapping[str, Any], source: str = "openapi.yaml") -> Spec:
    registry: Registry[Any] = Registry().with_resource(
        SPEC_URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    base_path = urlparse(document["servers"][0]["url"]).path.rstrip("/")
    operations: dict[str, Operation] = {}
    for path, item in document["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                pointer = f"/paths/{_escape(path)}/{method}"
                operation = _compile_operation(document, registry, pointer, path, method)
                operations[operation.id] = operation
    return Spec(document, base_path, operations, source)


def _compile_operation(
    document: Mapping[str, Any], registry: Registry[Any], pointer: str, path: str, method: str
) -> Operation:
    spec_operation = _at(document, pointer)
    body = None
    if "requestBody" in spec_operation:
        body_pointer, _ = _follow(document, f"{pointer}/requestBody")
        schema = _inline(document, f"{body_pointer}/content/application~1json/schema")
        body = compile_schema(schema, registry)

    # Path-item parameters first, so the operation's own entries override them by name.
    path_item_pointer = pointer.rsplit("/", 1)[0]
    parameter_pointers = [
        f"{owner}/parameters/{i}"
        for owner in (path_item_pointer, pointer)
        for i in range(len(_at(document, owner).get("parameters", [])))
    ]
    by_location: dict[str, dict[str, tuple[str, Mapping[str, Any]]]] = {"query": {}, "path": {}}
    for parameter_pointer in parameter_pointers:
        resolved_pointer, parameter = _follow(document, parameter_pointer)
        if parameter["in"] in by_location:
            by_location[parameter["in"]][parameter["name"]] = (resolved_pointer, parameter)

    return Operation(
        id=spec_operation["operationId"],
        method=method.upper(),
        path=path,
        body=body,
        pointer=pointer,
        query=_parameter_set(document, registry, by_location["query"]),
        path_parameters=_parameter_set(document, registry, by_location["path"]),
    )


def _parameter_set(
    document: Mapping[str, Any],
    registry: Registry[Any],
    parameters: Mapping[str, tuple[str, Mapping[str, Any]]],
) -> ParameterSet | None:
    if not parameters:
        return None
    compiled = []
    properties = {}
    for name, (pointer, _) in parameters.items():
        schema_pointer, schema = _follow(document, f"{pointer}/schema")
        json_type = _json_type(schema)
        item_type = "string"
        if json_type == "array":
            item_type = _json_type(_follow(document, f"{schema_pointer}/items")[1])
        compiled.append(Parameter(name, json_type, item_type, schema.get("default")))
        properties[name] = _inline(document, f"{pointer}/schema")
    required = [name for name, (_, parameter) in parameters.items() if parameter.get("required")]
    schema = {"type": "object", "properties": properties, "required": required}
    return ParameterSet(tuple(compiled), compile_schema(schema, registry))


def _json_type(schema: Mapping[str, Any]) -> str:
    declared = schema.get("type", "string")
    if isinstance(declared, list):
        return next((t for t in declared if t != "null"), "string")
    return str(declared)


def _inline(document: Mapping[str, Any], pointer: str, within: tuple[str, ...] = ()) -> Any:
    """The schema at `pointer` with its local `$ref`s replaced by what they point to.

    Resolving references while validating costs more than the validation itself, so it is done
    once here. A recursive reference cannot be inlined and stays, pointing into the registry.
    """
    node = _at(document, pointer)
    if isinstance(node, list):
        return [_inline(document, f"{pointer}/{i}", within) for i in range(len(node))]
    if not isinstance(node, Mapping):
        return node
    inlined = {
        key: _inline(document, f"{pointer}/{_escape(key)}", within) for key in node if key != "$ref"
    }
    target = str(node.get("$ref", ""))
    if not target.startswith("#/"):
        return inlined
    if target in within:
        return {**inlined, "$ref": f"{SPEC_URI}{target}"}
    resolved = _inline(document, target[1:], (*within, target))
    if not inlined:
        return resolved
    return {**inlined, "allOf": [resolved]}  # `$ref` beside other keywords: both apply


def inline_schema(document: Mapping[str, Any], pointer: str) -> Any:
    """The schema at `pointer`, its local `$ref`s inlined (a `$ref` beside other keywords
    becomes `allOf`), ready to compile."""
    return _inline(document, pointer)


def escape_pointer(token: str) -> str:
    """`token` as one JSON-pointer step (`/calls` -> `~1calls`)."""
    return _escape(token)


def node_at(document: Mapping[str, Any], pointer: str) -> Any:
    """The node at `pointer` (KeyError, IndexError or TypeError if there is none)."""
    return _at(document, pointer)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _at(document: Mapping[str, Any], pointer: str) -> Any:
    node: Any = document
    for escaped in pointer.lstrip("/").split("/"):
        token = escaped.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def _follow(document: Mapping[str, Any], pointer: str) -> tuple[str, Any]:
    """The node at `pointer` with local `$ref`s followed, and the pointer it was found at."""
    node = _at(document, pointer)
    while isinstance(node, Mapping) and str(node.get("$ref", "")).startswith("#/"):
        pointer = node["$ref"][1:]
        node = _at(document, pointer)
    return pointer, node
