"""The pure parts of the cross-answer checks: what they accept and what they refuse, for any
input (the suite-level proofs are in test_cross_rules.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from dialnexa_contract._cross_checks import creation_disagreements
from dialnexa_contract._rate_limit_answers import rate_limited_problems
from dialnexa_contract._run_state import CreatedCall
from dialnexa_contract._time_checks import _precision_sec

INSTANTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


def _written(moment: datetime, cut: str) -> str:
    if cut == "minute":
        moment = moment.replace(second=0, microsecond=0)
    elif cut == "second":
        moment = moment.replace(microsecond=0)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@given(INSTANTS, st.sampled_from(["minute", "second", "millisecond"]))
def test_a_time_cut_to_any_precision_is_at_most_that_much_earlier(
    moment: datetime, cut: str
) -> None:
    written = _written(moment, cut)
    shown = datetime.fromisoformat(written.replace("Z", "+00:00"))
    assert (moment - shown).total_seconds() <= _precision_sec(written) + 0.001


VALID_429 = {
    "Retry-After": "3",
    "X-RateLimit-Limit": "150",
    "X-RateLimit-Remaining": "0",
    "X-RateLimit-Reset": "1714573380",
}
ENVELOPE = {"statusCode": 429, "message": "slow down", "error": "Too Many Requests"}


@given(st.sets(st.sampled_from(sorted(VALID_429))), st.booleans())
def test_a_429_is_the_specs_only_with_every_header_and_the_envelope(
    dropped: set[str], lowercase: bool
) -> None:
    headers = {
        (name.lower() if lowercase else name): value
        for name, value in VALID_429.items()
        if name not in dropped
    }
    problems = rate_limited_problems(headers, ENVELOPE)
    assert len(problems) == len(dropped)
    assert all(f"no {name.lower()} header" in " ".join(problems) for name in dropped)


def test_a_429_with_a_header_that_is_no_number_or_another_envelope_is_not() -> None:
    assert rate_limited_problems({**VALID_429, "Retry-After": "soon"}, ENVELOPE)
    assert rate_limited_problems(VALID_429, {**ENVELOPE, "statusCode": 400})
    assert rate_limited_problems(VALID_429, "Too Many Requests")
    assert rate_limited_problems(VALID_429, ENVELOPE) == []


CREATED = CreatedCall(
    "call_abc123",
    requested={"agent_id": "agt_abc123", "to_phone_number": "+919876543210", "metadata": {"a": 1}},
    record={
        "id": "call_abc123",
        "agent_id": "agt_abc123",
        "to_phone_number": "+919876543210",
        "from_phone_number": None,
        "created_at": "2024-03-01T10:00:00.000Z",
        "metadata": {"a": 1},
    },
)


@given(st.sampled_from(["+912234567890", "+14155550123"]), st.integers(1, 9))
def test_what_was_not_known_at_creation_may_appear_later(caller_id: str, version: int) -> None:
    later = {**CREATED.record, "from_phone_number": caller_id, "agent_version_number": version}
    later["created_at"] = "2024-03-01T15:30:00.000+05:30"  # the same instant
    assert list(creation_disagreements(CREATED, later)) == []


@given(
    st.sampled_from(["agent_id", "to_phone_number", "metadata", "created_at"]),
    st.integers(1, 3600),
)
def test_what_a_call_was_created_with_may_not_change(name: str, seconds: int) -> None:
    changed = {
        "agent_id": "agt_other",
        "to_phone_number": "+919876500002",
        "metadata": {"a": 2},
        "created_at": (datetime(2024, 3, 1, 10, tzinfo=UTC) + timedelta(seconds=seconds))
        .isoformat()
        .replace("+00:00", "Z"),
    }
    found = list(creation_disagreements(CREATED, {**CREATED.record, name: changed[name]}))
    assert len(found) == 1 and found[0].startswith(name)
