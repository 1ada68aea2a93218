"""openapi.yaml is a valid OpenAPI 3.1 document and every example in it matches its schema."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from openapi_spec_validator import validate

from tests.conftest import Validator, load_spec, validator_factory
from tests.seed import SEED_COMPLETED, SEED_CREATED

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def examples_in(spec: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """Every example of the document as (where, schema pointer, value).

    Covers media types (`example` and `examples`), parameters, headers and the `examples` lists
    of schemas, wherever they sit.
    """

    def media(pointer: str, obj: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
        if "example" in obj:
            yield f"{pointer}/example", f"{pointer}/schema", obj["example"]
        for name, example in obj.get("examples", {}).items():
            value = resolve(spec, example)["value"]
            yield f"{pointer}/examples/{name}", f"{pointer}/schema", value

    def walk(pointer: str, node: Any) -> Iterator[tuple[str, str, Any]]:
        if isinstance(node, dict):
            for key, value in node.items():
                child = f"{pointer}/{escape(key)}"
                if key == "content" and isinstance(value, dict):
                    for media_type, media_obj in value.items():
                        yield from media(f"{child}/{escape(media_type)}", media_obj)
                        yield from walk(
                            f"{child}/{escape(media_type)}/schema", media_obj.get("schema")
                        )
                    continue
                if key == "examples" and isinstance(value, list) and is_schema(node):
                    for i, example in enumerate(value):
                        yield f"{child}/{i}", pointer, example
                    continue
                if key == "example" and "schema" in node:
                    yield child, f"{pointer}/schema", value
                    continue
                yield from walk(child, value)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(f"{pointer}/{i}", value)

    yield from walk("", spec)


def is_schema(node: dict[str, Any]) -> bool:
    return any(k in node for k in ("type", "$ref", "oneOf", "anyOf", "allOf", "properties", "enum"))


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


SPEC = load_spec()
EXAMPLES = list(examples_in(SPEC))


def test_spec_is_valid_openapi_3_1() -> None:
    assert SPEC["openapi"] == "3.1.0"
    validate(SPEC)


def test_examples_are_found_everywhere() -> None:
    """The walker reaches requests, responses, errors, parameters, headers and schemas."""
    where = [w for w, _, _ in EXAMPLES]
    assert any("/requestBody/content/application~1json/examples/seed" in w for w in where)
    assert any("/responses/201/content/" in w for w in where)
    assert any(w.startswith("/components/responses/TooManyRequests/content") for w in where)
    assert any(w.startswith("/components/headers/RetryAfter/example") for w in where)
    assert any(
        w.startswith("/components/schemas/Call/properties/created_at/examples") for w in where
    )
    assert any("/parameters/0/example" in w for w in where)
    assert len(EXAMPLES) >= 40


@pytest.mark.parametrize(
    ("where", "schema_pointer", "example"), EXAMPLES, ids=[w for w, _, _ in EXAMPLES]
)
def test_example_matches_its_schema(
    validator_at: Callable[[str], Validator], where: str, schema_pointer: str, example: Any
) -> None:
    errors = [e.message for e in validator_at(schema_pointer).iter_errors(example)]
    assert not errors, f"{where} does not match {schema_pointer}: {errors}"


@pytest.mark.parametrize(
    ("mutate", "why"),
    [
        (
            lambda s: s["paths"]["/calls"]["post"]["responses"]["201"]["content"][
                "application/json"
            ]["examples"]["initiated"]["value"].pop("created_at"),
            "required field removed",
        ),
        (
            lambda s: s["components"]["responses"]["Unauthorized"]["content"]["application/json"][
                "example"
            ].update(message=401),
            "message neither string nor list",
        ),
        (
            lambda s: s["paths"]["/calls"]["post"]["requestBody"]["content"]["application/json"][
                "examples"
            ]["seed"]["value"].update(to_phone_number="+919"),
            "not a real number",
        ),
        (
            lambda s: s["paths"]["/calls"]["post"]["requestBody"]["content"]["application/json"][
                "examples"
            ]["minimal"]["value"].update(unknown=1),
            "unknown property",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_broken_example_is_caught(mutate: Callable[[dict[str, Any]], object], why: str) -> None:
    broken = copy.deepcopy(SPEC)
    mutate(broken)
    validator_at = validator_factory(broken)
    failures = [
        where
        for where, pointer, example in examples_in(broken)
        if not validator_at(pointer).is_valid(example)
    ]
    assert len(failures) == 1, why


def test_both_seed_responses_are_calls(validator_at: Callable[[str], Validator]) -> None:
    """The fresh 201 and the completed call of DialNexa's reference page both validate as Call."""
    call = validator_at("/components/schemas/Call")
    assert call.is_valid(SEED_CREATED)
    assert call.is_valid(SEED_COMPLETED)
    assert not call.is_valid({**SEED_CREATED, "status": "ringing"})


def test_every_operation_is_documented() -> None:
    operations = {
        op["operationId"]: (method, path)
        for path, item in SPEC["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    }
    assert operations == {
        "createCall": ("post", "/calls"),
        "listCalls": ("get", "/calls"),
        "getCall": ("get", "/calls/{call_id}"),
    }
    for method, path in operations.values():
        op = SPEC["paths"][path][method]
        assert op["tags"] == ["calls"]
        for status, response in op["responses"].items():
            if status.startswith(("4", "5")):
                schema = resolve(SPEC, response)["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (path, status)
    link = SPEC["paths"]["/calls"]["post"]["responses"]["201"]["links"]["GetCallById"]
    assert link == {
        "operationId": "getCall",
        "description": link["description"],
        "parameters": {"call_id": "$response.body#/id"},
    }
