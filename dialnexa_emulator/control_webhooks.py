"""The control plane's webhook routes, under `/_emulator/webhooks/`: endpoints, deliveries,
delivery faults, and `flush` (wait until what is due has been delivered). docs/webhooks.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import control
from .config import WEBHOOK_FIELDS
from .emulator import Emulator
from .responses import ApiError, JSONResponse
from .validation import compile_schema
from .webhooks import FAULT_KINDS, WebhookError

Endpoint = Callable[[Request], Awaitable[Response]]

_ENDPOINT = compile_schema(
    {
        "type": "object",
        "properties": {"workspace_id": {"type": "string"}, **WEBHOOK_FIELDS},
        "required": ["url", "secret"],
        "additionalProperties": False,
    }
)
_FAULT = compile_schema(
    {
        "type": "object",
        "properties": {
            "kind": {"enum": list(FAULT_KINDS)},
            "count": {"type": "integer", "minimum": 1},
            "event": {"type": ["string", "null"]},
            "endpoint_id": {"type": ["string", "null"]},
            "delay_sec": {"type": "number", "minimum": 0, "maximum": 86400},
        },
        "required": ["kind"],
        "additionalProperties": False,
    }
)


def webhook_routes(emulator: Emulator, guarded: Callable[[Endpoint], Endpoint]) -> list[Route]:
    """The routes, each wrapped by the control plane's `guarded` (access rules, error envelope)."""
    webhooks = emulator.webhooks
    prefix = f"{control.PREFIX}/webhooks"

    async def endpoints(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse([endpoint.to_json() for endpoint in webhooks.endpoints()])
        body = await control._valid_body(request, _ENDPOINT)
        for name in ("timeout_ms", "retries"):  # JSON Schema counts 3.0 as an integer
            if name in body:
                body[name] = int(body[name])
        endpoint = _checked(lambda: webhooks.add_endpoint(**body))
        return JSONResponse(endpoint.to_json(), status_code=201)

    async def endpoint(request: Request) -> Response:
        endpoint_id = request.path_params["endpoint_id"]
        if not webhooks.remove_endpoint(endpoint_id):
            raise ApiError(404, f"No webhook endpoint {endpoint_id}")
        return Response(status_code=204)

    async def deliveries(request: Request) -> Response:
        found = webhooks.deliveries(
            call_id=request.query_params.get("call_id"),
            endpoint_id=request.query_params.get("endpoint_id"),
        )
        return JSONResponse([delivery.to_json() for delivery in found])

    async def flush(request: Request) -> Response:
        # On a thread: the wait must not stop this event loop serving the API meanwhile.
        try:
            await asyncio.to_thread(webhooks.flush)
        except TimeoutError as exc:
            raise ApiError(500, str(exc)) from None
        return Response(status_code=204)

    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            webhooks.clear_faults()
            return Response(status_code=204)
        body = await control._valid_body(request, _FAULT)
        if "count" in body:
            body["count"] = int(body["count"])
        kind = body.pop("kind")
        fault_id = _checked(lambda: webhooks.add_fault(kind, **body))
        return JSONResponse({"id": fault_id}, status_code=201)

    return [
        Route(f"{prefix}/endpoints", guarded(endpoints), methods=["GET", "POST"]),
        Route(f"{prefix}/endpoints/{{endpoint_id}}", guarded(endpoint), methods=["DELETE"]),
        Route(f"{prefix}/deliveries", guarded(deliveries), methods=["GET"]),
        Route(f"{prefix}/flush", guarded(flush), methods=["POST"]),
        Route(f"{prefix}/faults", guarded(faults), methods=["POST", "DELETE"]),
    ]


def _checked(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except WebhookError as exc:
        raise ApiError(400, str(exc)) from None
