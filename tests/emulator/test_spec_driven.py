"""Request shapes come from openapi.yaml: a change to the spec needs no change to the emulator."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from dialnexa_emulator.responses import ApiError
from dialnexa_emulator.spec import compile_spec, load_spec
from tests.emulator.conftest import MINIMAL_REQUEST, SPEC


def test_the_packaged_spec_is_the_repositorys() -> None:
    assert load_spec().document == SPEC


def test_every_operation_of_the_spec_is_served() -> None:
    served = {(op.method, op.path) for op in load_spec().operations.values()}

    assert served == {
        (method.upper(), path) for path, item in SPEC["paths"].items() for method in item
    }
    assert load_spec().base_path == "/v1"


def problems_for(document: dict[str, Any], body: Any) -> list[str] | str | None:
    try:
        compile_spec(document).operations["createCall"].check_body(body)
    except ApiError as error:
        return error.message
    return None


def test_a_field_added_to_the_spec_is_accepted_and_checked() -> None:
    document = copy.deepcopy(SPEC)
    document["components"]["schemas"]["CreateCallRequest"]["properties"]["notes"] = {
        "type": "object",
        "maxProperties": 2,
    }

    assert problems_for(SPEC, {**MINIMAL_REQUEST, "notes": {}}) == "property notes should not exist"
    assert problems_for(document, {**MINIMAL_REQUEST, "notes": {"a": 1}}) is None
    assert problems_for(document, {**MINIMAL_REQUEST, "notes": {"a": 1, "b": 2, "c": 3}}) == (
        "notes must have at most 2 properties"
    )


def test_a_tightened_range_is_enforced() -> None:
    document = copy.deepcopy(SPEC)
    document["components"]["schemas"]["AgentId"]["maxLength"] = 5

    assert problems_for(document, MINIMAL_REQUEST) == (
        "agent_id must be shorter than or equal to 5 characters"
    )


def listing_with(schema: dict[str, Any]) -> Any:
    document = copy.deepcopy(SPEC)
    document["paths"]["/calls"]["get"]["parameters"].append(
        {"name": "extra", "in": "query", "schema": schema}
    )
    query = compile_spec(document).operations["listCalls"].query
    assert query is not None
    return query


@pytest.mark.parametrize(
    ("schema", "text", "value"),
    [
        ({"type": "integer"}, "3.0", 3),
        ({"type": "integer"}, "-12", -12),
        ({"type": "number"}, "2.5", 2.5),
        ({"type": "number"}, "1e3", 1000.0),
        ({"type": "boolean"}, "true", True),
        ({"type": "array", "items": {"type": "integer"}}, "7", [7]),
    ],
)
def test_a_new_query_parameter_is_coerced_by_its_schema(
    schema: dict[str, Any], text: str, value: Any
) -> None:
    assert listing_with(schema).parse([("extra", text)])["extra"] == value


@pytest.mark.parametrize(
    ("schema", "text", "message"),
    [
        ({"type": "integer"}, "3.5", "extra must be an integer number"),
        ({"type": "integer"}, " 3", "extra must be an integer number"),
        ({"type": "number"}, "NaN", "extra must be a number"),
        ({"type": "boolean"}, "yes", "extra must be a boolean value"),
    ],
)
def test_text_that_is_not_of_the_type_is_reported(
    schema: dict[str, Any], text: str, message: str
) -> None:
    with pytest.raises(ApiError) as raised:
        listing_with(schema).parse([("extra", text)])

    assert raised.value.message == message
