"""The webhook operations of control_plane.yaml (`/_emulator/webhooks/...`): endpoints,
deliveries, delivery faults, and `flush` (wait until what is due has been delivered).
docs/webhooks.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from dialnexa_emulator._errors import ApiError
from dialnexa_emulator.control._routing import ControlHandler, ControlRequest
from dialnexa_emulator.web._responses import JSONResponse
from dialnexa_emulator.webhooks._delivery import WebhookError

_NO_CONTENT = 204
# JSON Schema counts 3.0 as an integer; Python should too.
_INTEGERS = ("timeout_ms", "retries", "count")


async def list_endpoints(call: ControlRequest) -> Response:
    endpoints = call.emulator.webhooks.endpoints()
    return JSONResponse([endpoint.to_json() for endpoint in endpoints])


async def add_endpoint(call: ControlRequest) -> Response:
    webhooks = call.emulator.webhooks
    body = _integers(call.body)
    endpoint = _checked(lambda: webhooks.add_endpoint(**body))
    return JSONResponse(endpoint.to_json(), status_code=201)


async def remove_endpoint(call: ControlRequest) -> Response:
    endpoint_id = call.path["endpoint_id"]
    if not call.emulator.webhooks.remove_endpoint(endpoint_id):
        raise ApiError(404, f"No webhook endpoint {endpoint_id}")
    return Response(status_code=_NO_CONTENT)


async def list_deliveries(call: ControlRequest) -> Response:
    found = call.emulator.webhooks.deliveries(
        call_id=call.query["call_id"], endpoint_id=call.query["endpoint_id"]
    )
    return JSONResponse([delivery.to_json() for delivery in found])


async def flush(call: ControlRequest) -> Response:
    # On a thread: the wait must not stop this event loop serving the API meanwhile.
    try:
        await asyncio.to_thread(call.emulator.webhooks.flush)
    except TimeoutError as exc:
        raise ApiError(500, str(exc)) from None
    return Response(status_code=_NO_CONTENT)


async def arm_fault(call: ControlRequest) -> Response:
    webhooks = call.emulator.webhooks
    body = _integers(call.body)
    kind = body.pop("kind")
    fault_id = _checked(lambda: webhooks.add_fault(kind, **body))
    return JSONResponse({"id": fault_id}, status_code=201)


async def list_faults(call: ControlRequest) -> Response:
    return JSONResponse([fault.to_json() for fault in call.emulator.webhooks.faults()])


async def disarm_fault(call: ControlRequest) -> Response:
    fault_id = call.path["fault_id"]
    if not call.emulator.webhooks.remove_fault(fault_id):
        raise ApiError(404, f"No armed webhook fault {fault_id}")
    return Response(status_code=_NO_CONTENT)


async def clear_faults(call: ControlRequest) -> Response:
    call.emulator.webhooks.clear_faults()
    return Response(status_code=_NO_CONTENT)


def _one_worker(handler: ControlHandler, what: str) -> ControlHandler:
    """`handler`, refused with a 409 while several workers serve: each keeps its own deliveries
    (of the calls it created), so acting through one would act on part of them."""

    async def refuse_with_workers(call: ControlRequest) -> Response:
        workers = call.emulator.workers
        if workers > 1:
            raise ApiError(
                409,
                f"Cannot {what} with {workers} workers: each worker delivers, and keeps, the "
                "webhooks of the calls it creates, so this would act on one worker only. Serve "
                "one worker to do it (webhook endpoints can also be set in the config file).",
            )
        return await handler(call)

    return refuse_with_workers


def _integers(body: dict[str, Any]) -> dict[str, Any]:
    return {name: int(value) if name in _INTEGERS else value for name, value in body.items()}


def _checked(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except WebhookError as exc:
        raise ApiError(400, str(exc)) from None


WEBHOOK_HANDLERS: dict[str, ControlHandler] = {
    "listWebhookEndpoints": list_endpoints,
    "addWebhookEndpoint": _one_worker(add_endpoint, "add a webhook endpoint at run time"),
    "removeWebhookEndpoint": _one_worker(remove_endpoint, "remove a webhook endpoint"),
    "listWebhookDeliveries": _one_worker(list_deliveries, "list webhook deliveries"),
    "flushWebhooks": _one_worker(flush, "flush webhook deliveries"),
    "listWebhookFaults": list_faults,
    "armWebhookFault": _one_worker(arm_fault, "arm a webhook delivery fault"),
    "disarmWebhookFault": _one_worker(disarm_fault, "disarm a webhook delivery fault"),
    "clearWebhookFaults": _one_worker(clear_faults, "clear webhook delivery faults"),
}
