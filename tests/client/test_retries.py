"""Retries: the pure policy (which outcome is retried, how long to wait) as properties, and the
client's retry loop (httpx-retries) following it request by request."""

from __future__ import annotations

import asyncio
import email.utils
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from attrs import evolve
from attrs.exceptions import FrozenInstanceError
from dialnexa_client import RetryPolicy, errors
from dialnexa_client.api.calls import create_call, get_call, list_calls
from dialnexa_client.models import Call, CreateCallRequest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.client.conftest import AGENT, CALL, DESTINATION, Outcome, Script, Sleeps, answer, policy

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RETRIED_STATUSES = {429, 502, 503, 504}
NEVER_SENT = [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout]
MAYBE_SENT = [
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    httpx.CloseError,
]
NOT_RETRIED = [httpx.LocalProtocolError, httpx.ProxyError, httpx.UnsupportedProtocol]
BODY = CreateCallRequest(agent_id=AGENT, to_phone_number=DESTINATION)

methods = st.sampled_from(["GET", "POST", "get", "post", "PUT", "PATCH", "DELETE", "HEAD"])
retries = st.integers(1, 12)
policies = st.builds(
    RetryPolicy,
    max_retries=st.integers(0, 5),
    backoff=st.floats(0, 10),
    max_delay=st.floats(0, 120),
    jitter=st.floats(0, 1),
)
rands = st.floats(0, 1, exclude_max=True)


def is_safe(method: str) -> bool:
    return method.upper() in {"GET", "HEAD"}


# -- the decision ------------------------------------------------------------------------------


@given(policies, methods, st.integers(100, 999), retries)
def test_a_status_is_retried_only_for_reads_and_only_429_502_503_504(
    policy: RetryPolicy, method: str, status: int, retry: int
) -> None:
    expected = is_safe(method) and status in RETRIED_STATUSES and retry <= policy.max_retries
    assert policy.should_retry(method, status, retry) is expected


@given(
    policies,
    methods,
    st.sampled_from(NEVER_SENT + MAYBE_SENT + NOT_RETRIED),
    retries,
)
def test_a_create_is_retried_only_when_it_never_left(
    policy: RetryPolicy, method: str, error: type[httpx.TransportError], retry: int
) -> None:
    if error in NEVER_SENT:
        expected = True  # nothing reached the server: safe for any method
    elif error in MAYBE_SENT:
        expected = is_safe(method)  # may have arrived: a create could ring twice
    else:
        expected = False  # a mistake on this side; sending again cannot help
    expected = expected and retry <= policy.max_retries
    assert policy.should_retry(method, error("boom"), retry) is expected


# -- the delay ---------------------------------------------------------------------------------


@given(policies, retries, rands, st.sampled_from([{}, {"Retry-After": "soon"}, {"X-Other": "1"}]))
def test_without_retry_after_the_delay_is_capped_exponential_backoff_with_jitter(
    policy: RetryPolicy, retry: int, rand: float, headers: dict[str, str]
) -> None:
    ceiling = min(policy.backoff * 2 ** (retry - 1), policy.max_delay)
    delay = policy.delay(retry, headers, now=NOW, rand=rand)
    assert (1 - policy.jitter) * ceiling - 1e-9 <= delay <= ceiling
    assert delay == pytest.approx(ceiling * (1 - policy.jitter * rand))
    assert policy.delay(retry + 1, headers, now=NOW, rand=0) >= policy.delay(
        retry, headers, now=NOW, rand=0
    )


header_names = st.sampled_from(["Retry-After", "retry-after", "RETRY-AFTER"])


@given(policies, retries, rands, header_names, st.integers(0, 10**7))
def test_retry_after_in_seconds_is_honoured_up_to_the_cap(
    policy: RetryPolicy, retry: int, rand: float, name: str, seconds: int
) -> None:
    delay = policy.delay(retry, {name: str(seconds)}, now=NOW, rand=rand)
    assert delay == min(seconds, policy.max_delay)


@given(policies, retries, rands, st.integers(-(10**6), 10**6))
def test_retry_after_as_an_http_date_is_honoured_up_to_the_cap(
    policy: RetryPolicy, retry: int, rand: float, offset: int
) -> None:
    date = email.utils.format_datetime(NOW + timedelta(seconds=offset), usegmt=True)
    delay = policy.delay(retry, {"Retry-After": date}, now=NOW, rand=rand)
    assert delay == min(max(offset, 0), policy.max_delay)


def test_retry_after_edge_cases() -> None:
    policy = RetryPolicy(max_delay=60, jitter=0)
    assert policy.delay(1, {"Retry-After": "1.5"}, now=NOW, rand=0) == 1.5
    assert policy.delay(1, {"Retry-After": " 7 "}, now=NOW, rand=0) == 7
    assert policy.delay(1, {"Retry-After": "Sun, 01 Mar 2026 12:00:30"}, now=NOW, rand=0) == 30
    for invalid in ("-1", "nan", "inf", "1e3", "", "tomorrow"):
        assert policy.delay(1, {"Retry-After": invalid}, now=NOW, rand=0) == 0.5, invalid


@given(
    st.sampled_from(["max_retries", "backoff", "max_delay", "jitter"]),
    st.floats() | st.integers(-5, 5),
)
def test_policy_takes_exactly_the_numbers_in_its_bounds(name: str, value: float) -> None:
    change: dict[str, Any] = {name: value}
    if value >= 0 and (name != "jitter" or value <= 1):  # NaN is out: it fails every comparison
        assert getattr(RetryPolicy(**change), name) == value
        return
    with pytest.raises(ValueError, match=f"^{name} must be"):
        RetryPolicy(**change)
    with pytest.raises(ValueError, match=f"^{name} must be"):  # a changed copy is checked too
        evolve(RetryPolicy(), **change)


def test_policy_rejects_what_is_not_a_number() -> None:
    for bad in ({"max_retries": "2"}, {"backoff": None}, {"jitter": [0.5]}):
        with pytest.raises(TypeError, match="must be a number"):
            RetryPolicy(**bad)


def test_a_policy_is_frozen_and_hashable() -> None:
    policy = RetryPolicy(max_retries=4)
    with pytest.raises(FrozenInstanceError):
        policy.max_retries = 0  # type: ignore[misc]
    assert policy == RetryPolicy(max_retries=4) != RetryPolicy()
    assert len({policy, RetryPolicy(max_retries=4)}) == 1


# -- the loop: the client sends exactly what the policy decides ----------------------------------

statuses = st.sampled_from([200, 400, 404, 429, 500, 502, 503, 504, 520])
transport_errors = st.sampled_from(NEVER_SENT + MAYBE_SENT + NOT_RETRIED)
outcomes = st.lists(st.one_of(statuses, transport_errors), min_size=1, max_size=5)


def play(kind: int | type[Exception], operation: str) -> Outcome:
    if isinstance(kind, int):
        ok = 201 if operation == "createCall" and kind == 200 else kind
        body: Any = ([CALL] if operation == "listCalls" else CALL) if ok < 400 else None
        return answer(ok, body, **({"Retry-After": "1"} if kind == 429 else {}))
    return kind("injected")


