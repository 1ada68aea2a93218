"""Contains all the data models used in inputs/outputs"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .call import Call
    from .call_status import CallStatus
    from .create_call_request import CreateCallRequest
    from .error import Error
    from .metadata import Metadata

_MODULES = {
    "Call": ".call",
    "CallStatus": ".call_status",
    "CreateCallRequest": ".create_call_request",
    "Error": ".error",
    "Metadata": ".metadata",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_MODULES[name], __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULES])


__all__ = (
    "Call",
    "CallStatus",
    "CreateCallRequest",
    "Error",
    "Metadata",
)
