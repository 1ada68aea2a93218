"""A stateful local emulator of DialNexa's calls API.

    app = create_app()                    # the embedded default config, real time
    app.state.emulator.clock.advance(60)  # also .reset(), .faults.add(...), .clock.now()

In process, async: httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=...);
sync: httpx.Client(transport=SyncASGITransport(app), base_url=...), base URL "http://emulator/v1".
"""

from typing import TYPE_CHECKING, Any

from .app import create_app
from .clock import FrozenClock, SystemClock
from .config import ConfigError, EmulatorConfig, default_config, load_config
from .emulator import Emulator

if TYPE_CHECKING:
    from .inprocess import ConnectionDropped, SyncASGITransport

__all__ = [
    "ConfigError",
    "ConnectionDropped",
    "Emulator",
    "EmulatorConfig",
    "FrozenClock",
    "SyncASGITransport",
    "SystemClock",
    "create_app",
    "default_config",
    "load_config",
]


def __getattr__(name: str) -> Any:
    # Imported on first use: httpx takes longer to import than the rest of the emulator.
    if name in ("ConnectionDropped", "SyncASGITransport"):
        from . import inprocess  # noqa: PLC0415

        return getattr(inprocess, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
