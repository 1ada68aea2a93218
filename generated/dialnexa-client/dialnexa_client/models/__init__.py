"""Contains all the data models used in inputs/outputs"""

from .call import Call
from .call_status import CallStatus
from .create_call_request import CreateCallRequest
from .error import Error
from .metadata import Metadata

__all__ = (
    "Call",
    "CallStatus",
    "CreateCallRequest",
    "Error",
    "Metadata",
)
