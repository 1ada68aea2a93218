"""Contains all the data models used in inputs/outputs"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .call import Call
    from .call_ended_event import CallEndedEvent
    from .call_initiated_event import CallInitiatedEvent
    from .call_status import CallStatus
    from .create_call_request import CreateCallRequest
    from .error import Error
    from .hangup_reason import HangupReason
    from .metadata import Metadata
    from .webhook_call import WebhookCall
    from .webhook_call_status import WebhookCallStatus
    from .webhook_payload import WebhookPayload

_MODULES = {
    "Call": ".call",
    "CallEndedEvent": ".call_ended_event",
    "CallInitiatedEvent": ".call_initiated_event",
    "CallStatus": ".call_status",
    "CreateCallRequest": ".create_call_request",
    "Error": ".error",
    "HangupReason": ".hangup_reason",
    "Metadata": ".metadata",
    "WebhookCall": ".webhook_call",
    "WebhookCallStatus": ".webhook_call_status",
    "WebhookPayload": ".webhook_payload",
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
    "CallEndedEvent",
    "CallInitiatedEvent",
    "CallStatus",
    "CreateCallRequest",
    "Error",
    "HangupReason",
    "Metadata",
    "WebhookCall",
    "WebhookCallStatus",
    "WebhookPayload",
)
