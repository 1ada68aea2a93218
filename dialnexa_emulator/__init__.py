"""A stateful local emulator of DialNexa's calls API.

    app = create_app()                    # the embedded default config, real time
    app.state.emulator.clock.advance(60)  # also .reset(), .faults.add(...), .clock.now()

In process, async: httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=...);
sync: httpx.Client(transport=SyncASGITransport(app), base_url=...), base URL "http://emulator/v1".
"""

from .app import create_app
from .clock import FrozenClock, SystemClock
from .config import ConfigError, EmulatorConfig, default_config, load_config
from .emulator import Emulator
from .faults import ConnectionDropped
from .transport import SyncASGITransport

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
