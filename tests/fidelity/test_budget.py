"""The recorder's call budget decides as the contract suite's `CallGuard` does: the same creates
go out, the same ones are probes, and refused probes give their call back alike. (The guard makes
a create it may not place undialable; the recorder does not send it: `forward` is False.)"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from dialnexa_contract._call_guard import CallGuard, is_valid_create
from dialnexa_emulator.fidelity._budget import CallBudget

ALLOWED = ["+919876543210", "+14155550123"]
# Not the guard's own undialable "+0": that body reads the same once made undialable.
NUMBERS = st.sampled_from([*ALLOWED, "+919876500002", "12"])
BODY = st.one_of(
    st.fixed_dictionaries(
        {"agent_id": st.sampled_from(["agt_abc123", ""]), "to_phone_number": NUMBERS},
        optional={"agent_version_number": st.integers(-1, 3), "unknown": st.just(1)},
    ).map(lambda d: json.dumps(d).encode()),
    st.just(b'{"agent_id": "agt_abc123"}'),
    st.just(b"[]"),
    st.just(b"not json, to_phone_number: +919876543210"),
    st.just(b"not json at all"),
)
STEP = st.tuples(BODY, st.booleans(), st.booleans())  # body, with the run's key, answered 2xx


@settings(max_examples=200, deadline=None)
@given(
    allow_calls=st.integers(0, 4),
    destinations=st.sampled_from([[], ALLOWED[:1], ALLOWED]),
    steps=st.lists(STEP, max_size=12),
)
def test_the_budget_decides_as_the_suites_guard(
    allow_calls: int, destinations: list[str], steps: list[tuple[bytes, bool, bool]]
) -> None:
    guard = CallGuard(allow_calls=allow_calls, destinations=destinations)
    budget = CallBudget(
        allow_calls=allow_calls, destinations=destinations, is_valid=is_valid_create
    )
    forwarded = 0
    for body, with_run_key, accepted in steps:
        screened = guard.screen(body, with_run_key=with_run_key)
        admitted = budget.admit(body, with_run_key=with_run_key)

        assert admitted.forward == (screened.body == body), body
        assert admitted.probe == screened.probe, body
        if admitted.probe:
            guard.settle_probe(accepted=accepted)
            budget.settle(accepted=accepted)
        if admitted.forward and b"to_phone_number" in body and accepted:
            forwarded += 1
        assert budget.remaining == guard._remaining
    assert budget.remaining >= 0
