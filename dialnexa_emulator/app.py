"""The ASGI app: the spec's operations under its base path, and the control plane beside them."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from .clock import Clock, SystemClock
from .config import EmulatorConfig, default_config
from .control import control_routes
from .emulator import Emulator
from .operations import HANDLERS
from .responses import error_response
from .router import ApiPath, EmulatorApp
from .spec import Operation, load_spec


def create_app(config: EmulatorConfig | None = None, *, clock: Clock | None = None) -> Starlette:
    """The emulator as a Starlette app; its state is `app.state.emulator`.

    `config` defaults to the embedded default config, `clock` to real time (see `FrozenClock`
    for a clock that moves only when told to). The spec's operations are served by `router`
    ahead of Starlette's routing; the control plane, 404s and 405s by Starlette.
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
    api_paths = [
        ApiPath(emulator, spec.base_path + path, methods) for path, methods in by_path.items()
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
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        message = f"Cannot {request.method} {request.url.path}; allowed: {allowed}"
        return error_response(405, message, exc.headers)
    return error_response(404, f"Cannot {request.method} {request.url.path}")