CALLS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "createCall": ("POST", lambda client: create_call.sync(client=client, body=BODY)),
    "getCall": ("GET", lambda client: get_call.sync("call_abc123", client=client)),
    "listCalls": ("GET", lambda client: list_calls.sync(client=client)),
}


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(CALLS)), outcomes, st.integers(0, 4))
def test_the_client_sends_again_exactly_when_the_policy_says(
    operation: str, kinds: list[int | type[Exception]], max_retries: int
) -> None:
    method, call = CALLS[operation]
    sleeps = Sleeps()
    retry_policy = policy(sleeps, max_retries=max_retries)
    script = Script(*(play(kind, operation) for kind in kinds), answer(599))

    expected_sends = 1
    while expected_sends <= len(kinds):
        kind = kinds[expected_sends - 1]
        outcome = kind if isinstance(kind, int) else kind("x")
        if not retry_policy.should_retry(method, outcome, expected_sends):
            break
        expected_sends += 1
    last = kinds[expected_sends - 1] if expected_sends <= len(kinds) else 599

    try:
        result = call(script.client(retries=retry_policy))
    except errors.DialNexaError as exc:
        result = exc
    assert len(script.requests) == expected_sends
    assert len(sleeps) == expected_sends - 1
    if isinstance(last, int) and last == 200:
        assert isinstance(result, Call | list)
    elif isinstance(last, int):
        assert isinstance(result, errors.APIStatusError) and result.status_code == last
        assert isinstance(result, errors.OutcomeUnknownError) == (method == "POST" and last >= 500)
    else:
        assert isinstance(result, errors.APIConnectionError)
        assert isinstance(result.__cause__, last)
        assert isinstance(result, errors.APITimeoutError) == issubclass(
            last, httpx.TimeoutException
        )
        unknown = method == "POST" and last not in NEVER_SENT
        assert isinstance(result, errors.OutcomeUnknownError) == unknown


def test_a_read_waits_as_the_server_asks_then_succeeds(sleeps: Sleeps) -> None:
    script = Script(answer(503), answer(429, None, **{"Retry-After": "2"}), answer(200, CALL))
    client = script.client(retries=policy(sleeps, backoff=0.5, jitter=0))
    assert get_call.sync("call_abc123", client=client).id == "call_abc123"
    assert sleeps == [0.5, 2.0]
    assert len(script.requests) == 3


def test_a_create_is_sent_once_on_a_5xx_or_a_429(sleeps: Sleeps) -> None:
    for status, error in ((503, errors.ServerOutcomeUnknownError), (429, errors.RateLimitError)):
        script = Script(answer(status, None, **{"Retry-After": "1"}))
        with pytest.raises(error):
            create_call.sync(client=script.client(retries=policy(sleeps)), body=BODY)
        assert len(script.requests) == 1 and sleeps == []


def test_a_create_is_sent_again_after_a_refused_connection(sleeps: Sleeps) -> None:
    script = Script(httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), answer(201, CALL))
    client = script.client(retries=policy(sleeps))
    assert create_call.sync(client=client, body=BODY).id == "call_abc123"
    assert len(script.requests) == 3 and len(sleeps) == 2


def test_a_create_that_may_have_arrived_is_never_sent_again(sleeps: Sleeps) -> None:
    for cause, error in (
        (httpx.ReadTimeout("slow"), errors.TimeoutOutcomeUnknownError),
        (httpx.RemoteProtocolError("dropped"), errors.ConnectionOutcomeUnknownError),
    ):
        script = Script(cause)
        with pytest.raises(error) as raised:
            create_call.sync_detailed(client=script.client(retries=policy(sleeps)), body=BODY)
        assert raised.value.__cause__ is cause
        assert "outcome is unknown" in str(raised.value)
        assert len(script.requests) == 1 and sleeps == []


def test_retries_off() -> None:
    script = Script(answer(503))
    with pytest.raises(errors.ServerError):
        get_call.sync("call_abc123", client=script.client(retries=RetryPolicy(max_retries=0)))
    assert len(script.requests) == 1


def test_async_follows_the_same_policy(sleeps: Sleeps) -> None:
    async def scenario() -> None:
        reads = Script(httpx.ReadTimeout("slow"), answer(502), answer(200, [CALL]))
        calls = await list_calls.asyncio(client=reads.client(retries=policy(sleeps)))
        assert [c.id for c in calls] == ["call_abc123"] and len(sleeps) == 2

        creates = Script(httpx.ConnectError("refused"), httpx.ReadTimeout("slow"))
        with pytest.raises(errors.TimeoutOutcomeUnknownError):
            await create_call.asyncio(client=creates.client(retries=policy(sleeps)), body=BODY)
        assert len(creates.requests) == 2 and len(sleeps) == 3

    asyncio.run(scenario())


def test_the_default_policy() -> None:
    default = RetryPolicy()
    assert (default.max_retries, default.backoff, default.max_delay) == (2, 0.5, 60.0)
    assert default.statuses == RETRIED_STATUSES
