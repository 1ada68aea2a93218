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
