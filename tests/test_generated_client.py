"""The generated client speaks the spec: its requests validate, DialNexa's responses parse."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from dialnexa_client import AuthenticatedClient
from dialnexa_client.api.calls import create_call, get_call
from dialnexa_client.models import Call, CallStatus, CreateCallRequest, Metadata

from tests.conftest import Validator
from tests.seed import SEED_COMPLETED, SEED_CREATED, SEED_REQUEST

TOKEN = "kid_test:sk_test_secret"


def client_answering(
    status: int, body: dict[str, Any], seen: list[httpx.Request]
) -> AuthenticatedClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body)

    return AuthenticatedClient(
        base_url="https://api.dialnexa.com/v1",
        token=TOKEN,
        httpx_args={"transport": httpx.MockTransport(handler)},
    )


def test_create_call_request_validates_and_seed_response_parses(
    validator_at: Callable[[str], Validator],
) -> None:
    seen: list[httpx.Request] = []
    client = client_answering(201, SEED_CREATED, seen)
    body = CreateCallRequest(
        agent_id="agt_abc123",
        to_phone_number="+919876543210",
        from_phone_number="+912234567890",
        agent_version_number=3,
        metadata=Metadata.from_dict({"customer_name": "Priya Sharma", "account_id": "ACC-9912"}),
    )

    response = create_call.sync_detailed(client=client, body=body)

    (request,) = seen
    assert request.method == "POST"
    assert request.url == "https://api.dialnexa.com/v1/calls"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/json"
    sent = json.loads(request.content)
    assert sent == SEED_REQUEST
    assert validator_at("/components/schemas/CreateCallRequest").is_valid(sent)

    assert response.status_code == 201
    call = response.parsed
    assert isinstance(call, Call)
    assert call.id == "call_abc123"
    assert call.status == CallStatus.INITIATED
    assert call.agent_version_number == 1
    assert call.created_at == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)


def test_minimal_request_sends_only_the_required_fields(
    validator_at: Callable[[str], Validator],
) -> None:
    seen: list[httpx.Request] = []
    client = client_answering(201, SEED_CREATED, seen)
    create_call.sync_detailed(
        client=client,
        body=CreateCallRequest(agent_id="agt_abc123", to_phone_number="+919876543210"),
    )
    sent = json.loads(seen[0].content)
    assert sent == {"agent_id": "agt_abc123", "to_phone_number": "+919876543210"}
    assert validator_at("/components/schemas/CreateCallRequest").is_valid(sent)


def test_completed_seed_response_parses_through_get_call() -> None:
    seen: list[httpx.Request] = []
    client = client_answering(200, SEED_COMPLETED, seen)

    response = get_call.sync_detailed("call_x9y3zp4mq7r1", client=client)

    assert seen[0].url == "https://api.dialnexa.com/v1/calls/call_x9y3zp4mq7r1"
    call = response.parsed
    assert isinstance(call, Call)
    assert call.status == CallStatus.COMPLETED
    assert call.duration_sec == 142
    assert call.ended_at == datetime(2024, 5, 1, 14, 24, 22, tzinfo=UTC)
    assert call.from_phone_number == "+912234567890"
    # The completed example has no agent_version_number: it stays unset, not invented.
    assert not call.agent_version_number
