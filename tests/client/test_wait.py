"""calls.wait and create_and_wait on the emulator's FrozenClock: every test number's outcome, the
deadline with the last call seen, 429s waited out, failed reads retried, creates never repeated."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from dialnexa_client import AsyncDialNexa, DialNexa, RetryPolicy, errors
from dialnexa_client.models import CallStatus
from starlette.applications import Starlette

from dialnexa_emulator import FrozenClock, SyncASGITransport, create_app
from tests.client.conftest import AGENT, TOKEN

ROOT = Path(__file__).resolve().parents[2]

# docs/emulator.md, "Test numbers": the outcome each number reaches, and the seconds from creation
# to it with the default lifecycle (initiated 1 s, sent 2 s, ringing 5 s, talk as listed).
OUTCOMES = {
    "+919876543210": ("completed", 38),
    "+919876500001": ("did_not_pick", 8),
    "+919876500002": ("busy", 8),
    "+919876500003": ("no_answer", 8),
    "+919876500004": ("failed", 3),
    "+919876500005": ("cancelled", 0),
    "+919876500006": ("retry_expired", 8),
    "+919876500007": ("completed", 150),
}
SLOW = "+919876500007"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def app(clock: FrozenClock) -> Starlette:
    return create_app(clock=clock)


@pytest.fixture
def client(app: Starlette) -> Iterator[DialNexa]:
    transport = SyncASGITransport(app)
    with DialNexa(
        api_key=TOKEN, base_url="http://emulator/v1", httpx_args={"transport": transport}
    ) as client:
        yield client


@pytest.mark.parametrize("number", OUTCOMES)
def test_wait_reaches_each_test_numbers_outcome(
    client: DialNexa, clock: FrozenClock, number: str
) -> None:
    outcome, _ = OUTCOMES[number]
    start = clock.now()
    call = client.calls.create(agent_id=AGENT, to_phone_number=number)

    final = client.calls.wait(call.id, clock=clock)

    assert final.id == call.id and final.status == outcome and final.status.is_final
    assert isinstance(final.ended_at, datetime)
    waited = (clock.now() - start).total_seconds()
    assert waited % 5 == 0  # whole default intervals, no busy loop
    assert final.ended_at <= clock.now() < final.ended_at + timedelta(seconds=5)


@pytest.mark.parametrize("number", OUTCOMES)
def test_async_wait_agrees(app: Starlette, clock: FrozenClock, number: str) -> None:
    async def run() -> tuple[str, float]:
        transport = httpx.ASGITransport(app)
        async with AsyncDialNexa(
            api_key=TOKEN, base_url="http://emulator/v1", httpx_args={"transport": transport}
        ) as client:
            start = clock.now()
            final = await client.calls.create_and_wait(
                agent_id=AGENT, to_phone_number=number, clock=clock, poll_interval=2
            )
            return final.status.value, (clock.now() - start).total_seconds()

    status, waited = asyncio.run(run())
    outcome, seconds = OUTCOMES[number]
    assert status == outcome
    assert seconds <= waited < seconds + 2


def test_wait_times_out_with_the_last_call_seen(client: DialNexa, clock: FrozenClock) -> None:
    call = client.calls.create(agent_id=AGENT, to_phone_number=SLOW)
    start = clock.now()
    with pytest.raises(errors.WaitTimeoutError) as caught:
        client.calls.wait(call.id, timeout=60, poll_interval=7, clock=clock)
    assert caught.value.call.id == call.id
    assert caught.value.call.status == "received" and not caught.value.call.status.is_final
    assert (clock.now() - start).total_seconds() == 60  # 8 waits of 7 s, then 4 s to the deadline
    assert "60 s" in str(caught.value)


def test_a_429_is_waited_out_not_raised(
    app: Starlette, client: DialNexa, clock: FrozenClock
) -> None:
    call = client.calls.create(agent_id=AGENT, to_phone_number="+919876500004")  # failed at 3 s
    # More 429s than the read policy retries (2): the rest are waited out by wait itself.
    app.state.emulator.faults.add(operation="getCall", status=429, retry_after=9, count=4)
    start = clock.now()
    final = client.calls.wait(call.id, clock=clock)
    assert final.status == "failed"
    # 2 retries of the read policy (9 s each), then wait's own 9 s, once more the same for the 4th.
    assert (clock.now() - start).total_seconds() == 9 * 4


def test_a_failed_read_is_retried_by_the_read_policy(
    app: Starlette, client: DialNexa, clock: FrozenClock
) -> None:
    call = client.calls.create(agent_id=AGENT, to_phone_number="+919876500005")  # cancelled at once
    app.state.emulator.faults.add(operation="getCall", status=503, retry_after=2, count=1)
    assert client.calls.wait(call.id, clock=clock).status == "cancelled"
    app.state.emulator.faults.add(operation="getCall", status=503, count=3)
    with pytest.raises(errors.ServerError):  # past the policy's retries: a real failure
        client.calls.wait(call.id, clock=clock)


def test_a_429_past_the_deadline_ends_the_wait(
    app: Starlette, client: DialNexa, clock: FrozenClock
) -> None:
    call = client.calls.create(agent_id=AGENT, to_phone_number=SLOW)
    once = RetryPolicy(max_retries=0)
    app.state.emulator.faults.add(operation="getCall", status=429, retry_after=120, count=1)
    with pytest.raises(errors.RateLimitError):  # no call seen yet: the 429 itself
        client.calls.wait(call.id, timeout=60, clock=clock, retries=once)

    class ArmsA429(FrozenClock):
        """The emulator's clock, arming a long 429 for the read after the first wait."""

        def advance(self, seconds: float) -> None:
            clock.advance(seconds)
            app.state.emulator.faults.add(operation="getCall", status=429, retry_after=120)

        def now(self) -> datetime:
            return clock.now()

    start = clock.now()
    with pytest.raises(errors.WaitTimeoutError) as caught:
        client.calls.wait(call.id, timeout=60, poll_interval=30, clock=ArmsA429(), retries=once)
    assert caught.value.call.id == call.id
    assert (clock.now() - start).total_seconds() == 30  # not polled again before Retry-After


