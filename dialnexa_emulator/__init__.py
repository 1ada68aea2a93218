"""A stateful local emulator of DialNexa's calls API.

from dialnexa_emulator import create_app
app = create_app()                      # the embedded default config, real time
app.state.emulator.clock.advance(60)    # or reset(), faults.add(...)
"""

from .app import create_app
from .clock import FrozenClock, SystemClock
from .config import ConfigError, EmulatorConfig, default_config, load_config
from .emulator import Emulator
from .faults import ConnectionDropped

__all__ = [
    "ConfigError",
    "ConnectionDropped",
    "Emulator",
    "EmulatorConfig",
    "FrozenClock",
    "SystemClock",
    "create_app",
    "default_config",
    "load_config",
]
