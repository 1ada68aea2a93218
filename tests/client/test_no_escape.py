"""Nothing but a DialNexaError escapes the client, whatever answer arrives.

Every operation, through the facade (sync and async, plain and raw) and the functional layer, gets
arbitrary answers from an httpx.MockTransport: any status, any headers (a Content-Encoding the body
does not have, a broken Retry-After), any bytes, any JSON, and calls with one field broken. Each
call either returns or raises a `DialNexaError`; a broken success names the field that failed.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from dialnexa_client import AsyncDialNexa, AuthenticatedClient, DialNexa, RetryPolicy, errors
from dialnexa_client.api.calls import create_call, get_call, list_calls
from dialnexa_client.models import CreateCallRequest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.client.conftest import AGENT, BASE_URL, CALL, DESTINATION, TOKEN
from tests.client.spec_bodies import JSON, schema_bodies
from tests.conftest import load_spec

CALL_FIELDS = sorted(load_spec()["components"]["schemas"]["Call"]["properties"])
SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


async def _no_wait(seconds: float) -> None:
    return None


QUICK = RetryPolicy(sleep=lambda seconds: None, async_sleep=_no_wait)  # retries, without waiting


@st.composite
def broken_calls(draw: st.DrawFn) -> dict[str, Any]:
    """A valid call with one field replaced by any JSON value, or dropped."""
    call: dict[str, Any] = dict(draw(schema_bodies("Call")))
    name = draw(st.sampled_from(CALL_FIELDS))
    if draw(st.booleans()):
        call.pop(name, None)
    else:
        call[name] = draw(JSON)
    return call


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


bodies = st.one_of(
    st.binary(max_size=300),
    JSON.map(_dumps),
    broken_calls().map(_dumps),
    st.lists(broken_calls(), max_size=3).map(_dumps),
    st.just(b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
    st.just(b"[" * 5000),  # deeper than the JSON parser goes
    st.just(gzip.compress(json.dumps(CALL).encode())),
)

printable_latin1 = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")
header_names = st.sampled_from(
    [
        "content-type",
        "content-encoding",
        "content-length",
        "retry-after",
        "x-request-id",
        "request-id",
        "x-ratelimit-remaining",
        "www-authenticate",
    ]
) | st.from_regex(r"\Ax-[a-z0-9-]{1,12}\Z")
header_values = st.sampled_from(
    [
        "gzip",
        "br",
        "deflate",
        "zstd",
        "identity",
        "gzip, br",
        "application/json",
        "text/html",
        "application/json; charset=bogus",
        "Wed, 21 Oct 2015 07:28:00 GMT",
        "-1",
        "1e400",
        "NaN",
        "99999999999999999999",
        "Mon, 01 Jan 99999 00:00:00 GMT",
    ]
) | st.text(printable_latin1, max_size=40)
telling = st.sampled_from(
    [
        ("content-encoding", "gzip"),
        ("content-encoding", "deflate"),
        ("content-encoding", "br"),
        ("content-encoding", "zstd"),
        ("retry-after", "1e400"),
        ("retry-after", "-5"),
        ("retry-after", "Mon, 01 Jan 99999 00:00:00 GMT"),
        ("x-request-id", "req_1"),
        ("content-type", "application/json; charset=bogus"),
    ]
)
headers = st.lists(telling | st.tuples(header_names, header_values), max_size=5)
statuses = st.sampled_from([200, 201, 204, 299, 302, 400, 401, 404, 429, 500, 502, 503, 520]) | (
    st.integers(100, 999)
)


class Answers:
    """A MockTransport handler answering every request (each retry too) with the same answer."""

    def __init__(self, status: int, content: bytes, header_list: list[tuple[str, str]]) -> None:
        self.status = status
        self.content = content
        self.headers = [(n.encode(), v.encode("latin-1")) for n, v in header_list]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        # A stream, as from the network: httpx decodes it (Content-Encoding) when it is read.
        return httpx.Response(
            self.status, headers=self.headers, stream=httpx.ByteStream(self.content)
        )


BODY = CreateCallRequest(agent_id=AGENT, to_phone_number=DESTINATION)
Run = Callable[[DialNexa, AsyncDialNexa, AuthenticatedClient], Any]


async def _first(client: AsyncDialNexa) -> Any:
    async for call in client.calls.iter(page_size=2):
        return call
    return None


OPERATIONS: dict[str, Run] = {
    "calls.create": lambda c, a, f: c.calls.create(agent_id=AGENT, to_phone_number=DESTINATION),
    "calls.get": lambda c, a, f: c.calls.get("call_abc123"),
    "calls.list": lambda c, a, f: c.calls.list(limit=5, status=["completed"]),
    "calls.iter": lambda c, a, f: next(iter(c.calls.iter(page_size=2)), None),
    "raw create": lambda c, a, f: c.calls.with_raw_response.create(body=BODY).parse(),
    "raw get": lambda c, a, f: c.calls.with_raw_response.get("call_abc123").parse(),
    "raw list": lambda c, a, f: c.calls.with_raw_response.list().parse(),
    "async create": lambda c, a, f: asyncio.run(a.calls.create(body=BODY)),
    "async get": lambda c, a, f: asyncio.run(a.calls.get("call_abc123")),
    "async list": lambda c, a, f: asyncio.run(a.calls.list(page=2)),
    "async iter": lambda c, a, f: asyncio.run(_first(a)),
    "functional create_call.sync": lambda c, a, f: create_call.sync(client=f, body=BODY),
    "functional create_call.sync_detailed": lambda c, a, f: create_call.sync_detailed(
        client=f, body=BODY
    ),
    "functional get_call.sync_detailed": lambda c, a, f: get_call.sync_detailed(
        "call_abc123", client=f
    ),
    "functional list_calls.sync": lambda c, a, f: list_calls.sync(client=f),
    "functional list_calls.asyncio_detailed": lambda c, a, f: asyncio.run(
        list_calls.asyncio_detailed(client=f)
    ),
}


@SETTINGS
@given(st.sampled_from(sorted(OPERATIONS)), statuses, headers, bodies)
def test_only_dialnexa_errors_escape_any_answer_to_any_operation(
    operation: str, status: int, header_list: list[tuple[str, str]], content: bytes
) -> None:
    transport = httpx.MockTransport(Answers(status, content, header_list))
    options: dict[str, Any] = {"api_key": TOKEN, "base_url": BASE_URL, "retries": QUICK}
    facade = DialNexa(**options, httpx_args={"transport": transport})
    async_facade = AsyncDialNexa(**options, httpx_args={"transport": transport})
    functional = AuthenticatedClient(
        BASE_URL, TOKEN, retries=QUICK, raise_on_unexpected_status=True
    )
    functional.set_httpx_client(httpx.Client(base_url=BASE_URL, transport=transport))
    functional.set_async_httpx_client(httpx.AsyncClient(base_url=BASE_URL, transport=transport))
    try:
        OPERATIONS[operation](facade, async_facade, functional)
    except errors.DialNexaError as exc:
        if isinstance(exc, errors.ResponseValidationError):
            assert exc.status_code == status and exc.headers is not None
            encoded = any(name == "content-encoding" for name, _ in header_list)
            # The body as it came (decoded when it says it is encoded; empty when that failed).
            assert exc.content == content or encoded
        assert TOKEN not in str(exc)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("created_at", "yesterday", "ValueError"),
        ("created_at", None, "TypeError"),
        ("status", 7, "ValueError"),
        ("id", ..., "missing"),
        ("metadata", [1, 2], ""),
    ],
)
def test_an_unreadable_success_names_its_field_status_headers_and_request_id(
    field: str, value: Any, reason: str
) -> None:
    call = dict(CALL, metadata={"order": "A-1"})
    if value is ...:
        del call[field]
    else:
        call[field] = value
    content = json.dumps(call).encode()
    answer = Answers(
        200, content, [("x-request-id", "req_42"), ("content-type", "application/json")]
    )
    client = DialNexa(
        api_key=TOKEN, base_url=BASE_URL, httpx_args={"transport": httpx.MockTransport(answer)}
    )

    with pytest.raises(errors.ResponseValidationError) as caught:
        client.calls.get("call_abc123")

    error = caught.value
    assert (error.status_code, error.request_id, error.content) == (200, "req_42", content)
    assert error.field == field and reason in error.reason
    assert error.headers["content-type"] == "application/json"
    assert f"field {field!r}" in str(error) and "req_42" in str(error)
    assert error.__cause__ is not None


def test_a_proxy_page_instead_of_a_call_is_a_validation_error_of_the_whole_body() -> None:
    page = b"<html>Service temporarily unavailable</html>"
    answer = Answers(200, page, [("content-type", "text/html")])
    client = DialNexa(
        api_key=TOKEN, base_url=BASE_URL, httpx_args={"transport": httpx.MockTransport(answer)}
    )

    with pytest.raises(errors.ResponseValidationError) as caught:
        client.calls.list()

    assert caught.value.field is None and caught.value.content == page
    assert "JSONDecodeError" in caught.value.reason


def test_a_body_that_is_not_what_its_content_encoding_says_is_a_validation_error() -> None:
    answer = Answers(200, b"not gzip at all", [("content-encoding", "gzip")])
    client = DialNexa(
        api_key=TOKEN, base_url=BASE_URL, httpx_args={"transport": httpx.MockTransport(answer)}
    )

    with pytest.raises(errors.ResponseValidationError, match="Content-Encoding") as caught:
        client.calls.get("call_abc123")

    assert caught.value.status_code == 200 and caught.value.headers["content-encoding"] == "gzip"
