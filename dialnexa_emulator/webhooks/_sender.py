"""The delivery thread: its own event loop, one queue per endpoint, signed HTTP POSTs.

Each endpoint's deliveries go one at a time, in the order they came due, so a slow or dead
receiver holds up only its own. The thread shares the process (and its GIL) with the API, so
while the API is busy it spends at most `CPU_SHARE` of the CPU the API uses (`CpuBudget`): past
that it sleeps, and deliveries wait (up to the scheduler's bounds, past which they are dropped
and recorded) instead of slowing the API down. Once the API has been quiet for half a second it may
use half a CPU, and while a test waits in `flush()`, all it needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from dialnexa_emulator._clock import Clock
from dialnexa_emulator.webhooks import _events as webhook_events
from dialnexa_emulator.webhooks._model import Attempt, Delivery
from dialnexa_emulator.webhooks._scheduler import Scheduler

if TYPE_CHECKING:
    import httpx

USER_AGENT = "DialNexa-External-Webhook/1.0"
TICK_SEC = 0.05  # how often the delivery thread reads the clock while deliveries are pending
CHUNK = 50  # due deliveries taken at a time, so the lock is never held for long
CPU_SHARE = 0.05  # of the CPU the rest of the process (the API) uses, while it is busy
IDLE_SHARE = 0.5  # of one CPU, once the API has been quiet for a whole IDLE_SEC
IDLE_SEC = 0.5
QUIET_SHARE = 0.02  # the API is quiet while it uses less than this of one CPU
BURST_SEC = 0.01  # CPU seconds it may spend at once before a share applies
PAUSE_SEC = 0.02  # how long it sleeps once over budget, before it looks again


class CpuBudget:
    """A token bucket of CPU seconds, drained by this thread's own CPU time. While the rest of
    the process (the API) is busy, it fills at `share` of the CPU the API used meanwhile; once
    the API has been quiet for a whole `IDLE_SEC` (nothing then to slow down), at `idle_share`
    of the wall clock. Busy is noticed at once, quiet only after a whole `IDLE_SEC`, so scheduling
    noise never passes for quiet. While someone waits in `flush()`, there is no limit.

    CPU clocks, not the wall clock: on a machine where the emulator gets a small part of a CPU,
    a share of wall time could be a large part of what the API gets."""

    def __init__(
        self,
        share: float = CPU_SHARE,
        idle_share: float = IDLE_SHARE,
        burst: float = BURST_SEC,
    ) -> None:
        self._share, self._idle_share, self._burst = share, idle_share, burst
        self._tokens = burst
        self._wall, self._mine, self._all = self._clocks()
        self._others = 0.0  # the API's CPU so far, as this budget has seen it
        self._quiet_since = (self._wall, self._others)
        self.idle = False
        self.unlimited = 0  # flushes waiting: no limit while there are any

    @staticmethod
    def _clocks() -> tuple[float, float, float]:
        return time.monotonic(), time.thread_time(), time.process_time()

    def wait_sec(self) -> float:
        """How long to sleep before spending more (0: go on). Called from the delivery thread."""
        wall, mine, every = self._clocks()
        spent = mine - self._mine
        others = max(every - self._all - spent, 0.0)
        elapsed = max(wall - self._wall, 1e-9)
        self._wall, self._mine, self._all = wall, mine, every
        self._others += others
        since_wall, since_others = self._quiet_since
        if others > QUIET_SHARE * elapsed:
            self.idle = False
            self._quiet_since = (wall, self._others)
        elif wall - since_wall >= IDLE_SEC:
            self.idle = self._others - since_others < QUIET_SHARE * (wall - since_wall)
            self._quiet_since = (wall, self._others)
        earned = self._idle_share * elapsed if self.idle else self._share * others
        self._tokens = min(self._burst, self._tokens + earned - spent)
        if self.unlimited:
            self._tokens = max(self._tokens, 0.0)
            return 0.0
        return 0.0 if self._tokens >= 0 else PAUSE_SEC


class Sender:
    def __init__(
        self,
        cond: threading.Condition,
        scheduler: Scheduler,
        clock: Clock,
        on_body: Callable[[str, bytes], None] = lambda event_type, body: None,
    ) -> None:
        """`on_body` is shown each event body as it is made (the spec check)."""
        self._on_body = on_body
        self._cond = cond
        self._scheduler = scheduler
        self._clock = clock
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._closed = False
        self.idle = True  # waiting for work without a timeout: a new call must wake it
        self.budget = CpuBudget()

    def start(self) -> None:
        with self._cond:
            if self._thread is not None or self._closed:
                return
            self._thread = threading.Thread(
                target=asyncio.run, args=(self._serve(),), name="dialnexa-webhooks", daemon=True
            )
            self._thread.start()

    def poke(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # closed meanwhile
                loop.call_soon_threadsafe(wake.set)

    def close(self) -> None:
        with self._cond:
            self._closed = True
        self.poke()
        if self._thread is not None:
            self._thread.join(10)

    async def _serve(self) -> None:
        import httpx  # noqa: PLC0415 - slow to import; only an emulator that delivers needs it

        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        queues: dict[str, asyncio.Queue[Delivery]] = {}
        workers: list[asyncio.Task[None]] = []
        # trust_env off: a proxy set for the user's own traffic must not see local receivers.
        async with httpx.AsyncClient(trust_env=False, follow_redirects=False) as client:
            while not self._closed:
                await self._within_budget()
                with self._cond:
                    ready, more = self._scheduler.take_due(self._clock.now(), CHUNK)
                    self._cond.notify_all()  # a delayed, held or dropped delivery settles a flush
                for delivery in ready:
                    queue = queues.get(delivery.endpoint.id)
                    if queue is None:
                        queue = queues[delivery.endpoint.id] = asyncio.Queue()
                        workers.append(asyncio.create_task(self._deliver_from(client, queue)))
                    queue.put_nowait(delivery)
                if more:
                    await asyncio.sleep(0)  # let the senders start before the next chunk
                    continue
                busy = self._scheduler.busy()
                self.idle = not busy
                if self.idle and self._scheduler.busy():  # a call created meanwhile
                    self.idle = busy = False
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), TICK_SEC if busy else None)
                self.idle = False
                self._wake.clear()
            for worker in workers:
                worker.cancel()

    async def _within_budget(self) -> None:
        while (pause := self.budget.wait_sec()) > 0 and not self._closed:  # noqa: ASYNC110 - a pause of known length, nothing to wait for
            await asyncio.sleep(pause)

    async def _deliver_from(
        self, client: httpx.AsyncClient, queue: asyncio.Queue[Delivery]
    ) -> None:
        while True:
            delivery: Delivery | None = await queue.get()
            while delivery is not None:  # then the one it released, if any
                await self._within_budget()
                delivery = await self._send(client, delivery)

    async def _send(self, client: httpx.AsyncClient, delivery: Delivery) -> Delivery | None:
        """Send it (twice for `duplicate`); the held-back delivery this one releases, if any."""
        if delivery.generation != self._scheduler.generation:  # reset since: drop it unsent
            with self._cond:
                self._scheduler.sending -= 1
                self._cond.notify_all()
            return None
        endpoint = delivery.endpoint
        if not delivery.body:
            delivery.body = webhook_events.event_body(delivery.call, delivery.event_type)
            self._on_body(delivery.event_type, delivery.body)
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
            self._scheduler.sending -= 1
            if delivery.generation == self._scheduler.generation:
                released = self._scheduler.settle(delivery, attempts, first=first)
            self._cond.notify_all()
        return released

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
