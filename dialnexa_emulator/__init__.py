"""A stateful local emulator of DialNexa's calls API.

    app = create_app()                    # the embedded default config, real time
    app.state.emulator.clock.advance(60)  # also .reset(), .faults, .journal, .seed_calls(...)

In process, async: httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=...);
sync: httpx.Client(transport=SyncASGITransport(app), base_url=...), base URL "http://emulator/v1".
Or `with mock_dialnexa() as emulator:` - any httpx client's requests for api.dialnexa.com reach a
fresh emulator - and the pytest fixtures `dialnexa_emulator`, `dialnexa_client`,
`dialnexa_async_client`, `dialnexa_server` (docs/testing-your-code.md).

The package is laid out by audience: the emulator's core is the flat private modules here (no
Starlette); `web/` is its HTTP layer, `control/` the control plane, `webhooks/` the deliveries,
`server/` the served process (CLI, state file) and `testing/` the kit's test integration. Every
name below is imported on first use, so importing the package (as the pytest plugin does at every
pytest start) costs next to nothing.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dialnexa_emulator._answers import OffSpecAnswerError
    from dialnexa_emulator._clock import FrozenClock, SystemClock
    from dialnexa_emulator._config import ConfigError, EmulatorConfig, default_config, load_config
    from dialnexa_emulator._emulator import Emulator
    from dialnexa_emulator._spec import SpecError
    from dialnexa_emulator.app import create_app
    from dialnexa_emulator.testing import (
        ConnectionDropped,
        DialNexaMock,
        EmulatorHandle,
        MockSetupError,
        NeverEndingWait,
        OverrideError,
        SyncASGITransport,
        WebhookReceiver,
        current_emulator,
        mock_dialnexa,
    )

__all__ = [
    "ConfigError",
    "ConnectionDropped",
    "DialNexaMock",
    "Emulator",
    "EmulatorConfig",
    "EmulatorHandle",
    "FrozenClock",
    "MockSetupError",
    "NeverEndingWait",
    "OffSpecAnswerError",
    "OverrideError",
    "SpecError",
    "SyncASGITransport",
    "SystemClock",
    "WebhookReceiver",
    "create_app",
    "current_emulator",
    "default_config",
    "load_config",
    "mock_dialnexa",
]

_HOMES = {
    "OffSpecAnswerError": "dialnexa_emulator._answers",
    "SpecError": "dialnexa_emulator._spec",
    "FrozenClock": "dialnexa_emulator._clock",
    "SystemClock": "dialnexa_emulator._clock",
    "ConfigError": "dialnexa_emulator._config",
    "EmulatorConfig": "dialnexa_emulator._config",
    "default_config": "dialnexa_emulator._config",
    "load_config": "dialnexa_emulator._config",
    "Emulator": "dialnexa_emulator._emulator",
    "create_app": "dialnexa_emulator.app",
    "ConnectionDropped": "dialnexa_emulator.testing",
    "DialNexaMock": "dialnexa_emulator.testing",
    "EmulatorHandle": "dialnexa_emulator.testing",
    "SyncASGITransport": "dialnexa_emulator.testing",
    "WebhookReceiver": "dialnexa_emulator.testing",
    "mock_dialnexa": "dialnexa_emulator.testing",
    "MockSetupError": "dialnexa_emulator.testing",
    "NeverEndingWait": "dialnexa_emulator.testing",
    "OverrideError": "dialnexa_emulator.testing",
    "current_emulator": "dialnexa_emulator.testing",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
