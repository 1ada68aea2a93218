"""Responses parse however the API grows: schema-valid bodies generated from openapi.yaml, plus
fields and status values this client does not know, and any integer HTTP status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from dialnexa_client import AuthenticatedClient, RetryPolicy, errors
from dialnexa_client.api.calls import create_call, get_call, list_calls
from dialnexa_client.models import Call, CallStatus, CreateCallRequest, Error
from dialnexa_client.types import Response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.client.conftest import AGENT, CALL, DESTINATION, Script, answer, envelope
from tests.client.spec_bodies import JSON, schema_bodies, unknown_fields
from tests.conftest import load_spec

SPEC = load_spec()
CALL_FIELDS = set(SPEC["components"]["schemas"]["Call"]["properties"])
ERROR_FIELDS = set(SPEC["components"]["schemas"]["Error"]["properties"])
KNOWN_STATUSES = {status.value for status in CallStatus}
DATETIMES = {"created_at", "ended_at"}
NO_RETRIES = RetryPolicy(max_retries=0)
BODY = CreateCallRequest(agent_id=AGENT, to_phone_number=DESTINATION)
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

future_statuses = st.text(min_size=1).filter(lambda s: s not in KNOWN_STATUSES)


@st.composite
def future_calls(draw: st.DrawFn) -> dict[str, Any]:
    """A schema-valid call, perhaps with a status value and fields added after this client."""
    call: dict[str, Any] = draw(schema_bodies("Call"))
    if draw(st.booleans()):
        call["status"] = draw(future_statuses)
    return {**draw(unknown_fields(CALL_FIELDS)), **call}


def assert_keeps_everything(call: Call, sent: dict[str, Any]) -> None:
    assert call.status.value == sent["status"]
    assert call.status.is_known == (sent["status"] in KNOWN_STATUSES)
    assert call.additional_properties == {k: v for k, v in sent.items() if k not in CALL_FIELDS}
    back = call.to_dict()
    assert back.keys() == sent.keys()
    for key, value in sent.items():
        if key in DATETIMES and value is not None:  # isoformat() spells instants its own way
            assert datetime.fromisoformat(back[key]) == datetime.fromisoformat(value)
        else:
            assert back[key] == value, key


@SLOW
@given(future_calls())
def test_get_call_parses_any_valid_or_future_call_and_keeps_raw_values(
    sent: dict[str, Any],
) -> None:
    client = Script(answer(200, sent)).client()
    assert_keeps_everything(get_call.sync("call_abc123", client=client), sent)


@SLOW
@given(st.lists(future_calls(), max_size=3))
def test_list_calls_parses_pages_of_valid_or_future_calls(sent: list[dict[str, Any]]) -> None:
    calls = list_calls.sync(client=Script(answer(200, sent)).client())
    assert len(calls) == len(sent)
    for call, body in zip(calls, sent, strict=True):
        assert_keeps_everything(call, body)


@SLOW
@given(future_calls())
def test_create_call_parses_any_valid_or_future_call(sent: dict[str, Any]) -> None:
    call = create_call.sync(client=Script(answer(201, sent)).client(), body=BODY)
    assert_keeps_everything(call, sent)


def test_an_unknown_status_is_a_recognisable_pseudo_member() -> None:
    ringing = CallStatus("ringing")
    assert not ringing.is_known
    assert ringing == "ringing" and str(ringing) == "ringing" and ringing.value == "ringing"
    assert ringing.name == "UNKNOWN" and ringing not in list(CallStatus)
    assert CallStatus("busy") is CallStatus.BUSY and CallStatus.BUSY.is_known
    with pytest.raises(ValueError, match="not a valid CallStatus"):
        CallStatus(3)  # type: ignore[arg-type]  # only strings are status values


def test_an_unknown_status_is_sent_back_as_it_came() -> None:
    script = Script(answer(200, []))
    list_calls.sync(client=script.client(), status=[CallStatus("ringing"), CallStatus.BUSY])
    assert script.requests[0].url.params.get_list("status") == ["ringing", "busy"]


# -- errors: every documented error status, and statuses nobody documented -------------------

OPERATIONS: dict[str, tuple[Callable[[AuthenticatedClient], object], str]] = {
    "createCall": (lambda client: create_call.sync(client=client, body=BODY), "POST"),
    "getCall": (lambda client: get_call.sync("call_abc123", client=client), "GET"),
    "listCalls": (lambda client: list_calls.sync(client=client), "GET"),
}
DETAILED: dict[str, Callable[[AuthenticatedClient], Response[Any]]] = {
    "createCall": lambda client: create_call.sync_detailed(client=client, body=BODY),
    "getCall": lambda client: get_call.sync_detailed("call_abc123", client=client),
    "listCalls": lambda client: list_calls.sync_detailed(client=client),
}
SUCCESS = {"createCall": 201, "getCall": 200, "listCalls": 200}
DOCUMENTED_ERRORS = [
    (operation["operationId"], int(status))
    for path in SPEC["paths"].values()
    for operation in path.values()
    for status in operation["responses"]
    if int(status) >= 400
]
BY_STATUS = {
    400: errors.BadRequestError,
    401: errors.AuthenticationError,
    402: errors.PaymentRequiredError,
    403: errors.PermissionDeniedError,
    404: errors.NotFoundError,
    429: errors.RateLimitError,
}


def expected_error(status: int, method: str) -> type[errors.APIStatusError]:
    if status >= 500:
        return errors.ServerError if method == "GET" else errors.ServerOutcomeUnknownError
    if status >= 400:
        return BY_STATUS.get(status, errors.APIStatusError)
    return errors.UnexpectedStatus


@st.composite
def future_errors(draw: st.DrawFn) -> dict[str, Any]:
    error: dict[str, Any] = draw(schema_bodies("Error"))
    return {**draw(unknown_fields(ERROR_FIELDS)), **error}


@pytest.mark.parametrize(("operation", "status"), DOCUMENTED_ERRORS)
@SLOW
@given(body=future_errors())
def test_documented_errors_raise_their_class_with_the_envelope(
    operation: str, status: int, body: dict[str, Any]
) -> None:
    call, method = OPERATIONS[operation]
    client = Script(answer(status, body), answer(status, body)).client(retries=NO_RETRIES)
    with pytest.raises(expected_error(status, method)) as raised:
        call(client)
    exc = raised.value
    assert exc.status_code == status
    assert exc.error is not None and exc.error.to_dict() == body
    message = body["message"]
    assert exc.messages == (message if isinstance(message, list) else [message])

    detailed = DETAILED[operation](client)  # never raises on a status
    assert detailed.status_code == status
    assert isinstance(detailed.parsed, Error) and detailed.parsed.to_dict() == body


non_success_statuses = st.one_of(
    st.integers(100, 599), st.sampled_from([520, 521, 499, 299, 600, 999])
)
odd_bodies = st.one_of(
    st.just(b""),
    st.just(b"<html><body>502 Bad Gateway</body></html>"),
    JSON.map(lambda value: httpx.Response(200, json=value).content),
    future_errors().map(lambda value: httpx.Response(200, json=value).content),
)


@settings(max_examples=150, deadline=None)
@given(
    operation=st.sampled_from(sorted(OPERATIONS)),
    status=non_success_statuses,
    content=odd_bodies,
    retry_after=st.none() | st.integers(0, 3600),
)
def test_any_status_with_any_body_reaches_the_caller(
    operation: str, status: int, content: bytes, retry_after: int | None
) -> None:
    if status == SUCCESS[operation]:
        return
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    response = answer(status, content, **headers)
    client = Script(response, response).client(retries=NO_RETRIES)

    detailed = DETAILED[operation](client)
    assert detailed.status_code == status and detailed.content == content

    call, method = OPERATIONS[operation]
    with pytest.raises(expected_error(status, method)) as raised:
        call(client)
    exc = raised.value
    assert exc.status_code == status and exc.content == content
    assert exc.retry_after == retry_after
    assert exc.headers.get("retry-after") == headers.get("Retry-After")
    if exc.error is None:
        assert exc.messages == []
    assert str(status) in str(exc)


def test_raise_on_unexpected_status_still_raises_from_detailed() -> None:
    client = Script(answer(418, envelope(418))).client(raise_on_unexpected_status=True)
    with pytest.raises(errors.UnexpectedStatus) as raised:
        get_call.sync_detailed("call_abc123", client=client)
    assert raised.value.status_code == 418 and raised.value.messages == ["boom"]


def test_a_success_status_the_spec_does_not_document_is_unexpected() -> None:
    client = Script(answer(200, CALL)).client()
    detailed = create_call.sync_detailed(client=Script(answer(200, CALL)).client(), body=BODY)
    assert detailed.status_code == 200 and detailed.parsed is None
    with pytest.raises(errors.UnexpectedStatus):
        create_call.sync(client=client, body=BODY)
