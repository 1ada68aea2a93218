"""The kit's pytest plugin, registered by installing the kit (entry point `pytest11`).

Fixtures (docs/testing-your-code.md):
- `dialnexa_emulator`: a fresh in-process emulator per test on a frozen clock, with
  `mock_dialnexa()` active, so any httpx client for https://api.dialnexa.com reaches it;
- `dialnexa_client` / `dialnexa_async_client`: `DialNexa` / `AsyncDialNexa` wired to it;
- `dialnexa_server`: an emulator served over loopback HTTP for the whole session, reset per test;
- `dialnexa_webhook_receiver`: a loopback webhook receiver registered on `dialnexa_emulator` for
  every event, empty at the start of each test (docs/webhooks.md);
- `dialnexa_config`: the config they use, from `@pytest.mark.dialnexa(config="shop.toml")`
  (relative to the test's file), or None for the built-in one. Override it to choose for a
  directory.

Strict tests (`@pytest.mark.dialnexa(strict=True)`, or `dialnexa_strict = true` in the ini file
for all): a test fails if its emulator got a request that no assertion matched, or refused one
(a 4xx by its own rules) that no assertion named the status of.

Heavy imports happen in the fixtures: the plugin loads in every pytest run of the environment.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import uvicorn
    from dialnexa_client import AsyncDialNexa, DialNexa

    from dialnexa_emulator.testing._handle import EmulatorHandle
    from dialnexa_emulator.testing._receiver import WebhookReceiver

_MARKER = (
    "dialnexa(config=None, strict=False): the emulator config file (relative to the test's "
    "file) for this test; strict: fail on requests no assertion expected or the emulator refused"
)
_MARKER_USE = '@pytest.mark.dialnexa(config="file.toml", strict=True) (either argument or both)'


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "dialnexa_strict",
        "fail every test whose DialNexa emulator got a request no assertion expected, or "
        "refused one (see the dialnexa marker's strict)",
        type="bool",
        default=False,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", _MARKER)


def _marker_arguments(request: pytest.FixtureRequest) -> dict[str, object]:
    marker = request.node.get_closest_marker("dialnexa")
    if marker is None:
        return {}
    if marker.args or not set(marker.kwargs) <= {"config", "strict"}:
        pytest.fail(f"use the marker as {_MARKER_USE}", pytrace=False)
    return dict(marker.kwargs)


@pytest.fixture
def dialnexa_config(request: pytest.FixtureRequest) -> Path | None:
    """The config file the closest `dialnexa` marker names; None for the built-in config."""
    config = _marker_arguments(request).get("config")
    return None if config is None else Path(request.path.parent, str(config))


@pytest.fixture
def dialnexa_emulator(dialnexa_config: Path | None) -> Iterator[EmulatorHandle]:
    """A fresh in-process emulator, frozen clock; https://api.dialnexa.com reaches it."""
    from dialnexa_emulator._config import ConfigError
    from dialnexa_emulator.testing._mock import MockSetupError, mock_dialnexa

    try:
        mock = mock_dialnexa(dialnexa_config)
    except ConfigError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        emulator = mock.__enter__()
    except MockSetupError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield emulator
    finally:
        mock.__exit__(None, None, None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Strict tests: once the test passed, it fails if its emulator saw the unexpected."""
    result = yield
    funcargs = getattr(item, "funcargs", {})
    names = ("dialnexa_emulator", "dialnexa_server")
    handles = [funcargs[name] for name in names if name in funcargs]
    if handles and _strict(item):
        lines = [line for handle in handles for line in handle.unexpected_requests()]
        if lines:
            pytest.fail(
                "strict: the DialNexa emulator got requests this test did not expect "
                "(match them with assert_called; name the status of a refused one):\n  "
                + "\n  ".join(lines),
                pytrace=False,
            )
    return result


def _strict(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("dialnexa")
    if marker is not None and "strict" in marker.kwargs:
        return bool(marker.kwargs["strict"])
    return bool(item.config.getini("dialnexa_strict"))


@pytest.fixture
def dialnexa_client(dialnexa_emulator: EmulatorHandle) -> Iterator[DialNexa]:
    """`DialNexa`, with the emulator's base URL and key."""
    from dialnexa_client import DialNexa

    with DialNexa(api_key=dialnexa_emulator.api_key, base_url=dialnexa_emulator.base_url) as client:
        yield client


@pytest.fixture
def dialnexa_async_client(dialnexa_emulator: EmulatorHandle) -> AsyncDialNexa:
    """`AsyncDialNexa`, with the emulator's base URL and key. Left open: served in process, it
    holds no connection, and a sync fixture cannot await `aclose()` on the test's loop."""
    from dialnexa_client import AsyncDialNexa

    return AsyncDialNexa(api_key=dialnexa_emulator.api_key, base_url=dialnexa_emulator.base_url)


@pytest.fixture
def dialnexa_webhook_receiver(
    dialnexa_emulator: EmulatorHandle, _dialnexa_webhook_receiver: WebhookReceiver
) -> WebhookReceiver:
    """A webhook receiver registered on the test's emulator for every event. It answers 200, or
    as the app given to `forward_to(app, path)` does; after `dialnexa_emulator.clock.advance(...)`
    and `dialnexa_emulator.webhooks.flush()`, `deliveries` holds everything sent to it."""
    _dialnexa_webhook_receiver.clear()
    dialnexa_emulator.webhooks.add_endpoint(
        _dialnexa_webhook_receiver.url, _dialnexa_webhook_receiver.secret
    )
    return _dialnexa_webhook_receiver


@pytest.fixture(scope="session")
def _dialnexa_webhook_receiver() -> Iterator[WebhookReceiver]:
    from dialnexa_emulator.testing._receiver import WebhookReceiver

    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def dialnexa_server(
    dialnexa_config: Path | None, _dialnexa_servers: _Servers
) -> Iterator[EmulatorHandle]:
    """The session's served emulator for this config, reset for the test; the client's
    `calls.wait` runs on its clock in this process."""
    from dialnexa_emulator.testing._mock import _routes

    server = _dialnexa_servers.get(dialnexa_config)
    server.reset()
    _routes.serve_clock(server)
    try:
        yield server
    finally:
        _routes.unserve_clock(server)


@pytest.fixture(scope="session")
def _dialnexa_servers() -> Iterator[_Servers]:
    servers = _Servers()
    try:
        yield servers
    finally:
        servers.stop()


class _Servers:
    """One emulator served on a free loopback port per config file, each in its own thread."""

    def __init__(self) -> None:
        self._running: dict[Path | None, tuple[EmulatorHandle, uvicorn.Server, threading.Thread]]
        self._running = {}

    def get(self, config: Path | None) -> EmulatorHandle:
        if config not in self._running:
            self._running[config] = self._start(config)
        return self._running[config][0]

    def _start(
        self, config: Path | None
    ) -> tuple[EmulatorHandle, uvicorn.Server, threading.Thread]:
        import uvicorn

        from dialnexa_emulator._config import ConfigError
        from dialnexa_emulator.testing._handle import EmulatorHandle
        from dialnexa_emulator.testing._mock import emulator_app

        try:
            app = emulator_app(config)
        except ConfigError as exc:
            pytest.fail(str(exc), pytrace=False)
        from dialnexa_emulator._emulator import served_hosts

        app.state.emulator.control_plane = "loopback"
        app.state.emulator.control_hosts = served_hosts("127.0.0.1")  # as the CLI serves it
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        host, port = sock.getsockname()
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="dialnexa-server", daemon=True
        )
        thread.start()
        while not server.started:
            if not thread.is_alive():
                pytest.fail("the DialNexa emulator's server did not start", pytrace=False)
            thread.join(0.01)
        return EmulatorHandle(app, f"http://{host}:{port}/v1"), server, thread

    def stop(self) -> None:
        for _, server, _ in self._running.values():
            server.should_exit = True
        for _, _, thread in self._running.values():
            thread.join(10)
