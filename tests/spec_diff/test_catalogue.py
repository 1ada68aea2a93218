"""A catalogue of spec edits, each classified by scripts/spec-diff's rules and proven by property
tests of the client generated from the unedited spec: the verdict of each, and where the rules
and the proof disagree, that the report says so."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from spec_diff import report
from spec_diff.changes import Verdict, worst

from tests.conftest import SPEC_PATH
from tests.spec_diff.conftest import Edit, edited

CLIENTS, SERVERS, COMPATIBLE = Verdict.BREAKS_CLIENTS, Verdict.BREAKS_SERVERS, Verdict.COMPATIBLE


def schemas(doc: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = doc["components"]["schemas"]
    return result


def list_calls(doc: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = doc["paths"]["/calls"]["get"]
    return result


def add_optional_request_field(doc: dict[str, Any]) -> None:
    schemas(doc)["CreateCallRequest"]["properties"]["language"] = {"type": "string"}


def add_required_request_field(doc: dict[str, Any]) -> None:
    request = schemas(doc)["CreateCallRequest"]
    request["properties"]["campaign_id"] = {"type": "string", "minLength": 1}
    request["required"].append("campaign_id")


def remove_response_field(doc: dict[str, Any]) -> None:
    del schemas(doc)["Call"]["properties"]["agent_id"]
    schemas(doc)["Call"]["required"].remove("agent_id")


def add_response_field(doc: dict[str, Any]) -> None:
    schemas(doc)["Call"]["properties"]["recording_url"] = {"type": "string", "format": "uri"}


def make_response_field_nullable(doc: dict[str, Any]) -> None:
    schemas(doc)["Call"]["properties"]["created_at"]["type"] = ["string", "null"]


def make_string_response_field_nullable(doc: dict[str, Any]) -> None:
    # The old client stores the None it gets for agent_id without complaint: the proof sees no
    # failure, the rules still flag what code typed `str` receives.
    call = schemas(doc)["Call"]["properties"]
    call["agent_id"] = {"type": ["string", "null"], "description": "The agent, if any."}


def narrow_request_enum(doc: dict[str, Any]) -> None:
    schemas(doc)["CallStatus"]["enum"].remove("retry_expired")
    schemas(doc)["CallStatus"]["x-final-values"].remove("retry_expired")


def add_response_enum_value(doc: dict[str, Any]) -> None:
    schemas(doc)["HangupReason"]["enum"].append("voicemail_reached")


def add_shared_enum_value(doc: dict[str, Any]) -> None:
    # CallStatus is in responses and in listCalls' status filter, which a new client may send.
    schemas(doc)["CallStatus"]["enum"].append("voicemail")


def remove_operation(doc: dict[str, Any]) -> None:
    del doc["paths"]["/calls/{call_id}"]


def add_required_query_parameter(doc: dict[str, Any]) -> None:
    list_calls(doc)["parameters"].append(
        {"name": "region", "in": "query", "required": True, "schema": {"type": "string"}}
    )


def rename_schema(doc: dict[str, Any]) -> None:
    schemas(doc)["CallMetadata"] = schemas(doc).pop("Metadata")  # every $ref follows it

    def follow(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("$ref") == "#/components/schemas/Metadata":
                node["$ref"] = "#/components/schemas/CallMetadata"
            for value in node.values():
                follow(value)
        elif isinstance(node, list):
            for value in node:
                follow(value)

    follow(doc)


def tighten_pattern(doc: dict[str, Any]) -> None:
    schemas(doc)["CallId"]["pattern"] = "^call_[a-z0-9]{1,64}$"


def tighten_max_length(doc: dict[str, Any]) -> None:
    schemas(doc)["CreateCallRequest"]["properties"]["agent_version_number"]["maximum"] = 1000


def loosen_maximum(doc: dict[str, Any]) -> None:
    schemas(doc)["CreateCallRequest"]["properties"]["agent_version_number"]["maximum"] = 10**9


def change_type(doc: dict[str, Any]) -> None:
    version = schemas(doc)["CreateCallRequest"]["properties"]["agent_version_number"]
    version.update(type="string", pattern="^[0-9]+$")
    del version["minimum"], version["maximum"]
    version["examples"] = ["3"]


def change_default(doc: dict[str, Any]) -> None:
    next(p for p in list_calls(doc)["parameters"] if p["name"] == "limit")["schema"]["default"] = 50


def change_description(doc: dict[str, Any]) -> None:
    schemas(doc)["Call"]["description"] = "A call record, as DialNexa keeps it."
    list_calls(doc)["summary"] = "List the workspace's calls"


def remove_webhook_field(doc: dict[str, Any]) -> None:
    call = schemas(doc)["WebhookCall"]
    del call["properties"]["agent_id"]
    call["required"].remove("agent_id")


# Servers that lag the spec: a response narrowed. Existing clients are unaffected, but a server
# of the old spec no longer conforms and a client generated from the new spec breaks against it.


def make_response_field_required(doc: dict[str, Any]) -> None:
    # Issue 21: the spec's own description says DialNexa's completed-call example omits it.
    schemas(doc)["Call"]["required"].append("agent_version_number")


def add_required_response_field(doc: dict[str, Any]) -> None:
    call = schemas(doc)["Call"]
    call["properties"]["region"] = {"type": "string"}
    call["required"].append("region")


def remove_final_status(doc: dict[str, Any]) -> None:
    # Issue 21: the emulator still answers retry_expired for +919876500006.
    narrow_request_enum(doc)


def remove_response_enum_value(doc: dict[str, Any]) -> None:
    schemas(doc)["HangupReason"]["enum"].remove("user_busy")  # webhook bodies only


def narrow_response_type(doc: dict[str, Any]) -> None:
    schemas(doc)["Call"]["properties"]["ended_at"]["type"] = "string"  # null no longer allowed


def tighten_response_minimum(doc: dict[str, Any]) -> None:
    schemas(doc)["Call"]["properties"]["agent_version_number"]["minimum"] = 2


def rename_webhook_field(doc: dict[str, Any]) -> None:
    call = schemas(doc)["WebhookCall"]
    call["properties"]["agent"] = call["properties"].pop("agent_id")
    call["required"][call["required"].index("agent_id")] = "agent"


@dataclass(frozen=True)
class Case:
    edit: Edit
    rules: Verdict  # the rules' verdict on the wire contract
    proof: Verdict  # what the property tests of the old client found
    verdict: Verdict  # the report's, with the Python API
    says: str  # a phrase of the finding that explains it
    proves: str = ""  # a phrase of a counterexample that proves it


CATALOGUE = [
    Case(add_optional_request_field, SERVERS, SERVERS, SERVERS, "older servers refuse unknown"),
    Case(add_required_request_field, CLIENTS, CLIENTS, CLIENTS, "new required field"),
    Case(remove_response_field, CLIENTS, CLIENTS, CLIENTS, "required field removed"),
    Case(add_response_field, COMPATIBLE, COMPATIBLE, COMPATIBLE, "accept and ignore unknown"),
    Case(make_response_field_nullable, CLIENTS, CLIENTS, CLIENTS, "may now be null"),
    Case(make_string_response_field_nullable, CLIENTS, COMPATIBLE, CLIENTS, "may now be null"),
    Case(narrow_request_enum, CLIENTS, CLIENTS, CLIENTS, "['retry_expired'] removed"),
    Case(add_response_enum_value, COMPATIBLE, COMPATIBLE, COMPATIBLE, "keep an unknown value"),
    Case(add_shared_enum_value, SERVERS, SERVERS, SERVERS, "['voicemail'] added"),
    Case(remove_operation, CLIENTS, CLIENTS, CLIENTS, "operation removed"),
    Case(add_required_query_parameter, CLIENTS, CLIENTS, CLIENTS, "new required parameter"),
    Case(rename_schema, COMPATIBLE, COMPATIBLE, CLIENTS, "dialnexa_client.models.Metadata"),
    Case(tighten_pattern, CLIENTS, CLIENTS, CLIENTS, "pattern changed"),
    Case(tighten_max_length, CLIENTS, CLIENTS, CLIENTS, "maximum changed from 1000000 to 1000"),
    Case(loosen_maximum, SERVERS, SERVERS, SERVERS, "maximum changed from 1000000"),
    Case(change_type, CLIENTS, CLIENTS, CLIENTS, "type no longer allows ['integer']"),
    Case(change_default, CLIENTS, COMPATIBLE, CLIENTS, "default changed from 20 to 50"),
    Case(change_description, COMPATIBLE, COMPATIBLE, COMPATIBLE, "description changed"),
    Case(remove_webhook_field, CLIENTS, CLIENTS, CLIENTS, "required field removed"),
    # Responses narrowed: servers that lag the spec break clients generated from it.
    Case(
        make_response_field_required,
        SERVERS,
        SERVERS,
        CLIENTS,  # the Python API too: Call's constructor has a new required parameter
        "agent_version_number: now required; a client generated from this spec raises on "
        "answers from servers that omit it",
        "a client generated from this spec raises on it: ResponseValidationError: HTTP 20",
    ),
    Case(
        add_required_response_field,
        SERVERS,
        SERVERS,
        CLIENTS,
        "region: new required field; a client generated from this spec raises on answers",
        "field 'region' does not match the spec (missing)",
    ),
    Case(
        remove_final_status,
        CLIENTS,
        CLIENTS,
        CLIENTS,
        "status: enum value(s) ['retry_expired'] removed; code that relies on it",
        "a client generated from this spec reads 'retry_expired' as an unknown value",
    ),
    Case(
        remove_response_enum_value,
        CLIENTS,  # code that relies on user_busy never gets it; the proof cannot see meaning
        SERVERS,
        CLIENTS,
        "hangup_reason: enum value(s) ['user_busy'] removed; code that relies on it",
        "a receiver generated from this spec reads 'user_busy' as an unknown value",
    ),
    Case(
        narrow_response_type,
        SERVERS,
        SERVERS,
        SERVERS,
        "ended_at: type no longer allows ['null']; servers that lag the spec",
        "field 'ended_at' does not match the spec (TypeError",
    ),
    Case(
        tighten_response_minimum,
        SERVERS,
        SERVERS,
        SERVERS,
        "minimum changed from 1 to 2; servers that lag the spec",
        "the new spec refuses it: 1 is less than the minimum of 2",
    ),
    Case(
        rename_webhook_field,
        CLIENTS,
        CLIENTS,
        CLIENTS,
        "payload.call.agent: new required field; a receiver generated from this spec raises on "
        "deliveries from senders that omit it",
        "a receiver generated from this spec raises on it: KeyError: 'agent'",
    ),
]


@functools.cache
def compared(edit: Edit, base_client: Path) -> report.Report:
    """The report on one edit of openapi.yaml, computed once for every test that reads it."""
    base = SPEC_PATH.read_text(encoding="utf-8")
    return report.compare(base, edited(edit), base="openapi.yaml", old_client=base_client)


@pytest.mark.parametrize("case", CATALOGUE, ids=lambda case: case.edit.__name__)
def test_each_edit_is_classified_by_rules_and_proof(case: Case, base_client: Path) -> None:
    result = compared(case.edit, base_client)

    assert result.proof is not None
    assert (result.rules_verdict, result.proof.verdict, result.verdict) == (
        case.rules,
        case.proof,
        case.verdict,
    ), report.text(result)
    assert case.says in report.text(result)
    if case.rules is case.proof:
        assert result.disagreement is None
    else:
        assert result.disagreement is not None
        assert "Rules and proof disagree" in report.text(result)
    # A counterexample is data the old world refuses; its verdict is what the proof reports.
    assert all(c.verdict is not COMPATIBLE and c.example for c in result.proof.counterexamples)
    if case.proves:
        assert any(case.proves in c.line() for c in result.proof.counterexamples), report.text(
            result
        )


LAGGING = [
    make_response_field_required,
    add_required_response_field,
    remove_final_status,
    remove_response_enum_value,
    narrow_response_type,
    tighten_response_minimum,
    rename_webhook_field,
]


@pytest.mark.parametrize("edit", LAGGING, ids=lambda edit: edit.__name__)
def test_a_narrowed_response_is_never_compatible_and_the_proof_names_the_lagging_server(
    edit: Edit, base_client: Path
) -> None:
    """Every finding on a narrowed response says who breaks (never 'compatible'), and the proof
    shows an answer of a server that lags the spec which the new spec or its client refuses."""
    result = compared(edit, base_client)

    narrowed = [
        c
        for c in result.wire
        if (" response " in c.where or c.where.endswith(" body"))
        and any(word in c.message for word in ("now required", "new required", "removed;"))
    ]
    assert all(c.verdict is not COMPATIBLE for c in narrowed), report.text(result)
    assert result.proof is not None
    lagging = [c for c in result.proof.counterexamples if "lags the spec" in c.where]
    assert lagging and all(c.verdict is SERVERS for c in lagging), report.text(result)


def test_the_agent_version_number_case_breaks_on_the_wire_not_only_in_python(
    base_client: Path,
) -> None:
    """Issue 21: made required in Call, it was 'compatible' on all three operations and breaking
    only through the Python API. The wire rules and the proof now say why on their own."""
    result = compared(make_response_field_required, base_client)

    on_the_wire = [c for c in result.wire if c.field.endswith("agent_version_number")]
    assert {c.where.split(" (")[0] for c in on_the_wire} == {"createCall", "getCall", "listCalls"}
    assert all(c.verdict is SERVERS for c in on_the_wire)
    assert all(c.pointer == "/components/schemas/Call/required/5" for c in on_the_wire)
    assert result.proof is not None
    assert {c.where.split(" (")[0] for c in result.proof.counterexamples} == {
        "createCall",
        "getCall",
        "listCalls",
    }
    # Without the Python API the verdict still is not compatible.
    assert worst([result.rules_verdict, result.proof.verdict]) is SERVERS


def test_the_catalogue_covers_at_least_fifteen_edits() -> None:
    assert len({case.edit for case in CATALOGUE}) >= 25
