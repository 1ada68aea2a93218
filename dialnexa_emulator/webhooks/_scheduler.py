"""When each delivery goes: calls' events wait on a heap until the emulator's clock reaches them,
then fan out to the endpoints subscribed at that moment; failed attempts come back for a retry.

Bounded whatever the receivers do, so a dead or slow one cannot grow the process: at most
`MAX_PENDING` unsettled deliveries per endpoint (waiting, held, being sent, or waiting for a
retry) and `MAX_SCHEDULED` events per workspace waiting to come due. Past either bound a
delivery is not attempted: it is recorded as failed, with an attempt saying why, so the control
plane shows what was dropped. The log keeps the latest `MAX_KEPT` deliveries.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from dialnexa_emulator._clock import Clock
from dialnexa_emulator._store import CallRecord
from dialnexa_emulator.webhooks import _events as webhook_events
from dialnexa_emulator.webhooks._faults import DeliveryFaults
from dialnexa_emulator.webhooks._model import Attempt, Delivery, Endpoint
from dialnexa_emulator.webhooks._registry import Registry

# DialNexa publishes no schedule: a failed attempt is retried 1, 5 and 25 s (emulator time) later.
RETRY_DELAYS_SEC = (1, 5, 25)
MAX_PENDING = 10_000  # unsettled deliveries per endpoint (as many as the log can show)
MAX_SCHEDULED = 100_000  # events per workspace waiting to come due (~14 MB)
MAX_KEPT = 10_000  # deliveries kept for the control plane; the oldest are forgotten first


@dataclass(frozen=True, slots=True)
class _Event:
    """A call's event, due: fanned out to the endpoints subscribed to it when it comes due."""

    call: CallRecord
    event_type: str


