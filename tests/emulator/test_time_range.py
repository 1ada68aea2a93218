"""Issue 19: no time the emulator accepts can make it answer a 5xx nobody asked for.

The clock stays from 1970-01-01T00:00:00Z to 9000-01-01T00:00:00Z: a time outside (set, advanced
to, seeded) is a 400 naming the field and the range; every 5xx it still sends is the envelope;
health says so when its clock cannot be served.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from dialnexa_emulator import (
    ConfigError,
    Emulator,
    FrozenClock,
    SyncASGITransport,
    SystemClock,
    create_app,
)
from dialnexa_emulator._clock import LATEST, ClockRangeError
from dialnexa_emulator._config import parse_config
from dialnexa_emulator._journal import Journal
from tests.emulator.conftest import MINIMAL_REQUEST, api_client, error_message

RANGE = "from 1970-01-01T00:00:00.000Z to 9000-01-01T00:00:00.000Z"
MAX_ADVANCE = 316224000  # control_plane.yaml: ten years at a time


def assert_no_5xx(api: httpx.Client, control: httpx.Client) -> None:
    """Every API operation and the clock answer, none with a 5xx."""
    created = api.post("/calls", json=MINIMAL_REQUEST)
    assert created.status_code in (201, 400), created.text
    answers = [
        api.get("/calls"),
        api.get("/calls/call_nonexistent"),
        control.get("/clock"),
        control.get("/health"),
        control.get("/calls"),
        control.get("/requests"),
    ]
    if created.status_code == 201:
        answers.append(api.get(f"/calls/{created.json()['id']}"))
    for answer in answers:
        assert answer.status_code < 500, answer.text


@pytest.mark.parametrize(
    "moment",
    [
        "9999-12-31T23:59:59Z",
        "9000-01-01T00:00:00.001Z",
        "1969-12-31T23:59:59.999Z",
        "0001-01-01T00:00:00+01:00",  # year 0 in UTC: past the start of Python's datetime
        "9999-12-31T23:59:59-01:00",  # year 10000 in UTC
    ],
)
def test_a_time_outside_the_range_is_400_naming_now_and_the_range(
    moment: str, api: httpx.Client, control: httpx.Client
) -> None:
    before = control.get("/clock").json()

    message = error_message(control.put("/clock", json={"now": moment}), 400)

    assert isinstance(message, str)
    assert message.startswith("now must be " + RANGE), message
    assert control.get("/clock").json() == before
    assert_no_5xx(api, control)


def test_the_ends_of_the_range_are_allowed(api: httpx.Client, control: httpx.Client) -> None:
    assert control.put("/clock", json={"now": "1970-01-01T00:00:00Z"}).status_code == 200
    assert_no_5xx(api, control)
    response = control.put("/clock", json={"now": "9000-01-01T00:00:00Z"})
    assert response.json() == {"now": "9000-01-01T00:00:00.000Z"}
    assert_no_5xx(api, control)


def test_advancing_past_the_range_is_400_naming_seconds(
    api: httpx.Client, control: httpx.Client
) -> None:
    control.put("/clock", json={"now": "8999-12-31T00:00:00Z"})

    message = error_message(control.post("/clock/advance", json={"seconds": MAX_ADVANCE}), 400)

    assert isinstance(message, str)
    assert message.startswith("seconds: 3.16224e+08 would take the clock past 9000-01-01"), message
    assert RANGE in message
    assert "at most 86400.000 from 8999-12-31T00:00:00.000Z" in message
    assert control.get("/clock").json() == {"now": "8999-12-31T00:00:00.000Z"}
    assert control.post("/clock/advance", json={"seconds": 86400}).status_code == 200
    assert_no_5xx(api, control)


@pytest.mark.parametrize("clock", [FrozenClock(), SystemClock()], ids=["frozen", "system"])
def test_every_clock_refuses_to_leave_the_range(clock: FrozenClock | SystemClock) -> None:
    with pytest.raises(ClockRangeError, match="now must be from 1970"):
        clock.set(datetime(9999, 1, 1, tzinfo=UTC))
    with pytest.raises(ClockRangeError, match="now must be from 1970"):
        clock.set(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))))
    clock.set(LATEST - timedelta(seconds=10))
    with pytest.raises(ClockRangeError, match="would take the clock past 9000"):
        clock.advance(1e300)
    assert clock.now() < LATEST
    with pytest.raises(ClockRangeError, match="start must be from 1970"):
        FrozenClock(datetime(9999, 1, 1, tzinfo=UTC))


# One app for every example: each starts from a reset.
_APP = create_app(clock=FrozenClock())
_OFFSETS = st.integers(-23 * 60, 23 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))


@pytest.fixture(scope="module")
def clients() -> Iterator[tuple[httpx.Client, httpx.Client, Emulator]]:
    with (
        api_client(_APP) as api,
        api_client(_APP, key=None, base_url="http://emulator/_emulator") as control,
    ):
        yield api, control, _APP.state.emulator


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    moves=st.lists(
        st.one_of(
            st.tuples(st.just("set"), st.datetimes(timezones=_OFFSETS)),
            st.tuples(st.just("advance"), st.floats(0, MAX_ADVANCE)),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_no_sequence_of_clock_moves_breaks_the_api(
    clients: tuple[httpx.Client, httpx.Client, Emulator], moves: list[tuple[str, Any]]
) -> None:
    api, control, emulator = clients
    emulator.reset()
    for kind, value in moves:
        if kind == "set":
            answer = control.put("/clock", json={"now": value.isoformat()})
        else:
            answer = control.post("/clock/advance", json={"seconds": value})
        assert answer.status_code in (200, 400), answer.text
        if answer.status_code == 400:
            assert RANGE in answer.json()["message"] or "cannot go back" in answer.json()["message"]
        assert_no_5xx(api, control)


class TestSeeding:
    @pytest.mark.parametrize(
        ("entry", "message"),
        [
            (
                {"count": 100000, "every_sec": 31622400},
                "calls[0]: its first call would be created before 1970-01-01T00:00:00.000Z",
            ),
            (
                {"created_at": "0001-01-01T00:00:00+01:00"},
                f"calls[0].created_at must be {RANGE}",
            ),
            ({"created_at": "1969-01-01T00:00:00Z"}, f"calls[0].created_at must be {RANGE}"),
            (
                {"created_at": "8999-12-31T00:00:00Z", "count": 100000, "every_sec": 31622400},
                "calls[0]: its last call would be completed only at 9999, after",
            ),
        ],
    )
    def test_seeds_outside_the_range_are_400(
        self, entry: dict[str, Any], message: str, api: httpx.Client, control: httpx.Client
    ) -> None:
        response = control.post("/calls", json={"calls": [entry]})

        assert str(error_message(response, 400)).startswith(message)
        assert_no_5xx(api, control)

    def test_a_configured_seed_outside_the_range_is_a_config_error(self) -> None:
        text = """
            [[workspaces]]
            id = "w"
            numbers = ["+912234567890"]
            api_keys = [{id = "k", secret = "s"}]
            agents = [{id = "agt_1", versions = [{number = 1}]}]
            telephony = {destinations = [{country = "IN"}]}
            [[calls]]
            count = 100000
            every_sec = 31622400
        """
        config = parse_config(text, source="big.toml")

        with pytest.raises(ConfigError, match=r"big.toml: calls\[0\]: its first call would be"):
            create_app(config, clock=FrozenClock())


class TestEvery5xxIsTheEnvelope:
    def test_an_unreadable_clock_is_a_500_envelope_and_health_says_why(
        self, app: Starlette, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken() -> datetime:
            raise OverflowError("date value out of range")

        monkeypatch.setattr(clock, "now", broken)
        with (
            httpx.Client(transport=SyncASGITransport(app), base_url="http://emulator") as raw,
            api_client(app, key=None, base_url="http://emulator/_emulator") as control,
        ):
            for response in (
                raw.post("/v1/calls", json=MINIMAL_REQUEST, headers=_key()),
                raw.get("/v1/calls", headers=_key()),
                control.get("/clock"),
            ):
                assert response.status_code == 500, response.text
                assert response.json() == {
                    "statusCode": 500,
                    "message": "Internal server error",
                    "error": "Internal Server Error",
                }
            assert raw.get("/v1/nowhere").status_code == 404  # only its journal record is lost
            health = control.get("/health")
            assert health.status_code == 503
            assert health.json()["message"].startswith(
                "The emulator is broken: date value out of range; set it with PUT /_emulator/clock"
            )
            monkeypatch.undo()
            assert control.get("/health").status_code == 200

    def test_health_names_a_clock_outside_the_range(
        self, control: httpx.Client, clock: FrozenClock
    ) -> None:
        clock._now = datetime(9500, 1, 1, tzinfo=UTC)  # as a state file changed under it would

        message = error_message(control.get("/health"), 503)

        assert message == (
            f"The emulator is broken: The clock must be {RANGE}; got 9500-01-01T00:00:00.000Z; "
            "set it with PUT /_emulator/clock or POST /_emulator/reset"
        )
        assert control.put("/clock", json={"now": "2030-01-01T00:00:00Z"}).status_code == 200
        assert control.get("/health").status_code == 200

    def test_a_journal_that_fails_does_not_change_the_answer(
        self, app: Starlette, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def failing(self: Journal, *args: object, **kwargs: object) -> None:
            raise RuntimeError("journal broke")

        monkeypatch.setattr(Journal, "record", failing)

        assert api.post("/calls", json=MINIMAL_REQUEST).status_code == 201
        assert api.get("/calls").status_code == 200
        assert api.get("/nowhere").status_code == 404


def _key() -> dict[str, str]:
    return {"Authorization": "Bearer kid_demo:sk_demo_secret"}
