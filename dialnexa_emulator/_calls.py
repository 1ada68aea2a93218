"""Calls: placing one under DialNexa's domain rules, their ids, and how the API shows them.

The HTTP side (reading the body, the spec's shape checks) is `web._operations`; this is what is
left once a request is known to be well formed.
"""

from __future__ import annotations

import itertools
import os
import secrets
import string
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dialnexa_emulator._clock import iso
from dialnexa_emulator._errors import ApiError
from dialnexa_emulator._lifecycle import OUTCOMES, plan_call, transcript
from dialnexa_emulator._store import CallRecord

if TYPE_CHECKING:
    from dialnexa_emulator._agents import Agent
    from dialnexa_emulator._config import EmulatorConfig, Workspace
    from dialnexa_emulator._lifecycle import Plan

_ID_ALPHABET = string.ascii_letters + string.digits


class CallIds:
    """Unique call ids, cheaply: a random per-process prefix and a counter.

    An emulator's ids must be unique, not unguessable. The prefix (12 random letters and digits)
    keeps ids unique across worker processes and restarts sharing a state file; a forked child
    draws a new prefix, so it never repeats its parent's ids.
    """

    def __init__(self) -> None:
        self._renew()
        os.register_at_fork(after_in_child=self._renew)

    def _renew(self) -> None:
        self._prefix = "call_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))
        self._counter = itertools.count(1)

    def next(self) -> str:
        return f"{self._prefix}{next(self._counter)}"


call_ids = CallIds()


def new_call(
    call_id: str,
    *,
    workspace: Workspace,
    agent: Agent,
    version: int,
    to_phone_number: str,
    from_phone_number: str,
    metadata: Mapping[str, Any],
    plan: Plan,
) -> CallRecord:
    """The one place a call record is made: created by the API or seeded into its history."""
    return CallRecord(
        id=call_id,
        workspace_id=workspace.id,
        agent_id=agent.id,
        agent_version_number=version,
        to_phone_number=to_phone_number,
        from_phone_number=from_phone_number,
        metadata=metadata,
        timeline=plan.timeline,
        duration_sec=plan.duration_sec,
        transcript=transcript(agent.greeting, metadata) if plan.connected else None,
    )


def call_to_place(
    workspace: Workspace, body: Mapping[str, Any], now: datetime, config: EmulatorConfig
) -> CallRecord:
    """The call createCall places for a body of the spec's shape, under DialNexa's rules
    (ApiError when one refuses it); charging and announcing it is the emulator's."""
    agent = workspace.agents.get(body["agent_id"])
    if agent is None:
        raise ApiError(404, f"Agent {body['agent_id']} not found")
    requested = body.get("agent_version_number")
    version = agent.version_for(None if requested is None else int(requested))  # 3.0 is 3

    from_number = body.get("from_phone_number", workspace.default_from_number)
    if from_number not in workspace.numbers:
        raise ApiError(404, f"Phone number {from_number} not found in this workspace")
    to_number = body["to_phone_number"]
    refusal = workspace.telephony.refusal(to_number)
    if refusal is not None:
        raise ApiError(403, refusal)

    created_at = now.replace(microsecond=now.microsecond // 1000 * 1000)
    plan = plan_call(to_number, created_at, config.outcomes, config.timing)
    metadata = body.get("metadata", {})
    return new_call(
        call_ids.next(),
        workspace=workspace,
        agent=agent,
        version=version,
        to_phone_number=to_number,
        from_phone_number=from_number,
        metadata=metadata,
        plan=plan,
    )


def call_json(call: CallRecord, now: datetime) -> dict[str, Any]:
    status = call.status_at(now)
    ended = status in OUTCOMES
    return {
        "id": call.id,
        "status": status,
        "agent_id": call.agent_id,
        "agent_version_number": call.agent_version_number,
        "to_phone_number": call.to_phone_number,
        "from_phone_number": call.from_phone_number,
        "created_at": iso(call.created_at),
        "ended_at": iso(call.ended_at) if ended else None,
        "duration_sec": call.duration_sec if ended else None,
        "transcript": call.transcript if ended else None,
        "metadata": call.metadata,
    }


def held_call_json(call: CallRecord, now: datetime) -> dict[str, Any]:
    """A call as getCall answers it now, with its workspace: what the control plane shows."""
    return {**call_json(call, now), "workspace_id": call.workspace_id}
