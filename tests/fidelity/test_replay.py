"""Replay scores the emulator: a faithful target scores 100%; a target that differs in one
behaviour (an error message, a status, a field, lifecycle timing, a webhook field) has exactly that
difference found and attributed, and nothing else."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from dialnexa_emulator import default_config
from dialnexa_emulator._lifecycle import Timing
from dialnexa_emulator.fidelity import Difference, Result, replay, summary
from dialnexa_emulator.fidelity._compare import map_ids
from tests.fidelity.harness import BUSY, recording, typical_session


def _replayed(tmp_path: Path, **target: Any) -> Result:
    with recording(tmp_path, **target) as session:
        typical_session(session)
        cassette = session.cassette()
    return replay(cassette)


def _found(result: Result) -> list[tuple[str, str, str]]:
    return sorted(
        {(d.operation, d.kind, d.where) for c in result.comparisons for d in c.differences}
    )


def _only(result: Result) -> Difference:
    differences = [d for c in result.comparisons for d in c.differences]
    assert len({(d.operation, d.kind, d.where) for d in differences}) == 1, _found(result)
    return differences[0]


def test_a_faithful_target_scores_100_percent(tmp_path: Path) -> None:
    result = _replayed(tmp_path)

    assert _found(result) == []
    assert result.score == 1.0
    report = summary(result)
    assert report["score"] == 100.0
    assert set(report["operations"]) == {
        "createCall",
        "getCall",
        "listCalls",
        "webhook call_initiated",
        "webhook call_ended",
    }
    assert report["operations"]["getCall"]["exchanges"] == 5
    assert report["operations"]["webhook call_ended"]["exchanges"] == 2
    assert report["spec_gaps"] == []


def test_another_error_message_is_found_on_its_operation(tmp_path: Path) -> None:
    def rewrite(method: str, path: str, status: int, body: Any) -> tuple[int, Any]:
        if status == 404:
            body = dict(body, message="No call with id call_doesnotexist")
        return status, body

    result = _replayed(tmp_path, answers=rewrite)

    difference = _only(result)
    assert (difference.operation, difference.kind, difference.where) == (
        "getCall",
        "error-message",
        "body.message",
    )
    assert (difference.target, difference.emulator) == (
        "No call with id call_doesnotexist",
        "Call not found",
    )
    assert difference.fix == "emulator"  # the target's answer conforms: the emulator differs
    assert summary(result)["operations"]["getCall"]["score"] < 100


def test_a_status_the_emulator_never_sends_is_a_difference_and_a_spec_gap(tmp_path: Path) -> None:
    def rewrite(method: str, path: str, status: int, body: Any) -> tuple[int, Any]:
        if method == "POST" and status == 201 and body["to_phone_number"] == BUSY:
            return 409, {"statusCode": 409, "message": "Concurrency limit", "error": "Conflict"}
        return status, body

    result = _replayed(tmp_path, answers=rewrite)

    assert ("createCall", "status", "status") in _found(result)
    status = next(d for c in result.comparisons for d in c.differences if d.kind == "status")
    assert (status.target, status.emulator, status.fix) == (409, 201, "spec")
    assert [gap for _, _, gap in result.gaps] == [
        "createCall answered 409, a status the spec does not declare"
    ]
    # The busy call exists only in the emulator: its getCall and deliveries differ, nothing else.
    assert {kind for _, kind, _ in _found(result)} <= {"status", "webhook-extra"}
    assert summary(result)["operations"]["createCall"]["score"] < 100


def test_a_missing_field_is_found_and_attributed(tmp_path: Path) -> None:
    def rewrite(method: str, path: str, status: int, body: Any) -> tuple[int, Any]:
        if method == "POST" and status == 201:
            body = {k: v for k, v in body.items() if k != "agent_version_number"}
        return status, body

    result = _replayed(tmp_path, answers=rewrite)

    difference = _only(result)
    assert (difference.operation, difference.kind, difference.where) == (
        "createCall",
        "field-extra",
        "body.agent_version_number",
    )
    assert (difference.target, difference.emulator) == (None, 3)


def test_a_field_the_spec_does_not_declare_is_a_spec_gap(tmp_path: Path) -> None:
    def rewrite(method: str, path: str, status: int, body: Any) -> tuple[int, Any]:
        if method == "GET" and status == 200 and isinstance(body, dict):
            body = dict(body, direction="outbound")
        return status, body

    result = _replayed(tmp_path, answers=rewrite)

    difference = _only(result)
    assert (difference.operation, difference.kind, difference.where, difference.fix) == (
        "getCall",
        "field-missing",
        "body.direction",
        "spec",
    )
    assert {gap for _, _, gap in result.gaps} == {
        "getCall 200: field direction, which the spec does not declare"
    }


def test_different_lifecycle_timing_is_found_within_the_tolerance(tmp_path: Path) -> None:
    faster = dataclasses.replace(default_config(), timing=Timing(talk_sec=10))

    result = _replayed(tmp_path, config=faster)

    found = _found(result)
    assert ("getCall", "lifecycle-timing", "body.status") in found  # completed at 25 s vs talking
    assert ("getCall", "lifecycle-timing", "body.ended_at - created_at") in found
    assert ("getCall", "value", "body.duration_sec") in found
    assert ("webhook call_ended", "lifecycle-timing", "delivered after creation") in found
    timing = next(d for c in result.comparisons for d in c.differences if d.where == "body.status")
    assert (timing.target, timing.emulator) == ("completed", "received")
    assert "reaches" not in timing.note and "from 38.0 s" in timing.note
    # The target's answers all conform: the emulator (or its config) is where to look.
    assert {d.fix for c in result.comparisons for d in c.differences} == {"emulator"}
    # A tolerance wider than the difference accepts the timing, not the duration (nor, at 25 s,
    # the fields only an ended call has).
    with recording(tmp_path / "wide", config=faster) as session:
        typical_session(session)
        cassette = session.cassette()
    wide = replay(cassette, tolerance_sec=30)
    assert "lifecycle-timing" not in {kind for _, kind, _ in _found(wide)}
    assert ("getCall", "value", "body.duration_sec") in _found(wide)


def test_a_webhook_field_is_found_on_its_event(tmp_path: Path) -> None:
    def add_summary(event: dict[str, Any]) -> None:
        if (
            event["event_type"] == "call_ended"
            and event["payload"]["call"]["status"] == "completed"
        ):
            event["payload"]["call"]["summary"] = "The customer confirmed."

    result = _replayed(tmp_path, deliveries=add_summary)

    difference = _only(result)
    assert (difference.operation, difference.kind, difference.where, difference.fix) == (
        "webhook call_ended",
        "field-missing",
        "body.payload.call.summary",
        "emulator",  # the spec declares `summary`; the emulator never sends it
    )
    assert result.gaps == []


def test_a_header_the_spec_names_is_compared(tmp_path: Path) -> None:
    """The target's 401 lacks `WWW-Authenticate`, which the spec requires: the spec is wrong
    about DialNexa there, so the difference points at the spec."""

    def strip(app: Any) -> Any:
        async def proxy(scope: Any, receive: Any, send: Any) -> None:
            async def without(message: Any) -> None:
                if message["type"] == "http.response.start":
                    headers = [(k, v) for k, v in message["headers"] if k != b"www-authenticate"]
                    message = dict(message, headers=headers)
                await send(message)

            await app(scope, receive, without)

        return proxy

    result = _replayed(tmp_path, wrap=strip)

    difference = _only(result)
    assert (difference.operation, difference.kind, difference.where, difference.fix) == (
        "listCalls",
        "header",
        "header www-authenticate",
        "spec",
    )
    assert (difference.target, difference.emulator) == (None, "Bearer")


def test_another_order_of_list_calls_is_an_ordering_difference(tmp_path: Path) -> None:
    def oldest_first(method: str, path: str, status: int, body: Any) -> tuple[int, Any]:
        if method == "GET" and path.endswith("/calls") and isinstance(body, list):
            body = body[::-1]
        return status, body

    result = _replayed(tmp_path, answers=oldest_first)

    difference = _only(result)
    assert (difference.operation, difference.kind, difference.where) == (
        "listCalls",
        "ordering",
        "body",
    )
    assert difference.target == difference.emulator[::-1]


def test_ids_are_mapped_as_whole_tokens() -> None:
    ids = {"call_a1": "call_z9", "call_a12": "call_z10"}

    assert map_ids("Call call_a1 and call_a12, not call_a123", ids) == (
        "Call call_z9 and call_z10, not call_a123"
    )
    assert map_ids("/v1/calls/call_a1", ids) == "/v1/calls/call_z9"
