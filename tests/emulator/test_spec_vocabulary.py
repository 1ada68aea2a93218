"""The spec decides what the emulator may say: a spec that does not allow a value the emulator can
produce is refused at start-up, in one line naming the value and where the spec lacks it."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dialnexa_emulator import SpecError, SyncASGITransport, create_app, default_config
from dialnexa_emulator._lifecycle import OutcomeRule
from dialnexa_emulator._spec import compile_spec
from dialnexa_emulator._spec_check import check_spec, spec_problems
from dialnexa_emulator._vocabulary import answers, vocabulary
from tests.emulator.conftest import SPEC
from tests.emulator.test_cli import run_cli

Edit = Callable[[dict[str, Any]], None]
CONFIG = default_config()
WORDS = vocabulary(CONFIG)


def schemas(document: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = document["components"]["schemas"]
    return found


def problems(edit: Edit) -> list[str]:
    document = copy.deepcopy(SPEC)
    edit(document)
    return spec_problems(compile_spec(document), CONFIG)


def test_the_packaged_spec_allows_everything_the_emulator_says() -> None:
    assert spec_problems(compile_spec(SPEC), CONFIG) == []


def test_the_vocabulary_is_what_the_test_numbers_do() -> None:
    assert WORDS.call_statuses["retry_expired"].how == "test number +919876500006"
    assert WORDS.call_statuses["created"].seeded_status == "created"  # no call stays in it
    assert set(WORDS.final_statuses) == set(
        SPEC["components"]["schemas"]["CallStatus"]["x-final-values"]
    )
    assert WORDS.hangup_reasons["user_busy"].to_phone_number == "+919876500002"
    assert set(WORDS.webhook_events) == {"call_initiated", "call_ended"}
    assert set(answers("createCall")) == {
        201,
        400,
        401,
        402,
        403,
        404,
        413,
        429,
        500,
        502,
        503,
        504,
    }


def test_removing_retry_expired_names_the_value_the_path_and_the_test_number() -> None:
    def edit(document: dict[str, Any]) -> None:
        schemas(document)["CallStatus"]["enum"].remove("retry_expired")

    assert problems(edit)[0] == (
        "openapi.yaml: #/components/schemas/CallStatus/enum lacks 'retry_expired', which the "
        "emulator produces (test number +919876500006)"
    )


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(sorted(WORDS.call_statuses)))
def test_any_status_removed_is_named(status: str) -> None:
    def edit(document: dict[str, Any]) -> None:
        schemas(document)["CallStatus"]["enum"].remove(status)

    found = problems(edit)
    assert found[0].startswith(
        f"openapi.yaml: #/components/schemas/CallStatus/enum lacks {status!r}"
    )
    assert WORDS.call_statuses[status].how in found[0]


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(sorted(WORDS.hangup_reasons)))
def test_any_hangup_reason_removed_is_named(reason: str) -> None:
    def edit(document: dict[str, Any]) -> None:
        schemas(document)["HangupReason"]["enum"].remove(reason)

    assert problems(edit) == [
        f"openapi.yaml: #/components/schemas/HangupReason/enum lacks {reason!r}, which the "
        f"emulator produces ({WORDS.hangup_reasons[reason].how})"
    ]


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(sorted(WORDS.final_statuses)))
def test_a_final_status_missing_from_x_final_values_is_named(status: str) -> None:
    def edit(document: dict[str, Any]) -> None:
        schemas(document)["CallStatus"]["x-final-values"].remove(status)

    assert problems(edit) == [
        f"openapi.yaml: #/components/schemas/CallStatus/x-final-values lacks {status!r}, which "
        f"the emulator ends calls with ({WORDS.final_statuses[status].how})"
    ]


def test_an_in_flight_status_said_to_be_final_is_named() -> None:
    def edit(document: dict[str, Any]) -> None:
        schemas(document)["CallStatus"]["x-final-values"].append("received")

    assert problems(edit) == [
        "openapi.yaml: #/components/schemas/CallStatus/x-final-values lists 'received', a status "
        "the emulator's calls leave (every call, in flight)"
    ]


RESPONSES = [
    (op, status) for op in ("createCall", "getCall", "listCalls") for status in answers(op)
]
WHERE = {
    "createCall": ("/calls", "post"),
    "getCall": ("/calls/{call_id}", "get"),
    "listCalls": ("/calls", "get"),
}


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(RESPONSES))
def test_a_response_status_the_emulator_answers_must_be_declared(answer: tuple[str, int]) -> None:
    operation, status = answer
    path, method = WHERE[operation]

    def edit(document: dict[str, Any]) -> None:
        del document["paths"][path][method]["responses"][str(status)]

    escaped = path.replace("/", "~1")
    assert problems(edit)[0] == (
        f"openapi.yaml: #/paths/{escaped}/{method}/responses lacks '{status}', which the "
        f"emulator answers {operation} with ({answers(operation)[status]})"
    )


def test_a_range_or_default_declares_the_statuses_it_covers() -> None:
    def edit(document: dict[str, Any]) -> None:
        responses = document["paths"]["/calls"]["post"]["responses"]
        responses["5XX"] = responses.pop("502")
        responses["default"] = responses.pop("413")

    assert problems(edit) == []


def test_a_webhook_event_it_delivers_must_be_described() -> None:
    def edit(document: dict[str, Any]) -> None:
        del document["webhooks"]["call_initiated"]

    assert problems(edit)[0].startswith(
        "openapi.yaml: #/webhooks lacks 'call_initiated', which the emulator delivers"
    )


def test_a_renamed_webhook_field_is_named_both_ways() -> None:
    def edit(document: dict[str, Any]) -> None:
        call = schemas(document)["WebhookCall"]
        call["properties"]["to_phone"] = call["properties"].pop("to_number")
        call["required"] = [
            "to_phone" if name == "to_number" else name for name in call["required"]
        ]

    found = problems(edit)
    assert found[:2] == [
        "openapi.yaml: #/components/schemas/WebhookCall/required lists 'to_phone', which the "
        "emulator's call_initiated event does not always send (any other number)",
        "openapi.yaml: #/components/schemas/WebhookCall/properties lacks 'to_number', which the "
        "emulator sends in call_initiated event (any other number)",
    ]


def test_a_field_required_that_only_some_events_carry_is_named() -> None:
    def edit(document: dict[str, Any]) -> None:
        schemas(document)["WebhookCall"]["required"].append("duration")

    assert problems(edit)[0] == (
        "openapi.yaml: #/components/schemas/WebhookCall/required lists 'duration', which the "
        "emulator's call_initiated event does not always send (any other number)"
    )


def test_a_required_header_it_does_not_send_is_named() -> None:
    def edit(document: dict[str, Any]) -> None:
        document["components"]["responses"]["CallNotFound"]["headers"] = {
            "X-Request-Id": {"required": True, "schema": {"type": "string"}}
        }

    assert problems(edit) == [
        "openapi.yaml: #/components/responses/CallNotFound/headers/X-Request-Id is required, "
        "which the emulator's 404 answers do not always send"
    ]


def test_agent_version_number_required_is_allowed_the_emulator_always_sends_it() -> None:
    def edit(document: dict[str, Any]) -> None:
        schemas(document)["Call"]["required"].append("agent_version_number")

    assert problems(edit) == []


def test_a_status_only_a_prefix_rule_produces_says_so() -> None:
    config = dataclasses.replace(CONFIG, outcomes=(OutcomeRule("busy", prefix="+9198765000"),))

    def edit(document: dict[str, Any]) -> None:
        schemas(document)["CallStatus"]["enum"].remove("busy")

    document = copy.deepcopy(SPEC)
    edit(document)
    with pytest.raises(
        SpecError,
        match=r"lacks 'busy', which the emulator produces \(numbers starting \+9198765000\)",
    ):
        check_spec(compile_spec(document), config)


def edited_copy(tmp_path: Path, edit: Edit) -> Path:
    document = copy.deepcopy(SPEC)
    edit(document)
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def remove_retry_expired(document: dict[str, Any]) -> None:
    schemas(document)["CallStatus"]["enum"].remove("retry_expired")


def test_create_app_refuses_a_spec_copy_in_one_line(tmp_path: Path) -> None:
    path = edited_copy(tmp_path, remove_retry_expired)

    with pytest.raises(SpecError) as refused:
        create_app(spec=path)

    assert str(refused.value) == (
        f"{path}: #/components/schemas/CallStatus/enum lacks 'retry_expired', which the emulator "
        "produces (test number +919876500006)"
    )


def test_the_cli_refuses_a_spec_copy_with_one_line_and_exit_2(tmp_path: Path) -> None:
    path = edited_copy(tmp_path, remove_retry_expired)

    result = run_cli("--port", "0", "--spec", str(path))

    assert result.returncode == 2
    assert result.stderr == (
        f"dialnexa-emulator: error: {path}: #/components/schemas/CallStatus/enum lacks "
        "'retry_expired', which the emulator produces (test number +919876500006)\n"
    )


def test_the_control_plane_says_what_the_emulator_can_produce() -> None:
    app = create_app()
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://emulator") as client:
        answer = client.get("/_emulator/vocabulary")

    assert answer.status_code == 200
    body = answer.json()
    assert body["call_statuses"]["busy"] == {
        "how": "test number +919876500002",
        "to_phone_number": "+919876500002",
        "seeded_status": None,
    }
    assert body["responses"]["getCall"]["404"] == "an unknown call"
    assert body["forbidden_destination"] == "+4915123456789"
    assert body["workspace_id"] == "default"


def test_an_answer_declared_without_its_body_is_named() -> None:
    def edit(document: dict[str, Any]) -> None:
        del document["paths"]["/calls/{call_id}"]["get"]["responses"]["200"]["content"]

    assert problems(edit)[0] == (
        "openapi.yaml: #/paths/~1calls~1{call_id}/get/responses/200/content lacks "
        "'application/json', the body the emulator sends in getCall 200 (every call, in flight)"
    )


def test_a_spec_missing_a_part_the_check_reads_is_refused_in_one_line() -> None:
    def edit(document: dict[str, Any]) -> None:
        document["webhooks"]["call_ended"]["post"] = None

    found = problems(edit)

    assert len(found) == 1
    assert found[0].startswith("openapi.yaml: cannot hold the emulator to this spec: ")
