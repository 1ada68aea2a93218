"""The request and the two responses shown on DialNexa's reference page for POST /v1/calls."""

from __future__ import annotations

from typing import Any

SEED_REQUEST: dict[str, Any] = {
    "agent_id": "agt_abc123",
    "to_phone_number": "+919876543210",
    "from_phone_number": "+912234567890",
    "agent_version_number": 3,
    "metadata": {"customer_name": "Priya Sharma", "account_id": "ACC-9912"},
}
SEED_CREATED: dict[str, Any] = {
    "id": "call_abc123",
    "to_phone_number": "+919876543210",
    "agent_id": "agt_abc123",
    "agent_version_number": 1,
    "status": "initiated",
    "created_at": "2024-03-01T10:00:00.000Z",
}
SEED_COMPLETED: dict[str, Any] = {
    "id": "call_x9y3zp4mq7r1",
    "status": "completed",
    "agent_id": "agt_k7m2nq9xw4p8",
    "to_phone_number": "+919876543210",
    "from_phone_number": "+912234567890",
    "duration_sec": 142,
    "created_at": "2024-05-01T14:22:00.000Z",
    "ended_at": "2024-05-01T14:24:22.000Z",
}
