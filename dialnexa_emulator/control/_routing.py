"""How a control-plane route answers: who may use it, its request checked against the control
plane's description, and every error in DialNexa's envelope."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dialnexa_emulator._errors import ApiError
from dialnexa_emulator._spec import Operation
from dialnexa_emulator.control._guard import refusal
from dialnexa_emulator.web._body import read_json_body
from dialnexa_emulator.web._responses import api_error_response, error_response

if TYPE_CHECKING:
    from dialnexa_emulator._emulator import Emulator

logger = logging.getLogger("dialnexa_emulator")
PREFIX = "/_emulator"

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class ControlRequest:
    """One control-plane request, its parts already checked against the description."""

    emulator: Emulator
    request: Request
    body: Any  # the JSON body, or None for an operation without one
    query: Mapping[str, Any]
    path: Mapping[str, Any]


ControlHandler = Callable[[ControlRequest], Awaitable[Response]]


def control_route(emulator: Emulator, path: str, endpoint: Endpoint, methods: list[str]) -> Route:
    """A route under `/_emulator` (`path` is relative to it) behind the control plane's guard
    (`_guard.refusal`: peer, Host, origin, body type, token), and errors in the envelope."""

    async def guarded(request: Request) -> Response:
        try:
            refused = refusal(emulator, request)
            if refused is not None:
                return api_error_response(refused)
            return await endpoint(request)
        except ApiError as error:
            return api_error_response(error)
        except Exception:
            logger.exception("unexpected error in %s %s", request.method, request.url.path)
            return error_response(500, "Internal server error")

    return Route(PREFIX + path, guarded, methods=methods)


def described_routes(emulator: Emulator, handlers: Mapping[str, ControlHandler]) -> list[Route]:
    """A route per path of the description, answering each of its operations with its handler."""
    by_path: dict[str, dict[str, tuple[Operation, ControlHandler]]] = {}
    for operation in emulator.control.operations.values():
        if operation.id not in handlers:
            raise RuntimeError(f"control_plane.yaml has {operation.id}, which the emulator lacks")
        by_path.setdefault(operation.path, {})[operation.method] = (
            operation,
            handlers[operation.id],
        )
    return [
        control_route(emulator, path, _dispatcher(emulator, methods), list(methods))
        for path, methods in by_path.items()
    ]


def _dispatcher(
    emulator: Emulator, methods: Mapping[str, tuple[Operation, ControlHandler]]
) -> Endpoint:
    async def dispatch(request: Request) -> Response:
        operation, handler = methods["GET" if request.method == "HEAD" else request.method]
        body = None
        if operation.body is not None:
            body = await read_json_body(request.scope, request.receive)
            operation.check_body(body)
        query: Mapping[str, Any] = {}
        if operation.query is not None:
            query = operation.query.parse(request.query_params.multi_items())
        path: Mapping[str, Any] = {}
        if operation.path_parameters is not None:
            path = operation.path_parameters.parse(list(request.path_params.items()))
        return await handler(ControlRequest(emulator, request, body, query, path))

    return dispatch
