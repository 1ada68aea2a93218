"""The emulator's state, and the Python handle tests hold as `app.state.emulator`."""

from __future__ import annotations

from typing import Literal

from .auth import KeyRing
from .clock import Clock
from .config import EmulatorConfig, Workspace
from .faults import Faults
from .ratelimit import RateLimiter
from .spec import Spec
from .store import MemoryStore, Store
from .webhooks import Webhooks

ControlPlaneAccess = Literal["anywhere", "loopback", "off"]


class Emulator:
    """Everything a request reads or changes, plus the controls `/_emulator/` exposes over HTTP.

    - `reset()`: forget calls, restore balances, rate-limit windows and faults, rewind the clock.
    - `clock.advance(seconds)`, `clock.now()`: move and read the time calls age by.
    - `faults.add(operation=..., count=..., status=..., ...)`, `faults.clear()`: inject faults.
    - `webhooks`: endpoints, deliveries, `flush()`, delivery faults (docs/webhooks.md).
    - `control_plane`: who may use `/_emulator/` over HTTP ("anywhere" in process; the CLI
      narrows it to "loopback").
    """

    def __init__(self, config: EmulatorConfig, clock: Clock, spec: Spec) -> None:
        self.config = config
        self.clock = clock
        self.spec = spec
        self.workspaces: dict[str, Workspace] = {w.id: w for w in config.workspaces}
        self.keys = KeyRing(key for w in config.workspaces for key in w.api_keys)
        self.store: Store = MemoryStore({w.id: w.balance for w in config.workspaces})
        self.faults = Faults(spec.operations)
        self.rate_limiter = RateLimiter()
        self.webhooks = Webhooks(config.workspaces, clock)
        self.control_plane: ControlPlaneAccess = "anywhere"

    def reset(self) -> None:
        self.store.reset()
        self.faults.clear()
        self.rate_limiter.reset()
        self.webhooks.reset()
        self.clock.reset()
