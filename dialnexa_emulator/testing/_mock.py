"""`mock_dialnexa()`: httpx requests for api.dialnexa.com reach an in-process emulator instead.

Like moto's `mock_aws`: code under test builds its clients from its production settings and runs
unchanged. For its duration `DIALNEXA_API_KEY` and `DIALNEXA_BASE_URL` name the emulator's key and
https://api.dialnexa.com/v1 (restored after); a base URL the variable named before (a served
emulator's, say) is intercepted too. httpx's own transports (`httpx.HTTPTransport`,
`httpx.AsyncHTTPTransport`, which every client uses unless given another) send those requests to
the emulator, offer its clock to the client's `calls.wait` (so waits take no time), and send every
other request on as before; outside it nothing is patched. The innermost active block wins,
process-wide (threads included).
"""

from __future__ import annotations

import functools
import inspect
import os
import ssl
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar, cast, overload

import httpx
from httpx._transports import default as _httpx_transports  # where transports make SSL contexts
from starlette.applications import Starlette

from dialnexa_emulator._clock import FrozenClock
from dialnexa_emulator._config import EmulatorConfig, load_config
from dialnexa_emulator.app import create_app
from dialnexa_emulator.testing._handle import EmulatorHandle
from dialnexa_emulator.testing._waiting import WaitClock

DIALNEXA_HOST = "api.dialnexa.com"
DIALNEXA_BASE_URL = f"https://{DIALNEXA_HOST}/v1"
KEY_VARIABLE, URL_VARIABLE = "DIALNEXA_API_KEY", "DIALNEXA_BASE_URL"
HANDLE_PARAMETER = "dialnexa"  # a decorated function with a parameter of this name gets the handle

P = ParamSpec("P")
R = TypeVar("R")
ConfigSource = EmulatorConfig | str | Path | None
Origin = tuple[str, str, int | None]  # scheme, host, port (None: the scheme's default)


class MockSetupError(RuntimeError):
    """mock_dialnexa() cannot stand in for what the environment points the client at."""


def emulator_app(config: ConfigSource = None) -> Starlette:
    """A fresh emulator on a frozen clock, for `config`: a loaded config, a TOML path, or None
    for the built-in one (ConfigError if the file is unusable)."""
    if config is not None and not isinstance(config, EmulatorConfig):
        config = load_config(config)
    app = create_app(config, clock=FrozenClock())
    app.state.emulator.journal.bodies = True  # in process: a test asserts on what was sent
    return app


@overload
def mock_dialnexa(config: Callable[P, R]) -> Callable[P, R]: ...
@overload
def mock_dialnexa(config: ConfigSource = None) -> DialNexaMock: ...
def mock_dialnexa(config: ConfigSource | Callable[P, R] = None) -> DialNexaMock | Callable[P, R]:
    """Route httpx's requests for api.dialnexa.com to a fresh in-process emulator.

    `with mock_dialnexa() as emulator:` yields its `EmulatorHandle`; `@mock_dialnexa()` (or bare
    `@mock_dialnexa`) gives each call of a sync or async function a fresh one, passed as its
    `dialnexa` parameter if it has one (else `current_emulator()` returns it). Inside,
    DIALNEXA_API_KEY and DIALNEXA_BASE_URL name the emulator. The clock is frozen at
    2024-03-01T10:00:00Z: it moves on `emulator.clock.advance(seconds)`, and while the client's
    `calls.wait` waits. `config` is a TOML path or an `EmulatorConfig` (default: the built-in
    one, whose key `kid_demo:sk_demo_secret` is `emulator.api_key`).
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
        self._saved: dict[str, str | None] = {}

    @property
    def handle(self) -> EmulatorHandle:
        """The active block's emulator (RuntimeError outside it)."""
        if self._handle is None:
            raise RuntimeError("this mock_dialnexa() is not active")
        return self._handle

    def __enter__(self) -> EmulatorHandle:
        if self._handle is not None:
            raise RuntimeError("this mock_dialnexa() is already active; make another one")
        handle = EmulatorHandle(emulator_app(self._config), DIALNEXA_BASE_URL)
        try:
            aliases = _aliases(os.environ.get(URL_VARIABLE), handle)
        except MockSetupError:
            handle._close()
            raise
        self._saved = {name: os.environ.get(name) for name in (KEY_VARIABLE, URL_VARIABLE)}
        os.environ[KEY_VARIABLE], os.environ[URL_VARIABLE] = handle.api_key, DIALNEXA_BASE_URL
        self._handle = handle
        _routes.push(handle, aliases)
        return handle

    def __exit__(self, *exc_info: object) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            _routes.pop(handle)
            for name, value in self._saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            handle._close()

    def __call__(self, func: Callable[P, R]) -> Callable[P, R]:
        return _decorate(func, self._config)


