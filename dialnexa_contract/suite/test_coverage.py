"""Coverage: every outcome the target can be made to produce, provoked on purpose, and the run's
verdict on what it observed.

Against an emulator in process its `GET /_emulator/vocabulary` says what it can produce and how:
a call to each test number (every final status, every hangup reason, both webhook events,
followed on its clock through each in-flight status), a seeded call for a status no call stays
in, and for each operation every status it answers with (bad input, no key, an empty wallet, a
forbidden destination, unknown ids, a body too large, and the fault statuses through its fault
injection). Each test checks that the emulator did what its vocabulary says. The last test of the
run holds everything observed, by every part, against what the target can produce: with
`--require-coverage` (on by default against the embedded emulator) a value never observed fails
the run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from dialnexa_contract import _coverage as coverage
from dialnexa_contract._lifecycle import FINAL
from dialnexa_contract._settings import current
from dialnexa_contract._summary import coverage_verdict
from dialnexa_contract._target import current_target
from dialnexa_emulator.testing._receiver import WebhookReceiver

TARGET = current_target()
SETTINGS = current()
STEP_SEC = 1.0  # the clock moves this far between two looks at the calls
MAX_STEPS = 900
FAULT_STATUSES = (429, 500, 502, 503, 504)
BODY_OVER_LIMIT = 70_000  # bytes of padding: over the 64 KiB an emulator accepts
SECRET = "whsec_contract_coverage"  # noqa: S105 - the local receiver's


@pytest.fixture(scope="module")
def control() -> Iterator[httpx.Client]:
    if TARGET.is_live:
        # Over HTTP every create passes the call guard, which aims it at --to: the test numbers
        # would not be called. The run's coverage is still reported.
        pytest.skip(
            "provoking every outcome runs against an emulator in process (over HTTP the call "
            "guard aims every create at --to)"
        )
    client = TARGET.control_plane()
    if client is None:
        pytest.skip(
            "provoking every outcome needs an emulator's control plane (in process, or "
            "--emulator); the coverage of what the run observed is still reported"
        )
    with client:
        yield client


@pytest.fixture(scope="module")
def vocabulary(control: httpx.Client) -> dict[str, Any]:
    answer = control.get("/vocabulary")
    if answer.status_code != 200:
        pytest.skip(
            "the emulator does not say what it can produce "
            f"(GET /_emulator/vocabulary: {answer.status_code})"
        )
    found: dict[str, Any] = answer.json()
    coverage.VOCABULARY.update(found)
    return found


@pytest.fixture(scope="module")
def api() -> Iterator[httpx.Client]:
    with TARGET.sync_http() as client:
        yield client


@pytest.mark.contract(operation="createCall", check="every_outcome_provoked")
def test_each_test_number_ends_as_the_emulator_says(
    api: httpx.Client, control: httpx.Client, vocabulary: dict[str, Any]
) -> None:
    """A call to each destination the vocabulary names reaches the final status, hangup reason
    and events it promises; followed on the clock, it shows each in-flight status; a status no
    call stays in is seeded and read back."""
    promised: dict[str, dict[str, str]] = {}  # number -> what it must produce, by dimension
    for dimension, key in (
        ("call_statuses", "status"),
        ("hangup_reasons", "hangup_reason"),
        ("webhook_events", "event"),
    ):
        for value, provoke in vocabulary[dimension].items():
            number = provoke["to_phone_number"]
            if number is not None and (
                dimension != "call_statuses" or value in vocabulary["final_statuses"]
            ):
                promised.setdefault(number, {})[key] = value
    with WebhookReceiver(SECRET) as receiver:
        endpoint = control.post("/webhooks/endpoints", json={"url": receiver.url, "secret": SECRET})
        assert endpoint.status_code == 201, endpoint.text
        try:
            calls = {_create(api, number)["id"]: number for number in promised}
            _follow_until_final(api, control, set(calls))
            flushed = control.post("/webhooks/flush")
            assert flushed.status_code == 204, flushed.text
        finally:
            control.delete(f"/webhooks/endpoints/{endpoint.json()['id']}")
        deliveries = [d for d in receiver.deliveries if d.call.get("id") in calls]
    wrong = []
    for delivery in deliveries:
        coverage.OBSERVED.event(delivery.json())
    for call_id, number in calls.items():
        want = promised[number]
        final = api.get(f"/calls/{call_id}").json()
        events = [d for d in deliveries if d.call.get("id") == call_id]
        ended = [d.call for d in events if d.event_type == "call_ended"]
        got = {
            "status": final.get("status"),
            "hangup_reason": ended[0].get("hangup_reason") if ended else None,
            "event": want.get("event")
            if want.get("event") in {d.event_type for d in events}
            else None,
        }
        wrong += [
            f"{number}: {key} {got[key]!r}, the vocabulary promises {value!r}"
            for key, value in want.items()
            if got[key] != value
        ]
    for status, provoke in vocabulary["call_statuses"].items():
        if provoke["seeded_status"] is not None and provoke["to_phone_number"] is None:
            seeded = control.post("/calls", json={"calls": [{"status": provoke["seeded_status"]}]})
            assert seeded.status_code == 201, seeded.text
            shown = api.get(f"/calls/{seeded.json()[0]['id']}").json().get("status")
            if shown != status:
                wrong.append(f"a call seeded as {status} reads {shown!r}")
    assert not wrong, "\n".join(wrong)


def _create(api: httpx.Client, number: str) -> dict[str, Any]:
    created = api.post("/calls", json={"agent_id": SETTINGS.agent_id, "to_phone_number": number})
    assert created.status_code == 201, f"a call to {number}: {created.status_code} {created.text}"
    body: dict[str, Any] = created.json()
    return body


def _follow_until_final(api: httpx.Client, control: httpx.Client, call_ids: set[str]) -> None:
    """Move the clock a step at a time, reading the calls each time (so each in-flight status
    is seen), until every one is final."""
    for _ in range(MAX_STEPS):
        listed = api.get("/calls", params={"limit": 200}).json()
        if all(call["status"] in FINAL for call in listed if call["id"] in call_ids):
            return
        moved = control.post("/clock/advance", json={"seconds": STEP_SEC})
        assert moved.status_code == 200, moved.text
    pytest.fail(f"calls still in flight after {MAX_STEPS * STEP_SEC:.0f} s of the emulator's clock")


@pytest.mark.contract(operation="createCall", check="every_answer_provoked")
def test_each_createCall_answer_is_provoked(
    api: httpx.Client, control: httpx.Client, vocabulary: dict[str, Any]
) -> None:
    """Each status the emulator says createCall answers with is provoked, and answered."""
    _provoke_each("createCall", api, control, vocabulary)


@pytest.mark.contract(operation="getCall", check="every_answer_provoked")
def test_each_getCall_answer_is_provoked(
    api: httpx.Client, control: httpx.Client, vocabulary: dict[str, Any]
) -> None:
    """Each status the emulator says getCall answers with is provoked, and answered."""
    _provoke_each("getCall", api, control, vocabulary)


@pytest.mark.contract(operation="listCalls", check="every_answer_provoked")
def test_each_listCalls_answer_is_provoked(
    api: httpx.Client, control: httpx.Client, vocabulary: dict[str, Any]
) -> None:
    """Each status the emulator says listCalls answers with is provoked, and answered."""
    _provoke_each("listCalls", api, control, vocabulary)


def _provoke_each(
    operation: str, api: httpx.Client, control: httpx.Client, vocabulary: dict[str, Any]
) -> None:
    wrong = []
    for status in sorted(int(s) for s in vocabulary["responses"].get(operation, {})):
        send = _recipe(operation, status, api, control, vocabulary)
        if send is None:
            wrong.append(f"{operation} {status}: the suite knows no way to provoke it")
            continue
        answered = send()
        if answered.status_code != status:
            wrong.append(
                f"{operation} {status}: provoked, answered {answered.status_code} "
                f"{answered.text[:200]}"
            )
    assert not wrong, "\n".join(wrong)


Send = Callable[[], httpx.Response]


def _recipe(
    operation: str,
    status: int,
    api: httpx.Client,
    control: httpx.Client,
    vocabulary: dict[str, Any],
) -> Send | None:
    valid = _valid_request(operation, api)
    if status in FAULT_STATUSES:

        def with_fault() -> httpx.Response:
            armed = control.post("/faults", json={"operation": operation, "status": status})
            assert armed.status_code == 201, armed.text
            return valid(api)

        return with_fault
    if status == 401:
        return lambda: valid(TARGET.sync_http(token="kid_none:not_a_key"))  # noqa: S106 - no key
    if 200 <= status < 300:
        return lambda: valid(api)
    if operation == "createCall":
        return _create_recipe(status, api, control, vocabulary)
    bad = {
        ("getCall", 400): "/calls/not-a-call-id",
        ("getCall", 404): "/calls/call_coverageunknown1",
        ("listCalls", 400): "/calls?limit=0",
    }.get((operation, status))
    return (lambda: api.get(bad)) if bad else None


def _create_recipe(
    status: int, api: httpx.Client, control: httpx.Client, vocabulary: dict[str, Any]
) -> Send | None:
    to = _a_number(vocabulary)
    body = {"agent_id": SETTINGS.agent_id, "to_phone_number": to}
    if status == 400:
        return lambda: api.post("/calls", json={})
    if status == 404:
        return lambda: api.post("/calls", json={**body, "agent_id": "agt_coverage_unknown"})
    if status == 413:
        return lambda: api.post("/calls", json={**body, "metadata": {"pad": "x" * BODY_OVER_LIMIT}})
    if status == 403 and vocabulary.get("forbidden_destination"):
        return lambda: api.post(
            "/calls", json={**body, "to_phone_number": vocabulary["forbidden_destination"]}
        )
    if status == 402 and vocabulary.get("workspace_id"):
        wallet = f"/wallets/{vocabulary['workspace_id']}"

        def with_empty_wallet() -> httpx.Response:
            balance = control.get(wallet).json()["balance"]
            assert control.put(wallet, json={"balance": 0}).status_code in (200, 204)
            try:
                return api.post("/calls", json=body)
            finally:
                control.put(wallet, json={"balance": balance})

        return with_empty_wallet
    return None


def _valid_request(operation: str, api: httpx.Client) -> Callable[[httpx.Client], httpx.Response]:
    if operation == "createCall":
        body = {"agent_id": SETTINGS.agent_id, "to_phone_number": "+919876543210"}
        return lambda client: client.post("/calls", json=body)
    if operation == "getCall":
        call_id = _create(api, "+919876543210")["id"]
        return lambda client: client.get(f"/calls/{call_id}")
    return lambda client: client.get("/calls")


def _a_number(vocabulary: dict[str, Any]) -> str:
    completed = vocabulary["call_statuses"].get("completed", {})
    return completed.get("to_phone_number") or "+919876543210"


@pytest.mark.coverage_verdict
@pytest.mark.contract(operation="(run)", check="coverage_complete")
def test_the_run_observed_everything_the_target_can_produce() -> None:
    """Run last: with --require-coverage, every value the target can be made to produce (an
    emulator's vocabulary; for another server, the spec's) was observed by some part of the run."""
    result = coverage_verdict()
    missing = result.missing()
    if coverage.required():
        assert not missing, "never observed, though the target can produce them:\n" + "\n".join(
            f"  {d}: {', '.join(values)}" for d, values in missing.items()
        )
