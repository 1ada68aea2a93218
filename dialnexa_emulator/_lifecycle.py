"""How a call lives: its outcome, when it reaches each status, and what was said.

Nothing runs in the background. A call's whole timeline is fixed when it is created, and its
status is read off that timeline at the clock's current time, so moving the clock moves calls.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

IN_FLIGHT = ("created", "initiated", "sent", "received")
OUTCOMES = (
    "completed",
    "did_not_pick",
    "busy",
    "no_answer",
    "failed",
    "cancelled",
    "retry_expired",
)

# How far through IN_FLIGHT a call gets before it ends with each outcome: a failed call is never
# handed to the phone, a cancelled one never leaves the queue, the others ring (`received`).
_STAGES_BEFORE = {
    "completed": 4,
    "did_not_pick": 4,
    "busy": 4,
    "no_answer": 4,
    "retry_expired": 4,
    "failed": 3,
    "cancelled": 1,
}

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@dataclass(frozen=True, slots=True)
class Timing:
    """Seconds a call spends in each in-flight status."""

    created_sec: float = 0
    initiated_sec: float = 1
    sent_sec: float = 2
    ring_sec: float = 5
    talk_sec: int = 30  # connected time of a completed call


@dataclass(frozen=True, slots=True)
class OutcomeRule:
    """Calls to `number` (exactly) or to numbers starting with `prefix` end with `outcome`."""

    outcome: str
    number: str | None = None
    prefix: str | None = None
    talk_sec: int | None = None
    description: str = ""

    def matches(self, e164: str) -> bool:
        if self.number is not None:
            return e164 == self.number
        return self.prefix is not None and e164.startswith(self.prefix)


Timeline = tuple[tuple[datetime, str], ...]


@dataclass(frozen=True, slots=True)
class Plan:
    """How a call will go: when each status begins (the last is final) and its connected time."""

    timeline: Timeline
    duration_sec: int

    @property
    def connected(self) -> bool:
        return self.timeline[-1][1] == "completed"


def plan_call(
    to_phone_number: str, created_at: datetime, rules: Sequence[OutcomeRule], timing: Timing
) -> Plan:
    rule = next((r for r in rules if r.matches(to_phone_number)), None)
    outcome = rule.outcome if rule else "completed"
    talk_sec = 0
    if outcome == "completed":
        talk_sec = rule.talk_sec if rule and rule.talk_sec is not None else timing.talk_sec
    offsets = _offsets(timing, outcome, talk_sec)
    return Plan(tuple((created_at + offset, status) for offset, status in offsets), talk_sec)


def plan_reaching(status: str, created_at: datetime, talk_sec: int, timing: Timing) -> Plan:
    """A call that goes as far as `status`: a final one ends with it (a completed call after
    `talk_sec` of talk); an in-flight one stays in it, as a call stuck there would."""
    if status in OUTCOMES:
        talk_sec = talk_sec if status == "completed" else 0
        offsets = _offsets(timing, status, talk_sec)
    else:
        talk_sec = 0
        offsets = _offsets(timing, "completed", 0)[: IN_FLIGHT.index(status) + 1]
    return Plan(tuple((created_at + offset, step) for offset, step in offsets), talk_sec)


@lru_cache(maxsize=64)
def _offsets(timing: Timing, outcome: str, talk_sec: int) -> tuple[tuple[timedelta, str], ...]:
    """When each status begins, counted from creation (whole milliseconds)."""
    stays = (timing.created_sec, timing.initiated_sec, timing.sent_sec, timing.ring_sec + talk_sec)
    offsets = []
    offset = timedelta(0)
    for status, seconds in list(zip(IN_FLIGHT, stays, strict=True))[: _STAGES_BEFORE[outcome]]:
        offsets.append((offset, status))
        offset += timedelta(milliseconds=round(seconds * 1000))
    offsets.append((offset, outcome))
    return tuple(offsets)


def status_at(timeline: Timeline, now: datetime) -> str:
    for begins, status in reversed(timeline):
        if now >= begins:
            return status
    return timeline[0][1]


def transcript(greeting: str, metadata: Mapping[str, Any]) -> str:
    """A connected call's transcript, opening with the agent's greeting filled from `metadata`."""
    if not metadata:
        return _transcript(greeting)  # nothing to fill in: the same text for every call
    return _transcript_text(render(greeting, metadata))


@lru_cache(maxsize=64)
def _transcript(greeting: str) -> str:
    return _transcript_text(render(greeting, {}))


def _transcript_text(greeting: str) -> str:
    return "\n".join(
        (
            f"Agent: {greeting}",
            "User: Yes, speaking.",
            "Agent: Thank you, that's all for now. Goodbye!",
        )
    )


def render(template: str, variables: Mapping[str, Any]) -> str:
    """Fill `{{name}}` placeholders; ones without a value (absent or null) stay as written."""

    def value(match: re.Match[str]) -> str:
        found = variables.get(match.group(1))
        if found is None:
            return match.group(0)
        if isinstance(found, bool):
            return "true" if found else "false"
        return str(found)

    return _PLACEHOLDER.sub(value, template)
