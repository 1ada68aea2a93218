"""Every answer the emulator sends is validated against the spec it serves: in process an off-spec
answer raises `OffSpecAnswerError` naming operation, field and rule; served with
`--check-responses` it becomes a logged 500 that says the same."""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dialnexa_emulator import (
    FrozenClock,
    OffSpecAnswerError,
    SyncASGITransport,
    WebhookReceiver,
    create_app,
)
from dialnexa_emulator._answers import answer_check
from dialnexa_emulator._spec import load_spec
from dialnexa_emulator.server._serving import ServeOptions, build_app
from tests.emulator.conftest import DEMO_KEY, MINIMAL_REQUEST, SPEC
from tests.serving import served

AUTH = {"Authorization": f"Bearer {DEMO_KEY}"}
CHECK = answer_check(load_spec())
JSON = {"content-type": "application/json"}


def ended_at_required(document: dict[str, Any]) -> None:
    """A field the emulator sends as null until the call ends, made required and never null."""
    call = document["components"]["schemas"]["Call"]
    call["required"].append("ended_at")
    call["properties"]["ended_at"]["type"] = "string"


def spec_copy(tmp_path: Path, edit: Any = ended_at_required) -> Path:
    document = copy.deepcopy(SPEC)
    edit(document)
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def client(app: Any) -> httpx.Client:
    return httpx.Client(
        transport=SyncASGITransport(app), base_url="http://emulator/v1", headers=AUTH
    )


def test_in_process_an_off_spec_answer_raises_naming_operation_field_and_rule(
    tmp_path: Path,
) -> None:
    path = spec_copy(tmp_path)
    app = create_app(clock=FrozenClock(), spec=path)

    with client(app) as api, pytest.raises(OffSpecAnswerError) as raised:
        api.post("/calls", json=MINIMAL_REQUEST)

    assert raised.value.operation == "createCall"
    assert raised.value.status == 201
    assert raised.value.problems == [
        f"{path}: createCall 201: ended_at: None is not of type 'string' "
        "(type, #/components/schemas/Call/properties/ended_at/type)"
    ]


def test_the_same_answer_passes_once_the_call_has_ended(tmp_path: Path) -> None:
    app = create_app(clock=FrozenClock(), spec=spec_copy(tmp_path))
    emulator = app.state.emulator
    emulator.answer_check = None  # place the call unchecked, then read it once it ended
    with client(app) as api:
        call_id = api.post("/calls", json=MINIMAL_REQUEST).json()["id"]
        emulator.clock.advance(600)
        emulator.answer_check = answer_check(emulator.spec)
        assert api.get(f"/calls/{call_id}").json()["status"] == "completed"


def test_the_check_can_be_turned_off_in_process(tmp_path: Path) -> None:
    app = create_app(clock=FrozenClock(), spec=spec_copy(tmp_path), check_responses=False)

    with client(app) as api:
        assert api.post("/calls", json=MINIMAL_REQUEST).status_code == 201


def test_the_fixture_emulator_checks_its_answers(dialnexa_emulator: Any) -> None:
    assert dialnexa_emulator.app.state.emulator.answer_check is not None


def test_served_with_check_responses_an_off_spec_answer_is_a_500_that_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = build_app(ServeOptions(None, None, "anywhere", str(spec_copy(tmp_path)), True))

    with served(app) as url, caplog.at_level(logging.ERROR, logger="dialnexa_emulator"):
        answer = httpx.post(f"{url}/v1/calls", json=MINIMAL_REQUEST, headers=AUTH)

    assert answer.status_code == 500
    assert answer.json()["message"].startswith(
        "Off-spec answer withheld: the emulator's 201 answer to createCall breaks"
    )
    assert "ended_at: None is not of type 'string'" in answer.json()["message"]
    assert "createCall 201: ended_at" in caplog.text