def current_emulator() -> EmulatorHandle:
    """The innermost active `mock_dialnexa()`'s emulator (RuntimeError if none is active)."""
    return _routes.innermost()


def _aliases(url: str | None, handle: EmulatorHandle) -> list[Origin]:
    """The origin `DIALNEXA_BASE_URL` names, when it is not DialNexa's: clients made from it
    before the block must reach the emulator too. MockSetupError if the emulator cannot stand in
    for it (another base path: its requests would miss every route)."""
    if not url or url.rstrip("/") == DIALNEXA_BASE_URL:
        return []
    base_path = handle._emulator.spec.base_path
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        problem = "which is not an http(s) URL"
    elif parsed.path.rstrip("/") != base_path:
        problem = f"whose path is not the API's base path {base_path}"
    else:
        return [(parsed.scheme, parsed.host, parsed.port)]
    raise MockSetupError(
        f"{URL_VARIABLE} is {url!r}, {problem}: mock_dialnexa() cannot stand in for it. Unset "
        f"it for the test (monkeypatch.delenv({URL_VARIABLE!r})) or point it at "
        f"{DIALNEXA_BASE_URL}"
    )


def _decorate(func: Callable[P, R], config: ConfigSource) -> Callable[P, R]:
    """`func` run inside a fresh mock; a parameter named `dialnexa` gets its handle (and is
    hidden from the signature, so pytest does not look for a fixture of that name)."""
    signature = inspect.signature(func)
    wants_handle = HANDLE_PARAMETER in signature.parameters
    wrapper: Any
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            with DialNexaMock(config) as handle:
                if wants_handle:
                    kwargs[HANDLE_PARAMETER] = handle
                return await func(*args, **kwargs)

        wrapper = run_async
    else:

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with DialNexaMock(config) as handle:
                if wants_handle:
                    kwargs[HANDLE_PARAMETER] = handle
                return func(*args, **kwargs)

        wrapper = run
    if wants_handle:
        kept = [p for name, p in signature.parameters.items() if name != HANDLE_PARAMETER]
        wrapper.__signature__ = signature.replace(parameters=kept)
    return cast(Callable[P, R], wrapper)


