"""Assertions that read like the requirement and, when they fail, show the near misses; strict
tests; a journal that keeps bodies in process and gives every refusal its reason."""

from __future__ import annotations

import httpx
import pytest
from dialnexa_client import DialNexa, errors
from hypothesis import given, settings
from hypothesis import strategies as st

from dialnexa_emulator import EmulatorHandle, mock_dialnexa

pytest_plugins = ["pytester"]

AGENT = "agt_abc123"
PRIYA = "+919876543210"


def place(client: DialNexa, number: str = PRIYA, **metadata: str) -> str:
    if metadata:
        return client.calls.create(agent_id=AGENT, to_phone_number=number, metadata=metadata).id
    return client.calls.create(agent_id=AGENT, to_phone_number=number).id


def test_exactly_one_call_was_placed_to_this_number(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    call_id = place(dialnexa_client, order_id="ord_1")
    dialnexa_client.calls.get(call_id)
    [create] = dialnexa_emulator.assert_called(
        "createCall", times=1, json={"to_phone_number": PRIYA, "metadata": {"order_id": "ord_1"}}
    )
    assert create["status"] == 201
    dialnexa_emulator.assert_called("getCall", path=f"/v1/calls/{call_id}", status=200)
    dialnexa_emulator.assert_not_called("listCalls")
    dialnexa_emulator.assert_not_called("createCall", json={"to_phone_number": "+919876500002"})


def test_a_failing_assertion_lists_the_closest_requests_and_how_each_differs(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    place(dialnexa_client, "+919876500002")
    with pytest.raises(errors.BadRequestError):
        place(dialnexa_client, "98765")
    dialnexa_client.calls.list(limit=5)
    with pytest.raises(AssertionError) as raised:
        dialnexa_emulator.assert_called("createCall", times=1, json={"to_phone_number": PRIYA})
    lines = str(raised.value).splitlines()
    assert lines[0] == (
        "expected createCall with json {'to_phone_number': '+919876543210'} once; "
        "requests that match: 0"
    )
    assert lines[1] == "Closest requests (of 3 in the journal):"
    # Both creates first (one difference each), newest first; the listCalls last.
    assert lines[2].startswith("  #2 POST /v1/calls -> 400 (to_phone_number must be in E.164")
    assert lines[2].endswith("json.to_phone_number is '98765', not '+919876543210'")
    assert lines[3] == (
        "  #1 POST /v1/calls -> 201: json.to_phone_number is '+919876500002', not '+919876543210'"
    )
    assert lines[4] == (
        "  #3 GET /v1/calls?page=1&limit=5 -> 200: it is listCalls, not createCall; it has no body"
    )


def test_the_wrong_count_is_reported_with_the_matching_requests(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    place(dialnexa_client)
    place(dialnexa_client)
    with pytest.raises(AssertionError, match=r"once; requests that match: 2 \(#1, #2\)"):
        dialnexa_emulator.assert_called("createCall", times=1)
    with pytest.raises(AssertionError, match="expected no createCall; it was called twice"):
        dialnexa_emulator.assert_not_called("createCall")
    with pytest.raises(AssertionError, match="The journal holds no other request"):
        dialnexa_emulator.assert_called("createCall", times=3)


def test_query_and_header_expectations(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    dialnexa_client.calls.list(limit=5, status=["busy", "completed"])
    wanted = {"limit": 5, "status": ["busy", "completed"]}
    dialnexa_emulator.assert_called("listCalls", query=wanted)
    with pytest.raises(AssertionError, match="query limit is 5, not 10"):
        dialnexa_emulator.assert_called("listCalls", query={"limit": 10})
    with pytest.raises(AssertionError, match="header x-trace is absent, not t1"):
        dialnexa_emulator.assert_called("listCalls", headers={"X-Trace": "t1"})


@settings(max_examples=25, deadline=None)
@given(
    sent=st.dictionaries(st.sampled_from(["a", "b", "c"]), st.integers(0, 3), max_size=3),
    wanted=st.dictionaries(st.sampled_from(["a", "b", "c"]), st.integers(0, 3), max_size=3),
)
def test_json_matches_exactly_when_every_wanted_key_has_its_value(
    sent: dict[str, int], wanted: dict[str, int]
) -> None:
    with mock_dialnexa() as emulator, DialNexa() as client:
        if sent:
            client.calls.create(agent_id=AGENT, to_phone_number=PRIYA, metadata=sent)
        else:
            client.calls.create(agent_id=AGENT, to_phone_number=PRIYA)
        subset = all(key in sent and sent[key] == value for key, value in wanted.items())
        if subset and (sent or not wanted):
            emulator.assert_called("createCall", times=1, json={"metadata": wanted} if sent else {})
        elif sent:
            with pytest.raises(AssertionError):
                emulator.assert_called("createCall", json={"metadata": wanted})


def test_in_process_the_journal_keeps_bodies_without_secrets(
    dialnexa_emulator: EmulatorHandle,
) -> None:
    secret = dialnexa_emulator.api_key.split(":")[1]
    httpx.post(
        f"{dialnexa_emulator.base_url}/calls",
        json={"agent_id": AGENT, "to_phone_number": PRIYA, "metadata": {"leak": secret}},
        headers={"Authorization": f"Bearer {dialnexa_emulator.api_key}"},
    )
    [entry] = dialnexa_emulator.requests
    assert '"to_phone_number":"+919876543210"' in entry["body"]
    assert secret not in entry["body"]
    assert "[redacted]" in entry["body"]


@settings(max_examples=20, deadline=None)
@given(
    request=st.sampled_from(
        [
            ("POST", "/v1/calls", {"agent_id": AGENT}, True),
            ("POST", "/v1/calls", {"agent_id": AGENT, "to_phone_number": "+919876543210"}, False),
            ("GET", "/v1/calls/not-an-id", None, True),
            ("GET", "/v1/calls/call_missing", None, True),
            ("GET", "/v1/calls?limit=0", None, True),
            ("DELETE", "/v1/calls", None, True),
            ("GET", "/v1/nowhere", None, True),
        ]
    )
)
def test_every_answer_of_400_or_more_in_the_journal_carries_its_reason(
    request: tuple[str, str, dict[str, str] | None, bool],
) -> None:
    method, path, body, authenticated = request
    with mock_dialnexa() as emulator:
        headers = {"Authorization": f"Bearer {emulator.api_key}"} if authenticated else {}
        answer = httpx.request(
            method, f"https://api.dialnexa.com{path}", json=body, headers=headers
        )
        [entry] = emulator.requests
        assert entry["status"] == answer.status_code >= 400
        assert entry["reason"] == answer.json()["message"]


def test_a_strict_test_fails_on_a_request_nothing_expected(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.dialnexa(strict=True)

        def test_asserted(dialnexa_client, dialnexa_emulator):
            dialnexa_client.calls.create(agent_id="agt_abc123", to_phone_number="+919876543210")
            dialnexa_emulator.assert_called("createCall", times=1)

        def test_unasserted(dialnexa_client):
            dialnexa_client.calls.list()

        def test_refused(dialnexa_client, dialnexa_emulator):
            with pytest.raises(Exception):
                dialnexa_client.calls.get("call_missing")
            dialnexa_emulator.assert_called("getCall")  # matched, but its 404 not named

        def test_refusal_named(dialnexa_client, dialnexa_emulator):
            with pytest.raises(Exception):
                dialnexa_client.calls.get("call_missing")
            dialnexa_emulator.assert_called("getCall", status=404)

        def test_override_expected(dialnexa_client, dialnexa_emulator):
            dialnexa_emulator.respond("getCall", 404)
            with pytest.raises(Exception):
                dialnexa_client.calls.get("call_missing")
        """
    )
    result = pytester.runpytest("-p", "no:xdist")
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*strict: the DialNexa emulator got requests this test did not expect*",
            "*not expected: #1 GET /v1/calls?page=1&limit=20 -> 200*",
            "*refused: #1 GET /v1/calls/call_missing -> 404 (Call not found)*",
        ]
    )


def test_strict_for_every_test_from_the_ini_file(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ndialnexa_strict = true\n")
    pytester.makepyfile(
        """
        def test_unasserted(dialnexa_client):
            dialnexa_client.calls.list()

        def test_quiet(dialnexa_emulator):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:xdist")
    result.assert_outcomes(passed=1, failed=1)
