"""The control plane under `/_emulator/`: reset, move the clock, inject faults.

Not part of DialNexa's API and not in the spec. Bodies are JSON, errors DialNexa's envelope.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .body import read_json_body
from .clock import iso
from .control_webhooks import webhook_routes
from .emulator import Emulator
from .faults import FaultError
from .responses import ApiError, JSONResponse, error_response
from .validation import Schema, compile_schema

logger = logging.getLogger("dialnexa_emulator")
PREFIX = "/_emulator"
_TEN_YEARS_SEC = 10 * 366 * 86400

_ADVANCE = compile_schema(
    {
        "type": "object",
        "properties": {"seconds": {"type": "number", "minimum": 0, "maximum": _TEN_YEARS_SEC}},
        "required": ["seconds"],
        "additionalProperties": False,
    }
)
_FAULT = compile_schema(
    {
        "type": "object",
        "properties": {
            "operation": {"type": ["string", "null"]},
            "count": {"type": "integer"},
            "status": {"type": ["integer", "null"]},
            "retry_after": {"type": ["integer", "null"]},
            "latency_ms": {"type": "integer", "maximum": 600_000},
            "drop_after_commit": {"type": "boolean"},
        },
        "additionalProperties": False,
    }
)
_INTEGER_FIELDS = ("count", "status", "retry_after", "latency_ms")

Endpoint = Callable[[Request], Awaitable[Response]]


def control_routes(emulator: Emulator) -> list[Route]:
    async def reset(request: Request) -> Response:
        emulator.reset()
        return Response(status_code=204)

    async def advance_clock(request: Request) -> Response:
        body = await _valid_body(request, _ADVANCE)
        emulator.clock.advance(body["seconds"])
        return JSONResponse({"now": iso(emulator.clock.now())})

    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            emulator.faults.clear()
            return Response(status_code=204)
        body = await _valid_body(request, _FAULT)
        for name in _INTEGER_FIELDS:  # JSON Schema counts 3.0 as an integer; Python should too
            if body.get(name) is not None:
                body[name] = int(body[name])
        try:
            fault_id = emulator.faults.add(**body)
        except FaultError as exc:
            raise ApiError(400, str(exc)) from None
        return JSONResponse({"id": fault_id}, status_code=201)

    def guarded(endpoint: Endpoint) -> Endpoint:
        async def guarded_endpoint(request: Request) -> Response:
            if emulator.control_plane == "off":
                return error_response(404, f"Cannot {request.method} {request.url.path}")
            if emulator.control_plane == "loopback" and not _from_loopback(request):
                return error_response(
                    403, "The emulator's control plane only answers loopback clients"
                )
            try:
                return await endpoint(request)
            except ApiError as error:
                return error.response()
            except Exception:
                logger.exception("unexpected error in %s %s", request.method, request.url.path)
                return error_response(500, "Internal server error")

        return guarded_endpoint

    return [
        Route(f"{PREFIX}/reset", guarded(reset), methods=["POST"]),
        Route(f"{PREFIX}/clock/advance", guarded(advance_clock), methods=["POST"]),
        Route(f"{PREFIX}/faults", guarded(faults), methods=["POST", "DELETE"]),
        *webhook_routes(emulator, guarded),
    ]


async def _valid_body(request: Request, schema: Schema) -> dict[str, Any]:
    body = await read_json_body(request.scope, request.receive)
    failures = schema.problems(body)
    if failures:
        raise ApiError.invalid(failures)
    assert isinstance(body, dict)
    return body


def _from_loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback
