from enum import StrEnum


class HangupReason(StrEnum):
    AGENT_DISCONNECTED = "agent_disconnected"
    DESTINATION_FORBIDDEN = "destination_forbidden"
    INVALID_PHONE_NUMBER = "invalid_phone_number"
    NETWORK_FAILURE = "network_failure"
    SIP_AUTH_FAILED = "sip_auth_failed"
    SIP_TRUNK_UNREACHABLE = "sip_trunk_unreachable"
    UNALLOCATED_PHONE_NUMBER = "unallocated_phone_number"
    UNKNOWN = "unknown"
    USER_BUSY = "user_busy"
    USER_DID_NOT_PICK_UP = "user_did_not_pick_up"
    USER_DISCONNECTED = "user_disconnected"
    USER_UNREACHABLE = "user_unreachable"
    VOICEMAIL_DETECTED = "voicemail_detected"

    def __str__(self) -> str:
        return str(self.value)

    @property
    def is_known(self) -> bool:
        """False for a value this client does not know (the server added it later); `.value` keeps it."""
        return self._value_ in type(self)._value2member_map_

    @classmethod
    def _missing_(cls, value: object) -> "HangupReason | None":
        # Called by HangupReason(value) for an unknown value: a pseudo-member named
        # UNKNOWN that compares, hashes and serializes as the raw string.
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = "UNKNOWN"
        member._value_ = value
        return member
