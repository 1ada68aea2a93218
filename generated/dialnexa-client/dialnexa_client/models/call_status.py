from enum import StrEnum


class CallStatus(StrEnum):
    BUSY = "busy"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    CREATED = "created"
    DID_NOT_PICK = "did_not_pick"
    FAILED = "failed"
    INITIATED = "initiated"
    NO_ANSWER = "no_answer"
    RECEIVED = "received"
    RETRY_EXPIRED = "retry_expired"
    SENT = "sent"

    def __str__(self) -> str:
        return str(self.value)

    @property
    def is_known(self) -> bool:
        """False for a value this client does not know (the server added it later); `.value` keeps it."""
        return self._value_ in type(self)._value2member_map_

    @property
    def is_final(self) -> bool:
        """Whether the value is one that never changes again (the spec's `x-final-values`). A value
        this client does not know is not final."""
        return self._value_ in _FINAL_VALUES

    @classmethod
    def _missing_(cls, value: object) -> "CallStatus | None":
        # Called by CallStatus(value) for an unknown value: a pseudo-member named
        # UNKNOWN that compares, hashes and serializes as the raw string.
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = "UNKNOWN"
        member._value_ = value
        return member


_FINAL_VALUES = frozenset(
    {
        "busy",
        "cancelled",
        "completed",
        "did_not_pick",
        "failed",
        "no_answer",
        "retry_expired",
    }
)
