from enum import StrEnum


class WebhookCallStatus(StrEnum):
    COMPLETED = "completed"
    HANGUP = "hangup"
    INITIATED = "initiated"

    def __str__(self) -> str:
        return str(self.value)

    @property
    def is_known(self) -> bool:
        """False for a value this client does not know (the server added it later); `.value` keeps it."""
        return self._value_ in type(self)._value2member_map_

    @classmethod
    def _missing_(cls, value: object) -> "WebhookCallStatus | None":
        # Called by WebhookCallStatus(value) for an unknown value: a pseudo-member named
        # UNKNOWN that compares, hashes and serializes as the raw string.
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = "UNKNOWN"
        member._value_ = value
        return member
