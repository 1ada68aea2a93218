"""The ASGI app: the spec's operations under its base path, and the control plane beside them."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from dialnexa_emulator._clock import Clock, SystemClock
from dialnexa_emulator._config import EmulatorConfig, default_config
from dialnexa_emulator._emulator import Emulator
from dialnexa_emulator._spec import Operation, SpecError, load_spec
from dialnexa_emulator.control import PREFIX, control_routes
from dialnexa_emulator.web._operations import HANDLERS
from dialnexa_emulator.web._responses import error_response
from dialnexa_emulator.web._router import ApiPath, EmulatorApp

logger = logging.getLogger("dialnexa_emulator")


def create_app(
    config: EmulatorConfig | None = None,
    *,
    clock: Clock | None = None,
    spec: str | Path | None = None,
    check_responses: bool = True,
) -> Starlette:
    """The emulator as a Starlette app; its state is `app.state.emulator`.

    `config` defaults to the embedded default config, `clock` to real time (see `FrozenClock`
    for a clock that moves only when told to), `spec` to the packaged openapi.yaml (another copy
    of it, edited, is served with its shapes and formats enforced; SpecError if it cannot be, or
    if it does not allow a value the emulator can produce). Every answer is validated against
    the spec and an off-spec one raises `OffSpecAnswerError`, unless `check_responses` is False.
    The spec's operations are served by `router` ahead of Starlette's routing; the control
    plane, 404s and 405s by Starlette.
    """
    served = load_spec(spec)
    by_path: dict[str, dict[str, Operation]] = {}
    for operation in served.operations.values():
        if operation.id not in HANDLERS:
            raise SpecError(
                f"{spec or 'openapi.yaml'} has operation {operation.id}, which the emulator lacks"
            )
        by_path.setdefault(operation.path, {})[operation.method] = operation
    emulator = Emulator(config or default_config(), clock or SystemClock(), served)
    if not check_responses:
        emulator.answer_check = None
    api_paths = [
        ApiPath(emulator, served.base_path + path, methods) for path, methods in by_path.items()
    ]
    app = EmulatorApp(
        api_paths,
        routes=[*(p.route for p in api_paths), *control_routes(emulator)],
        exception_handlers={HTTPException: _no_route, Exception: _internal_error},
    )
    app.router.redirect_slashes = False  # DialNexa answers 404, not a redirect
    app.state.emulator = emulator
    return app


async def _internal_error(request: Request, exc: Exception) -> Response:
    """Starlette's last resort (the endpoints catch their own errors): still the envelope."""
    return error_response(500, "Internal server error")


async def _no_route(request: Request, exc: Exception) -> Response:
    """404 or 405; kept in the journal unless it was meant for the control plane."""
    assert isinstance(exc, HTTPException)
    started = time.perf_counter()
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        message = f"Cannot {request.method} {request.url.path}; allowed: {allowed}"
        response = error_response(405, message, exc.headers)
    else:
        message = f"Cannot {request.method} {request.url.path}"
        response = error_response(404, message)
    if not request.url.path.startswith(PREFIX + "/"):
        emulator: Emulator = request.app.state.emulator
        try:
            response.headers["X-Request-Id"] = emulator.journal.record(
                request.scope,
                at=emulator.clock.now(),
                started=started,
                status=response.status_code,
                reason=message,
            )
        except Exception:  # the answer stands; only its record (and its id) is lost
            logger.exception("could not record %s %s in the journal", request.method, request.url)
    return response
