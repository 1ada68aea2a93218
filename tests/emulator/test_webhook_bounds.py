"""A failing receiver cannot grow the emulator: pending deliveries are bounded per endpoint, events
waiting to come due per workspace, and what goes past a bound is a failed delivery the control
plane shows; the delivery thread keeps to its CPU share. Counted, never timed."""

from __future__ import annotations

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
    # Each call's `call_initiated` is due at once (and may leave the heap before the next create);
    # its `call_ended` waits for the clock: twice the bound of them.
    calls = [place(api)["id"] for _ in range(2 * BOUND)]

    emulator.webhooks.flush()  # the clock has not moved: only what is due, or dropped, settles
    listed = control.get("/webhooks/deliveries", params={"endpoint_id": endpoint.id}).json()
    dropped = [d for d in listed if d["attempts"][0]["error"].startswith("not scheduled")]
    assert len(dropped) >= BOUND
    assert all(d["state"] == "failed" and len(d["attempts"]) == 1 for d in dropped)

    emulator.clock.advance(END_OF_ANY_CALL_SEC)
    emulator.webhooks.flush()
    listed = control.get("/webhooks/deliveries", params={"endpoint_id": endpoint.id}).json()
    # Every event is accounted for, sent or dropped, and no more than the bound waited at once.
    assert sorted((d["call_id"], d["event_type"]) for d in listed) == sorted(
        (call, event) for call in calls for event in ("call_initiated", "call_ended")
    )
    sent = [d for d in listed if not d["attempts"][0]["error"].startswith("not scheduled")]
    assert len(sent) <= len(calls) + BOUND


class FakeClocks:
    """Wall, this thread's and the whole process's CPU clocks, moved by hand."""

    def __init__(self) -> None:
        self.wall = self.mine = self.process = 0.0

    def __call__(self) -> tuple[float, float, float]:
        return self.wall, self.mine, self.process

    def run(self, wall: float, mine: float, others: float) -> None:
        self.wall += wall
        self.mine += mine
        self.process += mine + others


def test_while_the_api_is_busy_delivery_gets_a_share_of_its_cpu(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clocks = FakeClocks()
    monkeypatch.setattr(CpuBudget, "_clocks", staticmethod(clocks))
    budget = CpuBudget(share=0.05, idle_share=0.5, burst=0.01)

    clocks.run(wall=1.0, mine=0.05, others=0.9)  # the API used 0.9 s: 0.045 s earned
    assert budget.wait_sec() == 0  # 0.01 + 0.045 - 0.05 left
    clocks.run(wall=0.1, mine=0.02, others=0.09)  # 0.0045 earned, 0.02 spent
    assert budget.wait_sec() > 0
    clocks.run(wall=1.0, mine=0.0, others=1.0)  # it waited; the API went on
    assert budget.wait_sec() == 0


def test_a_moment_of_quiet_is_not_idleness(monkeypatch: pytest.MonkeyPatch) -> None:
    clocks = FakeClocks()
    monkeypatch.setattr(CpuBudget, "_clocks", staticmethod(clocks))
    budget = CpuBudget(share=0.05, idle_share=0.5, burst=0.01)
    clocks.run(wall=0.5, mine=0.0, others=0.5)
    budget.wait_sec()

    clocks.run(wall=0.2, mine=0.05, others=0.0)  # the API descheduled for 0.2 s
    assert budget.wait_sec() > 0


def test_once_the_api_is_quiet_for_a_second_delivery_gets_half_a_cpu(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clocks = FakeClocks()
    monkeypatch.setattr(CpuBudget, "_clocks", staticmethod(clocks))
    budget = CpuBudget(share=0.05, idle_share=0.5, burst=0.01)
    clocks.run(wall=1.0, mine=0.0, others=0.0)
    assert budget.wait_sec() == 0
    assert budget.idle

    clocks.run(wall=1.0, mine=0.5, others=0.0)
    assert budget.wait_sec() == 0
    clocks.run(wall=0.1, mine=0.1, others=0.0)  # a whole CPU: more than half
    assert budget.wait_sec() > 0
    clocks.run(wall=0.1, mine=0.0, others=0.1)  # the API is back: busy at once
    budget.wait_sec()
    assert not budget.idle


def test_no_limit_while_a_flush_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    clocks = FakeClocks()
    monkeypatch.setattr(CpuBudget, "_clocks", staticmethod(clocks))
    budget = CpuBudget(share=0.05, idle_share=0.5, burst=0.01)
    budget.unlimited = 1

    clocks.run(wall=1.0, mine=1.0, others=1.0)
    assert budget.wait_sec() == 0
