"""Waits take no time in tests: the client's `calls.wait` runs on the clock its transport offers.

No test passes `clock=` (except where it says why): under the fixtures and `mock_dialnexa()` the
wait moves the emulator's frozen clock; a call nothing will end fails the wait at once.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from dialnexa_client import AsyncDialNexa, DialNexa, errors, polling
from hypothesis import given, settings
from hypothesis import strategies as st

from dialnexa_emulator import (
    EmulatorHandle,
    NeverEndingWait,
    SyncASGITransport,
    create_app,
    mock_dialnexa,
)
from dialnexa_emulator._clock import FrozenClock
from dialnexa_emulator._lifecycle import OUTCOMES

AGENT = "agt_abc123"
ENDS = {  # the built-in test numbers: how each call ends, and when (seconds after its creation)
    "+919876543210": ("completed", 38),
    "+919876500001": ("did_not_pick", 8),
    "+919876500004": ("failed", 3),
    "+919876500005": ("cancelled", 0),
}


def test_wait_moves_the_emulators_clock_instead_of_sleeping(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    start = dialnexa_emulator.clock.now()
    call = dialnexa_client.calls.create(agent_id=AGENT, to_phone_number="+919876543210")
    ended = dialnexa_client.calls.wait(call.id)
    assert ended.status == "completed"
    assert ended.duration_sec == 30
    # It polled every 5 s (the default interval) until the call ended, 38 s after creation.
    assert dialnexa_emulator.clock.now() - start == timedelta(seconds=40)


@pytest.mark.parametrize("number", sorted(ENDS))
def test_create_and_wait_reaches_every_outcome_without_a_clock_argument(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle, number: str
) -> None:
    status, _ = ENDS[number]
    call = dialnexa_client.calls.create_and_wait(agent_id=AGENT, to_phone_number=number)
    assert call.status == status


def test_the_async_client_waits_on_the_emulators_clock_too(
    dialnexa_async_client: AsyncDialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    async def place() -> str:
        call = await dialnexa_async_client.calls.create_and_wait(
            agent_id=AGENT, to_phone_number="+919876500001", poll_interval=2
        )
        return str(call.status)

    assert asyncio.run(place()) == "did_not_pick"
    assert dialnexa_emulator.clock.now() - FrozenClock().now() >= timedelta(seconds=8)
    assert dialnexa_emulator.calls[0]["status"] == "did_not_pick"


def test_code_that_builds_its_own_client_waits_instantly_under_mock_dialnexa() -> None:
    with mock_dialnexa() as emulator:
        with DialNexa() as client:  # from DIALNEXA_API_KEY / DIALNEXA_BASE_URL, set by the mock
            call = client.calls.create_and_wait(agent_id=AGENT, to_phone_number="+919876500002")
        assert call.status == "busy"
        assert emulator.clock.now() > FrozenClock().now()


def test_a_wait_that_times_out_does_so_on_the_emulators_clock(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    call = dialnexa_client.calls.create(agent_id=AGENT, to_phone_number="+919876543210")
    with pytest.raises(errors.WaitTimeoutError) as raised:
        dialnexa_client.calls.wait(call.id, timeout=12)
    assert raised.value.call.status == "received"  # still ringing at 12 s
    assert dialnexa_emulator.clock.now() - FrozenClock().now() == timedelta(seconds=12)


@pytest.mark.parametrize("status", ["created", "initiated", "sent", "received"])
def test_a_call_nothing_will_end_fails_the_wait_at_once_saying_why(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle, status: str
) -> None:
    [stuck] = dialnexa_emulator.seed_calls({"status": status})
    before = dialnexa_emulator.clock.now()
    with pytest.raises(NeverEndingWait) as raised:
        dialnexa_client.calls.wait(stuck["id"])
    message = str(raised.value)
    assert stuck["id"] in message
    assert f"it is {status!r}" in message
    assert "Seed it with a final status" in message
    assert "clock=" in message  # how to test a timeout instead
    assert dialnexa_emulator.clock.now() == before  # not one poll interval passed


def test_an_explicit_clock_still_wins_and_runs_to_the_timeout(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    [stuck] = dialnexa_emulator.seed_calls({"status": "received"})
    with pytest.raises(errors.WaitTimeoutError):
        dialnexa_client.calls.wait(stuck["id"], timeout=30, clock=dialnexa_emulator.clock)


@settings(max_examples=15, deadline=None)
@given(
    outcome=st.sampled_from(OUTCOMES),
    age=st.integers(min_value=0, max_value=3600),
    interval=st.floats(min_value=1, max_value=60),
)
def test_a_seeded_final_call_is_returned_by_the_first_read(
    outcome: str, age: int, interval: float
) -> None:
    with mock_dialnexa() as emulator, DialNexa() as client:
        emulator.clock.advance(age)
        [seeded] = emulator.seed_calls({"status": outcome})
        before = emulator.clock.now()
        assert client.calls.wait(seeded["id"], poll_interval=interval).status == outcome
        assert emulator.clock.now() == before


def test_the_served_emulator_offers_its_clock_to_waits_in_the_test(
    dialnexa_server: EmulatorHandle,
) -> None:
    with DialNexa(api_key=dialnexa_server.api_key, base_url=dialnexa_server.base_url) as client:
        call = client.calls.create_and_wait(agent_id=AGENT, to_phone_number="+919876500004")
    assert call.status == "failed"
    assert dialnexa_server.clock.now() > FrozenClock().now()


def test_a_client_on_the_sync_transport_waits_on_its_emulators_clock() -> None:
    app = create_app(clock=FrozenClock())
    transport = SyncASGITransport(app)
    try:
        http = httpx.Client(transport=transport, base_url="http://emulator/v1")
        client = DialNexa(api_key="kid_demo:sk_demo_secret", base_url="http://emulator/v1")
        client.api_client.set_httpx_client(http)
        client.api_client.get_httpx_client().headers["Authorization"] = (
            "Bearer kid_demo:sk_demo_secret"
        )
        call = client.calls.create_and_wait(agent_id=AGENT, to_phone_number="+919876500001")
        assert call.status == "did_not_pick"
    finally:
        transport.close()


def test_outside_tests_nothing_offers_a_clock() -> None:
    with httpx.Client(base_url="https://api.dialnexa.com/v1") as http:
        assert polling.offered_clock(http) is None  # real time: the wait sleeps as before
        with mock_dialnexa():
            assert polling.offered_clock(http) is not None
        assert polling.offered_clock(http) is None
    assert not hasattr(httpx.HTTPTransport, "poll_clock")
    with httpx.Client(base_url="https://example.com") as other, mock_dialnexa():
        assert polling.offered_clock(other) is None  # another host keeps real time
