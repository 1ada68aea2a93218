"""A failing receiver cannot grow the emulator: pending deliveries are bounded per endpoint, events
waiting to come due per workspace, and what goes past a bound is a failed delivery the control
plane shows; the delivery thread keeps to its CPU share. Counted, never timed."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette

from dialnexa_emulator import Emulator
from dialnexa_emulator.webhooks import _scheduler
from dialnexa_emulator.webhooks._sender import CpuBudget
from tests.emulator.test_webhooks import END_OF_ANY_CALL_SEC, closed_port_url, place

BOUND = 12  # the bounds, made small so a test reaches them with a few calls


@pytest.fixture
def emulator(app: Starlette) -> Iterator[Emulator]:
    handle: Emulator = app.state.emulator
    yield handle
    handle.webhooks.close()


def test_pending_deliveries_never_exceed_the_bound_per_endpoint(
    api: httpx.Client,
    control: httpx.Client,
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_scheduler, "MAX_PENDING", BOUND)
    dead = emulator.webhooks.add_endpoint(closed_port_url(), "s")  # 3 retries: stays pending
    for _ in range(BOUND):  # 2 events each: twice the bound
        place(api)

    emulator.clock.advance(END_OF_ANY_CALL_SEC)
    emulator.webhooks.flush()

    assert emulator.webhooks.pending(dead.id) == BOUND
    listed = control.get("/webhooks/deliveries", params={"endpoint_id": dead.id}).json()
    assert len(listed) == 2 * BOUND
    waiting = [d for d in listed if d["state"] == "pending"]
    dropped = [d for d in listed if d["state"] == "failed"]
    assert len(waiting) == len(dropped) == BOUND
    for delivery in dropped:
        [attempt] = delivery["attempts"]
        assert attempt["status_code"] is None
        assert attempt["error"] == (
            f"not sent: {BOUND} deliveries already pending for the endpoint"
        )
    # Settled deliveries make room again: once the retries are spent, new ones are sent.
    emulator.clock.advance(sum(_scheduler.RETRY_DELAYS_SEC))
    for delay in _scheduler.RETRY_DELAYS_SEC:
        emulator.clock.advance(delay)
        emulator.webhooks.flush()
    assert emulator.webhooks.pending(dead.id) == 0
    place(api)
    emulator.clock.advance(END_OF_ANY_CALL_SEC)
    emulator.webhooks.flush()
    assert emulator.webhooks.pending(dead.id) == 2


def test_events_waiting_to_come_due_are_bounded_per_workspace(
    api: httpx.Client,
    control: httpx.Client,
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_scheduler, "MAX_SCHEDULED", BOUND)
    endpoint = emulator.webhooks.add_endpoint(closed_port_url(), "s", retries=0)
    calls = [place(api)["id"] for _ in range(BOUND)]  # 2 events each, due as the call goes on

    emulator.webhooks.flush()  # the clock has not moved: only what overflowed settles

    listed = control.get("/webhooks/deliveries", params={"endpoint_id": endpoint.id}).json()
    dropped = [d for d in listed if d["attempts"][0]["error"].startswith("not scheduled")]
    assert len(dropped) == BOUND  # the events of the second half of the calls
    assert {d["call_id"] for d in dropped} == set(calls[BOUND // 2 :])
    assert all(d["state"] == "failed" for d in dropped)


def test_the_delivery_thread_pauses_once_its_cpu_burst_is_spent() -> None:
    budget = CpuBudget(share=0.05, burst=0.02)
    assert budget.wait_sec() == 0
    spent_from = time.thread_time()
    while time.thread_time() - spent_from < 0.05:  # burn more CPU than the burst holds
        pass

    pause = budget.wait_sec()

    # Paid back at 5% of the wall clock: 20 times what was overspent.
    assert pause > 0
    assert pause >= (0.05 - 0.02) * 20 * 0.5  # half, for the wall time the loop itself took
