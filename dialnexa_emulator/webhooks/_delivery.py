"""Webhook delivery: a workspace's endpoints get its calls' events as the emulator's clock passes
them, signed, with DialNexa's timeout and retries, each attempt recorded.

Creating a call only pushes its due events on a heap, under a lock (nothing at all when the
workspace has no endpoint). A daemon thread, started on first use, runs its own event loop: it
looks at the clock every `TICK_SEC` and queues each due delivery for its endpoint; each endpoint's
deliveries go one at a time, in the order they came due, so a slow or dead receiver holds up no
other endpoint and no API request. Retries are due on the emulator's
clock too, so a test moves them along as it moves calls; `flush()` waits until everything due by
now has been answered (or has failed) instead of sleeping. State is in memory, per process.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from dialnexa_emulator._answers import OffSpecAnswerError
from dialnexa_emulator._clock import Clock, iso
from dialnexa_emulator._config import (
    DEFAULT_WEBHOOK_RETRIES,
    DEFAULT_WEBHOOK_TIMEOUT_MS,
    WEBHOOK_EVENTS,
    WebhookConfig,
    Workspace,
    webhook_url_problem,
)
from dialnexa_emulator._store import CallRecord
from dialnexa_emulator.webhooks import _events as webhook_events

if TYPE_CHECKING:
    import httpx

USER_AGENT = "DialNexa-External-Webhook/1.0"
# DialNexa publishes no schedule: a failed attempt is retried 1, 5 and 25 s (emulator time) later.
RETRY_DELAYS_SEC = (1, 5, 25)
TICK_SEC = 0.05  # how often the delivery thread reads the clock while deliveries are pending
MAX_KEPT = 10_000  # deliveries kept for the control plane; the oldest are forgotten first
FAULT_KINDS = ("delay", "duplicate", "out_of_order", "wrong_signature")
FLUSH_TIMEOUT_SEC = 120.0  # past the longest endpoint timeout (60 s), with room to spare


class WebhookError(ValueError):
    """An endpoint or fault that cannot be set up as described; the message says why."""


@dataclass(slots=True)
class Endpoint:
    id: str
    workspace_id: str
    url: str
    secret: str
    events: frozenset[str]
    active: bool
    timeout_ms: int
    retries: int

    def to_json(self) -> dict[str, Any]:
        """What the control plane shows: everything but the secret."""
        return {
            "id": self.id,
            "workspace_id": self.workspace_id,
            "url": self.url,
            "events": sorted(self.events, key=WEBHOOK_EVENTS.index),
            "active": self.active,
            "timeout_ms": self.timeout_ms,
            "retries": self.retries,
        }


@dataclass(slots=True)
class Attempt:
    at: datetime  # the emulator's clock when it was sent
    duration_ms: float
    status_code: int | None  # None: no answer (connection failed, timed out)
    error: str | None  # None: acknowledged (2xx)
    duplicate: bool  # a copy sent by a `duplicate` fault; it never counts towards retries

    def to_json(self) -> dict[str, Any]:
        return {
            "at": iso(self.at),
            "duration_ms": round(self.duration_ms, 3),
            "status_code": self.status_code,
            "error": self.error,
            "duplicate": self.duplicate,
        }


@dataclass(slots=True, eq=False)
class Delivery:
    """One event for one endpoint, with every attempt to send it."""

    id: str
    endpoint: Endpoint
    call: CallRecord
    event_type: str
    due_at: datetime
    state: str = "pending"  # pending, held, sending, delivered, failed
    fault: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    body: bytes = b""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "endpoint_id": self.endpoint.id,
            "url": self.endpoint.url,
            "event_type": self.event_type,
            "call_id": self.call.id,
            "state": self.state,
            "due_at": iso(self.due_at),
            "fault": self.fault,
            "attempts": [attempt.to_json() for attempt in self.attempts],
        }


@dataclass(slots=True)
class WebhookFault:
    id: str
    kind: str
    remaining: int
    event: str | None
    endpoint_id: str | None
    delay_sec: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _Event:
    """A call's event, due: fanned out to the endpoints subscribed to it when it comes due."""

    call: CallRecord
    event_type: str


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
        self._on_secret = on_secret
        self._workspaces = {w.id: w for w in workspaces}
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._closed = False
        self._generation = 0  # bumped by reset(): answers to older deliveries are dropped
        self._sending = 0
        self._restore()

    def _restore(self) -> None:
        self._endpoints: dict[str, Endpoint] = {}
        self._hooked: frozenset[str] = frozenset()  # workspaces with at least one endpoint
        self._due: list[tuple[datetime, int, _Event | Delivery]] = []
        self._log: dict[str, Delivery] = {}
        self._held: dict[str, Delivery] = {}  # per endpoint: held back by `out_of_order`
        self._faults: list[WebhookFault] = []
        for workspace in self._workspaces.values():
            for hook in workspace.webhooks:
                self._add(workspace.id, hook)

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
        workspace_id = workspace_id or next(iter(self._workspaces))
        if workspace_id not in self._workspaces:
            raise WebhookError(f"no workspace {workspace_id!r}")
        problem = webhook_url_problem(url)
        if problem is not None:
            raise WebhookError(f"url {problem}")
        if not secret:
            raise WebhookError("secret must not be empty")
        events = frozenset(events)
        if not events or not events <= set(WEBHOOK_EVENTS):
            raise WebhookError(f"events must be some of {', '.join(WEBHOOK_EVENTS)}")
        if not 1000 <= timeout_ms <= 60000:
            raise WebhookError("timeout_ms must be between 1000 and 60000")
        if not 0 <= retries <= 3:
            raise WebhookError("retries must be between 0 and 3")
        with self._cond:
            return self._add(
                workspace_id, WebhookConfig(url, secret, events, active, timeout_ms, retries)
            )

    def _add(self, workspace_id: str, hook: WebhookConfig) -> Endpoint:
        self._on_secret(hook.secret)
        endpoint = Endpoint(
            f"webhook_{next(self._ids)}",
            workspace_id,
            hook.url,
            hook.secret,
            hook.events,
            hook.active,
            hook.timeout_ms,
            hook.retries,
        )
        self._endpoints[endpoint.id] = endpoint
        self._hooked = frozenset(e.workspace_id for e in self._endpoints.values())
        return endpoint

    def remove_endpoint(self, endpoint_id: str) -> bool:
        """Stop delivering to the endpoint (what is already due still goes); False if unknown."""
        with self._cond:
            removed = self._endpoints.pop(endpoint_id, None) is not None
            self._hooked = frozenset(e.workspace_id for e in self._endpoints.values())
            return removed

    def endpoints(self) -> list[Endpoint]:
        with self._cond:
            return list(self._endpoints.values())

    # deliveries

    def call_created(self, call: CallRecord) -> None:
        """Schedule the call's events; cheap, and nothing at all unless its workspace has an
        endpoint. Which endpoints get them is decided as each comes due."""
        if call.workspace_id not in self._hooked:
            return
        with self._cond:
            was_idle = not self._due
            for due_at, event_type in webhook_events.due_events(call):
                heapq.heappush(self._due, (due_at, next(self._seq), _Event(call, event_type)))
        if was_idle:  # the delivery thread waits for work without a timeout while idle
            self._start()
            self._poke()

    def deliveries(
        self, *, call_id: str | None = None, endpoint_id: str | None = None
    ) -> list[Delivery]:
        """Deliveries so far (the latest `MAX_KEPT`), in the order they came due."""
        with self._cond:
            return [
                d
                for d in self._log.values()
                if call_id in (None, d.call.id) and endpoint_id in (None, d.endpoint.id)
            ]

    def flush(self, timeout: float = FLUSH_TIMEOUT_SEC) -> None:
        """Wait until every delivery due by now has been acknowledged or has failed (a retry not
        yet due, or one a fault holds back, is not waited for). TimeoutError after `timeout` s."""
        now = self._clock.now()
        with self._cond:
            if not self._unsettled(now):
                return
        self._start()
        self._poke()
        with self._cond:
            if not self._cond.wait_for(lambda: not self._unsettled(now), timeout):
                raise TimeoutError(f"webhook deliveries still unanswered after {timeout} s")
            if self._off_spec:  # sent anyway; the test that waits for them hears of it
                error, self._off_spec = self._off_spec[0], []
                raise error

    async def drain(self) -> None:
        """`flush()` for async code: waits without blocking the running event loop."""
        await asyncio.to_thread(self.flush)

    def _unsettled(self, now: datetime) -> bool:
        return self._sending > 0 or bool(self._due and self._due[0][0] <= now)

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
        if kind not in FAULT_KINDS:
            raise WebhookError(f"kind must be one of {', '.join(FAULT_KINDS)}")
        if count < 1:
            raise WebhookError("count must be at least 1")
        if event is not None and event not in WEBHOOK_EVENTS:
            raise WebhookError(f"event must be one of {', '.join(WEBHOOK_EVENTS)} or null")
        if (kind == "delay") != (delay_sec > 0):
            raise WebhookError("delay_sec (> 0) goes with kind delay, and only with it")
        with self._cond:
            if endpoint_id is not None and endpoint_id not in self._endpoints:
                raise WebhookError(f"no webhook endpoint {endpoint_id!r}")
            fault = WebhookFault(
                f"webhook_fault_{next(self._ids)}", kind, count, event, endpoint_id, delay_sec
            )
            self._faults.append(fault)
        return fault.id

    def faults(self) -> list[WebhookFault]:
        """The armed faults, oldest (first to strike) first."""
        with self._cond:
            return [replace(fault) for fault in self._faults]

    def remove_fault(self, fault_id: str) -> bool:
        """Disarm one fault; False if no such fault is armed."""
        with self._cond:
            for fault in self._faults:
                if fault.id == fault_id:
                    self._faults.remove(fault)
                    return True
        return False

    def clear_faults(self) -> None:
        with self._cond:
            self._faults.clear()

    def _take_fault(self, delivery: Delivery) -> WebhookFault | None:
        for fault in self._faults:
            if fault.event in (None, delivery.event_type) and fault.endpoint_id in (
                None,
                delivery.endpoint.id,
            ):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return fault
        return None

    # life

    def reset(self) -> None:
        """Back to the configured endpoints, with no delivery and no fault."""
        with self._cond:
            self._generation += 1
            self._restore()
            self._cond.notify_all()

    def close(self) -> None:
        """Stop the delivery thread (undelivered events are dropped)."""
        with self._cond:
            self._closed = True
        self._poke()
        if self._thread is not None:
            self._thread.join(10)

    def _start(self) -> None:
        with self._cond:
            if self._thread is not None or self._closed:
                return
            self._thread = threading.Thread(
                target=asyncio.run, args=(self._serve(),), name="dialnexa-webhooks", daemon=True
            )
            self._thread.start()

    def _poke(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # closed meanwhile
                loop.call_soon_threadsafe(wake.set)

    async def _serve(self) -> None:
        import httpx  # noqa: PLC0415 - slow to import; only an emulator that delivers needs it

        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        queues: dict[str, asyncio.Queue[Delivery]] = {}
        workers: list[asyncio.Task[None]] = []
        # trust_env off: a proxy set for the user's own traffic must not see local receivers.
        async with httpx.AsyncClient(trust_env=False, follow_redirects=False) as client:
            while not self._closed:
                with self._cond:
                    ready = self._take_due(self._clock.now())
                    self._cond.notify_all()  # a delayed or held delivery settles a flush too
                for delivery in ready:
                    # One queue per endpoint: its deliveries go one at a time, in the order they
                    # came due (a call's events in lifecycle order), and a slow or dead endpoint
                    # holds up only its own.
                    queue = queues.get(delivery.endpoint.id)
                    if queue is None:
                        queue = queues[delivery.endpoint.id] = asyncio.Queue()
                        workers.append(asyncio.create_task(self._deliver_from(client, queue)))
                    queue.put_nowait(delivery)
                busy = bool(self._due or self._sending)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), TICK_SEC if busy else None)
                self._wake.clear()
            for worker in workers:
                worker.cancel()

    async def _deliver_from(
        self, client: httpx.AsyncClient, queue: asyncio.Queue[Delivery]
    ) -> None:
        while True:
            delivery: Delivery | None = await queue.get()
            while delivery is not None:  # then the one it released, if any
                delivery = await self._send(client, delivery)

    def _take_due(self, now: datetime) -> list[Delivery]:
        """The deliveries to send now, marked as sending (called holding the lock)."""
        ready: list[Delivery] = []
        while self._due and self._due[0][0] <= now:
            due_at, _, item = heapq.heappop(self._due)
            if isinstance(item, Delivery):
                self._admit(item, ready)
                continue
            for endpoint in self._endpoints.values():
                if (
                    endpoint.workspace_id == item.call.workspace_id
                    and endpoint.active
                    and item.event_type in endpoint.events
                ):
                    delivery = Delivery(
                        f"delivery_{next(self._ids)}", endpoint, item.call, item.event_type, due_at
                    )
                    self._log[delivery.id] = delivery
                    if len(self._log) > MAX_KEPT:
                        del self._log[next(iter(self._log))]
                    self._admit(delivery, ready)
        return ready

    def _admit(self, delivery: Delivery, ready: list[Delivery]) -> None:
        """Let a due delivery go, unless a fault (taken when it first comes due) delays it or
        holds it back."""
        if not delivery.attempts and delivery.fault is None:
            fault = self._take_fault(delivery)
            if fault is not None:
                delivery.fault = fault.kind
                if fault.kind == "delay":
                    delivery.due_at += timedelta(seconds=fault.delay_sec)
                    self._push(delivery)
                    return
                if fault.kind == "out_of_order" and delivery.endpoint.id not in self._held:
                    delivery.state = "held"
                    self._held[delivery.endpoint.id] = delivery
                    return
        delivery.state = "sending"
        self._sending += 1
        ready.append(delivery)

    def _push(self, delivery: Delivery) -> None:
        delivery.state = "pending"
        heapq.heappush(self._due, (delivery.due_at, next(self._seq), delivery))

    async def _send(self, client: httpx.AsyncClient, delivery: Delivery) -> Delivery | None:
        """Send it (twice for `duplicate`); the held-back delivery this one releases, if any."""
        generation = self._generation
        endpoint = delivery.endpoint
        if not delivery.body:
            delivery.body = webhook_events.event_body(delivery.call, delivery.event_type)
            error = self._check_event(delivery.event_type, delivery.body)
            if error is not None:
                with self._cond:
                    self._off_spec.append(error)
        secret = endpoint.secret
        if delivery.fault == "wrong_signature":
            secret = "not-" + secret
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-DialNexa-Signature": webhook_events.signature(delivery.body, secret),
        }
        first = not delivery.attempts
        copies = 2 if delivery.fault == "duplicate" else 1
        attempts = [
            await self._attempt(client, delivery, headers, duplicate=copy > 0)
            for copy in range(copies)
        ]
        released = None
        with self._cond:
            self._sending -= 1
            if generation == self._generation:
                delivery.attempts.extend(attempts)
                self._settle(delivery, acknowledged=attempts[0].error is None)
                held = self._held.get(endpoint.id)
                if first and held is not None and held is not delivery:
                    released = self._held.pop(endpoint.id)
                    released.state = "sending"
                    self._sending += 1
            self._cond.notify_all()
        return released

    def _settle(self, delivery: Delivery, *, acknowledged: bool) -> None:
        if acknowledged:
            delivery.state = "delivered"
            return
        failures = sum(not a.duplicate for a in delivery.attempts)
        if failures > delivery.endpoint.retries:
            delivery.state = "failed"
            return
        delay = RETRY_DELAYS_SEC[failures - 1]
        delivery.due_at = self._clock.now() + timedelta(seconds=delay)
        self._push(delivery)

    async def _attempt(
        self,
        client: httpx.AsyncClient,
        delivery: Delivery,
        headers: dict[str, str],
        *,
        duplicate: bool,
    ) -> Attempt:
        import httpx  # noqa: PLC0415 - imported already by _serve

        at = self._clock.now()
        started = time.perf_counter()
        status: int | None = None
        try:
            response = await client.post(
                delivery.endpoint.url,
                content=delivery.body,
                headers=headers,
                timeout=delivery.endpoint.timeout_ms / 1000,
            )
            status = response.status_code
            error = None if response.is_success else f"answered {status}"
        except httpx.TimeoutException:
            error = f"no answer within {delivery.endpoint.timeout_ms} ms"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        duration_ms = (time.perf_counter() - started) * 1000
        return Attempt(at, duration_ms, status, error, duplicate)
