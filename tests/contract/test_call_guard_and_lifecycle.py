"""The two rules the suite's safety and its lifecycle check rest on, case by case."""

from __future__ import annotations

import json

import pytest

from dialnexa_contract._call_guard import UNDIALABLE, CallGuard, is_create
from dialnexa_contract._lifecycle import transition_error

ALLOWED = "+919876543210"


def sent(guard: CallGuard, payload: object) -> object:
    return json.loads(guard.screen(json.dumps(payload).encode()).body)


def a_call(to: str, **fields: object) -> dict[str, object]:
    return {"agent_id": "agt_abc123", "to_phone_number": to, **fields}


@pytest.mark.parametrize(
    ("method", "path", "creates"),
    [
        ("POST", "/v1/calls", True),
        ("post", "/v1/calls/", True),
        ("POST", "/V1/CALLS", True),
        ("GET", "/v1/calls", False),
        ("POST", "/v1/calls/call_1", False),
    ],
)
def test_what_counts_as_a_create(method: str, path: str, creates: bool) -> None:
    assert is_create(method, path) is creates


def test_the_budget_lets_only_allowed_destinations_through_and_only_so_often() -> None:
    guard = CallGuard(allow_calls=2, destinations=[ALLOWED])
    assert sent(guard, a_call("+447400123456")) == a_call(UNDIALABLE)
    assert sent(guard, a_call(ALLOWED)) == a_call(ALLOWED)
    assert sent(guard, a_call(ALLOWED, metadata={"a": 1})) == a_call(ALLOWED, metadata={"a": 1})
    assert sent(guard, a_call(ALLOWED)) == a_call(UNDIALABLE)
    assert not guard.can_place


def test_a_probe_holds_a_call_of_the_budget_and_keeps_it_only_if_accepted() -> None:
    guard = CallGuard(allow_calls=1, destinations=[ALLOWED])
    probe = a_call(ALLOWED, unknown_property=True)  # schema-invalid: a conforming server refuses
    screened = guard.screen(json.dumps(probe).encode())
    assert screened.probe and json.loads(screened.body) == probe
    assert not guard.can_place  # while it is out, nothing else may ring
    assert sent(guard, a_call(ALLOWED)) == a_call(UNDIALABLE)
    guard.settle_probe(accepted=False)
    assert guard.can_place
    assert guard.screen(json.dumps(probe).encode()).probe
    guard.settle_probe(accepted=True)  # wrongly accepted: it may have rung, the budget is spent
    assert not guard.can_place
    assert sent(guard, probe) == {**probe, "to_phone_number": UNDIALABLE}


def test_a_create_without_the_runs_key_is_a_probe() -> None:
    guard = CallGuard(allow_calls=1, destinations=[ALLOWED])
    keyless = guard.screen(json.dumps(a_call(ALLOWED)).encode(), with_run_key=False)
    assert keyless.probe and json.loads(keyless.body) == a_call(ALLOWED)
    guard.settle_probe(accepted=False)  # refused for its key, as it must be: nothing spent
    assert guard.can_place
    assert not guard.screen(json.dumps(a_call(ALLOWED)).encode()).probe


def test_without_destinations_nothing_can_be_placed() -> None:
    guard = CallGuard(allow_calls=5, destinations=[])
    assert not guard.can_place
    assert not guard.aim({"to_phone_number": ALLOWED})
    assert sent(guard, a_call(ALLOWED)) == a_call(UNDIALABLE)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"[1, 2]", b"[1, 2]"),  # no destination to dial
        (b'{"agent_id": "a"}', b'{"agent_id": "a"}'),
        (b"not json", b"not json"),
        (b"to_phone_number=%2B919876543210", b"{}"),  # a form a lenient server might read
        (b'{"to_phone_number": 919876543210}', b'{"to_phone_number": "+0"}'),
    ],
)
def test_bodies_that_name_no_allowed_destination_cannot_dial(body: bytes, expected: bytes) -> None:
    assert CallGuard(allow_calls=1, destinations=[ALLOWED]).screen(body).body == expected


def test_aiming_rotates_through_the_allowed_destinations() -> None:
    guard = CallGuard(allow_calls=3, destinations=[ALLOWED, "+447400123456"])
    bodies = [{"to_phone_number": "+10"} for _ in range(3)]
    assert all(guard.aim(body) for body in bodies)
    assert [body["to_phone_number"] for body in bodies] == [ALLOWED, "+447400123456", ALLOWED]


@pytest.mark.parametrize(
    ("before", "after", "allowed"),
    [
        ("created", "initiated", True),
        ("initiated", "completed", True),  # skipping steps is fine
        ("created", "failed", True),
        ("received", "received", True),
        ("sent", "initiated", False),
        ("received", "created", False),
        ("completed", "busy", False),  # a final status is final
        ("completed", "received", False),
        ("initiated", "ringing", True),  # unknown values are the schema's business
    ],
)
def test_statuses_only_move_forward(before: str, after: str, allowed: bool) -> None:
    assert (transition_error(before, after) is None) is allowed
