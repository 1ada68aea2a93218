"""Client vs spec: the generated client's requests validate against openapi.yaml, and every
response the spec allows parses into the right model and survives a round trip.

No server is involved: inputs and response bodies are generated from the spec's own schemas and
the client talks to an `httpx.MockTransport`, so these properties hold for any server.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from dialnexa_client import AuthenticatedClient, RetryPolicy
from dialnexa_client.api.calls import create_call, get_call, list_calls
from dialnexa_client.models import Call, CallStatus, CreateCallRequest, Error
from hypothesis import given
from hypothesis import strategies as st

from dialnexa_contract import _spec as spec
from dialnexa_contract._spec_values import object_of, values_at

BASE_URL = "https://api.dialnexa.com/v1"
DATE_TIME_FIELDS = ("created_at", "ended_at")
# A valid answer for the request properties, which look only at what the client sent.
A_CALL = spec.load_spec()["paths"]["/calls"]["post"]["responses"]["201"]["content"][
    "application/json"
]["examples"]["initiated"]["value"]


class Wire(httpx.MockTransport):
    """Records what the client sends and answers with a prepared response."""

    def __init__(self, status: int = 200, body: Any = None) -> None:
        super().__init__(self._answer)
        self.status, self.body = status, body
        self.sent: list[httpx.Request] = []

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        # json.dumps escapes everything non-ASCII, so any generated string survives the trip.
        content = json.dumps(self.body).encode()
        return httpx.Response(
            self.status, content=content, headers={"Content-Type": "application/json"}
        )


def client_on(wire: Wire) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url=BASE_URL,
        token="kid_test:sk_test",  # noqa: S106 - a mock transport checks no key
        retries=RetryPolicy(max_retries=0),  # an error status is an answer to parse, not to retry
        httpx_args={"transport": wire},
    )


def errors_at(json_pointer: str, value: Any) -> list[str]:
    return [error.message for error in spec.validator_at(json_pointer).iter_errors(value)]


# Requests


@pytest.mark.contract(operation="createCall", check="client_request_conforms")
@given(body=values_at(spec.request_body_pointer("createCall")))
def test_create_call_sends_the_body_it_was_given(body: dict[str, Any]) -> None:
    wire = Wire(201, A_CALL)
    create_call.sync_detailed(client=client_on(wire), body=CreateCallRequest.from_dict(body))
    [request] = wire.sent
    assert (request.method, request.url.path) == ("POST", "/v1/calls")
    assert request.headers["Content-Type"] == "application/json"
    sent = json.loads(request.content)
    assert errors_at(spec.request_body_pointer("createCall"), sent) == []
    assert sent == body


@pytest.mark.contract(operation="getCall", check="client_request_conforms")
@given(call_id=values_at(spec.parameter_pointers("getCall", "path")["call_id"]))
def test_get_call_puts_the_id_in_the_path(call_id: str) -> None:
    wire = Wire(200, A_CALL)
    get_call.sync_detailed(call_id, client=client_on(wire))
    [request] = wire.sent
    assert request.method == "GET"
    sent_id = request.url.path.removeprefix("/v1/calls/")
    assert errors_at(spec.parameter_pointers("getCall", "path")["call_id"], sent_id) == []
    assert sent_id == call_id


LIST_QUERY = spec.parameter_pointers("listCalls", "query")
INTEGER_PARAMETERS = ("page", "limit")


def _as_client_arguments(query: dict[str, Any]) -> dict[str, Any]:
    """The generated values as the client's typed arguments (JSON Schema counts 3.0 as an int)."""
    arguments: dict[str, Any] = {
        name: int(query[name]) for name in INTEGER_PARAMETERS if name in query
    }
    if "status" in query:
        arguments["status"] = [CallStatus(value) for value in query["status"]]
    return {**query, **arguments}


def _read_query(request: httpx.Request) -> dict[str, Any]:
    """The query as the spec reads it: `status` is form/explode (repeated), the rest single."""
    values: dict[str, list[str]] = defaultdict(list)
    for name, value in request.url.params.multi_items():
        values[name].append(value)
    query: dict[str, Any] = {}
    for name, found in values.items():
        if name == "status":
            query[name] = found
        elif len(found) != 1:
            query[name] = found  # a repeated scalar: fails its schema below
        elif name in INTEGER_PARAMETERS and found[0].lstrip("-").isdigit():
            query[name] = int(found[0])
        else:
            query[name] = found[0]
    return query


@pytest.mark.contract(operation="listCalls", check="client_request_conforms")
@given(query=object_of(LIST_QUERY))
def test_list_calls_sends_the_filters_it_was_given(query: dict[str, Any]) -> None:
    wire = Wire(200, [])
    arguments = _as_client_arguments(query)
    list_calls.sync_detailed(client=client_on(wire), **arguments)
    [request] = wire.sent
    sent = _read_query(request)
    assert set(sent) <= set(LIST_QUERY), (
        f"undeclared query parameters: {set(sent) - set(LIST_QUERY)}"
    )
    for name, value in sent.items():
        assert errors_at(LIST_QUERY[name], value) == [], name
    assert {name: sent.get(name) for name in query} == {
        name: arguments[name] if name != "status" else query[name] for name in query
    }


# Responses

Caller = Callable[[AuthenticatedClient], Any]
CALLERS: dict[str, Caller] = {
    "createCall": lambda client: create_call.sync_detailed(
        client=client,
        body=CreateCallRequest(agent_id="agt_abc123", to_phone_number="+919876543210"),
    ),
    "getCall": lambda client: get_call.sync_detailed("call_abc123", client=client),
    "listCalls": lambda client: list_calls.sync_detailed(client=client),
}
SUCCESS = {"createCall": 201, "getCall": 200, "listCalls": 200}
RESPONSES = [
    pytest.param(
        operation_id,
        status,
        pointer,
        marks=pytest.mark.contract(operation=operation_id, check="client_parses_responses"),
        id=f"{operation_id}-{status}",
    )
    for operation_id in CALLERS
    for status, pointer in spec.response_schema_pointers(operation_id).items()
]


def _instants(value: Any) -> Any:
    """A JSON value with the calls' date-times as datetimes, which compare as instants."""
    if isinstance(value, list):
        return [_instants(item) for item in value]
    if isinstance(value, dict):
        return {
            key: datetime.fromisoformat(item)
            if key in DATE_TIME_FIELDS and isinstance(item, str)
            else _instants(item)
            for key, item in value.items()
        }
    return value


def _assert_round_trips(model: Call | Error, body: dict[str, Any]) -> None:
    assert type(model).from_dict(model.to_dict()) == model
    assert _instants(model.to_dict()) == _instants(body)


@pytest.mark.parametrize(("operation_id", "status", "pointer"), RESPONSES)
@given(data=st.data())
def test_client_parses_every_documented_response(
    operation_id: str, status: int, pointer: str, data: st.DataObject
) -> None:
    body = data.draw(values_at(pointer), label="body")
    response = CALLERS[operation_id](client_on(Wire(status, body)))
    assert response.status_code == status
    if status != SUCCESS[operation_id]:
        assert isinstance(response.parsed, Error)
        _assert_round_trips(response.parsed, body)
    elif operation_id == "listCalls":
        assert isinstance(response.parsed, list)
        assert len(response.parsed) == len(body)
        for call, item in zip(response.parsed, body, strict=True):
            assert isinstance(call, Call)
            _assert_round_trips(call, item)
    else:
        assert isinstance(response.parsed, Call)
        _assert_round_trips(response.parsed, body)
