"""The delivery thread: its own event loop, one queue per endpoint, signed HTTP POSTs.

Each endpoint's deliveries go one at a time, in the order they came due, so a slow or dead
receiver holds up only its own. The thread shares the process (and its GIL) with the API, so it
spends at most `CPU_SHARE` of one CPU, measured on its own CPU clock, with a burst of `BURST_SEC`
for a test that sends a few hundred at once: past that it sleeps, and deliveries wait (up to the
scheduler's bounds) instead of slowing the API down.
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
CPU_SHARE = 0.05  # of one CPU, at most, over time
BURST_SEC = 0.25  # CPU seconds it may spend at once before the share applies


class CpuBudget:
    """A token bucket of CPU seconds, filled at `share` per wall second, holding `burst` at most,
    drained by the thread's own CPU time."""

    def __init__(self, share: float = CPU_SHARE, burst: float = BURST_SEC) -> None:
        self._share, self._burst = share, burst
        self._tokens = burst
        self._wall, self._cpu = time.monotonic(), time.thread_time()

    def wait_sec(self) -> float:
        """How long to sleep before spending more (0: go on)."""
        wall, cpu = time.monotonic(), time.thread_time()
        earned = (wall - self._wall) * self._share
        self._tokens = min(self._burst, self._tokens + earned) - (cpu - self._cpu)
        self._wall, self._cpu = wall, cpu
        return 0.0 if self._tokens >= 0 else -self._tokens / self._share


class Sender:
    def __init__(
        self,
        cond: threading.Condition,
        scheduler: Scheduler,
        clock: Clock,
        generation: Callable[[], int],
    ) -> None:
        self._cond = cond
        self._scheduler = scheduler
        self._clock = clock
        self._generation = generation
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._closed = False
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
                    ready = self._scheduler.take_due(self._clock.now())
                    self._cond.notify_all()  # a delayed, held or dropped delivery settles a flush
                for delivery in ready:
                    queue = queues.get(delivery.endpoint.id)
                    if queue is None:
                        queue = queues[delivery.endpoint.id] = asyncio.Queue()
                        workers.append(asyncio.create_task(self._deliver_from(client, queue)))
                    queue.put_nowait(delivery)
                scheduler = self._scheduler
                busy = bool(scheduler.due or scheduler.sending or scheduler.overflow)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), TICK_SEC if busy else None)
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
        generation = self._generation()
        endpoint = delivery.endpoint
        if not delivery.body:
            delivery.body = webhook_events.event_body(delivery.call, delivery.event_type)
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
            if generation == self._generation():
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
