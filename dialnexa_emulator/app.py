"""The ASGI app: the spec's operations under its base path, and the control plane beside them."""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from datetime import datetime

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from .clock import Clock, SystemClock
from .config import EmulatorConfig, default_config
from .control import control_routes
from .emulator import Emulator
from .faults import Fault
from .operations import HANDLERS, Context, Handler
from .ratelimit import TOO_MANY_REQUESTS
from .responses import ApiError, error_response
from .spec import Operation, load_spec

logger = logging.getLogger("dialnexa_emulator")

_FAULT_MESSAGES = {
    429: TOO_MANY_REQUESTS,
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
}


def create_app(config: EmulatorConfig | None = None, *, clock: Clock | None = None) -> Starlette:
    """The emulator as a Starlette app; its state is `app.state.emulator`.

    `config` defaults to the embedded default config, `clock` to real time (see `FrozenClock`
    for a clock that moves only when told to).
    """
    spec = load_spec()
    emulator = Emulator(config or default_config(), clock or SystemClock(), spec)
    by_path: dict[str, dict[str, Operation]] = {}
    for operation in spec.operations.values():
        if operation.id not in HANDLERS:
            raise RuntimeError(
                f"openapi.yaml has operation {operation.id}, which the emulator lacks"
            )
        by_path.setdefault(operation.path, {})[operation.method] = operation
    routes = [
        Route(spec.base_path + path, _endpoint(emulator, methods), methods=list(methods))
        for path, methods in by_path.items()
    ]
    app = Starlette(
        routes=[*routes, *control_routes(emulator)],
        exception_handlers={HTTPException: _no_route, Exception: _internal_error},
    )
    app.router.redirect_slashes = False  # DialNexa answers 404, not a redirect
    app.state.emulator = emulator
    return app


def _endpoint(
    emulator: Emulator, operations: dict[str, Operation]
) -> Callable[[Request], Awaitable[Response | DroppedConnection]]:
    async def endpoint(request: Request) -> Response | DroppedConnection:
        operation = operations[request.method if request.method != "HEAD" else "GET"]
        return await serve(emulator, operation, HANDLERS[operation.id], request)

    return endpoint


async def serve(
    emulator: Emulator, operation: Operation, handler: Handler, request: Request
) -> Response | DroppedConnection:
    """Answer one API request: faults, then auth, rate limit and the operation's own rules.

    Faults come first: they stand for trouble in front of the API (gateway, overload), which
    strikes whoever calls. Nothing escapes as a bare 500: an unexpected error is logged and
    answered in DialNexa's envelope.
    """
    fault = emulator.faults.take(operation.id)
    limit_headers: dict[str, str] = {}
    try:
        if fault is not None:
            await _suffer(fault, operation, emulator.clock.now())
        key = emulator.keys.authenticate(request.headers.get("authorization"))
        now = emulator.clock.now()
        if key.rate_limit is not None:
            limit_headers = emulator.rate_limiter.admit(key.id, key.rate_limit, now.timestamp())
        workspace = emulator.workspaces[key.workspace_id]
        response = await handler(Context(request, operation, emulator, workspace, now))
    except ApiError as error:
        response = error.response()
    except ClientDisconnect:
        return Response(status_code=400)  # nobody is left to read it
    except Exception:
        logger.exception("unexpected error in %s %s", request.method, request.url.path)
        response = error_response(500, "Internal server error")
    response.headers.update(limit_headers)
    if fault is not None and fault.drop_after_commit:
        return DroppedConnection(response)
    return response


async def _suffer(fault: Fault, operation: Operation, now: datetime) -> None:
    logger.info("injected fault %s on %s", fault.id, operation.id)
    if fault.latency_ms:
        await anyio.sleep(fault.latency_ms / 1000)
    if fault.status is None:
        return
    headers = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = str(fault.retry_after)
    if fault.status == 429:
        # Not any key's window: the headers the spec requires on a 429, saying "nothing left".
        retry_after = fault.retry_after if fault.retry_after is not None else 1
        headers["Retry-After"] = str(retry_after)
        headers["X-RateLimit-Limit"] = "0"
        headers["X-RateLimit-Remaining"] = "0"
        headers["X-RateLimit-Reset"] = str(math.ceil(now.timestamp() + retry_after))
    raise ApiError(fault.status, _FAULT_MESSAGES[fault.status], headers)


class DroppedConnection:
    """Send the status line and headers, then give up: the client never gets the body."""

    def __init__(self, response: Response) -> None:
        self.response = response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = {"type": "http.response.start", "status": self.response.status_code}
        await send({**start, "headers": self.response.raw_headers})
        from .inprocess import ConnectionDropped  # noqa: PLC0415 - httpx only when a fault drops

        raise ConnectionDropped("connection dropped after the request took effect (injected fault)")


async def _internal_error(request: Request, exc: Exception) -> Response:
    """Starlette's last resort (the endpoints catch their own errors): still the envelope."""
    return error_response(500, "Internal server error")


async def _no_route(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        message = f"Cannot {request.method} {request.url.path}; allowed: {allowed}"
        return error_response(405, message, exc.headers)
    return error_response(404, f"Cannot {request.method} {request.url.path}")
