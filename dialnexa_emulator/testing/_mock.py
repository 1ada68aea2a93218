"""`mock_dialnexa()`: httpx requests for api.dialnexa.com reach an in-process emulator instead.

Like moto's `mock_aws`: code under test builds its clients from its production settings and runs
unchanged. Inside the block, httpx's own transports (`httpx.HTTPTransport`,
`httpx.AsyncHTTPTransport`, which every client uses unless given another) send requests for
`api.dialnexa.com` to the emulator and every other request on as before; outside it nothing is
patched. The innermost active block wins, process-wide (threads included).
"""

from __future__ import annotations

import functools
import inspect
import threading
import warnings
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ParamSpec, TypeVar, cast, overload

import httpx
from starlette.applications import Starlette

from dialnexa_emulator._calls import call_json
from dialnexa_emulator._clock import Clock, FrozenClock
from dialnexa_emulator._config import EmulatorConfig, load_config
from dialnexa_emulator._emulator import Emulator
from dialnexa_emulator._faults import Faults
from dialnexa_emulator._journal import Journal
from dialnexa_emulator.app import create_app
from dialnexa_emulator.testing._transport import SyncASGITransport
from dialnexa_emulator.webhooks._delivery import Webhooks

DIALNEXA_HOST = "api.dialnexa.com"
DIALNEXA_BASE_URL = f"https://{DIALNEXA_HOST}/v1"

P = ParamSpec("P")
R = TypeVar("R")
ConfigSource = EmulatorConfig | str | Path | None


class EmulatorHandle:
    """An emulator in this process, and what a test needs of it.

    `base_url` and `api_key` (the first workspace's first key) reach it; `clock`, `faults`,
    `webhooks`, `calls`, `requests`, `seed_calls()`, `set_clock()`, `balance()`, `set_balance()`
    and `reset()` drive and inspect it; `app` is the ASGI app itself.
    """

    def __init__(self, app: Starlette, base_url: str) -> None:
        self.app = app
        self.base_url = base_url
        self._emulator: Emulator = app.state.emulator
        self._sync_transport: SyncASGITransport | None = None
        self._async_transport = httpx.ASGITransport(app)

    @property
    def api_key(self) -> str:
        return self._emulator.config.workspaces[0].api_keys[0].token

    @property
    def control_url(self) -> str:
        """Where the control plane (`/_emulator/reset`, `/clock/advance`, `/faults`) answers."""
        return self.base_url.removesuffix(self._emulator.spec.base_path) + "/_emulator"

    @property
    def clock(self) -> Clock:
        return self._emulator.clock

    @property
    def faults(self) -> Faults:
        return self._emulator.faults

    @property
    def webhooks(self) -> Webhooks:
        """Webhook endpoints and deliveries; `webhooks.flush()` waits for what is due."""
        return self._emulator.webhooks

    @property
    def calls(self) -> list[dict[str, Any]]:
        """Every call placed, as getCall returns it now: workspace by workspace, oldest first."""
        emulator, now = self._emulator, self._emulator.clock.now()
        return [
            call_json(call, now)
            for workspace in emulator.config.workspaces
            for call in reversed(list(emulator.store.newest_first(workspace.id)))
        ]

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The request journal: the API requests that arrived, oldest first, never a secret."""
        return self._emulator.journal.entries()

    @property
    def journal(self) -> Journal:
        """The journal itself: `.clear()`, `.bodies = True` to keep request bodies too."""
        return self._emulator.journal

    def seed_calls(self, *entries: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Add calls that happened before now, e.g. `seed_calls({"status": "busy", "count": 50})`
        (the control plane's seed entries); the calls, oldest first."""
        return self._emulator.seed_calls(*entries)

    def set_clock(self, moment: datetime) -> None:
        """Make it `moment`: forward, or back no further than the newest call's creation."""
        self._emulator.set_clock(moment)

    def balance(self, workspace_id: str | None = None) -> Decimal:
        """A workspace's wallet balance (default: the first workspace's)."""
        return self._emulator.balance(workspace_id)

    def set_balance(
        self, amount: Decimal | float | str, *old: str, workspace_id: str | None = None
    ) -> None:
        """Set a wallet, e.g. to 0 so the next create is a 402 (default: the first workspace's)."""
        if old:  # 1.x: set_balance(amount, workspace_id) positionally
            warnings.warn(
                "set_balance(amount, workspace_id) is deprecated and goes in the next minor "
                "release; use set_balance(amount, workspace_id=...)",
                DeprecationWarning,
                stacklevel=2,
            )
            workspace_id = old[0]
        self._emulator.set_balance(amount, workspace_id=workspace_id)

    def reset(self) -> None:
        """Forget every call (configured seeds come back); restore balances, rate-limit windows
        and faults; empty the journal; rewind the clock."""
        self._emulator.reset()

    def _handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._sync_transport is None:
            self._sync_transport = SyncASGITransport(self.app)
        return self._sync_transport.handle_request(request)

    def _close(self) -> None:
        self._emulator.webhooks.close()
        if self._sync_transport is not None:
            self._sync_transport.close()


