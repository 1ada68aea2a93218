"""What webhook delivery keeps: endpoints, deliveries with their attempts, delivery faults."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from dialnexa_emulator._clock import iso
from dialnexa_emulator._config import WEBHOOK_EVENTS
from dialnexa_emulator._store import CallRecord

# States a delivery passes through; the last two are final.
UNSETTLED = frozenset({"pending", "held", "sending"})


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
    status_code: int | None  # None: no answer (connection failed, timed out, never sent)
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
    body: bytes = b""  # built when first sent, dropped once settled
    generation: int = 0  # the scheduler's when it was made: a reset since drops it unsent

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
