"""What a user of the best SDKs looks for: raw responses, request ids on results, a logging switch,
an httpx client of one's own, hooks, a repr that says what the client will do, the key's form
checked at once, and versions of the client and of the contract it was generated from."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import dialnexa_client
import httpx
import pytest
from dialnexa_client import AsyncDialNexa, DialNexa, RetryPolicy, errors
from dialnexa_client.client import RetryEvent
from dialnexa_client.models import Call
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from dialnexa_emulator import SyncASGITransport, create_app
from tests.client.conftest import (
    AGENT,
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
from tests.conftest import load_spec

ROOT = Path(__file__).resolve().parents[2]
EMULATOR_URL = "http://emulator/v1"


@pytest.fixture(autouse=True)
def no_dialnexa_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DIALNEXA_API_KEY", "DIALNEXA_BASE_URL", "DIALNEXA_LOG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def app() -> Starlette:
    return create_app()


@pytest.fixture
def emulated(app: Starlette) -> DialNexa:
    transport = SyncASGITransport(app)
    return DialNexa(api_key=TOKEN, base_url=EMULATOR_URL, httpx_args={"transport": transport})


def journal(app: Starlette) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = app.state.emulator.journal.entries()
    return entries


def scripted(script: Script, **kwargs: Any) -> DialNexa:
    return DialNexa(api_key=TOKEN, httpx_args={"transport": httpx.MockTransport(script)}, **kwargs)


# -- raw responses ---------------------------------------------------------------------------------


def test_raw_responses_give_status_headers_elapsed_and_parse(
    app: Starlette, emulated: DialNexa
) -> None:
    created = emulated.calls.with_raw_response.create(agent_id=AGENT, to_phone_number=DESTINATION)
    call = created.parse()
    raw = emulated.calls.with_raw_response.get(call.id)
    listed = emulated.calls.with_raw_response.list(limit=1)

    assert (created.status_code, raw.status_code, listed.status_code) == (201, 200, 200)
    assert isinstance(call, Call) and raw.parse() == call and raw.parse() is raw.parse()
    assert [c.id for c in listed.parse()] == [call.id]
    assert raw.headers["content-type"] == "application/json"
    assert isinstance(raw.elapsed, timedelta) and raw.elapsed >= timedelta(0)
    assert raw.content == raw.http_response.content and b'"id"' in raw.content
    ids = [e["request_id"] for e in journal(app)]
    assert [created.request_id, raw.request_id, listed.request_id] == ids


def test_a_raw_error_answer_is_returned_and_parse_raises_its_typed_error(
    emulated: DialNexa,
) -> None:
    raw = emulated.calls.with_raw_response.get("call_doesnotexist")

    assert raw.status_code == 404 and raw.request_id
    with pytest.raises(errors.NotFoundError) as caught:
        raw.parse()
    assert caught.value.request_id == raw.request_id


def test_raw_responses_of_the_async_client() -> None:
    script = Script(answer(200, CALL, **{"X-Request-Id": "req_7"}), answer(429, envelope(429)))

    async def main() -> tuple[Any, Any]:
        transport = httpx.MockTransport(script)
        client = AsyncDialNexa(
            api_key=TOKEN, httpx_args={"transport": transport}, retries=RetryPolicy(max_retries=0)
        )
        async with client:
            first = await client.calls.with_raw_response.get("call_abc123")
            second = await client.calls.with_raw_response.list()
        return first, second

    first, second = asyncio.run(main())
    assert (first.status_code, first.request_id, first.parse().id) == (200, "req_7", CALL["id"])
    assert first.parse().request_id == "req_7"
    assert second.status_code == 429
    with pytest.raises(errors.RateLimitError):
        second.parse()


# -- request ids -----------------------------------------------------------------------------------


def test_results_carry_the_request_id_the_server_sent(app: Starlette, emulated: DialNexa) -> None:
    created = emulated.calls.create(agent_id=AGENT, to_phone_number=DESTINATION)
    fetched = emulated.calls.get(created.id)
    (listed,) = emulated.calls.list()

    ids = [e["request_id"] for e in journal(app)]
    assert [created.request_id, fetched.request_id, listed.request_id] == ids
    assert len(set(ids)) == 3
    assert fetched == created or fetched.status != created.status  # not part of equality
    assert "request_id" not in fetched.to_dict() and "req_" not in repr(fetched)


def test_without_a_request_id_results_have_none() -> None:
    client = scripted(Script(answer(200, CALL)))
    assert client.calls.get("call_abc123").request_id is None


# -- logging ---------------------------------------------------------------------------------------

LOGGING_SCRIPT = textwrap.dedent(
    """
    import httpx
    from dialnexa_client import DialNexa, RetryPolicy

    answers = iter([
        httpx.Response(503, headers={"Retry-After": "0"}),
        httpx.Response(200, json=CALL, headers={"X-Request-Id": "req_log"}),
    ])
    client = DialNexa(
        api_key=TOKEN,
        httpx_args={"transport": httpx.MockTransport(lambda request: next(answers))},
        retries=RetryPolicy(sleep=lambda seconds: None),
    )
    client.calls.get("call_abc123")
    """
)


@pytest.mark.parametrize("level", ["info", "debug", "", "verbose"])
def test_dialnexa_log_writes_requests_retries_and_answers_to_stderr_without_the_key(
    level: str,
) -> None:
    env = {**os.environ, "DIALNEXA_LOG": level}
    code = f"CALL = {CALL!r}\nTOKEN = {TOKEN!r}\n{LOGGING_SCRIPT}"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = done.stderr.splitlines()
    if level not in ("info", "debug"):
        assert lines == []
        return
    assert SECRET not in done.stderr and TOKEN not in done.stderr
    answers = [line for line in lines if " -> " in line]
    assert len(answers) == 2 and " -> 503 " in answers[0] and " -> 200 " in answers[1]
    assert "GET https://api.dialnexa.com/v1/calls/call_abc123" in answers[1]
    assert "(request id req_log)" in answers[1]
    assert any("retry 1 of 2" in line and "HTTP 503" in line for line in lines)
    requests = [line for line in lines if "request: GET" in line]
    if level == "debug":
        assert len(requests) == 2 and all("'authorization': '<redacted>'" in r for r in requests)
    else:
        assert requests == []


def test_logging_goes_to_the_dialnexa_client_logger(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DIALNEXA_LOG", "debug")
    caplog.set_level("DEBUG", logger="dialnexa_client")
    scripted(Script(answer(200, CALL))).calls.get("call_abc123")
    records = [r for r in caplog.records if r.name == "dialnexa_client"]
    assert len(records) >= 2 and all(SECRET not in r.getMessage() for r in records)


# -- an httpx client of one's own, and hooks ------------------------------------------------------


def test_a_configured_httpx_client_is_used_with_the_dialnexa_settings() -> None:
    script = Script(answer(200, CALL))
    seen: list[str] = []
    mine = httpx.Client(
        transport=httpx.MockTransport(script),
        headers={"X-Proxy-Team": "calls"},
        event_hooks={"request": [lambda request: seen.append(str(request.url))]},
    )
    client = DialNexa(api_key=TOKEN, http_client=mine, timeout=7, headers={"X-Mine": "1"})

    client.calls.get("call_abc123")
    client.close()

    (request,) = script.requests
    assert seen == ["https://api.dialnexa.com/v1/calls/call_abc123"]
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["user-agent"].startswith("dialnexa-client/")
    assert request.headers["x-mine"] == "1" and request.headers["x-proxy-team"] == "calls"
    assert request.extensions["timeout"]["read"] == 7
    assert not mine.is_closed  # it is the caller's
    assert client.with_options(timeout=3).api_client.get_httpx_client() is mine


def test_the_async_client_takes_an_httpx_async_client_and_refuses_a_sync_one() -> None:
    script = Script(answer(200, CALL))

    async def main() -> Call:
        async with httpx.AsyncClient(transport=httpx.MockTransport(script)) as mine:
            return await AsyncDialNexa(api_key=TOKEN, http_client=mine).calls.get("call_abc123")

    assert asyncio.run(main()).id == CALL["id"]
    assert script.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    with pytest.raises(TypeError, match="AsyncClient"):
        AsyncDialNexa(api_key=TOKEN, http_client=httpx.Client())
    with pytest.raises(TypeError, match=r"httpx\.Client"):
        DialNexa(api_key=TOKEN, http_client=httpx.AsyncClient())


def test_hooks_see_every_attempt_every_answer_and_every_retry(sleeps: Sleeps) -> None:
    script = Script(
        answer(503, envelope(503)),
        httpx.ConnectError("refused"),
        answer(200, CALL),
        answer(200, CALL),
    )
    requests: list[httpx.Request] = []
    responses: list[int] = []
    retries: list[RetryEvent] = []
    client = scripted(
        script,
        retries=policy(sleeps, max_retries=3),
        on_request=requests.append,
        on_response=lambda response: responses.append(response.status_code),
        on_retry=retries.append,
    )

    client.calls.get("call_abc123")

    assert len(requests) == 3 and responses == [503, 200]
    assert [(e.retry, e.status_code, type(e.exception)) for e in retries] == [
        (1, 503, type(None)),
        (2, None, httpx.ConnectError),
    ]
    assert all(e.method == "GET" and e.url.endswith("/calls/call_abc123") for e in retries)
    assert [e.delay for e in retries] == sleeps and retries[0].max_retries == 3
    client.with_options(timeout=3).calls.get("call_abc123")  # with_options keeps the hooks
    assert len(requests) == 4 and responses == [503, 200, 200]


def test_what_a_hook_raises_propagates() -> None:
    class Stop(Exception):
        pass

    def stop(request: httpx.Request) -> None:
        raise Stop

    client = scripted(Script(answer(200, CALL)), on_request=stop)
    with pytest.raises(Stop):
        client.calls.get("call_abc123")


# -- repr, key form, versions ----------------------------------------------------------------------


def test_repr_shows_the_effective_timeout_and_retry_policy_never_the_key() -> None:
    shown = repr(DialNexa(api_key=TOKEN))
    assert "timeout=Timeout(connect=5.0, read=30.0, write=30.0, pool=30.0)" in shown
    assert "retries=RetryPolicy(max_retries=2, backoff=0.5, max_delay=60.0" in shown
    assert "None" not in shown and SECRET not in shown and "kid_demo" not in shown
    tuned = repr(AsyncDialNexa(api_key=TOKEN, timeout=10, retries=RetryPolicy(max_retries=0)))
    assert "timeout=10" in tuned and "RetryPolicy(max_retries=0," in tuned


keys_without_a_colon = st.text(min_size=1, max_size=40).filter(lambda k: ":" not in k)


@settings(max_examples=60)
@given(st.one_of(keys_without_a_colon, st.sampled_from([":secret", "kid:", "kid :sk", "kid:s\nk"])))
def test_a_malformed_key_is_refused_at_construction_with_the_expected_form(key: str) -> None:
    for cls in (DialNexa, AsyncDialNexa):
        with pytest.raises(errors.InvalidAPIKeyError, match="key_id:secret") as caught:
            cls(api_key=key)
        assert isinstance(caught.value, ValueError | errors.DialNexaError)
        if len(key.strip()) > 3:
            assert key not in str(caught.value).replace("key_id:secret", "")


def test_a_malformed_key_from_the_environment_is_refused_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DIALNEXA_API_KEY", "sk_live_without_its_id")
    with pytest.raises(errors.InvalidAPIKeyError, match="DIALNEXA_API_KEY") as caught:
        DialNexa()
    assert "sk_live_without_its_id" not in str(caught.value)


def test_the_client_has_its_own_version_and_records_the_contracts() -> None:
    pyproject = ROOT / "generated" / "dialnexa-client" / "pyproject.toml"
    own = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    assert dialnexa_client.__version__ == own
    assert dialnexa_client.__api_version__ == load_spec()["info"]["version"]
    assert f"dialnexa-client/{own} " in dialnexa_client.client.USER_AGENT
