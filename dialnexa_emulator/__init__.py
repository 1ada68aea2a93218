"""A stateful local emulator of DialNexa's calls API.

    app = create_app()                    # the embedded default config, real time
    app.state.emulator.clock.advance(60)  # also .reset(), .faults, .journal, .seed_calls(...)

In process, async: httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=...);
sync: httpx.Client(transport=SyncASGITransport(app), base_url=...), base URL "http://emulator/v1".
Or `with mock_dialnexa() as emulator:` - any httpx client's requests for api.dialnexa.com reach a
fresh emulator - and the pytest fixtures `dialnexa_emulator`, `dialnexa_client`,
`dialnexa_async_client`, `dialnexa_server` (docs/testing-your-code.md).
"""

from typing import TYPE_CHECKING, Any

from .app import create_app
from .clock import FrozenClock, SystemClock
from .config import ConfigError, EmulatorConfig, default_config, load_config
from .emulator import Emulator

if TYPE_CHECKING:
    from .inprocess import ConnectionDropped, SyncASGITransport
    from .mock import EmulatorHandle, mock_dialnexa

__all__ = [
    "ConfigError",
    "ConnectionDropped",
    "Emulator",
    "EmulatorConfig",
    "EmulatorHandle",
    "FrozenClock",
    "SyncASGITransport",
    "SystemClock",
    "create_app",
    "default_config",
    "load_config",
    "mock_dialnexa",
]


def __getattr__(name: str) -> Any:
    # Imported on first use: httpx takes longer to import than the rest of the emulator.
    if name in ("ConnectionDropped", "SyncASGITransport"):
        from . import inprocess  # noqa: PLC0415

        return getattr(inprocess, name)
    if name in ("EmulatorHandle", "mock_dialnexa"):
        from . import mock  # noqa: PLC0415

        return getattr(mock, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