def emulator_app(config: ConfigSource = None) -> Starlette:
    """A fresh emulator on a frozen clock, for `config`: a loaded config, a TOML path, or None
    for the built-in one (ConfigError if the file is unusable)."""
    if config is not None and not isinstance(config, EmulatorConfig):
        config = load_config(config)
    return create_app(config, clock=FrozenClock())


@overload
def mock_dialnexa(config: Callable[P, R]) -> Callable[P, R]: ...
@overload
def mock_dialnexa(config: ConfigSource = None) -> DialNexaMock: ...
def mock_dialnexa(config: ConfigSource | Callable[P, R] = None) -> DialNexaMock | Callable[P, R]:
    """Route httpx's requests for api.dialnexa.com to a fresh in-process emulator.

    `with mock_dialnexa() as emulator:` yields its `EmulatorHandle`; `@mock_dialnexa()` (or bare
    `@mock_dialnexa`) gives each call of a sync or async function a fresh one. The clock is
    frozen at 2024-03-01T10:00:00Z until `emulator.clock.advance(seconds)`. `config` is a TOML
    path or an `EmulatorConfig` (default: the built-in one, whose key `kid_demo:sk_demo_secret`
    is `emulator.api_key`).
    """
    if callable(config):  # bare @mock_dialnexa
        return _decorate(config, None)
    return DialNexaMock(config)


class DialNexaMock:
    """What `mock_dialnexa(config)` returns: a context manager, and a decorator."""

    def __init__(self, config: ConfigSource) -> None:
        # Read now, so a bad file fails where the mock is made, and once for every use.
        self._config = load_config(config) if isinstance(config, (str, Path)) else config
        self._handle: EmulatorHandle | None = None

    def __enter__(self) -> EmulatorHandle:
        if self._handle is not None:
            raise RuntimeError("this mock_dialnexa() is already active; make another one")
        self._handle = EmulatorHandle(emulator_app(self._config), DIALNEXA_BASE_URL)
        _routes.push(self._handle)
        return self._handle

    def __exit__(self, *exc_info: object) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            _routes.pop(handle)
            handle._close()

    def __call__(self, func: Callable[P, R]) -> Callable[P, R]:
        return _decorate(func, self._config)


def _decorate(func: Callable[P, R], config: ConfigSource) -> Callable[P, R]:
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def run_async(*args: P.args, **kwargs: P.kwargs) -> Any:
            with DialNexaMock(config):
                return await func(*args, **kwargs)

        return cast(Callable[P, R], run_async)

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with DialNexaMock(config):
            return func(*args, **kwargs)

    return run


class _Routes:
    """The active mocks, innermost last; httpx's transports are wrapped while there is one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: list[EmulatorHandle] = []
        self._originals: tuple[Any, Any] | None = None

    def push(self, handle: EmulatorHandle) -> None:
        with self._lock:
            if not self._active:
                self._install()
            self._active.append(handle)

    def pop(self, handle: EmulatorHandle) -> None:
        with self._lock:
            self._active.remove(handle)
            if not self._active:
                self._uninstall()

    def target(self, request: httpx.Request) -> EmulatorHandle | None:
        if request.url.host != DIALNEXA_HOST:
            return None
        active = self._active
        return active[-1] if active else None

    def _install(self) -> None:
        send_sync = httpx.HTTPTransport.handle_request
        send_async = httpx.AsyncHTTPTransport.handle_async_request
        self._originals = (send_sync, send_async)

        def handle_request(
            transport: httpx.HTTPTransport, request: httpx.Request
        ) -> httpx.Response:
            handle = self.target(request)
            if handle is None:
                return send_sync(transport, request)
            return handle._handle_request(request)

        async def handle_async_request(
            transport: httpx.AsyncHTTPTransport, request: httpx.Request
        ) -> httpx.Response:
            handle = self.target(request)
            if handle is None:
                return await send_async(transport, request)
            return await handle._async_transport.handle_async_request(request)

        httpx.HTTPTransport.handle_request = handle_request  # type: ignore[method-assign,assignment]
        httpx.AsyncHTTPTransport.handle_async_request = handle_async_request  # type: ignore[method-assign,assignment]

    def _uninstall(self) -> None:
        assert self._originals is not None
        send_sync, send_async = self._originals
        httpx.HTTPTransport.handle_request = send_sync  # type: ignore[method-assign]
        httpx.AsyncHTTPTransport.handle_async_request = send_async  # type: ignore[method-assign]
        self._originals = None


_routes = _Routes()
