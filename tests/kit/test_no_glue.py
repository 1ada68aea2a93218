"""`mock_dialnexa()` needs no glue: it sets the client's settings for its duration and restores
them, stands in for the base URL set before it (or says why it cannot), and hands a decorated
test its emulator."""

from __future__ import annotations

import asyncio
import inspect
import os
import socket

import httpx
import pytest
from dialnexa_client import DialNexa, errors
from hypothesis import given, settings
from hypothesis import strategies as st

from dialnexa_emulator import EmulatorHandle, MockSetupError, current_emulator, mock_dialnexa

pytest_plugins = ["pytester"]

AGENT = "agt_abc123"
PRIYA = "+919876543210"
VARIABLES = ("DIALNEXA_API_KEY", "DIALNEXA_BASE_URL")
BASE_URLS = st.sampled_from(
    [None, "https://api.dialnexa.com/v1", "http://127.0.0.1:8080/v1", "http://localhost:1/v1/"]
)


@settings(max_examples=20, deadline=None)
@given(key=st.one_of(st.none(), st.text("abc:_", min_size=1, max_size=8)), url=BASE_URLS)
def test_the_settings_name_the_emulator_inside_and_are_restored_after(
    key: str | None, url: str | None
) -> None:
    saved = {name: os.environ.pop(name, None) for name in VARIABLES}
    try:
        for name, value in zip(VARIABLES, (key, url), strict=True):
            if value is not None:
                os.environ[name] = value
        with mock_dialnexa() as emulator:
            assert os.environ["DIALNEXA_API_KEY"] == emulator.api_key
            assert os.environ["DIALNEXA_BASE_URL"] == "https://api.dialnexa.com/v1"
        assert os.environ.get("DIALNEXA_API_KEY") == key
        assert os.environ.get("DIALNEXA_BASE_URL") == url
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value


def test_production_code_needs_nothing_but_the_block(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIALNEXA_API_KEY", raising=False)
    monkeypatch.delenv("DIALNEXA_BASE_URL", raising=False)
    with mock_dialnexa() as emulator, DialNexa() as client:
        call = client.calls.create(agent_id=AGENT, to_phone_number=PRIYA)
    assert [c["id"] for c in emulator.calls] == [call.id]


def test_a_client_made_from_a_base_url_exported_before_reaches_the_emulator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as unused:  # nothing listens there: only the mock can answer
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    monkeypatch.setenv("DIALNEXA_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("DIALNEXA_API_KEY", "kid_demo:sk_demo_secret")
    made_before = DialNexa()  # as a module-level client in an app would be
    with mock_dialnexa() as emulator:
        call = made_before.calls.create(agent_id=AGENT, to_phone_number=PRIYA)
        assert made_before.calls.wait(call.id).status == "completed"  # and waits on its clock
    assert [c["id"] for c in emulator.calls] == [call.id]
    with pytest.raises(errors.APIConnectionError):  # outside the block: where it points, as before
        made_before.calls.get(call.id)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://127.0.0.1:8080/", "whose path is not the API's base path /v1"),
        ("http://127.0.0.1:8080/api/v2", "whose path is not the API's base path /v1"),
        ("ftp://files.example.com/v1", "which is not an http(s) URL"),
    ],
)
def test_a_base_url_it_cannot_stand_in_for_fails_loudly_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, url: str, problem: str
) -> None:
    monkeypatch.setenv("DIALNEXA_BASE_URL", url)
    with pytest.raises(MockSetupError) as raised, mock_dialnexa():
        pass
    assert str(raised.value).startswith(f"DIALNEXA_BASE_URL is {url!r}, {problem}")
    assert "monkeypatch.delenv('DIALNEXA_BASE_URL')" in str(raised.value)
    assert os.environ["DIALNEXA_BASE_URL"] == url  # untouched
    assert not hasattr(httpx.HTTPTransport, "poll_clock")  # nothing left patched


def test_a_request_that_misses_the_mock_says_what_it_intercepts() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with (
        mock_dialnexa(),
        DialNexa(api_key="kid_demo:sk_demo_secret", base_url=f"http://127.0.0.1:{port}/v1") as c,
        pytest.raises(httpx.ConnectError) as raised,
    ):
        c.api_client.get_httpx_client().get("/calls")
    [note] = raised.value.__notes__
    assert note.startswith("mock_dialnexa() is active and intercepts https://api.dialnexa.com/v1")
    assert f"went to http://127.0.0.1:{port}" in note


def test_the_fixture_fails_the_test_naming_the_variable(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_it(dialnexa_emulator):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:xdist")
    assert result.ret == 0  # unset: fine
    os.environ["DIALNEXA_BASE_URL"] = "http://127.0.0.1:8080/api"
    try:
        result = pytester.runpytest("-p", "no:xdist")
    finally:
        del os.environ["DIALNEXA_BASE_URL"]
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*DIALNEXA_BASE_URL is 'http://127.0.0.1:8080/api', whose path*"])


@mock_dialnexa
def test_a_decorated_test_gets_its_emulator_as_a_parameter(dialnexa: EmulatorHandle) -> None:
    with DialNexa() as client:
        client.calls.create(agent_id=AGENT, to_phone_number=PRIYA)
    dialnexa.assert_called("createCall", times=1, json={"to_phone_number": PRIYA})
    assert current_emulator() is dialnexa


@mock_dialnexa()
def test_a_decorated_test_reaches_it_with_the_accessor() -> None:
    current_emulator().respond("createCall", 402)
    with DialNexa() as client, pytest.raises(Exception, match="402"):
        client.calls.create(agent_id=AGENT, to_phone_number=PRIYA)


def test_the_handle_parameter_is_hidden_from_callers_and_pytest() -> None:
    @mock_dialnexa
    def job(order_id: str, dialnexa: EmulatorHandle) -> tuple[str, int]:
        return order_id, len(dialnexa.calls)

    assert list(inspect.signature(job).parameters) == ["order_id"]
    assert job("ord_1") == ("ord_1", 0)  # type: ignore[call-arg]  # the decorator passes it

    @mock_dialnexa
    async def async_job(dialnexa: EmulatorHandle) -> str:
        return dialnexa.api_key

    assert asyncio.run(async_job()) == "kid_demo:sk_demo_secret"  # type: ignore[call-arg]


def test_the_accessor_outside_any_block_says_so() -> None:
    with pytest.raises(RuntimeError, match="no mock_dialnexa\\(\\) is active"):
        current_emulator()
