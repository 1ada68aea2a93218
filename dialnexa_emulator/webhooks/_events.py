"""What a call's webhook events say, and when they are due: the spec's `webhooks:` bodies.

The REST call record and the event disagree in vocabulary (docs/webhooks.md): events write numbers
as digits without `+`, report `initiated`, then `completed` or `hangup` with a `hangup_reason`.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from dialnexa_emulator._clock import iso
from dialnexa_emulator._errors import dump_json
from dialnexa_emulator._store import CallRecord

# Why a call that never connected ended, by its final status (HangupReason in the spec).
HANGUP_REASONS = {
    "did_not_pick": "user_did_not_pick_up",
    "busy": "user_busy",
    "no_answer": "user_unreachable",
    "failed": "network_failure",
    "cancelled": "unknown",
    "retry_expired": "user_did_not_pick_up",
}
# A completed call's transcript ends with the agent's goodbye: the agent hangs up.
COMPLETED_HANGUP_REASON = "agent_disconnected"


def due_events(call: CallRecord) -> list[tuple[datetime, str]]:
    """When each of the call's events is due: `call_initiated` as its setup starts (a call
    cancelled while queued never starts), `call_ended` as it reaches its final status."""
    events = [(at, "call_initiated") for at, status in call.timeline if status == "initiated"]
    events.append((call.ended_at, "call_ended"))
    return events


def event_body(call: CallRecord, event_type: str) -> bytes:
    """The delivery's JSON body, exactly as it is signed and sent."""
    initiated_at = next((at for at, status in call.timeline if status == "initiated"), None)
    body: dict[str, Any] = {
        "id": call.id,
        "direction": "outbound",
        "type": "phone_call",
        "from_number": call.from_phone_number.removeprefix("+"),
        "to_number": call.to_phone_number.removeprefix("+"),
        "status": "initiated",
        "agent_id": call.agent_id,
        "initiated_at": iso(initiated_at) if initiated_at is not None else None,
    }
    if event_type == "call_ended":
        final = call.timeline[-1][1]
        if final == "completed":
            body["status"] = "completed"
            body["duration"] = call.duration_sec
            if call.transcript is not None:
                body["transcript"] = call.transcript
            body["hangup_reason"] = COMPLETED_HANGUP_REASON
        else:
            body["status"] = "hangup"
            body["hangup_reason"] = body["disconnection_reason"] = HANGUP_REASONS[final]
    return dump_json({"event_type": event_type, "payload": {"call": body}})


def signature(body: bytes, secret: str) -> str:
    """`X-DialNexa-Signature`: lowercase hex HMAC-SHA256 of the raw body, keyed with the secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
