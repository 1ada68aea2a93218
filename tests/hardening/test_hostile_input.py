"""Hostile input gets a 4xx in DialNexa's envelope, never a 5xx or a dropped connection, and the
emulator keeps serving: in process, and over real HTTP from `dialnexa-emulator` itself."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialnexa_emulator import FrozenClock, SyncASGITransport, create_app, load_config
from dialnexa_emulator.server._protocol import MAX_HEAD_BYTES
from dialnexa_emulator.web._body import MAX_BODY_BYTES, MAX_DEPTH
from tests.hardening import raw_http
from tests.hardening.conftest import CREATE, FOUR_WORKSPACES, KEYS, assert_envelope, bearer
from tests.hardening.emulator_process import EmulatorProcess

JSON = "application/json"
AUTHORIZATION = f"Bearer {KEYS['north']}".encode()
VALID = json.dumps(CREATE).encode()


def create_with(extra: str) -> bytes:
    """A valid create with more JSON text spliced in before its closing brace."""
    return VALID[:-1] + b"," + extra.encode() + b"}"


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


HOSTILE_BODIES = [
    pytest.param(b'{"agent_id": ', JSON, id="malformed JSON"),
    pytest.param(b"{'agent_id': 'agt_abc123'}", JSON, id="single quotes"),
    pytest.param(b'{"agent_id": "agt_\xff\xfe"}', JSON, id="invalid UTF-8"),
    pytest.param(b"\xef\xbb\xbf" + VALID, JSON, id="UTF-8 BOM"),
    pytest.param(VALID.decode().encode("utf-16"), JSON, id="UTF-16"),
    pytest.param(VALID, None, id="no content type"),
    pytest.param(VALID, "text/plain", id="text/plain"),
    pytest.param(VALID, "application/x-www-form-urlencoded", id="form content type"),
    pytest.param(VALID, "application/json-patch+json", id="lookalike content type"),
    pytest.param(b"", JSON, id="empty body"),
    pytest.param(b"null", JSON, id="null body"),
    pytest.param(b'"agt_abc123"', JSON, id="string body"),
    pytest.param(b"[" * 10_000 + b"]" * 10_000, JSON, id="array nested 10,000 deep"),
    pytest.param(create_with(f'"metadata":{nested(10_000)}'), JSON, id="metadata 10,000 deep"),
    pytest.param(create_with(f'"metadata":{nested(1_000)}'), JSON, id="metadata 1,000 deep"),
    pytest.param(create_with(f'"metadata":{nested(MAX_DEPTH)}'), JSON, id="metadata too deep"),
    pytest.param(create_with('"metadata":{"a":NaN}'), JSON, id="NaN"),
    pytest.param(create_with('"metadata":{"a":Infinity}'), JSON, id="Infinity"),
    pytest.param(create_with('"metadata":{"a":-Infinity}'), JSON, id="-Infinity"),
    pytest.param(create_with('"metadata":{"a":1e400}'), JSON, id="1e400"),
    pytest.param(create_with(f'"metadata":{{"a":{2**64}}}'), JSON, id="2**64 in metadata"),
    pytest.param(create_with(f'"metadata":{{"a":{-(2**63) - 1}}}'), JSON, id="-2**63-1"),
    pytest.param(create_with(f'"agent_version_number":{2**70}'), JSON, id="2**70 version"),
    pytest.param(create_with(f'"metadata":{{"a":{"9" * 5000}}}'), JSON, id="5,000 digits"),
    pytest.param(create_with('"metadata":{"a":"\\ud800"}'), JSON, id="lone surrogate value"),
    pytest.param(create_with('"metadata":{"\\udfff":"x"}'), JSON, id="lone surrogate key"),
    pytest.param(create_with('"\\ud800":1'), JSON, id="lone surrogate property"),
]

# Unicode and control characters, path-like and oversized text, for every field of a create.
NASTY_TEXT = [
    "\x00",
    "\x01\x1f\x7f",
    "\r\nX-Injected: 1",
    "\u202e\u200b\ufeff",
    "Ωμέγα 名前 😀",
    "\U0010ffff",
    "\ud800",  # a lone surrogate: only expressible as a JSON escape
    "../../etc/passwd",
    "%2F%00",
    "'; DROP TABLE calls; --",
    "{{customer_name}}",
    "x" * 10_000,
]
# Every code point, lone surrogates too (st.text() leaves them out).
ANY_CODE_POINT = st.characters(exclude_categories=()) | st.characters(
    min_codepoint=0xD800, max_codepoint=0xDFFF
)
FIELDS = [
    "agent_id",
    "to_phone_number",
    "from_phone_number",
    "agent_version_number",
    "metadata value",
    "metadata key",
    "unknown property",
]

HOSTILE_CALL_IDS = [
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%2F",
    "%2e%2e",
    "call_abc%2F..%2F..",
    "call_" + "a" * 10_000,
    "a" * 10_000,
    "call_%00",
    "call_%FF%FE",
    "call_%E2%80%AE",
    "call_abc%0D%0AX-Injected:%201",
    "call_abc/",
    "call_abc;x=1",
]
HOSTILE_QUERIES = [
    "limit=" + "9" * 30,
    "page=-1",
    "page=1e400",
    "limit=NaN",
    "status=%00",
    "status=completed&" * 1000 + "status=x",
    "agent_id=" + "a" * 10_000,
    "to_phone_number=%E2%80%AE%2B1",
    "page=%FF",
]


def body_with(field: str, text: str) -> bytes:
    """A create whose `field` is `text`, as JSON with non-ASCII escaped (so surrogates fit)."""
    body: dict[str, Any] = dict(CREATE)
    if field == "metadata value":
        body["metadata"] = {"note": text}
    elif field == "metadata key":
        body["metadata"] = {text: "x"}
    elif field == "unknown property":
        body[text] = 1
    else:
        body[field] = text
    return json.dumps(body).encode()


def check_answer(client: httpx.Client, field: str, text: str, response: httpx.Response) -> None:
    """A refusal in the envelope, or a call that keeps the text exactly."""
    if response.status_code != 201:
        assert_envelope(response)
        return
    assert field in ("metadata value", "metadata key"), response.text
    text = json.loads(json.dumps(text))  # two escaped surrogates that pair are one character
    expected = {"note": text} if field == "metadata value" else {text: "x"}
    assert response.json()["metadata"] == expected
    assert client.get(f"/calls/{response.json()['id']}").json()["metadata"] == expected


@pytest.fixture(scope="module")
def in_process() -> Iterator[httpx.Client]:
    app = create_app(load_config(FOUR_WORKSPACES), clock=FrozenClock())
    with httpx.Client(
        transport=SyncASGITransport(app), base_url="http://emulator/v1", headers=bearer("north")
    ) as client:
        yield client


@pytest.fixture(scope="module")
def over_http(served: EmulatorProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.api, headers=bearer("north"), timeout=30) as client:
        yield client


def assert_still_serving(client: httpx.Client, served: EmulatorProcess | None = None) -> None:
    assert client.post("/calls", json=CREATE).status_code == 201
    if served is not None:
        assert served.process.poll() is None
        assert not [line for line in served.stderr if "Traceback" in line or "ERROR" in line]


class TestBodies:
    @pytest.mark.parametrize(("body", "content_type"), HOSTILE_BODIES)
    def test_in_process(
        self, in_process: httpx.Client, body: bytes, content_type: str | None
    ) -> None:
        headers = {"Content-Type": content_type} if content_type else {}

        assert_envelope(in_process.post("/calls", content=body, headers=headers))
        assert_still_serving(in_process)

    @pytest.mark.parametrize(("body", "content_type"), HOSTILE_BODIES)
    def test_over_http(
        self,
        served: EmulatorProcess,
        over_http: httpx.Client,
        body: bytes,
        content_type: str | None,
    ) -> None:
        headers = {"Content-Type": content_type} if content_type else {}

        assert_envelope(over_http.post("/calls", content=body, headers=headers))
        assert_still_serving(over_http, served)

    def test_10_mb_in_process(self, in_process: httpx.Client) -> None:
        body = b'{"metadata": "' + b"x" * 10_000_000 + b'"}'

        assert_envelope(in_process.post("/calls", content=body, headers={"Content-Type": JSON}))

    @pytest.mark.parametrize("streamed", [False, True], ids=["Content-Length", "chunked"])
    def test_10_mb_over_http(
        self, served: EmulatorProcess, over_http: httpx.Client, streamed: bool
    ) -> None:
        """Answered 413 at once; the rest is read and dropped, so the client gets the answer."""
        body = b'{"metadata": "' + b"x" * 10_000_000 + b'"}'

        def chunks() -> Iterator[bytes]:
            for start in range(0, len(body), 65536):
                yield body[start : start + 65536]

        response = over_http.post(
            "/calls", content=chunks() if streamed else body, headers={"Content-Type": JSON}
        )

        assert_envelope(response, 413)
        assert response.json()["message"] == f"Request body is larger than {MAX_BODY_BYTES} bytes"
        assert_still_serving(over_http, served)


class TestEveryField:
    @pytest.mark.parametrize("text", NASTY_TEXT, ids=repr)
    @pytest.mark.parametrize("field", FIELDS)
    def test_in_process(self, in_process: httpx.Client, field: str, text: str) -> None:
        body = body_with(field, text)

        response = in_process.post("/calls", content=body, headers={"Content-Type": JSON})

        check_answer(in_process, field, text, response)

    @pytest.mark.parametrize("text", NASTY_TEXT, ids=repr)
    @pytest.mark.parametrize("field", FIELDS)
    def test_over_http(
        self, served: EmulatorProcess, over_http: httpx.Client, field: str, text: str
    ) -> None:
        body = body_with(field, text)

        response = over_http.post("/calls", content=body, headers={"Content-Type": JSON})

        check_answer(over_http, field, text, response)

    @settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(field=st.sampled_from(FIELDS), text=st.lists(ANY_CODE_POINT, max_size=40).map("".join))
    def test_any_text_in_process(self, in_process: httpx.Client, field: str, text: str) -> None:
        """Any code point, surrogates included, in any field."""
        body = body_with(field, text)

        response = in_process.post("/calls", content=body, headers={"Content-Type": JSON})

        check_answer(in_process, field, text, response)


class TestCallIds:
    @pytest.mark.parametrize("call_id", HOSTILE_CALL_IDS, ids=lambda c: c[:40])
    def test_in_process(self, in_process: httpx.Client, call_id: str) -> None:
        assert_envelope(in_process.get(f"/calls/{call_id}"))

    @pytest.mark.parametrize("call_id", HOSTILE_CALL_IDS, ids=lambda c: c[:40])
    def test_over_http_byte_for_byte(self, served: EmulatorProcess, call_id: str) -> None:
        """Sent exactly as written: no client normalises the dot segments away."""
        target = f"/v1/calls/{call_id}".encode()

        answer = raw_http.exchange(
            served.port, raw_http.request("GET", target, authorization=AUTHORIZATION)
        )

        assert_envelope(answer)

    @pytest.mark.parametrize("query", HOSTILE_QUERIES, ids=lambda q: q[:40])
    def test_list_queries_over_http(
        self, served: EmulatorProcess, over_http: httpx.Client, query: str
    ) -> None:
        response = over_http.get(f"/calls?{query}")

        if response.status_code != 200:
            assert_envelope(response)
        assert_still_serving(over_http, served)


class TestHttpHeads:
    """What reaches uvicorn's parser: answered by the emulator's protocol guard, in the envelope."""

    @pytest.mark.parametrize("size", [MAX_HEAD_BYTES + 1, 1_000_000, 10_000_000])
    def test_a_huge_header_is_a_431(
        self, served: EmulatorProcess, over_http: httpx.Client, size: int
    ) -> None:
        response = over_http.get("/calls", headers={"X-Padding": "a" * size})

        assert_envelope(response, 431)
        assert response.json()["message"] == (
            f"Request line and headers are larger than {MAX_HEAD_BYTES} bytes"
        )
        assert_still_serving(over_http, served)

    @pytest.mark.parametrize(
        "request_bytes",
        [
            pytest.param(
                raw_http.request("GET", b"/v1/calls", authorization=b"Bearer " + b"k" * 200_000),
                id="200 KB Authorization",
            ),
            pytest.param(
                raw_http.request("GET", b"/v1/calls", *(b"X-H%d: v" % i for i in range(10_000))),
                id="10,000 headers",
            ),
            pytest.param(
                raw_http.request("GET", b"/v1/calls/" + b"a" * 100_000), id="100 KB request line"
            ),
        ],
    )
    def test_a_huge_head_over_raw_http_is_a_431(
        self, served: EmulatorProcess, request_bytes: bytes
    ) -> None:
        answer = raw_http.exchange(served.port, request_bytes)

        assert_envelope(answer, 431)

    def test_a_head_just_under_the_cap_is_served(self, over_http: httpx.Client) -> None:
        response = over_http.get("/calls", headers={"X-Padding": "a" * (MAX_HEAD_BYTES - 1000)})

        assert response.status_code == 200

    @pytest.mark.parametrize(
        ("request_bytes", "status"),
        [
            pytest.param(
                raw_http.request("GET", b"/v1/calls", b"X-A: a\x01b", authorization=AUTHORIZATION),
                400,
                id="control character in a header",
            ),
            pytest.param(
                raw_http.request("GET", b"/v1/calls", b"X A: b", authorization=AUTHORIZATION),
                400,
                id="space in a header name",
            ),
            pytest.param(raw_http.request("GET", b"/v1/calls/call_\x00abc"), 400, id="NUL in path"),
            pytest.param(
                raw_http.request("GET", "/v1/calls/call_é".encode()), 400, id="raw UTF-8 path"
            ),
            pytest.param(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400, id="TLS hello"),
            pytest.param(b"G\x00T / HTTP/1.1\r\n\r\n", 400, id="NUL in method"),
            pytest.param(
                b"POST /v1/calls HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                b"Content-Length: 3\r\n\r\n{}",
                400,
                id="two Content-Lengths",
            ),
            pytest.param(
                b"POST /v1/calls HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
                400,
                id="Content-Length not a number",
            ),
            pytest.param(
                b"POST /v1/calls HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                400,
                id="broken chunked body",
            ),
            pytest.param(
                raw_http.request("GET", b"/v1/calls", authorization=b"Bearer kid_north:\xff\xfe"),
                401,
                id="8-bit Authorization",
            ),
            pytest.param(
                raw_http.request(
                    "GET",
                    b"/v1/calls",
                    b"Upgrade: websocket",
                    b"Connection: Upgrade",
                    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                    b"Sec-WebSocket-Version: 13",
                ),
                401,
                id="WebSocket handshake",
            ),
            pytest.param(
                raw_http.request(
                    "POST",
                    b"/v1/calls",
                    b"Content-Type: application/json; charset=\xff",
                    body=VALID,
                    authorization=AUTHORIZATION,
                ),
                201,
                id="8-bit Content-Type parameter",
            ),
        ],
    )
    def test_a_malformed_or_odd_request_gets_the_envelope(
        self,
        served: EmulatorProcess,
        over_http: httpx.Client,
        request_bytes: bytes,
        status: int,
    ) -> None:
        answer = raw_http.exchange(served.port, request_bytes)

        if status < 400:
            assert answer.status_code == status, answer.text
        else:
            assert_envelope(answer, status)
        assert_still_serving(over_http, served)
