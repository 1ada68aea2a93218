"""What the emulator can say: every value it can emit, made by its own code, and how to provoke it.

The vocabulary is not a second list beside the code: the bodies in it (`samples`) come from the
functions that answer requests and build webhook events (`call_json`, `event_body`, `envelope`),
run on a call of every outcome at every status it passes through. Only the response statuses of
each operation are a table, kept here beside the rules that answer them. `_spec_check` holds the
spec being served against it at start-up; the control plane serves it (`GET /_emulator/vocabulary`)
so a contract run knows what it must observe.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from dialnexa_emulator._agents import Agent
from dialnexa_emulator._calls import call_json, new_call
from dialnexa_emulator._errors import envelope
from dialnexa_emulator._faults import FAULT_STATUSES
from dialnexa_emulator._lifecycle import IN_FLIGHT, OUTCOMES, OutcomeRule, Timing, plan_reaching
from dialnexa_emulator._store import CallRecord
from dialnexa_emulator.webhooks._events import due_events, event_body

if TYPE_CHECKING:
    from dialnexa_emulator._config import EmulatorConfig, Workspace

_EPOCH = datetime(2024, 3, 1, 10, tzinfo=UTC)
_ANY_NUMBER = "any other number"

# The statuses each operation answers with, and why. Every operation also answers 401 (no valid
# key) and the fault statuses (429 also from a key's rate limit, 500 also for a bug).
_ANSWERS: Mapping[str, Mapping[int, str]] = {
    "createCall": {
        201: "a call placed",
        400: "a body that breaks the schema, or a draft agent version",
        402: "a wallet that cannot pay for the call",
        403: "a destination the workspace may not call",
        404: "an unknown agent, agent version or caller ID",
        413: "a body over 64 KiB",
    },
    "getCall": {200: "a call of the workspace", 400: "a malformed call id", 404: "an unknown call"},
    "listCalls": {200: "a page of calls", 400: "a malformed query parameter"},
}
_EVERY_OPERATION = {401: "a missing or unknown API key"} | {
    status: f"an injected fault (status {status})" for status in FAULT_STATUSES
}
# Headers an answer always carries, by status (any other status: none the spec could require).
ALWAYS_SENT_HEADERS: Mapping[int, frozenset[str]] = {
    401: frozenset({"www-authenticate"}),
    429: frozenset(
        {"retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"}
    ),
}


@dataclass(frozen=True, slots=True)
class Provoke:
    """How to make the emulator produce a value: a call to `to_phone_number`, or a seeded call."""

    how: str
    to_phone_number: str | None = None
    seeded_status: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "how": self.how,
            "to_phone_number": self.to_phone_number,
            "seeded_status": self.seeded_status,
        }


@dataclass(frozen=True, slots=True)
class Sample:
    """A body the emulator sends: `where` it is sent (`getCall 200`, `call_ended event`)."""

    where: str
    body: Any
    provoke: Provoke


@dataclass(frozen=True, eq=False)  # by identity: one per config, cached
class Vocabulary:
    samples: tuple[Sample, ...]
    call_statuses: Mapping[str, Provoke]
    final_statuses: Mapping[str, Provoke]
    hangup_reasons: Mapping[str, Provoke]
    webhook_events: Mapping[str, Provoke]
    responses: Mapping[str, Mapping[int, str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """What `GET /_emulator/vocabulary` answers."""

        def provoked(values: Mapping[str, Provoke]) -> dict[str, Any]:
            return {value: provoke.to_json() for value, provoke in values.items()}

        return {
            "call_statuses": provoked(self.call_statuses),
            "final_statuses": sorted(self.final_statuses),
            "hangup_reasons": provoked(self.hangup_reasons),
            "webhook_events": provoked(self.webhook_events),
            "responses": {
                operation: {str(status): why for status, why in sorted(answers.items())}
                for operation, answers in self.responses.items()
            },
        }


def answers(operation_id: str) -> dict[int, str]:
    """Every status the emulator can answer `operation_id` with, and why."""
    return {**_ANSWERS.get(operation_id, {}), **_EVERY_OPERATION}


def vocabulary(config: EmulatorConfig) -> Vocabulary:
    """What an emulator with `config` can say (built once per outcome rules, timing and first
    workspace: emulators of one config share it)."""
    workspace = config.workspaces[0]
    agent = next(iter(workspace.agents.values()), _SAMPLE_AGENT)
    key = (config.outcomes, config.timing, workspace.id, agent.id, workspace.default_from_number)
    found = _BUILT.get(key)
    if found is None:
        found = _BUILT[key] = _vocabulary(config.outcomes, _Sample(workspace, agent, config.timing))
    return found


_SAMPLE_AGENT = Agent(id="agt_sample", name="Sample", greeting="Hello.", versions={1: True})
_BUILT: dict[tuple[Any, ...], Vocabulary] = {}


def _vocabulary(rules: tuple[OutcomeRule, ...], sample: _Sample) -> Vocabulary:
    words = _Collected()
    placed = _placed_outcomes(rules, sample.destination)
    for outcome in OUTCOMES:
        words.add_call(sample.call(outcome), placed.get(outcome) or _seeded(outcome))
    for status in IN_FLIGHT:  # a status no placed call stays in (say `created`, for 0 s)
        if status not in words.statuses:
            provoke = _seeded(status)
            words.statuses[status] = provoke
            call = sample.call(status)
            words.samples.append(Sample("getCall 200", call_json(call, call.ended_at), provoke))
    for operation in _ANSWERS:
        for code, why in answers(operation).items():
            messages: list[Any] = ["Sample message"] + ([["one", "two"]] if code == 400 else [])
            words.samples += [
                Sample(f"{operation} {code}", envelope(code, message), Provoke(why))
                for message in messages
                if code >= 400
            ]
    return Vocabulary(
        samples=tuple(words.samples),
        call_statuses=dict(sorted(words.statuses.items(), key=_lifecycle_order)),
        final_statuses=words.finals,
        hangup_reasons=words.reasons,
        webhook_events=words.events,
        responses={operation: answers(operation) for operation in _ANSWERS},
    )


def _placed_outcomes(rules: tuple[Any, ...], any_number: str) -> dict[str, Provoke]:
    """How each outcome is reached by a placed call: the first rule naming it (a prefix rule
    names no number to call, so the status is seeded)."""
    placed: dict[str, Provoke] = {"completed": Provoke(_ANY_NUMBER, any_number)}
    for rule in rules:
        if rule.outcome in placed:
            continue
        if rule.number is not None:
            placed[rule.outcome] = Provoke(f"test number {rule.number}", rule.number)
        else:
            how = f"numbers starting {rule.prefix}"
            placed[rule.outcome] = Provoke(how, seeded_status=rule.outcome)
    return placed


@dataclass
class _Collected:
    samples: list[Sample] = field(default_factory=list)
    statuses: dict[str, Provoke] = field(default_factory=dict)
    finals: dict[str, Provoke] = field(default_factory=dict)
    reasons: dict[str, Provoke] = field(default_factory=dict)
    events: dict[str, Provoke] = field(default_factory=dict)

    def add_call(self, call: CallRecord, provoke: Provoke) -> None:
        """What the API shows of `call` at each status it passes, and its webhook events."""
        outcome = call.timeline[-1][1]
        self.finals.setdefault(outcome, provoke)
        for begins, _ in call.timeline:
            status = call.status_at(begins)
            shown = provoke if status == outcome else _in_flight(provoke)
            self.statuses.setdefault(status, shown)
            body = call_json(call, begins)
            self.samples.append(Sample("getCall 200", body, shown))
            self.samples.append(Sample("listCalls 200", [body], shown))
            if begins == call.created_at:
                self.samples.append(Sample("createCall 201", body, shown))
        for _, event_type in due_events(call):
            event = json.loads(event_body(call, event_type))
            self.samples.append(Sample(f"{event_type} event", event, provoke))
            self.events.setdefault(
                event_type, Provoke("every call placed", provoke.to_phone_number)
            )
            reason = event["payload"]["call"].get("hangup_reason")
            if reason is not None:
                self.reasons.setdefault(reason, provoke)


def _lifecycle_order(item: tuple[str, Provoke]) -> int:
    return (*IN_FLIGHT, *OUTCOMES).index(item[0])


def _seeded(status: str) -> Provoke:
    return Provoke(f"a call seeded as {status} (control plane seedCalls)", seeded_status=status)


def _in_flight(provoke: Provoke) -> Provoke:
    return Provoke("every call, in flight", provoke.to_phone_number)


@dataclass(frozen=True)
class _Sample:
    """Calls of the first workspace, as the emulator would hold them."""

    workspace: Workspace
    agent: Agent
    timing: Timing

    @property
    def destination(self) -> str:
        return self.workspace.telephony.example_destination() or "+919876543210"

    def call(self, status: str) -> CallRecord:
        """A call that goes as far as `status`."""
        return new_call(
            "call_sample1",
            workspace=self.workspace,
            agent=self.agent,
            version=(self.agent.published or [1])[-1],
            to_phone_number=self.destination,
            from_phone_number=self.workspace.default_from_number,
            metadata={"customer_name": "Priya Sharma"},
            plan=plan_reaching(status, _EPOCH, self.timing.talk_sec, self.timing),
        )
