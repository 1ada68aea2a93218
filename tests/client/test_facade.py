"""DialNexa / AsyncDialNexa: configuration from the environment and arguments, the missing-key
error, with_options, per-call options, identification, and the token kept out of sight."""

from __future__ import annotations

import asyncio
import json
import platform
import re
from typing import Any

import dialnexa_client
import httpx
import pytest
from dialnexa_client import AsyncDialNexa, DialNexa, RetryPolicy, errors
from dialnexa_client.models import CreateCallRequest

from tests.client.conftest import CALL, SECRET, TOKEN, Script, Sleeps, answer, envelope, policy

ENV_URL = "http://127.0.0.1:9/v1"


def scripted(script: Script, **kwargs: Any) -> DialNexa:
    return DialNexa(api_key=TOKEN, httpx_args={"transport": httpx.MockTransport(script)}, **kwargs)


@pytest.fixture(autouse=True)
def no_dialnexa_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIALNEXA_API_KEY", raising=False)
    monkeypatch.delenv("DIALNEXA_BASE_URL", raising=False)


def test_configured_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIALNEXA_API_KEY", TOKEN)
    monkeypatch.setenv("DIALNEXA_BASE_URL", ENV_URL)
    script = Script(answer(200, CALL))
    client = DialNexa(httpx_args={"transport": httpx.MockTransport(script)})
    client.calls.get("call_abc123")
    (request,) = script.requests
    assert str(request.url) == f"{ENV_URL}/calls/call_abc123"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


def test_the_default_base_url_is_dialnexa_and_arguments_beat_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert DialNexa(api_key=TOKEN).base_url == "https://api.dialnexa.com/v1"
    monkeypatch.setenv("DIALNEXA_API_KEY", "kid_env:sk_env")
    monkeypatch.setenv("DIALNEXA_BASE_URL", ENV_URL)
    script = Script(answer(200, CALL))
    client = DialNexa(
        api_key=TOKEN,
        base_url="http://emulator/v1",
        httpx_args={"transport": httpx.MockTransport(script)},
    )
    client.calls.get("call_abc123")
    (request,) = script.requests
    assert str(request.url).startswith("http://emulator/v1/")
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize("cls", [DialNexa, AsyncDialNexa])
@pytest.mark.parametrize("api_key", [None, ""])
def test_a_missing_key_is_one_clear_error(cls: type[DialNexa], api_key: str | None) -> None:
    with pytest.raises(errors.MissingAPIKeyError, match="DIALNEXA_API_KEY"):
        cls(api_key=api_key)


def test_with_options_makes_an_independent_client() -> None:
    script = Script(answer(200, CALL), answer(200, CALL), answer(200, CALL))
    original = scripted(script, timeout=30, headers={"X-Team": "a"})
    quick = original.with_options(timeout=5, headers={"X-Trace": "1"})
    assert isinstance(quick, DialNexa) and quick.timeout == 5 and original.timeout == 30

    quick.calls.get("call_abc123")
    original.calls.get("call_abc123")
    fast, slow = script.requests
    assert fast.extensions["timeout"]["read"] == 5 and slow.extensions["timeout"]["read"] == 30
    assert fast.headers["x-team"] == "a" and fast.headers["x-trace"] == "1"
    assert "x-trace" not in slow.headers
    assert quick.api_client is not original.api_client
    assert quick.api_client.get_httpx_client() is not original.api_client.get_httpx_client()

    original.close()  # closing one leaves the other working
    quick.calls.get("call_abc123")
    assert len(script.requests) == 3


def test_per_call_timeout_retries_and_headers_apply_to_that_call_only(sleeps: Sleeps) -> None:
    script = Script(answer(503, envelope(503)), answer(200, CALL), answer(503, envelope(503)))
    client = scripted(script, retries=RetryPolicy(max_retries=0))
    call = client.calls.get(
        "call_abc123", timeout=2, retries=policy(sleeps, max_retries=1), extra_headers={"X-A": "b"}
    )
    assert call.id == "call_abc123" and len(sleeps) == 1
    first, retried = script.requests[:2]
    assert first.headers["x-a"] == retried.headers["x-a"] == "b"
    assert first.extensions["timeout"]["read"] == 2
    with pytest.raises(errors.ServerError):  # the client's own policy: no retries
        client.calls.get("call_abc123")
    assert "x-a" not in script.requests[2].headers
    assert script.requests[2].extensions["timeout"]["read"] == 30  # the default


