"""The client's objects are attrs classes, as openapi-python-client makes them: the models compare
field by field, copy with `attrs.evolve`, convert with `attrs.asdict`, and show in their repr only
the fields that are set; AuthenticatedClient keeps its constructor and its `with_*` copies."""

from __future__ import annotations

import inspect
from typing import Any

import attrs
import pytest
from dialnexa_client import AuthenticatedClient, RetryPolicy
from dialnexa_client.api.calls import correlated, get_call
from dialnexa_client.models import Call, CallStatus, CreateCallRequest
from dialnexa_client.types import UNSET
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.client.conftest import AGENT, BASE_URL, CALL, DESTINATION, TOKEN, Script, answer
from tests.client.spec_bodies import schema_bodies, unknown_fields
from tests.conftest import load_spec

CALL_FIELDS = set(load_spec()["components"]["schemas"]["Call"]["properties"])
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def calls(draw: st.DrawFn) -> dict[str, Any]:
    """A schema-valid call, perhaps with fields added after this client."""
    call: dict[str, Any] = draw(schema_bodies("Call"))
    return {**draw(unknown_fields(CALL_FIELDS)), **call}


@SLOW
@given(calls(), st.sampled_from(sorted({s.value for s in CallStatus})))
def test_a_model_compares_by_value_and_copies_with_evolve(
    sent: dict[str, Any], status: str
) -> None:
    call = Call.from_dict(sent)
    assert attrs.has(type(call)) and call == Call.from_dict(dict(sent))
    new_status = CallStatus(status)
    changed = attrs.evolve(call, status=new_status)
    assert changed.status == new_status
    assert (changed == call) == (call.status == new_status and not call.additional_properties)
    for field in attrs.fields(Call):
        if field.init and field.name != "status":
            assert getattr(changed, field.name) == getattr(call, field.name)
    assert changed.additional_properties == {}  # not a constructor argument: a copy leaves it
    assert attrs.asdict(call, recurse=False)["id"] == sent["id"]


@SLOW
@given(calls())
def test_a_model_repr_shows_what_is_set_and_nothing_else(sent: dict[str, Any]) -> None:
    call = Call.from_dict(sent)
    shown = repr(call)
    assert "Unset" not in shown and "UNSET" not in shown and "object at 0x" not in shown
    for field in attrs.fields(Call):
        value = getattr(call, field.name)
        if field.name == "request_id":
            continue
        if field.name == "additional_properties":
            assert (f", additional_properties={value!r})" in shown) == bool(value)
        else:
            assert (f"{field.name}=" in shown) == (field.name in sent or value is not UNSET)
    assert shown.startswith("Call(id=")


def test_a_model_has_exactly_its_fields() -> None:
    body = CreateCallRequest(agent_id=AGENT, to_phone_number=DESTINATION)
    with pytest.raises(AttributeError):
        body.agent = "agt_other"  # type: ignore[attr-defined]
    assert repr(body) == "CreateCallRequest(agent_id='agt_abc123', to_phone_number='+919876543210')"
    tagged = correlated(body, "order-1")
    assert tagged.metadata and tagged.metadata["correlation_id"] == "order-1"
    assert body.metadata is not tagged.metadata and body == CreateCallRequest(AGENT, DESTINATION)


def test_the_client_constructor_keeps_its_arguments() -> None:
    policy = RetryPolicy(max_retries=0)
    client = AuthenticatedClient(
        BASE_URL,
        TOKEN,
        "Token",
        "X-Api-Key",
        raise_on_unexpected_status=True,
        cookies={"c": "1"},
        headers={"X-Team": "calls"},
        timeout=7,
        verify_ssl=False,
        follow_redirects=True,
        httpx_args={"max_redirects": 3},
        retries=policy,
    )
    request = client.get_httpx_client().build_request("GET", "/calls/call_abc123")
    assert request.headers["X-Api-Key"] == f"Token {TOKEN}"
    assert request.headers["X-Team"] == "calls"
    assert request.headers["Cookie"] == "c=1"
    assert request.extensions["timeout"]["read"] == 7
    assert client.get_httpx_client().follow_redirects
    assert client.get_httpx_client().max_redirects == 3
    assert client.retries is policy and client.raise_on_unexpected_status
    parameters = inspect.signature(AuthenticatedClient).parameters.values()
    assert [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD] == [
        "base_url",
        "token",
        "prefix",
        "auth_header_name",
    ]


def test_defaults_are_fresh_for_every_client() -> None:
    first, second = AuthenticatedClient(BASE_URL, TOKEN), AuthenticatedClient(BASE_URL, TOKEN)
    first.headers["X-Mine"] = "1"
    assert second.headers == {} and second.cookies == {} and second.httpx_args == {}
    assert first.retries == RetryPolicy()


def test_with_copies_leave_the_original_alone() -> None:
    script = Script(*[answer(200, CALL)] * 3)
    client = script.client(headers={"X-Team": "calls"})
    traced = client.with_headers({"X-Trace": "t-1"}).with_cookies({"c": "1"}).with_timeout(3)
    get_call.sync("call_abc123", client=traced)
    get_call.sync("call_abc123", client=client)
    view = client.with_call_options(headers={"X-Once": "1"})
    get_call.sync("call_abc123", client=view)
    copied, original, through_view = script.requests
    assert copied.headers["X-Team"] == "calls" and copied.headers["X-Trace"] == "t-1"
    assert copied.headers["Cookie"] == "c=1" and copied.extensions["timeout"]["read"] == 3
    assert "X-Trace" not in original.headers and "Cookie" not in original.headers
    assert original.extensions["timeout"]["read"] == 30
    assert through_view.headers["X-Once"] == "1"
    assert view.get_httpx_client() is client.get_httpx_client()  # a view shares the connections
    assert traced.get_httpx_client() is not client.get_httpx_client()
    assert TOKEN not in repr(traced) and TOKEN not in repr(view)
