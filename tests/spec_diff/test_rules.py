"""The rules alone (no proof, no generated client), on edits drawn by hypothesis: whoever writes
the data, narrowing it breaks someone; a response narrowed breaks the servers that lag the spec,
a request narrowed breaks existing clients."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from spec_diff import operations
from spec_diff.changes import Verdict
from spec_diff.schemas import Flow, compare
from spec_diff.spec import resolved

from tests.conftest import load_spec

SPEC = load_spec()
CALL = SPEC["components"]["schemas"]["Call"]
REQUEST = SPEC["components"]["schemas"]["CreateCallRequest"]
HANGUP_REASONS: list[str] = SPEC["components"]["schemas"]["HangupReason"]["enum"]
OPERATIONS = {"createCall", "getCall", "listCalls"}


def optional(schema: dict[str, Any]) -> list[str]:
    return sorted(set(schema["properties"]) - set(schema["required"]))


def diff(edit: Any) -> list[Any]:
    new = copy.deepcopy(SPEC)
    edit(new)
    return list(operations.diff(resolved(SPEC), resolved(new)))


@settings(max_examples=25, deadline=None)
@given(st.sets(st.sampled_from(optional(CALL)), min_size=1))
def test_response_fields_made_required_break_servers_that_lag_the_spec(names: set[str]) -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["components"]["schemas"]["Call"]["required"].extend(sorted(names))

    found = [c for c in diff(edit) if "now required" in c.message]

    for name in names:
        mine = [c for c in found if c.field.split(".")[-1] == name]
        assert {c.where.split(" (")[0] for c in mine} == OPERATIONS
        assert all(c.verdict is Verdict.BREAKS_SERVERS for c in mine)
        assert all("raises on answers from servers that omit it" in c.message for c in mine)
        assert all(c.pointer.startswith("/components/schemas/Call/required/") for c in mine)


@settings(max_examples=25, deadline=None)
@given(st.sets(st.sampled_from(optional(REQUEST)), min_size=1))
def test_request_fields_made_required_break_existing_clients(names: set[str]) -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["components"]["schemas"]["CreateCallRequest"]["required"].extend(sorted(names))

    found = [c for c in diff(edit) if "now required" in c.message]

    assert {c.field for c in found} == names
    assert all(c.verdict is Verdict.BREAKS_CLIENTS for c in found)


@settings(max_examples=25, deadline=None)
@given(
    st.sets(st.sampled_from(HANGUP_REASONS), min_size=1, max_size=len(HANGUP_REASONS) - 1).map(
        lambda values: [v for v in HANGUP_REASONS if v in values]  # in the spec's order
    )
)
def test_enum_values_removed_from_a_response_are_never_compatible(removed: list[str]) -> None:
    def edit(doc: dict[str, Any]) -> None:
        reason = doc["components"]["schemas"]["HangupReason"]
        reason["enum"] = [v for v in reason["enum"] if v not in removed]

    found = [c for c in diff(edit) if "removed" in c.message]

    assert found
    assert all(c.verdict is Verdict.BREAKS_CLIENTS for c in found)
    assert all(f"enum value(s) {removed} removed" in c.message for c in found)
    # HangupReason is in webhook bodies: the findings speak of senders and receivers.
    assert all("senders that lag the spec still send it" in c.message for c in found)
    assert all("a receiver generated from this spec" in c.message for c in found)
    assert not any("client" in c.message or "server" in c.message for c in found)


VALUES = st.lists(st.text(min_size=1, max_size=5), min_size=2, max_size=6, unique=True)


@given(VALUES, st.data())
def test_narrowing_breaks_the_writer_side_and_loosening_the_reader_side(
    values: list[str], data: st.DataObject
) -> None:
    kept = data.draw(st.sets(st.sampled_from(values), min_size=1, max_size=len(values) - 1))
    wide = {"type": "string", "enum": values}
    narrow = {"type": "string", "enum": [v for v in values if v in kept]}

    def verdicts(old: dict[str, Any], new: dict[str, Any], flow: Flow) -> set[Verdict]:
        return {c.verdict for c in compare(old, new, "x", flow)}

    assert verdicts(wide, narrow, Flow.REQUEST) == {Verdict.BREAKS_CLIENTS}
    assert verdicts(wide, narrow, Flow.RESPONSE) == {Verdict.BREAKS_CLIENTS}  # relied-on values
    assert verdicts(narrow, wide, Flow.REQUEST) == {Verdict.BREAKS_SERVERS}
    assert verdicts(narrow, wide, Flow.RESPONSE) == {Verdict.COMPATIBLE}  # is_known False

    bounded = {"type": "integer", "minimum": 0}
    tighter = {"type": "integer", "minimum": data.draw(st.integers(1, 10**6))}
    assert verdicts(bounded, tighter, Flow.RESPONSE) == {Verdict.BREAKS_SERVERS}
    assert verdicts(tighter, bounded, Flow.RESPONSE) == {Verdict.BREAKS_CLIENTS}