class Scheduler:
    """Not locked: `Webhooks` holds its lock around every use."""

    def __init__(
        self,
        clock: Clock,
        registry: Registry,
        faults: DeliveryFaults,
        ids: itertools.count[int],
    ) -> None:
        self._clock = clock
        self._registry = registry
        self._faults = faults
        self._ids = ids
        self._seq = itertools.count()
        self.sending = 0  # in flight; not reset: an answer from before a reset still arrives
        self.generation = 0  # bumped by restore(): deliveries made before it are dropped
        self.restore()

    def restore(self) -> None:
        self.generation += 1
        # Calls just created, appended by the API without taking any lock (a deque's append is
        # atomic), moved onto `due` by the delivery thread: a create never waits for that thread.
        self.inbox: deque[CallRecord] = deque()
        self.due: list[tuple[datetime, int, _Event | Delivery]] = []
        self.log: dict[str, Delivery] = {}
        self.held: dict[str, Delivery] = {}  # per endpoint: held back by `out_of_order`
        self.pending: Counter[str] = Counter()  # per endpoint: unsettled deliveries
        self.scheduled: Counter[str] = Counter()  # per workspace: events on `due`
        # Events past MAX_SCHEDULED, recorded as failed deliveries by the delivery thread (only
        # the latest MAX_KEPT could be shown anyway).
        self.overflow: deque[tuple[datetime, _Event]] = deque(maxlen=MAX_KEPT)

    def created(self, call: CallRecord) -> None:
        """A call was created (the API's thread, no lock held): O(1)."""
        if len(self.inbox) < MAX_SCHEDULED:
            self.inbox.append(call)
        else:  # the delivery thread is far behind: drop, and say so
            for due_at, event_type in webhook_events.due_events(call):
                self.overflow.append((due_at, _Event(call, event_type)))

    def _schedule(self, call: CallRecord) -> None:
        waiting = self.scheduled[call.workspace_id]
        for due_at, event_type in webhook_events.due_events(call):
            event = _Event(call, event_type)
            if waiting >= MAX_SCHEDULED:
                self.overflow.append((due_at, event))
                continue
            heapq.heappush(self.due, (due_at, next(self._seq), event))
            waiting += 1
        self.scheduled[call.workspace_id] = waiting

    def busy(self) -> bool:
        return bool(self.inbox or self.due or self.sending or self.overflow)

    def unsettled(self, now: datetime) -> bool:
        """Something is being sent, or is due by `now` and not yet taken."""
        return (
            self.sending > 0
            or bool(self.inbox or self.overflow)
            or bool(self.due and self.due[0][0] <= now)
        )

    def take_due(self, now: datetime, most: int) -> tuple[list[Delivery], bool]:
        """Up to `most` deliveries to send now, marked as sending; and whether more are due."""
        while self.inbox:
            self._schedule(self.inbox.popleft())
        ready: list[Delivery] = []
        taken = 0
        while self.overflow and taken < most:
            due_at, event = self.overflow.popleft()
            for endpoint in self._registry.subscribed(event.call.workspace_id, event.event_type):
                reason = f"not scheduled: {MAX_SCHEDULED} events of the workspace already waiting"
                self._refuse(self._new(endpoint, event, due_at), now, reason)
                taken += 1
        while self.due and self.due[0][0] <= now and taken < most:
            due_at, _, item = heapq.heappop(self.due)
            taken += 1
            if isinstance(item, Delivery):
                self._admit(item, ready)
                continue
            self.scheduled[item.call.workspace_id] -= 1
            for endpoint in self._registry.subscribed(item.call.workspace_id, item.event_type):
                delivery = self._new(endpoint, item, due_at)
                if self.pending[endpoint.id] >= MAX_PENDING:
                    reason = f"not sent: {MAX_PENDING} deliveries already pending for the endpoint"
                    self._refuse(delivery, now, reason)
                    continue
                self.pending[endpoint.id] += 1
                self._admit(delivery, ready)
        more = bool(self.overflow) or bool(self.due and self.due[0][0] <= now)
        return ready, more

    def _new(self, endpoint: Endpoint, event: _Event, due_at: datetime) -> Delivery:
        delivery = Delivery(
            f"delivery_{next(self._ids)}",
            endpoint,
            event.call,
            event.event_type,
            due_at,
            generation=self.generation,
        )
        self.log[delivery.id] = delivery
        if len(self.log) > MAX_KEPT:
            del self.log[next(iter(self.log))]
        return delivery

    def _refuse(self, delivery: Delivery, now: datetime, reason: str) -> None:
        delivery.state = "failed"
        delivery.attempts.append(Attempt(now, 0.0, None, reason, duplicate=False))

    def _admit(self, delivery: Delivery, ready: list[Delivery]) -> None:
        """Let a due delivery go, unless a fault (taken when it first comes due) delays it or
        holds it back."""
        if not delivery.attempts and delivery.fault is None:
            fault = self._faults.take(delivery)
            if fault is not None:
                delivery.fault = fault.kind
                if fault.kind == "delay":
                    delivery.due_at += timedelta(seconds=fault.delay_sec)
                    self._push(delivery)
                    return
                if fault.kind == "out_of_order" and delivery.endpoint.id not in self.held:
                    delivery.state = "held"
                    self.held[delivery.endpoint.id] = delivery
                    return
        delivery.state = "sending"
        self.sending += 1
        ready.append(delivery)

    def _push(self, delivery: Delivery) -> None:
        delivery.state = "pending"
        heapq.heappush(self.due, (delivery.due_at, next(self._seq), delivery))

    def settle(
        self, delivery: Delivery, attempts: list[Attempt], *, first: bool
    ) -> Delivery | None:
        """Record a send's attempts: delivered, failed for good, or due again for a retry. The
        held-back delivery this one releases (`out_of_order`), now sending, if any."""
        delivery.attempts.extend(attempts)
        if attempts[0].error is None:
            self._final(delivery, "delivered")
        else:
            failures = sum(not a.duplicate for a in delivery.attempts)
            if failures > delivery.endpoint.retries:
                self._final(delivery, "failed")
            else:
                delay = RETRY_DELAYS_SEC[failures - 1]
                delivery.due_at = self._clock.now() + timedelta(seconds=delay)
                self._push(delivery)
        endpoint_id = delivery.endpoint.id
        held = self.held.get(endpoint_id)
        if first and held is not None and held is not delivery:
            released = self.held.pop(endpoint_id)
            released.state = "sending"
            self.sending += 1
            return released
        return None

    def _final(self, delivery: Delivery, state: str) -> None:
        delivery.state = state
        delivery.body = b""  # kept only while it may be sent again
        self.pending[delivery.endpoint.id] -= 1
