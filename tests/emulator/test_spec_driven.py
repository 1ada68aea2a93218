"""Request shapes come from openapi.yaml: a change to the spec needs no change to the emulator."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import fastjsonschema
import httpx
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dialnexa_emulator import create_app
from dialnexa_emulator._errors import ApiError
from dialnexa_emulator._spec import SpecError, compile_spec, load_spec
from dialnexa_emulator._validation import FORMATS, compile_schema
from tests.emulator.conftest import DEMO_KEY, MINIMAL_REQUEST, SPEC, error_message
from tests.seed import SEED_REQUEST
from tests.serving import served

AUTH = {"Authorization": f"Bearer {DEMO_KEY}"}


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


def spec_with_field(tmp_path: Path, name: str, schema: dict[str, Any]) -> Path:
    """A copy of openapi.yaml whose CreateCallRequest has one more field."""
    document = copy.deepcopy(SPEC)
    document["components"]["schemas"]["CreateCallRequest"]["properties"][name] = schema
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


FORMAT_CASES = [
    ("uri", "not a url", "https://example.com/callback", "an absolute URI"),
    ("email", "not an email", "priya@example.com", "an email address"),
    ("date-time", "2024-03-01 10:00", "2024-03-01T10:00:00Z", "an RFC 3339 date-time"),
    ("uuid", "123", "123e4567-e89b-12d3-a456-426614174000", "a UUID"),
    ("date", "2024-02-30", "2024-02-29", "an RFC 3339 full-date"),
    ("ipv4", "300.1.1.1", "192.0.2.1", "an IPv4 address"),
    ("hostname", "-bad-", "api.example.com", "a hostname"),
    ("duration", "3 days", "P3D", "an ISO 8601 duration"),
]


@pytest.mark.parametrize(("fmt", "bad", "good", "phrase"), FORMAT_CASES)
def test_a_field_added_with_a_format_is_enforced_over_http(
    tmp_path: Path, fmt: str, bad: str, good: str, phrase: str
) -> None:
    """The issue's own case: a field with a `format`, added to a copy of the spec, is checked
    by an emulator built from that copy, with no emulator change."""
    app = create_app(spec=spec_with_field(tmp_path, "callback", {"type": "string", "format": fmt}))

    with served(app) as origin, httpx.Client(base_url=f"{origin}/v1", headers=AUTH) as client:
        refused = client.post("/calls", json={**MINIMAL_REQUEST, "callback": bad})
        accepted = client.post("/calls", json={**MINIMAL_REQUEST, "callback": good})

    assert refused.status_code == 400, refused.text
    assert refused.json()["message"].startswith(f"callback must be {phrase}, e.g. ")
    assert refused.json()["message"].endswith(f"; got {bad!r}")
    assert accepted.status_code == 201, accepted.text


def test_an_integer_format_is_enforced_as_its_range() -> None:
    document = copy.deepcopy(SPEC)
    properties = document["components"]["schemas"]["CreateCallRequest"]["properties"]
    properties["priority"] = {"type": "integer", "format": "int32"}

    assert problems_for(document, {**MINIMAL_REQUEST, "priority": 2**31}) == (
        "priority must not be greater than 2147483647"
    )
    assert problems_for(document, {**MINIMAL_REQUEST, "priority": 2**31 - 1}) is None


def test_a_format_the_emulator_cannot_check_is_refused_at_start(tmp_path: Path) -> None:
    path = spec_with_field(tmp_path, "colour", {"type": "string", "format": "color"})

    with pytest.raises(SpecError, match="format 'color' is not one the emulator checks"):
        create_app(spec=path)


@settings(max_examples=200, deadline=None)
@given(
    fmt=st.sampled_from(sorted(FORMATS)),
    value=st.text(max_size=40)
    | st.sampled_from([c[1] for c in FORMAT_CASES] + [c[2] for c in FORMAT_CASES]),
)
def test_the_fast_path_and_the_full_validator_agree_on_formats(fmt: str, value: str) -> None:
    schema = compile_schema({"type": "string", "format": fmt})
    assert schema.accepts is not None

    try:
        schema.accepts(value)
    except fastjsonschema.JsonSchemaException:
        fast_accepts = False
    else:
        fast_accepts = True

    assert fast_accepts == (not schema.problems(value))


def test_a_single_valued_query_parameter_given_twice_is_400(api: httpx.Client) -> None:
    response = api.get("/calls", params=[("limit", "5"), ("limit", "7"), ("status", "busy")])

    assert error_message(response, 400) == "limit must be given once, not 2 times"
    assert api.get("/calls", params=[("status", "busy"), ("status", "failed")]).status_code == 200
