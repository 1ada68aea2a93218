"""The recorder: the call budget and destinations hold, only the spec reaches the target, off-spec
exchanges are reported as they happen (and refused with `strict`), deliveries are verified."""

from __future__ import annotations

from pathlib import Path

import yaml

from dialnexa_emulator.fidelity._record import REFUSED_HEADER
from tests.fidelity.harness import ANSWERED, BUSY, create, recording

CREATE = {"agent_id": "agt_abc123", "to_phone_number": ANSWERED}


def test_the_create_budget_holds_whoever_asks(tmp_path: Path) -> None:
    with recording(tmp_path, allow_calls=2, destinations=[ANSWERED]) as session:
        answers = [create(session, ANSWERED) for _ in range(5)]
        elsewhere = create(session, BUSY)
        created = session.emulator.journal.entries("createCall")
        cassette = session.cassette()

    assert [a.status_code for a in answers] == [201, 201, 403, 403, 403]
    assert all(a.headers[REFUSED_HEADER] == "refused" for a in answers[2:])
    assert elsewhere.status_code == 403  # not a --to destination
    assert len(created) == 2  # the target saw two creates, no more
    assert [e.status for e in cassette.exchanges if e.kind == "api"] == [
        201,
        201,
    ]  # refusals are not the target's
    assert "2 call(s) created (--allow-calls 2)" in session.recorder.summary()


def test_without_allow_calls_no_create_is_forwarded(tmp_path: Path) -> None:
    with recording(tmp_path, allow_calls=0) as session:
        assert create(session, ANSWERED).status_code == 403
        assert session.emulator.journal.entries("createCall") == []


def test_a_refused_probe_gives_its_call_back(tmp_path: Path) -> None:
    with recording(tmp_path, allow_calls=1, destinations=[ANSWERED]) as session:
        probe = session.send("POST", "/calls", json={**CREATE, "unknown": 1})
        placed = create(session, ANSWERED)

    assert (probe.status_code, placed.status_code) == (400, 201)


def test_only_the_specs_operations_reach_the_target(tmp_path: Path) -> None:
    with recording(tmp_path) as session:
        control = session.client.post("/../_emulator/reset")
        unknown = session.send("DELETE", "/calls/call_abc123")
        seen = session.emulator.journal.entries()

    assert control.status_code == 404
    # Another method on one of the spec's paths: answered as the spec's servers do, not sent.
    assert (unknown.status_code, unknown.headers["allow"]) == (405, "GET")
    assert seen == []
    assert "not an operation of the spec" in session.output.getvalue()


def test_off_spec_exchanges_are_reported_as_they_happen(tmp_path: Path) -> None:
    def rewrite(method: str, path: str, status: int, body: object) -> tuple[int, object]:
        if isinstance(body, dict) and status == 200:
            body = dict(body, status="in-progress")
        return status, body

    with recording(tmp_path, answers=rewrite) as session:
        call = create(session, ANSWERED).json()["id"]
        before = session.output.getvalue()
        session.send("GET", f"/calls/{call}")
        after = session.output.getvalue()
        cassette = session.cassette()

    assert "off-spec" not in before
    assert "off-spec: getCall 200: status must be one of the following values" in after
    get = cassette.exchanges[-1]
    assert get.off_spec and get.off_spec[0].startswith("getCall 200: status must be one of")


def test_strict_refuses_an_off_spec_request_before_forwarding(tmp_path: Path) -> None:
    with recording(tmp_path, strict=True) as session:
        refused = session.send("POST", "/calls", json={**CREATE, "to_phone_number": "12"})
        seen = session.emulator.journal.entries()
        cassette = session.cassette()

    assert refused.status_code == 400
    assert refused.headers[REFUSED_HEADER] == "refused"
    assert refused.json()["message"][0].startswith("not forwarded (--strict): to_phone_number")
    assert seen == []
    assert cassette.exchanges == []


def test_without_strict_an_off_spec_request_is_forwarded_and_reported(tmp_path: Path) -> None:
    with recording(tmp_path) as session:
        answer = session.send("GET", "/calls", params={"limit": 0})
        cassette = session.cassette()

    assert answer.status_code == 400 and REFUSED_HEADER not in answer.headers
    assert cassette.exchanges[0].off_spec == ["limit must not be less than 1"]
    assert "off-spec request listCalls: limit must not be less than 1" in session.output.getvalue()


def test_deliveries_are_verified_and_recorded(tmp_path: Path) -> None:
    with recording(tmp_path) as session:
        session.emulator.webhooks.add_fault("wrong_signature", event="call_initiated")
        create(session, BUSY)
        session.advance(10)
        cassette = session.cassette()

    deliveries = [e for e in cassette.exchanges if e.kind == "webhook"]
    signatures = [
        (e.operation, e.status, c["status"])
        for e in deliveries
        for c in e.checks
        if c["name"] == "webhook_signature"
    ]
    # The badly signed call_initiated is refused (400) each time the target tries it again.
    assert signatures[0] == ("call_initiated", 400, "FAILURE")
    assert ("call_ended", 204, "SUCCESS") in signatures
    assert all(e.header("x-dialnexa-signature", request=True) == "[redacted]" for e in deliveries)
    assert "bad signature" in session.recorder.summary()


def test_the_cassette_is_a_vcr_cassette_as_schemathesis_writes_them(tmp_path: Path) -> None:
    with recording(tmp_path) as session:
        create(session, ANSWERED)
        session.cassette()

    document = yaml.safe_load((tmp_path / "cassette.yaml").read_text())
    assert document["recorded_with"] == "dialnexa-emulator record"
    first = document["http_interactions"][0]
    assert set(first) >= {"id", "status", "recorded_at", "checks", "request", "response"}
    assert set(first["request"]) == {"uri", "method", "headers", "body"}
    assert first["request"]["uri"] == "http://target.test/v1/calls"
    assert first["response"]["status"] == {"code": "201", "message": "Created"}
    assert set(first["response"]["body"]) == {"encoding", "string"}
    assert first["request"]["headers"]["authorization"] == ["[redacted]"]
    assert first["x-dialnexa"]["auth"] == "run-key"