def test_create_takes_keywords_with_metadata_as_a_dict_or_a_body() -> None:
    script = Script(answer(201, CALL), answer(201, CALL))
    client = scripted(script)
    client.calls.create(
        agent_id="agt_abc123",
        to_phone_number="+919876543210",
        metadata={"customer_name": "Priya Sharma"},
    )
    client.calls.create(
        body=CreateCallRequest.from_dict(
            {
                "agent_id": "agt_abc123",
                "to_phone_number": "+919876543210",
                "metadata": {"customer_name": "Priya Sharma"},
            }
        )
    )
    expected = {
        "agent_id": "agt_abc123",
        "to_phone_number": "+919876543210",
        "metadata": {"customer_name": "Priya Sharma"},
    }
    assert [json.loads(r.content) for r in script.requests] == [expected, expected]


def test_create_refuses_both_or_neither_before_sending() -> None:
    script = Script()
    client = scripted(script)
    body = CreateCallRequest(agent_id="agt_abc123", to_phone_number="+919876543210")
    with pytest.raises(TypeError, match="not both"):
        client.calls.create(body=body, agent_id="agt_other")
    with pytest.raises(TypeError, match="to_phone_number"):
        client.calls.create(agent_id="agt_abc123")
    assert script.requests == []


def test_list_takes_statuses_as_plain_strings() -> None:
    script = Script(answer(200, [CALL]))
    (call,) = scripted(script).calls.list(limit=50, status=["completed", "busy"])
    assert call.id == "call_abc123"
    (request,) = script.requests
    assert request.url.params.get_list("status") == ["completed", "busy"]
    assert request.url.params["limit"] == "50"


def test_user_agent_and_version() -> None:
    script = Script(answer(200, CALL))
    scripted(script).calls.get("call_abc123")
    agent = script.requests[0].headers["user-agent"]
    python = ".".join(platform.python_version_tuple()[:2])
    httpx_version = ".".join(httpx.__version__.split(".")[:2])
    version = dialnexa_client.__version__
    assert agent == f"dialnexa-client/{version} python/{python} httpx/{httpx_version}"
    assert re.fullmatch(r"\d+\.\d+\.\d+", dialnexa_client.__version__)


def test_errors_keep_headers_and_the_request_id() -> None:
    script = Script(answer(404, envelope(404, "Call not found"), **{"X-Request-Id": "req_123"}))
    with pytest.raises(errors.NotFoundError) as caught:
        scripted(script).calls.get("call_missing")
    assert caught.value.request_id == "req_123"
    assert caught.value.headers["x-request-id"] == "req_123"
    assert "req_123" in str(caught.value)
    assert errors.APIStatusError(500, b"").request_id is None


def test_the_token_stays_out_of_repr_and_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    script = Script(answer(401, envelope(401, "API key is missing or invalid")))
    client = scripted(script)
    with pytest.raises(errors.AuthenticationError) as caught:
        client.calls.get("call_abc123")
    copy = client.with_options(timeout=1)
    for text in (repr(client), repr(copy), str(caught.value), caplog.text):
        assert SECRET not in text


def test_context_managers_close_their_connections() -> None:
    with scripted(Script(answer(200, CALL))) as client:
        client.calls.get("call_abc123")
    assert client.api_client.get_httpx_client().is_closed

    async def main() -> AsyncDialNexa:
        transport = httpx.MockTransport(Script(answer(200, CALL)))
        async with AsyncDialNexa(api_key=TOKEN, httpx_args={"transport": transport}) as client:
            await client.calls.get("call_abc123")
        return client

    assert asyncio.run(main()).api_client.get_async_httpx_client().is_closed


def test_closing_a_client_that_never_connected_opens_nothing() -> None:
    client = DialNexa(api_key=TOKEN)
    client.close()
    assert client._api_client is None