class _Routes:
    """The active mocks, innermost last, and the served emulators whose clocks waits may use;
    httpx's transports are wrapped while there is either."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: list[tuple[EmulatorHandle, list[Origin]]] = []
        self._served: dict[Origin, EmulatorHandle] = {}
        self._originals: tuple[Any, Any, Any] | None = None

    def push(self, handle: EmulatorHandle, aliases: list[Origin]) -> None:
        with self._lock:
            self._active.append((handle, aliases))
            self._install()

    def pop(self, handle: EmulatorHandle) -> None:
        with self._lock:
            self._active = [(h, a) for h, a in self._active if h is not handle]
            self._uninstall()

    def serve_clock(self, handle: EmulatorHandle) -> None:
        """Let waits on `handle`'s base URL (a served emulator's) run on its clock."""
        with self._lock:
            self._served[_origin(httpx.URL(handle.base_url))] = handle
            self._install()

    def unserve_clock(self, handle: EmulatorHandle) -> None:
        with self._lock:
            self._served.pop(_origin(httpx.URL(handle.base_url)), None)
            self._uninstall()

    def innermost(self) -> EmulatorHandle:
        active = self._active
        if not active:
            raise RuntimeError("no mock_dialnexa() is active")
        return active[-1][0]

    def target(self, url: httpx.URL) -> EmulatorHandle | None:
        """The emulator a request for `url` goes to, if a mock intercepts it."""
        active = self._active
        if not active:
            return None
        if url.host == DIALNEXA_HOST:
            return active[-1][0]
        origin = _origin(url)
        for handle, aliases in reversed(active):
            if origin in aliases:
                return handle
        return None

    def poll_clock(self, url: httpx.URL) -> WaitClock | None:
        handle = self.target(url) or self._served.get(_origin(url))
        return handle.wait_clock if handle is not None else None

    def _missed(self, request: httpx.Request, exc: httpx.ConnectError) -> None:
        if self._active:
            reached = [DIALNEXA_BASE_URL] + [
                f"{scheme}://{host}{f':{port}' if port else ''}"
                for _, aliases in self._active
                for scheme, host, port in aliases
            ]
            exc.add_note(
                f"mock_dialnexa() is active and intercepts {', '.join(reached)}; this request "
                f"went to {request.url.scheme}://{request.url.netloc.decode()}, which it does "
                f"not. Is the client's base_url (or {URL_VARIABLE} when it was made) another?"
            )

    def _install(self) -> None:
        if self._originals is not None:
            return
        send_sync = httpx.HTTPTransport.handle_request
        send_async = httpx.AsyncHTTPTransport.handle_async_request
        make_context = getattr(_httpx_transports, _SSL_FACTORY)
        self._originals = (send_sync, send_async, make_context)

        def handle_request(
            transport: httpx.HTTPTransport, request: httpx.Request
        ) -> httpx.Response:
            handle = self.target(request.url)
            if handle is not None:
                return handle._handle_request(request)
            try:
                return send_sync(transport, request)
            except httpx.ConnectError as exc:
                self._missed(request, exc)
                raise

        async def handle_async_request(
            transport: httpx.AsyncHTTPTransport, request: httpx.Request
        ) -> httpx.Response:
            handle = self.target(request.url)
            if handle is not None:
                return await handle._async_transport.handle_async_request(request)
            try:
                return await send_async(transport, request)
            except httpx.ConnectError as exc:
                self._missed(request, exc)
                raise

        def poll_clock(transport: object, url: httpx.URL) -> WaitClock | None:
            return self.poll_clock(url)

        httpx.HTTPTransport.handle_request = handle_request  # type: ignore[method-assign,assignment]
        httpx.AsyncHTTPTransport.handle_async_request = handle_async_request  # type: ignore[method-assign,assignment]
        # The client's `polling.offered_clock` asks the transport for this: waits take no time.
        httpx.HTTPTransport.poll_clock = poll_clock  # type: ignore[attr-defined]
        httpx.AsyncHTTPTransport.poll_clock = poll_clock  # type: ignore[attr-defined]
        setattr(_httpx_transports, _SSL_FACTORY, _shared_ssl_context(make_context))

    def _uninstall(self) -> None:
        if self._active or self._served or self._originals is None:
            return
        send_sync, send_async, make_context = self._originals
        httpx.HTTPTransport.handle_request = send_sync  # type: ignore[method-assign]
        httpx.AsyncHTTPTransport.handle_async_request = send_async  # type: ignore[method-assign]
        setattr(_httpx_transports, _SSL_FACTORY, make_context)
        del httpx.HTTPTransport.poll_clock  # type: ignore[attr-defined]
        del httpx.AsyncHTTPTransport.poll_clock  # type: ignore[attr-defined]
        self._originals = None


_SSL_FACTORY = "create_ssl_context"  # what httpx's transports call, in their module
_SSL_CONTEXTS: dict[tuple[object, ...], ssl.SSLContext] = {}


def _shared_ssl_context(make: Callable[..., ssl.SSLContext]) -> Callable[..., ssl.SSLContext]:
    """httpx's `create_ssl_context`, made once per settings: loading the CA bundle for each new
    client costs ~30 ms, most of a test's time. The same context httpx would build; contexts are
    shared safely between connections."""

    def create_ssl_context(
        verify: ssl.SSLContext | str | bool = True, cert: Any = None, trust_env: bool = True
    ) -> ssl.SSLContext:
        if verify is not True or cert is not None:
            return make(verify=verify, cert=cert, trust_env=trust_env)
        environment = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
        key = (trust_env, *environment) if trust_env else (False,)
        context = _SSL_CONTEXTS.get(key)
        if context is None:
            context = _SSL_CONTEXTS[key] = make(verify=True, cert=None, trust_env=trust_env)
        return context

    return create_ssl_context


def _origin(url: httpx.URL) -> Origin:
    return (url.scheme, url.host, url.port)


_routes = _Routes()
