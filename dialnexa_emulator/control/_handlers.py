"""What each operation of control_plane.yaml does, by operationId."""

from __future__ import annotations

import dataclasses
from itertools import islice
from typing import Any

from starlette.responses import Response

from dialnexa_emulator._calls import held_call_json
from dialnexa_emulator._clock import iso, parse_iso
from dialnexa_emulator._errors import ApiError
from dialnexa_emulator._faults import FaultError
from dialnexa_emulator._overrides import DEFAULT, OverrideError
from dialnexa_emulator._telephony import forbidden_destination
from dialnexa_emulator._vocabulary import vocabulary
from dialnexa_emulator.control._routing import ControlHandler, ControlRequest
from dialnexa_emulator.web._responses import JSONResponse

_NO_CONTENT = 204
# JSON Schema counts 3.0 as an integer; Python should too.
_FAULT_INTEGERS = ("count", "status", "retry_after", "latency_ms")


async def get_health(call: ControlRequest) -> Response:
    problem = call.emulator.problem()
    if problem is not None:
        raise ApiError(503, f"The emulator is broken: {problem}")
    version = call.emulator.spec.document["info"]["version"]
    return JSONResponse({"status": "ok", "spec_version": version})


async def get_description(call: ControlRequest) -> Response:
    return JSONResponse(call.emulator.control.document)


async def get_vocabulary(call: ControlRequest) -> Response:
    emulator = call.emulator
    workspace = emulator.config.workspaces[0]
    return JSONResponse(
        {
            **vocabulary(emulator.config).to_json(),
            "workspace_id": workspace.id,
            "forbidden_destination": forbidden_destination(workspace.telephony),
        }
    )


async def reset(call: ControlRequest) -> Response:
    call.emulator.reset()
    return Response(status_code=_NO_CONTENT)


async def get_clock(call: ControlRequest) -> Response:
    return _now(call)


async def set_clock(call: ControlRequest) -> Response:
    try:
        moment = parse_iso(call.body["now"], "now")
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None
    call.emulator.set_clock(moment)
    return _now(call)


async def advance_clock(call: ControlRequest) -> Response:
    call.emulator.advance_clock(call.body["seconds"])
    return _now(call)


def _now(call: ControlRequest) -> Response:
    return JSONResponse({"now": iso(call.emulator.clock.now())})


async def list_faults(call: ControlRequest) -> Response:
    return JSONResponse([dataclasses.asdict(f) for f in call.emulator.faults.armed()])


async def arm_fault(call: ControlRequest) -> Response:
    fault: dict[str, Any] = {
        name: int(value) if name in _FAULT_INTEGERS and value is not None else value
        for name, value in call.body.items()
    }
    try:
        fault_id = call.emulator.faults.add(**fault)
    except FaultError as exc:
        raise ApiError(400, str(exc)) from None
    return JSONResponse({"id": fault_id}, status_code=201)


async def clear_faults(call: ControlRequest) -> Response:
    call.emulator.faults.clear()
    return Response(status_code=_NO_CONTENT)


async def disarm_fault(call: ControlRequest) -> Response:
    fault_id = call.path["fault_id"]
    if not call.emulator.faults.remove(fault_id):
        raise ApiError(404, f"No armed fault has the id {fault_id}")
    return Response(status_code=_NO_CONTENT)


async def list_overrides(call: ControlRequest) -> Response:
    return JSONResponse([o.as_json() for o in call.emulator.overrides.armed()])


async def add_override(call: ControlRequest) -> Response:
    wanted = call.body
    try:
        override = call.emulator.overrides.add(
            wanted["operation"],
            int(wanted["status"]),
            wanted.get("body", DEFAULT),
            wanted.get("headers"),
            times=int(wanted.get("times", 1)),
            off_spec=wanted.get("off_spec", False),
        )
    except OverrideError as exc:
        raise ApiError(400, str(exc).replace("off_spec=True", '"off_spec": true')) from None
    return JSONResponse(override.as_json(), status_code=201)


async def clear_overrides(call: ControlRequest) -> Response:
    call.emulator.overrides.clear()
    return Response(status_code=_NO_CONTENT)


async def remove_override(call: ControlRequest) -> Response:
    override_id = call.path["override_id"]
    if not call.emulator.overrides.remove(override_id):
        raise ApiError(404, f"No armed override has the id {override_id}")
    return Response(status_code=_NO_CONTENT)


async def list_all_calls(call: ControlRequest) -> Response:
    query = call.query
    emulator = call.emulator
    calls: Any = emulator.calls(
        query["workspace_id"],
        agent_id=query["agent_id"],
        status=query["status"] or (),
        to_phone_number=query["to_phone_number"],
    )
    if query["limit"] is not None:
        start = (query["page"] - 1) * query["limit"]
        calls = islice(calls, start, start + query["limit"])
    now = emulator.clock.now()
    return JSONResponse([held_call_json(held, now) for held in calls])


async def seed_calls(call: ControlRequest) -> Response:
    return JSONResponse(call.emulator.seed_calls(*call.body["calls"]), status_code=201)


async def list_requests(call: ControlRequest) -> Response:
    return JSONResponse(call.emulator.journal.entries(call.query["operation"]))


async def clear_requests(call: ControlRequest) -> Response:
    call.emulator.journal.clear()
    return Response(status_code=_NO_CONTENT)


async def get_wallet(call: ControlRequest) -> Response:
    return _wallet(call)


async def set_wallet(call: ControlRequest) -> Response:
    call.emulator.set_balance(call.body["balance"], workspace_id=call.path["workspace_id"])
    return _wallet(call)


def _wallet(call: ControlRequest) -> Response:
    workspace_id = call.path["workspace_id"]
    balance = call.emulator.balance(workspace_id)  # 404 for an unknown workspace
    cost = call.emulator.workspaces[workspace_id].call_cost
    return JSONResponse(
        {"workspace_id": workspace_id, "balance": float(balance), "call_cost": float(cost)}
    )


HANDLERS: dict[str, ControlHandler] = {
    "getHealth": get_health,
    "getControlPlaneDescription": get_description,
    "getVocabulary": get_vocabulary,
    "reset": reset,
    "getClock": get_clock,
    "setClock": set_clock,
    "advanceClock": advance_clock,
    "listFaults": list_faults,
    "armFault": arm_fault,
    "clearFaults": clear_faults,
    "disarmFault": disarm_fault,
    "listOverrides": list_overrides,
    "addOverride": add_override,
    "clearOverrides": clear_overrides,
    "removeOverride": remove_override,
    "listAllCalls": list_all_calls,
    "seedCalls": seed_calls,
    "listRequests": list_requests,
    "clearRequests": clear_requests,
    "getWallet": get_wallet,
    "setWallet": set_wallet,
}
