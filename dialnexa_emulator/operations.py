"""The three calls operations: DialNexa's domain rules, on top of the spec's shape checks."""

from __future__ import annotations

import itertools
import os
import secrets
import string
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.types import Receive, Scope

from .body import read_json_body
from .clock import iso
from .config import Workspace
from .lifecycle import OUTCOMES, plan_call, transcript
from .responses import ApiError
from .spec import Operation
from .store import CallRecord

if TYPE_CHECKING:
    from .emulator import Emulator


@dataclass(frozen=True, slots=True)
class Context:
    """One authenticated API request."""

    scope: Scope
    receive: Receive
    operation: Operation
    emulator: Emulator
    workspace: Workspace
    now: datetime

    @property
    def request(self) -> Request:
        return Request(self.scope, self.receive)


# A handler's answer: the status and the JSON content of a successful response.
Handler = Callable[[Context], Awaitable[tuple[int, Any]]]

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


async def create_call(ctx: Context) -> tuple[int, Any]:
    body = await read_json_body(ctx.scope, ctx.receive)
    ctx.operation.check_body(body)
    assert isinstance(body, dict)  # the schema says it is an object
    workspace = ctx.workspace

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

    created_at = ctx.now.replace(microsecond=ctx.now.microsecond // 1000 * 1000)
    config = ctx.emulator.config
    plan = plan_call(to_number, created_at, config.outcomes, config.timing)
    metadata = body.get("metadata", {})
    call = CallRecord(
        id=call_ids.next(),
        workspace_id=workspace.id,
        agent_id=agent.id,
        agent_version_number=version,
        to_phone_number=to_number,
        from_phone_number=from_number,
        metadata=metadata,
        timeline=plan.timeline,
        duration_sec=plan.duration_sec,
        transcript=transcript(agent.greeting, metadata) if plan.connected else None,
    )
    if not ctx.emulator.store.charge_and_add(call, workspace.call_cost):
        raise ApiError(402, "Insufficient billing wallet balance")
    return 201, call_json(call, ctx.now)


async def get_call(ctx: Context) -> tuple[int, Any]:
    assert ctx.operation.path_parameters is not None
    try:
        params = ctx.operation.path_parameters.parse(list(ctx.scope["path_params"].items()))
    except ApiError:
        raise ApiError(400, "Invalid call ID format") from None
    call = ctx.emulator.store.get(ctx.workspace.id, params["call_id"])
    if call is None:
        raise ApiError(404, "Call not found")
    return 200, call_json(call, ctx.now)


async def list_calls(ctx: Context) -> tuple[int, Any]:
    assert ctx.operation.query is not None
    params = ctx.operation.query.parse(ctx.request.query_params.multi_items())
    calls = ctx.emulator.store.newest_first(
        ctx.workspace.id, agent_id=params["agent_id"], to_phone_number=params["to_phone_number"]
    )
    if params["status"]:
        wanted = set(params["status"])
        calls = (call for call in calls if call.status_at(ctx.now) in wanted)
    start = (params["page"] - 1) * params["limit"]
    page = islice(calls, start, start + params["limit"])
    return 200, [call_json(call, ctx.now) for call in page]


HANDLERS: dict[str, Handler] = {
    "createCall": create_call,
    "getCall": get_call,
    "listCalls": list_calls,
}


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
