"""The three calls operations over HTTP: the spec's shape checks, then the core's rules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.types import Receive, Scope

from dialnexa_emulator._calls import call_json
from dialnexa_emulator._config import Workspace
from dialnexa_emulator._errors import ApiError
from dialnexa_emulator._spec import Operation
from dialnexa_emulator.web._body import read_json_body

if TYPE_CHECKING:
    from dialnexa_emulator._emulator import Emulator


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


async def create_call(ctx: Context) -> tuple[int, Any]:
    body = await read_json_body(ctx.scope, ctx.receive)
    ctx.operation.check_body(body)
    assert isinstance(body, dict)  # the schema says it is an object
    call = ctx.emulator.place_call(ctx.workspace, body, ctx.now)
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
    store = ctx.emulator.store
    skip = (params["page"] - 1) * params["limit"]
    filters = {"agent_id": params["agent_id"], "to_phone_number": params["to_phone_number"]}
    if not params["status"]:
        # Read by position from an index: a deep page costs what the first one does.
        page = store.page(ctx.workspace.id, **filters, skip=skip, limit=params["limit"])
        return 200, [call_json(call, ctx.now) for call in page]
    # A call's status is a function of the clock, so no index holds it: calls are read, newest
    # first, until the page is full (docs/emulator.md: cost grows with the calls skipped).
    wanted = set(params["status"])
    calls = store.newest_first(ctx.workspace.id, **filters)
    matching = (call for call in calls if call.status_at(ctx.now) in wanted)
    return 200, [
        call_json(call, ctx.now) for call in islice(matching, skip, skip + params["limit"])
    ]


HANDLERS: dict[str, Handler] = {
    "createCall": create_call,
    "getCall": get_call,
    "listCalls": list_calls,
}