@pytest.mark.parametrize("interval", [0, 0.5, -1, float("nan")])
def test_no_poll_interval_below_one_second(client: DialNexa, interval: float) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        client.calls.wait("call_abc123", poll_interval=interval)


def test_create_and_wait_raises_on_an_ambiguous_create_and_never_creates_twice(
    app: Starlette, client: DialNexa, clock: FrozenClock
) -> None:
    app.state.emulator.faults.add(operation="createCall", drop_after_commit=True)
    with pytest.raises(errors.OutcomeUnknownError):
        client.calls.create_and_wait(agent_id=AGENT, to_phone_number="+919876500002", clock=clock)
    assert len(client.calls.list(limit=200)) == 1


def test_create_and_wait_reconciles_an_ambiguous_create_by_correlation_id(
    app: Starlette, client: DialNexa, clock: FrozenClock
) -> None:
    app.state.emulator.faults.add(operation="createCall", drop_after_commit=True)
    final = client.calls.create_and_wait(
        agent_id=AGENT,
        to_phone_number="+919876500002",
        metadata={"customer_name": "Priya Sharma"},
        correlation_id="order-4711",
        clock=clock,
    )
    assert final.status == "busy"
    (only,) = client.calls.list(limit=200)
    assert only.id == final.id
    assert only.to_dict()["metadata"] == {
        "customer_name": "Priya Sharma",
        "correlation_id": "order-4711",
    }


def test_is_final_is_the_specs_list_and_unknown_statuses_are_not_final() -> None:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    schema = spec["components"]["schemas"]["CallStatus"]
    assert set(schema["x-final-values"]) <= set(schema["enum"])
    assert {s.value for s in CallStatus if s.is_final} == set(schema["x-final-values"])
    assert not CallStatus("voicemail_left").is_final
