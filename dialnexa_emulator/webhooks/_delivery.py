"""Webhook delivery: a workspace's endpoints get its calls' events as the emulator's clock passes
them, signed, with DialNexa's timeout and retries, each attempt recorded.

`Webhooks` is the face the emulator, the control plane and tests use; the work is split by job:
`_registry` (endpoints), `_faults` (delivery faults), `_scheduler` (when each delivery goes, and
the bounds that keep a failing receiver from growing the process) and `_sender` (the delivery
thread, its HTTP client and its CPU budget). Creating a call only appends it to a queue the
delivery thread empties, taking no lock (nothing at all when the workspace has no endpoint).
Retries are due on the emulator's clock too, so a test moves them along as it moves calls;
`flush()` waits until everything due by now has been answered (or has failed) instead of
sleeping. State is in memory, per process.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Callable, Iterable

from dialnexa_emulator._answers import OffSpecAnswerError
from dialnexa_emulator._clock import Clock
from dialnexa_emulator._config import (
    DEFAULT_WEBHOOK_RETRIES,
    DEFAULT_WEBHOOK_TIMEOUT_MS,
    WEBHOOK_EVENTS,
    WebhookConfig,
    Workspace,
)
from dialnexa_emulator._store import CallRecord
from dialnexa_emulator.webhooks._faults import FAULT_KINDS, DeliveryFaults
from dialnexa_emulator.webhooks._model import (
    Attempt,
    Delivery,
    Endpoint,
    WebhookError,
    WebhookFault,
)
from dialnexa_emulator.webhooks._registry import Registry
from dialnexa_emulator.webhooks._scheduler import (
    MAX_KEPT,
    MAX_PENDING,
    MAX_SCHEDULED,
    RETRY_DELAYS_SEC,
    Scheduler,
)
from dialnexa_emulator.webhooks._sender import TICK_SEC, USER_AGENT, Sender

__all__ = [
    "FAULT_KINDS",
    "FLUSH_TIMEOUT_SEC",
    "MAX_KEPT",
    "MAX_PENDING",
    "MAX_SCHEDULED",
    "RETRY_DELAYS_SEC",
    "TICK_SEC",
    "USER_AGENT",
    "Attempt",
    "Delivery",
    "Endpoint",
    "WebhookError",
    "WebhookFault",
    "Webhooks",
]

FLUSH_TIMEOUT_SEC = 120.0  # past the longest endpoint timeout (60 s), with room to spare


class Webhooks:
    """The emulator's webhook endpoints, deliveries and delivery faults (`emulator.webhooks`)."""

    def __init__(
        self,
        workspaces: Iterable[Workspace],
        clock: Clock,
        *,
        on_secret: Callable[[str], None] = lambda secret: None,
        check_event: Callable[[str, bytes], OffSpecAnswerError | None] = lambda event, body: None,
    ) -> None:
        """`on_secret` is told each endpoint's secret (the request journal redacts them);
        `check_event` judges each event body against the spec (an error to raise from `flush`)."""
        self._check_event = check_event
        self._off_spec: list[OffSpecAnswerError] = []
        self._clock = clock
        self._cond = threading.Condition()
        ids = itertools.count(1)
        self._registry = Registry(workspaces, ids, on_secret)
        self._faults = DeliveryFaults(ids)
        self._scheduler = Scheduler(clock, self._registry, self._faults, ids)
        self._sender = Sender(self._cond, self._scheduler, clock, on_body=self._judge)

    # endpoints

    def add_endpoint(
        self,
        url: str,
        secret: str,
        *,
        workspace_id: str | None = None,
        events: Iterable[str] = WEBHOOK_EVENTS,
        active: bool = True,
        timeout_ms: int = DEFAULT_WEBHOOK_TIMEOUT_MS,
        retries: int = DEFAULT_WEBHOOK_RETRIES,
    ) -> Endpoint:
        """Register an endpoint for `workspace_id` (default: the first workspace)."""
        workspace_id = self._registry.workspace(workspace_id)
        events = frozenset(events)
        self._registry.check(url, secret, events, timeout_ms, retries)
        with self._cond:
            return self._registry.add(
                workspace_id, WebhookConfig(url, secret, events, active, timeout_ms, retries)
            )

    def remove_endpoint(self, endpoint_id: str) -> bool:
        """Stop delivering to the endpoint (what is already due still goes); False if unknown."""
        with self._cond:
            return self._registry.remove(endpoint_id)

    def endpoints(self) -> list[Endpoint]:
        with self._cond:
            return list(self._registry.endpoints.values())

    # deliveries

    def call_created(self, call: CallRecord) -> None:
        """Schedule the call's events; cheap, and nothing at all unless its workspace has an
        endpoint. Which endpoints get them is decided as each comes due."""
        if call.workspace_id not in self._registry.hooked:
            return
        self._scheduler.created(call)  # no lock: a create never waits for the delivery thread
        if self._sender.idle:  # it waits for work without a timeout while idle
            self._sender.start()
            self._sender.poke()

    def deliveries(
        self, *, call_id: str | None = None, endpoint_id: str | None = None
    ) -> list[Delivery]:
        """Deliveries so far (the latest `MAX_KEPT`), in the order they came due."""
        with self._cond:
            return [
                d
                for d in self._scheduler.log.values()
                if call_id in (None, d.call.id) and endpoint_id in (None, d.endpoint.id)
            ]

    def pending(self, endpoint_id: str) -> int:
        """The endpoint's unsettled deliveries: never more than `MAX_PENDING`."""
        with self._cond:
            return self._scheduler.pending[endpoint_id]

    def flush(self, timeout: float = FLUSH_TIMEOUT_SEC) -> None:
        """Wait until every delivery due by now has been acknowledged or has failed (a retry not
        yet due, or one a fault holds back, is not waited for). TimeoutError after `timeout` s."""
        now = self._clock.now()
        with self._cond:
            if not self._scheduler.unsettled(now):
                return
        self._sender.start()
        budget = self._sender.budget
        with self._cond:
            budget.unlimited += 1  # someone waits for delivery: nothing to spare the API for
        self._sender.poke()
        try:
            with self._cond:
                if not self._cond.wait_for(lambda: not self._scheduler.unsettled(now), timeout):
                    raise TimeoutError(f"webhook deliveries still unanswered after {timeout} s")
                if self._off_spec:  # sent anyway; the test that waits for them hears of it
                    error, self._off_spec = self._off_spec[0], []
                    raise error
        finally:
            with self._cond:
                budget.unlimited -= 1

    def _judge(self, event_type: str, body: bytes) -> None:
        """Each event body as it is made, against the spec (on the delivery thread)."""
        error = self._check_event(event_type, body)
        if error is not None:
            with self._cond:
                self._off_spec.append(error)

    async def drain(self) -> None:
        """`flush()` for async code: waits without blocking the running event loop."""
        await asyncio.to_thread(self.flush)

    # faults

    def add_fault(
        self,
        kind: str,
        *,
        count: int = 1,
        event: str | None = None,
        endpoint_id: str | None = None,
        delay_sec: float = 0,
    ) -> str:
        """Arm a fault for the next `count` deliveries (of `event`, to `endpoint_id`); its id.

        `delay` sends each `delay_sec` (emulator time) late; `duplicate` sends it twice;
        `out_of_order` holds it back until the endpoint's next delivery has been sent;
        `wrong_signature` signs it with another secret.
        """
        self._faults.check(kind, count, event, delay_sec)
        with self._cond:
            if endpoint_id is not None and endpoint_id not in self._registry.endpoints:
                raise WebhookError(f"no webhook endpoint {endpoint_id!r}")
            return self._faults.arm(kind, count, event, endpoint_id, delay_sec)

    def faults(self) -> list[WebhookFault]:
        """The armed faults, oldest (first to strike) first."""
        with self._cond:
            return self._faults.armed()

    def remove_fault(self, fault_id: str) -> bool:
        """Disarm one fault; False if no such fault is armed."""
        with self._cond:
            return self._faults.remove(fault_id)

    def clear_faults(self) -> None:
        with self._cond:
            self._faults.clear()

    # life

    def reset(self) -> None:
        """Back to the configured endpoints, with no delivery and no fault."""
        with self._cond:
            self._registry.restore()
            self._faults.clear()
            self._scheduler.restore()
            self._cond.notify_all()

    def close(self) -> None:
        """Stop the delivery thread (undelivered events are dropped)."""
        self._sender.close()
