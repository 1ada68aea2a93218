"""The kit's test integration: `mock_dialnexa()`, the handle a test steers the emulator through,
the in-process transport, a webhook receiver, and the pytest plugin (`pytest_plugin`, loaded by
pytest's entry point at every pytest start: so nothing here is imported before it is used)."""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dialnexa_emulator._overrides import OverrideError
    from dialnexa_emulator.testing._handle import EmulatorHandle
    from dialnexa_emulator.testing._mock import (
        DialNexaMock,
        MockSetupError,
        current_emulator,
        mock_dialnexa,
    )
    from dialnexa_emulator.testing._receiver import ReceivedDelivery, WebhookReceiver
    from dialnexa_emulator.testing._transport import ConnectionDropped, SyncASGITransport
    from dialnexa_emulator.testing._waiting import NeverEndingWait

__all__ = [
    "ConnectionDropped",
    "DialNexaMock",
    "EmulatorHandle",
    "MockSetupError",
    "NeverEndingWait",
    "OverrideError",
    "ReceivedDelivery",
    "SyncASGITransport",
    "WebhookReceiver",
    "current_emulator",
    "mock_dialnexa",
]

_HOMES = {
    "DialNexaMock": "_mock",
    "EmulatorHandle": "_handle",
    "MockSetupError": "_mock",
    "current_emulator": "_mock",
    "mock_dialnexa": "_mock",
    "NeverEndingWait": "_waiting",
    "OverrideError": "..._overrides",
    "ReceivedDelivery": "_receiver",
    "WebhookReceiver": "_receiver",
    "ConnectionDropped": "_transport",
    "SyncASGITransport": "_transport",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = f"dialnexa_emulator.{home[3:]}" if home.startswith("...") else f"{__name__}.{home}"
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
