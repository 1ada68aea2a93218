"""Fixtures shared by the project's tests: the spec and validators for any part of it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from dialnexa_contract._phone_numbers import is_e164

ROOT = Path(__file__).resolve().parents[1]
SPEC_PATH = ROOT / "openapi.yaml"
SPEC_URI = "urn:dialnexa:openapi"

Validator = jsonschema.protocols.Validator


def load_spec(path: Path = SPEC_PATH) -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return spec


FORMAT_CHECKER = jsonschema.FormatChecker()  # a copy: the class-wide checker stays untouched
# The spec's own format for phone numbers: the regex is only the outer shape, a real number must
# also be valid for its country, which is what DialNexa (and the emulator) check.
FORMAT_CHECKER.checks("e164")(is_e164)


def validator_factory(spec: dict[str, Any]) -> Callable[[str], Validator]:
    """Validator for the schema at a JSON pointer of the spec, with every $ref resolvable."""
    registry: Registry[Any] = Registry().with_resource(
        SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT202012)
    )

    def validator_at(pointer: str) -> Validator:
        return jsonschema.Draft202012Validator(
            {"$ref": f"{SPEC_URI}#{pointer}"}, registry=registry, format_checker=FORMAT_CHECKER
        )

    return validator_at


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    return load_spec()


@pytest.fixture(scope="session")
def validator_at(spec: dict[str, Any]) -> Callable[[str], Validator]:
    return validator_factory(spec)
