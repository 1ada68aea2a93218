"""Calls live on the emulator's clock: statuses, outcomes by test number, endings, transcripts."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialnexa_emulator import EmulatorConfig, FrozenClock, default_config
from dialnexa_emulator._lifecycle import IN_FLIGHT, OUTCOMES, Timing, render
from tests.emulator.conftest import MINIMAL_REQUEST
from tests.seed import SEED_REQUEST

GREETING = "Hi Priya Sharma, this is Asha from City Clinic, calling to confirm your appointment."


def place(api: httpx.Client, to: str = "+919876543210", **fields: Any) -> str:
    response = api.post("/calls", json={**MINIMAL_REQUEST, "to_phone_number": to, **fields})
    assert response.status_code == 201, response.text
    call_id: str = response.json()["id"]
    return call_id


def fetch(api: httpx.Client, call_id: str) -> dict[str, Any]:
    call: dict[str, Any] = api.get(f"/calls/{call_id}").json()
    return call


def statuses_over(api: httpx.Client, clock: FrozenClock, call_id: str, seconds: int) -> list[str]:
    """The call's status after each second, changes only."""
    seen = [fetch(api, call_id)["status"]]
    for _ in range(seconds):
        clock.advance(1)
        status = fetch(api, call_id)["status"]
        if status != seen[-1]:
            seen.append(status)
    return seen


def test_a_completed_call_goes_through_every_status(api: httpx.Client, clock: FrozenClock) -> None:
    call_id = place(api)

    assert statuses_over(api, clock, call_id, 60) == ["initiated", "sent", "received", "completed"]


def test_nothing_moves_while_the_clock_stands_still(api: httpx.Client) -> None:
    call_id = place(api)

    assert {fetch(api, call_id)["status"] for _ in range(5)} == {"initiated"}


def test_default_timing_ends_a_completed_call_after_ring_and_talk(
    api: httpx.Client, clock: FrozenClock
) -> None:
    call_id = place(api, **{k: v for k, v in SEED_REQUEST.items() if k != "to_phone_number"})
    # initiated 1 s, sent 2 s, received 5 s of ringing + 30 s of talk (default_config.toml)
    clock.advance(37.999)
    assert fetch(api, call_id)["status"] == "received"
    clock.advance(0.001)

    call = fetch(api, call_id)

    assert call["status"] == "completed"
    assert call["ended_at"] == "2024-03-01T10:00:38.000Z"
    assert call["duration_sec"] == 30
    assert call["transcript"].splitlines()[0] == f"Agent: {GREETING}"
    assert call["transcript"].splitlines()[1].startswith("User: ")


# The default config's test numbers: (number, final status, duration_sec, in-flight path).
TEST_NUMBERS = [
    ("+919876543210", "completed", 30, ["initiated", "sent", "received"]),
    ("+919876500001", "did_not_pick", 0, ["initiated", "sent", "received"]),
    ("+919876500002", "busy", 0, ["initiated", "sent", "received"]),
    ("+919876500003", "no_answer", 0, ["initiated", "sent", "received"]),
    ("+919876500004", "failed", 0, ["initiated", "sent"]),
    ("+919876500005", "cancelled", 0, []),
    ("+919876500006", "retry_expired", 0, ["initiated", "sent", "received"]),
    ("+919876500007", "completed", 142, ["initiated", "sent", "received"]),
]


@pytest.mark.parametrize("case", TEST_NUMBERS, ids=[case[0] for case in TEST_NUMBERS])
def test_each_test_number_ends_its_documented_way(
    api: httpx.Client, clock: FrozenClock, case: tuple[str, str, int, list[str]]
) -> None:
    number, outcome, duration, path = case
    response = api.post("/calls", json={**MINIMAL_REQUEST, "to_phone_number": number})
    call_id = response.json()["id"]

    seen = [response.json()["status"]]
    for _ in range(200):
        clock.advance(1)
        if (status := fetch(api, call_id)["status"]) != seen[-1]:
            seen.append(status)
    call = fetch(api, call_id)

    assert seen == [*path, outcome]
    assert call["duration_sec"] == duration
    assert call["ended_at"] is not None
    assert (call["transcript"] is not None) == (outcome == "completed")


