"""Finite timeouts (default, per client, per call) and a token that never leaks."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from dialnexa_client import AuthenticatedClient, errors
from dialnexa_client.api.calls import create_call, get_call, list_calls
from dialnexa_client.client import DEFAULT_TIMEOUT
from dialnexa_client.models import CreateCallRequest

from tests.client.conftest import (
    AGENT,
    BASE_URL,
    CALL,
    DESTINATION,
    SECRET,
    TOKEN,
    Script,
    Sleeps,
    answer,
    envelope,
    policy,
)

BODY = CreateCallRequest(agent_id=AGENT, to_phone_number=DESTINATION)


def timeouts(request: httpx.Request) -> dict[str, float | None]:
    timeout: dict[str, float | None] = request.extensions["timeout"]
    return timeout


def test_the_default_timeout_is_30_seconds_and_5_to_connect() -> None:
    script = Script(answer(200, CALL))
    get_call.sync("call_abc123", client=script.client())
    assert httpx.Timeout(30.0, connect=5.0) == DEFAULT_TIMEOUT
    assert timeouts(script.requests[0]) == {
        "connect": 5.0,
        "read": 30.0,
        "write": 30.0,
        "pool": 30.0,
    }


def test_a_client_timeout_and_a_per_call_timeout() -> None:
    script = Script(*[answer(200, CALL)] * 3)
    client = script.client(timeout=10)
    get_call.sync("call_abc123", client=client)
    get_call.sync("call_abc123", client=client, timeout=httpx.Timeout(2.5, connect=1))
    get_call.sync("call_abc123", client=client)
    first, one_off, after = map(timeouts, script.requests)
    assert first == after == {"connect": 10, "read": 10, "write": 10, "pool": 10}
    assert one_off == {"connect": 1, "read": 2.5, "write": 2.5, "pool": 2.5}


def test_per_call_timeout_on_every_function() -> None:
    script = Script(answer(201, CALL), answer(201, CALL), answer(200, [CALL]), answer(200, [CALL]))
    client = script.client()
    create_call.sync(client=client, body=BODY, timeout=1)
    create_call.sync_detailed(client=client, body=BODY, timeout=2)
    asyncio.run(list_calls.asyncio(client=client, timeout=3))
    asyncio.run(list_calls.asyncio_detailed(client=client, timeout=4))
    assert [timeouts(r)["read"] for r in script.requests] == [1, 2, 3, 4]


def test_with_timeout_derives_a_client_and_leaves_the_original_alone() -> None:
    script = Script(*[answer(200, CALL)] * 2)
    client = script.client()
    client.get_httpx_client()  # the original already has its httpx client
    quick = client.with_timeout(3)
    get_call.sync("call_abc123", client=quick)
    get_call.sync("call_abc123", client=client)
    assert timeouts(script.requests[0])["read"] == 3
    assert timeouts(script.requests[1])["read"] == 30


def test_a_real_timeout_is_a_timeout_error() -> None:
    script = Script(httpx.ReadTimeout("no answer"))
    with pytest.raises(errors.APITimeoutError) as raised:
        get_call.sync("call_abc123", client=script.client(retries=policy(Sleeps(), max_retries=0)))
    assert not isinstance(raised.value, errors.OutcomeUnknownError)  # a read changes nothing


# -- secrets ------------------------------------------------------------------------------------


def test_the_token_is_sent_but_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sleeps = Sleeps()
    script = Script(
        answer(503),
        answer(200, CALL),
        httpx.ReadTimeout("slow"),
        answer(401, envelope(401, "API key is missing or invalid", "Unauthorized")),
    )
    client = script.client(retries=policy(sleeps), headers={"X-Team": "calls"})
    shown = [repr(client), str(client)]

    get_call.sync("call_abc123", client=client)
    for failing in (
        lambda: create_call.sync(client=client, body=BODY),
        lambda: list_calls.sync(client=client),
    ):
        with pytest.raises(errors.DialNexaError) as raised:
            failing()
        shown += [str(raised.value), repr(raised.value), repr(raised.value.__cause__)]
    derived = client.with_headers({"X-Trace": "1"}).with_timeout(5)
    shown += [repr(client), repr(derived), repr(client.get_httpx_client().headers), caplog.text]

    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in script.requests)
    assert "retry 1 of 2" in caplog.text  # the retry was logged
    for text in shown:
        assert SECRET not in text
    assert "token" not in repr(client)


def test_the_auth_header_does_not_end_up_in_the_headers_passed_in() -> None:
    headers = {"X-Team": "calls"}
    client = AuthenticatedClient(base_url=BASE_URL, token=TOKEN, headers=headers)
    client.get_httpx_client()
    asyncio.run(client.get_async_httpx_client().aclose())
    assert headers == {"X-Team": "calls"}
