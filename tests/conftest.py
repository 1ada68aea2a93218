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


# The slow tier (`scripts/test --all`, what CI runs): whole modules that build and install wheels,
# drive a browser, load servers, or run the contract suite many times over. A test elsewhere
# joins it with @pytest.mark.slow. `scripts/test` alone leaves them out; naming one runs it.
SLOW_MODULES = frozenset(
    {
        "tests/kit/test_wheel.py",
        "tests/kit/test_build.py",
        "tests/spec_diff/test_gate.py",
        "tests/spec_diff/test_catalogue.py",
        "tests/spec_diff/test_next_steps.py",
        "tests/test_api_reference.py",
        "tests/contract/test_catches_deviations.py",
        "tests/contract/test_live_verdicts.py",
        "tests/contract/test_live_safety.py",
        "tests/contract/test_webhooks_live.py",
        "tests/hardening/test_load.py",
        "tests/hardening/test_persistence.py",
        "tests/hardening/test_workers.py",
        "tests/hardening/test_contract_secrets.py",
        "tests/hardening/test_browser.py",
        "tests/fidelity/test_contract_suite.py",
        "tests/fidelity/test_cli.py",
    }
)


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.relative_to(ROOT).as_posix() in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