def test_served_without_check_responses_answers_are_not_checked(tmp_path: Path) -> None:
    app = build_app(ServeOptions(None, None, "anywhere", str(spec_copy(tmp_path))))

    assert app.state.emulator.answer_check is None


def test_an_undeclared_status_is_named() -> None:
    assert CHECK.problems("getCall", 418, JSON, {}) == [
        "openapi.yaml: getCall 418: status 418 is not declared "
        "(#/paths/~1calls~1{call_id}/get/responses)"
    ]


def test_a_missing_required_header_is_named() -> None:
    envelope = {"statusCode": 429, "message": "Too many requests", "error": "Too Many Requests"}
    found = CHECK.problems("listCalls", 429, {"retry-after": "1"}, envelope)

    assert found == [
        f"openapi.yaml: listCalls 429: header {name} is missing (required, "
        "#/components/responses/TooManyRequests/headers)"
        for name in ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")
    ]


def test_a_rule_stated_through_a_ref_is_located_where_it_is_written() -> None:
    call = {**CHECK_CALL, "to_phone_number": "0044"}

    found = CHECK.problems("getCall", 200, JSON, call)

    assert sorted(found) == [
        "openapi.yaml: getCall 200: to_phone_number: '0044' does not match "
        "'^\\\\+[1-9][0-9]{1,14}$' (pattern, #/components/schemas/PhoneNumber/pattern)",
        "openapi.yaml: getCall 200: to_phone_number: '0044' is not a 'e164' "
        "(format, #/components/schemas/PhoneNumber/format)",
    ]


CHECK_CALL = {
    "id": "call_abc123",
    "status": "initiated",
    "agent_id": "agt_abc123",
    "to_phone_number": "+919876543210",
    "created_at": "2024-03-01T10:00:00.000Z",
}


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from(sorted(CHECK_CALL)),
    st.one_of(
        st.just(...), st.none(), st.integers(), st.booleans(), st.lists(st.integers(), max_size=2)
    ),
)
def test_any_required_field_broken_or_missing_fails_the_check(field: str, value: Any) -> None:
    broken = {**CHECK_CALL, field: value}
    if value is ...:
        del broken[field]

    found = CHECK.problems("createCall", 201, JSON, broken)

    assert found, broken
    assert all(line.startswith("openapi.yaml: createCall 201: ") for line in found)
    assert any(f"{field}:" in line for line in found)
    assert CHECK.problems("createCall", 201, JSON, CHECK_CALL) == []


def test_an_off_spec_webhook_event_is_sent_logged_and_raised_by_flush(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A spec whose event no longer allows what the emulator sends (here: `duration` capped
    below a completed call's talk time), caught at delivery."""

    def short_calls(document: dict[str, Any]) -> None:
        document["components"]["schemas"]["WebhookCall"]["properties"]["duration"]["maximum"] = 5

    app = create_app(clock=FrozenClock(), spec=spec_copy(tmp_path, short_calls))
    emulator = app.state.emulator
    with WebhookReceiver("whsec_test") as receiver, client(app) as api:
        emulator.webhooks.add_endpoint(receiver.url, "whsec_test")
        api.post("/calls", json=MINIMAL_REQUEST)
        emulator.clock.advance(600)
        with pytest.raises(OffSpecAnswerError) as raised, caplog.at_level(logging.ERROR):
            emulator.webhooks.flush()
        emulator.webhooks.flush()  # raised once

    assert raised.value.status is None
    assert str(raised.value).startswith(
        "the emulator's call_ended delivery breaks the spec it serves:"
    )
    assert raised.value.problems == [
        f"{tmp_path / 'openapi.yaml'}: call_ended event: payload.call.duration: 30 is greater "
        "than the maximum of 5 (maximum, #/components/schemas/WebhookCall/properties/duration/"
        "maximum)"
    ]
    assert [d.event_type for d in receiver.deliveries] == ["call_initiated", "call_ended"]
    assert "call_ended event: payload.call.duration" in caplog.text
