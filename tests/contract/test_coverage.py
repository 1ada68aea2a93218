"""What a run covered is reported, and can be required: every answer, call status, hangup reason
and webhook event the target gave, against what it can produce and what the spec declares."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dialnexa_contract import _coverage as coverage
from dialnexa_contract import cli
from dialnexa_emulator import FrozenClock, SyncASGITransport, create_app, default_config
from dialnexa_emulator._vocabulary import vocabulary
from tests.conftest import load_spec
from tests.contract.conftest import run_suite

SPEC = load_spec()
CAN_PRODUCE = vocabulary(default_config()).to_json()


def observed(**values: set[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {d: set() for d in coverage.DIMENSIONS}
    found.update({name.replace("_", " "): value for name, value in values.items()})
    return found


def test_the_spec_declares_what_the_emulator_can_produce_and_more() -> None:
    declared = coverage.declared(SPEC)
    producible = coverage.producible(CAN_PRODUCE)

    assert producible["call statuses"] == declared["call statuses"]
    assert producible["responses"] <= declared["responses"]
    assert producible["hangup reasons"] < declared["hangup reasons"]
    assert (
        declared["webhook events"]
        == producible["webhook events"]
        == {"call_initiated", "call_ended"}
    )


@settings(max_examples=25, deadline=None)
@given(st.sets(st.sampled_from(sorted(coverage.producible(CAN_PRODUCE)["call statuses"]))))
def test_what_was_never_observed_is_exactly_what_is_missing(seen: set[str]) -> None:
    everything = coverage.producible(CAN_PRODUCE)
    run = {**everything, "call statuses": seen}

    verdict = coverage.verdict(run, SPEC, CAN_PRODUCE)

    missing = sorted(everything["call statuses"] - seen)
    assert verdict.missing() == ({"call statuses": missing} if missing else {})


def test_a_status_the_spec_adds_and_the_emulator_never_produces_is_reported() -> None:
    document = copy.deepcopy(SPEC)
    document["components"]["schemas"]["CallStatus"]["enum"].append("voicemail")

    verdict = coverage.verdict(coverage.producible(CAN_PRODUCE), document, CAN_PRODUCE)

    assert verdict.missing() == {}
    assert verdict.never_produced()["call statuses"] == ["voicemail"]
    assert "    call statuses: voicemail" in verdict.lines()


def test_without_an_emulator_the_spec_is_what_must_be_observed() -> None:
    verdict = coverage.verdict(observed(webhook_events={"call_ended"}), SPEC, None)

    assert verdict.expected_from == "everything the spec declares"
    assert verdict.missing()["webhook events"] == ["call_initiated"]
    assert verdict.never_produced() == {}


def test_every_answer_through_the_target_is_counted() -> None:
    app = coverage.ObservingApp(create_app(clock=FrozenClock()), "/v1", SPEC)
    coverage.OBSERVED.clear()
    with httpx.Client(
        transport=SyncASGITransport(app),
        base_url="http://emulator/v1",
        headers={"Authorization": "Bearer kid_demo:sk_demo_secret"},
    ) as api:
        api.post("/calls", json={"agent_id": "agt_abc123", "to_phone_number": "+919876500004"})
        app.state.emulator.clock.advance(60)  # the app's own handle still answers through it
        api.get("/calls")
        api.get("/calls/not-an-id")

    assert coverage.OBSERVED.values["responses"] == {
        "createCall 201",
        "listCalls 200",
        "getCall 400",
    }
    assert coverage.OBSERVED.values["call statuses"] == {"initiated", "failed"}


def event(reason: str) -> dict[str, Any]:
    return {"event_type": "call_ended", "payload": {"call": {"hangup_reason": reason}}}


def test_webhook_events_and_hangup_reasons_are_counted() -> None:
    coverage.OBSERVED.clear()
    coverage.OBSERVED.event(event("user_busy"))

    assert coverage.OBSERVED.values["webhook events"] == {"call_ended"}
    assert coverage.OBSERVED.values["hangup reasons"] == {"user_busy"}


def test_the_coverage_part_provokes_every_outcome_and_writes_markdown(tmp_path: Path) -> None:
    markdown = tmp_path / "summary.md"

    run = run_suite("--only", "coverage", "--seed", "7", "--markdown", str(markdown))

    assert run.returncode == cli.CONFORMS, run.output
    assert "coverage (what the target can produce: the emulator's vocabulary):" in run.output
    assert "  call statuses: 11/11 observed" in run.output
    assert "  hangup reasons: 6/6 observed (13 declared)" in run.output
    assert "never observed" not in run.output
    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("## ✅ DialNexa contract suite: conforms")
    assert "### Coverage" in text and "webhook events: 2/2 observed" in text


def test_require_coverage_fails_a_run_that_never_provoked_what_the_target_can_produce() -> None:
    run = run_suite(
        "--only",
        "webhooks",
        "--require-coverage",
        "--seed",
        "7",
        "--",
        "-k",
        "webhooks or observed_everything",
    )

    assert run.returncode == cli.DOES_NOT_CONFORM, run.output
    assert "never observed, though the target can produce them:" in run.output
    assert "createCall 402" in run.output and "retry_expired" in run.output


def test_a_spec_copy_the_emulator_refuses_is_one_line_and_exit_2(tmp_path: Path) -> None:
    document = copy.deepcopy(SPEC)
    document["components"]["schemas"]["CallStatus"]["enum"].remove("retry_expired")
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")

    run = run_suite("--spec", str(path), "--seed", "7")

    assert run.returncode == cli.BAD_OPTIONS, run.output
    assert run.output.splitlines()[-1] == (
        f"scripts/contract-test: error: {path}: #/components/schemas/CallStatus/enum lacks "
        "'retry_expired', which the emulator produces (test number +919876500006)"
    )
