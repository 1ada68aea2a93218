"""Request shapes come from openapi.yaml: a change to the spec needs no change to the emulator."""

from __future__ import annotations

import copy
from typing import Any

import fastjsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialnexa_emulator.responses import ApiError
from dialnexa_emulator.spec import compile_spec, load_spec
from tests.emulator.conftest import MINIMAL_REQUEST, SPEC
from tests.seed import SEED_REQUEST


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


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "agt_abc123", "+919876543210", "+10", "x\n", "+912234567890"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "agent_id",
                    "to_phone_number",
                    "from_phone_number",
                    "agent_version_number",
                    "metadata",
                    "customer_name",
                    "1st",
                    "x",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=10,
)


# The seed's body with a few fields removed or replaced: mostly valid, sometimes just not.
NEAR_SEED = st.builds(
    lambda dropped, changes: {
        **{k: v for k, v in SEED_REQUEST.items() if k not in dropped},
        **changes,
    },
    st.sets(st.sampled_from(sorted(SEED_REQUEST)), max_size=2),
    st.dictionaries(st.sampled_from([*SEED_REQUEST, "x"]), JSON_VALUES, max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(instance=JSON_VALUES | NEAR_SEED)
def test_the_fast_path_and_the_full_validator_agree(instance: Any) -> None:
    """Valid bodies skip jsonschema; that is only sound if both judge every body alike."""
    schema = load_spec().operations["createCall"].body
    assert schema is not None and schema.accepts is not None

    try:
        schema.accepts(instance)
    except fastjsonschema.JsonSchemaException:
        fast_accepts = False
    else:
        fast_accepts = True

    assert fast_accepts == (not list(schema.validator.iter_errors(instance)))