def test_the_default_test_numbers_are_the_documented_ones() -> None:
    rules = {rule.number: rule.outcome for rule in default_config().outcomes}

    assert rules == {n: o for n, o, _, _ in TEST_NUMBERS if n != "+919876543210"}
    assert set(rules.values()) == set(OUTCOMES)


def test_ended_at_follows_the_timeline_not_the_read_time(
    api: httpx.Client, clock: FrozenClock
) -> None:
    call_id = place(api, to="+919876500004")  # failed: ends when `sent` ends, at 3 s

    clock.advance(3600)

    assert fetch(api, call_id)["ended_at"] == "2024-03-01T10:00:03.000Z"


def test_created_at_keeps_milliseconds(api: httpx.Client, clock: FrozenClock) -> None:
    clock.advance(1.2345678)

    call = api.post("/calls", json=MINIMAL_REQUEST).json()

    assert call["created_at"] == "2024-03-01T10:00:01.234Z"


class TestTranscript:
    def test_missing_variables_stay_as_placeholders(
        self, api: httpx.Client, clock: FrozenClock
    ) -> None:
        call_id = place(api)  # no metadata at all
        clock.advance(100)

        first_line = fetch(api, call_id)["transcript"].splitlines()[0]

        assert first_line == f"Agent: {GREETING.replace('Priya Sharma', '{{customer_name}}')}"

    def test_metadata_values_are_rendered_as_text(self) -> None:
        template = "{{ a }}|{{b}}|{{c}}|{{d}}|{{e}}|{{missing}}|{{ f }}"
        variables = {"a": "x", "b": 3, "c": 2.5, "d": True, "e": False, "f": None}

        assert render(template, variables) == "x|3|2.5|true|false|{{missing}}|{{ f }}"

    def test_a_metadata_value_that_looks_like_a_placeholder_is_not_rendered_again(self) -> None:
        assert render("{{a}} {{b}}", {"a": "{{b}}", "b": "B"}) == "{{b}} B"


class TestConfiguredTiming:
    @pytest.fixture
    def config(self) -> EmulatorConfig:
        timing = Timing(created_sec=2, initiated_sec=0.5, sent_sec=0, ring_sec=10, talk_sec=7)
        return dataclasses.replace(default_config(), timing=timing)

    def test_each_status_lasts_as_configured(self, api: httpx.Client, clock: FrozenClock) -> None:
        created = api.post("/calls", json=MINIMAL_REQUEST).json()
        assert created["status"] == "created"  # a queued call, since created_sec > 0

        timeline: dict[str, float] = {}
        for tenth in range(1, 250):
            clock.advance(0.1)
            status = fetch(api, created["id"])["status"]
            timeline.setdefault(status, round(tenth / 10, 1))

        # `sent` lasts 0 s so it is never seen; `received` covers 10 s ring + 7 s talk.
        assert timeline == {"created": 0.1, "initiated": 2.0, "received": 2.5, "completed": 19.5}
        assert fetch(api, created["id"])["duration_sec"] == 7


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(st.floats(min_value=0, max_value=20), min_size=1, max_size=12))
def test_status_only_moves_forward(
    api: httpx.Client, clock: FrozenClock, steps: list[float]
) -> None:
    clock.reset()
    order = [*IN_FLIGHT, "final"]
    call_id = place(api, to="+919876500002")
    last = 0
    for step in steps:
        clock.advance(step)
        call = fetch(api, call_id)
        status = call["status"] if call["status"] in IN_FLIGHT else "final"
        assert order.index(status) >= last
        last = order.index(status)
        assert (call["ended_at"] is None) == (status != "final")
