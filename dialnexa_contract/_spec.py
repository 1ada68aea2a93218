"""The contract itself: openapi.yaml, the places in it the suite needs, and validators for them."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from dialnexa_contract._phone_numbers import is_e164

ROOT = Path(__file__).resolve().parents[1]
# Symlinks to the repository's root copies, which a wheel turns into real files.
SPEC_PATH = Path(__file__).parent / "openapi.yaml"
SCHEMATHESIS_CONFIG_PATH = Path(__file__).parent / "schemathesis.toml"

_SPEC_URI = "urn:dialnexa:openapi"
_FORMAT_CHECKER = jsonschema.FormatChecker()  # every standard format, date-time included
# `format: e164` is the spec's own: the pattern is only the outer shape, the number must be real.
_FORMAT_CHECKER.checks("e164")(is_e164)

Validator = jsonschema.Draft202012Validator


SPEC_FILE = "CONTRACT_SPEC"
"""Another copy of openapi.yaml to hold the target to (`--spec`); the embedded emulator serves
it."""


def spec_path() -> Path:
    """The spec this run holds the target to: `$CONTRACT_SPEC`, else the packaged openapi.yaml."""
    return Path(os.environ.get(SPEC_FILE) or SPEC_PATH)


@cache
def load_spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(spec_path().read_text(encoding="utf-8"))
    return spec


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    """JSON pointer into the spec, e.g. pointer("paths", "/calls", "post")."""
    return "".join(f"/{_escape(str(token))}" for token in tokens)


@cache
def validator_at(json_pointer: str) -> Validator:
    """A validator for the schema at `json_pointer`, with every `$ref` of the spec resolvable."""
    registry: Registry[Any] = Registry().with_resource(
        _SPEC_URI, Resource.from_contents(load_spec(), default_specification=DRAFT202012)
    )
    return Validator(
        {"$ref": f"{_SPEC_URI}#{json_pointer}"},
        registry=registry,
        format_checker=_FORMAT_CHECKER,
    )


def find_operation(operation_id: str) -> tuple[str, str]:
    """(path, method) of the operation with this operationId."""
    for path, item in load_spec()["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return path, method
    raise KeyError(operation_id)


def response_schema_pointers(operation_id: str) -> dict[int, str]:
    """Every documented status of an operation with the pointer to its JSON body schema."""
    path, method = find_operation(operation_id)
    responses = load_spec()["paths"][path][method]["responses"]
    pointers: dict[int, str] = {}
    for status, response in responses.items():
        ref = response.get("$ref")
        base = ref.removeprefix("#") if ref else pointer("paths", path, method, "responses", status)
        pointers[int(status)] = base + pointer("content", "application/json", "schema")
    return pointers


def request_body_pointer(operation_id: str) -> str:
    path, method = find_operation(operation_id)
    return pointer("paths", path, method, "requestBody", "content", "application/json", "schema")


def parameter_pointers(operation_id: str, location: str) -> dict[str, str]:
    """name -> schema pointer of the operation's parameters in `location` (query, path)."""
    path, method = find_operation(operation_id)
    parameters = load_spec()["paths"][path][method].get("parameters", [])
    return {
        parameter["name"]: pointer("paths", path, method, "parameters", index, "schema")
        for index, parameter in enumerate(parameters)
        if parameter["in"] == location
    }
