"""What every request goes through: auth, body and parameter shapes, size limits, routing."""

from __future__ import annotations

import string
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialnexa_emulator import Emulator
from tests.emulator.conftest import DEMO_KEY, MINIMAL_REQUEST, SPEC, error_message
from tests.seed import SEED_REQUEST

UNAUTHORIZED = "API key is missing or invalid"
AGENT_ID_PATTERN = SPEC["components"]["schemas"]["AgentId"]["pattern"]
PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

OPERATIONS = [
    ("POST", "/calls", SEED_REQUEST),
    ("GET", "/calls", None),
    ("GET", "/calls/call_abc123", None),
]


class TestAuth:
    @pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
    @pytest.mark.parametrize(
        "authorization",
        [
            None,
            "",
            "Bearer",
            "Bearer ",
            "kid_demo:sk_demo_secret",  # no scheme
            "Basic kid_demo:sk_demo_secret",
            "Bearer kid_demo",  # no secret
            "Bearer kid_demo:",
            "Bearer :sk_demo_secret",
            "Bearer kid_demo:sk_demo_secreT",  # wrong secret
            "Bearer kid_nobody:sk_demo_secret",  # unknown key id
            "Bearer sk_demo_secret",
        ],
    )
    def test_missing_malformed_or_unknown_keys_are_401_on_every_operation(
        self, api: httpx.Client, method: str, path: str, body: Any, authorization: str | None
    ) -> None:
        headers = {"Authorization": authorization} if authorization is not None else {}
        api.headers.pop("Authorization")

        response = api.request(method, path, json=body, headers=headers)

        assert error_message(response, 401) == UNAUTHORIZED
        assert response.json()["error"] == "Unauthorized"
        assert response.headers["WWW-Authenticate"] == "Bearer"  # RFC 9110

    def test_unknown_key_id_and_wrong_secret_answer_identically(self, api: httpx.Client) -> None:
        api.headers.pop("Authorization")
        unknown = api.get("/calls", headers={"Authorization": "Bearer kid_nobody:sk_demo_secret"})
        wrong = api.get("/calls", headers={"Authorization": "Bearer kid_demo:nope"})

        assert (unknown.status_code, unknown.content) == (wrong.status_code, wrong.content)
        # The same headers; only the request ids differ (each answer has its own).
        assert unknown.headers["x-request-id"] != wrong.headers["x-request-id"]
        assert {k: v for k, v in unknown.headers.items() if k != "x-request-id"} == {
            k: v for k, v in wrong.headers.items() if k != "x-request-id"
        }

    def test_the_scheme_is_case_insensitive(self, api: httpx.Client) -> None:
        response = api.get("/calls", headers={"Authorization": f"bearer {DEMO_KEY}"})

        assert response.status_code == 200

    def test_auth_is_checked_before_the_body(self, api: httpx.Client) -> None:
        api.headers.pop("Authorization")

        response = api.post("/calls", content=b"not json")

        assert error_message(response, 401) == UNAUTHORIZED


class TestBody:
    def test_wrong_content_type_is_400(self, api: httpx.Client) -> None:
        response = api.post(
            "/calls", content=orjson.dumps(MINIMAL_REQUEST), headers={"Content-Type": "text/plain"}
        )

        assert error_message(response, 400) == "Content-Type must be application/json"

    def test_missing_content_type_is_400(self, api: httpx.Client) -> None:
        response = api.post("/calls", content=orjson.dumps(MINIMAL_REQUEST))

        assert error_message(response, 400) == "Content-Type must be application/json"

    def test_content_type_parameters_are_fine(self, api: httpx.Client) -> None:
        response = api.post(
            "/calls",
            content=orjson.dumps(MINIMAL_REQUEST),
            headers={"Content-Type": "Application/JSON; charset=utf-8"},
        )

        assert response.status_code == 201

    @pytest.mark.parametrize(
        "raw", [b"", b"{", b"{'a': 1}", b"[1,]", b"NaN", b"\xff\xfe{}", b'{"a": Infinity}']
    )
    def test_malformed_json_is_400(self, api: httpx.Client, raw: bytes) -> None:
        response = api.post("/calls", content=raw, headers={"Content-Type": "application/json"})

        message = error_message(response, 400)
        assert isinstance(message, str)
        assert message.startswith(("Request body is not valid JSON", "Request body is empty"))

    @pytest.mark.parametrize("raw", [b"[]", b'"call"', b"42", b"null", b"true"])
    def test_a_body_that_is_not_an_object_is_400(self, api: httpx.Client, raw: bytes) -> None:
        response = api.post("/calls", content=raw, headers={"Content-Type": "application/json"})

        assert error_message(response, 400) == "request body must be an object"

    def test_several_failing_fields_give_a_list(self, api: httpx.Client) -> None:
        response = api.post("/calls", json={"to_phone_number": "12345", "surprise": 1})

        message = error_message(response, 400)
        assert isinstance(message, list)
        assert sorted(message) == [
            "agent_id should not be empty",
            "property surprise should not exist",
            "to_phone_number must be in E.164 format, e.g. +919876543210",
        ]

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"agent_id": ""}, "agent_id should not be empty"),
            ({"agent_id": 7}, "agent_id must be a string"),
            ({"agent_id": "agt abc"}, f"agent_id must match {AGENT_ID_PATTERN} regular expression"),
            # ECMA-262 `$` does not match before a final newline; Python's would (P8).
            (
                {"agent_id": "agt_abc123\n"},
                f"agent_id must match {AGENT_ID_PATTERN} regular expression",
            ),
            ({"agent_id": "a" * 65}, "agent_id must be shorter than or equal to 64 characters"),
            ({"agent_version_number": 0}, "agent_version_number must not be less than 1"),
            ({"agent_version_number": 1.5}, "agent_version_number must be an integer number"),
            ({"agent_version_number": "3"}, "agent_version_number must be an integer number"),
            ({"agent_version_number": True}, "agent_version_number must be an integer number"),
            ({"metadata": []}, "metadata must be an object"),
            (
                {"metadata": {"a": {"b": 1}}},
                "metadata.a must be a string, a number, a boolean value or null",
            ),
            (
                {"metadata": {"1st": "x"}},
                'metadata key "1st" must match ^[A-Za-z_][A-Za-z0-9_]*$ regular expression',
            ),
            (
                {"metadata": {f"k{i}": i for i in range(51)}},
                "metadata must have at most 50 properties",
            ),
            (
                {"to_phone_number": "+919876543210\n"},
                "to_phone_number must be in E.164 format, e.g. +919876543210",
            ),
            ({"from_phone_number": 919876543210}, "from_phone_number must be a string"),
        ],
    )
    def test_each_schema_rule_has_its_own_message(
        self, api: httpx.Client, change: dict[str, Any], message: str
    ) -> None:
        response = api.post("/calls", json={**MINIMAL_REQUEST, **change})

        assert error_message(response, 400) == message

    @pytest.mark.parametrize("field", ["to_phone_number", "from_phone_number"])
    @pytest.mark.parametrize("number", ["+10", "+919876", "+4400000000000", "+999123456789"])
    def test_numbers_of_the_right_shape_that_do_not_exist_are_400(
        self, api: httpx.Client, field: str, number: str
    ) -> None:
        response = api.post("/calls", json={**MINIMAL_REQUEST, field: number})

        assert error_message(response, 400) == (
            f"{field} must be a valid phone number: {number} is not a dialable number"
        )

    def test_a_national_trunk_prefix_is_not_e164(self, api: httpx.Client) -> None:
        """phonenumbers would read +91 0 98765 43210 as a valid number; E.164 has no trunk 0."""
        response = api.post("/calls", json={**MINIMAL_REQUEST, "to_phone_number": "+9109876543210"})

        assert response.status_code == 400

    def test_integers_beyond_64_bits_are_a_400_naming_the_field(self, api: httpx.Client) -> None:
        """JSON parsers read them as floats, dropping digits: refused rather than kept wrong."""
        huge = 2**70
        raw = orjson.dumps(MINIMAL_REQUEST)[:-1] + f',"metadata":{{"big":{huge}}}}}'.encode()

        response = api.post("/calls", content=raw, headers={"Content-Type": "application/json"})

        assert error_message(response, 400) == "metadata.big is an integer beyond 64 bits"

    def test_a_body_over_64_kib_is_413(self, api: httpx.Client) -> None:
        body = {**MINIMAL_REQUEST, "metadata": {"note": "x" * 70_000}}

        response = api.post("/calls", json=body)

        assert error_message(response, 413) == "Request body is larger than 65536 bytes"

    def test_a_streamed_body_is_cut_off_at_the_limit(self, api: httpx.Client) -> None:
        """Without Content-Length the body is read in chunks and refused once past the limit."""

        def chunks() -> Iterator[bytes]:
            for _ in range(100):
                yield b" " * 4096

        response = api.post(
            "/calls", content=chunks(), headers={"Content-Type": "application/json"}
        )

        assert "content-length" not in response.request.headers
        assert error_message(response, 413) == "Request body is larger than 65536 bytes"

    def test_exactly_64_kib_is_accepted(self, api: httpx.Client) -> None:
        raw = orjson.dumps(MINIMAL_REQUEST)
        padded = raw + b" " * (65536 - len(raw))

        response = api.post("/calls", content=padded, headers={"Content-Type": "application/json"})

        assert response.status_code == 201

    @PROPERTY
    @given(
        body=st.recursive(
            st.none()
            | st.booleans()
            | st.integers()
            | st.floats(allow_nan=False, allow_infinity=False)
            | st.text(),
            lambda children: (
                st.lists(children, max_size=4)
                | st.dictionaries(st.text(max_size=20), children, max_size=6)
            ),
            max_leaves=12,
        )
    )
    def test_any_json_is_either_a_call_or_an_error_envelope_never_5xx(
        self, api: httpx.Client, emulator: Emulator, body: Any
    ) -> None:
        response = api.post("/calls", json=body)

        assert response.status_code in (201, 400, 402, 403, 404)
        if response.status_code == 400:
            message = response.json()["message"]
            assert message and (isinstance(message, str) or len(message) > 1)

    @PROPERTY
    @given(
        field=st.sampled_from(
            ["agent_id", "to_phone_number", "from_phone_number", "agent_version_number", "metadata"]
        ),
        value=st.none()
        | st.booleans()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.lists(st.integers(), max_size=2),
    )
    def test_a_wrongly_typed_field_is_a_400_naming_it(
        self, api: httpx.Client, field: str, value: Any
    ) -> None:
        response = api.post("/calls", json={**MINIMAL_REQUEST, field: value})

        if field == "agent_version_number" and isinstance(value, float) and value.is_integer():
            return  # 3.0 is an integer; its range decides
        message = error_message(response, 400)
        assert isinstance(message, str)
        assert message.startswith(field)

    @PROPERTY
    @given(raw=st.binary(max_size=64))
    def test_any_bytes_get_an_answer_in_the_envelope(self, api: httpx.Client, raw: bytes) -> None:
        response = api.post("/calls", content=raw, headers={"Content-Type": "application/json"})

        assert response.status_code == 400
        assert set(response.json()) == {"statusCode", "message", "error"}


class TestQuery:
    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"limit": "201"}, "limit must not be greater than 200"),
            ({"limit": "0"}, "limit must not be less than 1"),
            ({"page": "0"}, "page must not be less than 1"),
            ({"page": "two"}, "page must be an integer number"),
            ({"page": "1e3"}, "page must be an integer number"),
            ({"agent_id": ""}, "agent_id should not be empty"),
            (
                {"to_phone_number": "919876543210"},
                "to_phone_number must be in E.164 format, e.g. +919876543210",
            ),
            (
                {"to_phone_number": "+10"},
                "to_phone_number must be a valid phone number: +10 is not a dialable number",
            ),
        ],
    )
    def test_bad_parameters_are_400(
        self, api: httpx.Client, params: dict[str, str], message: str
    ) -> None:
        response = api.get("/calls", params=params)

        assert error_message(response, 400) == message

    def test_the_specs_examples_are_what_the_server_answers(self, api: httpx.Client) -> None:
        examples = SPEC["components"]["responses"]["QueryBadRequest"]["content"][
            "application/json"
        ]["examples"]

        too_large = api.get("/calls", params={"limit": 201})
        repeated = api.get("/calls", params=[("page", "1"), ("page", "2")])

        assert too_large.json() == examples["limitTooLarge"]["value"]
        assert repeated.json() == examples["repeatedParameter"]["value"]

    def test_every_bad_value_of_a_repeated_parameter_is_named(self, api: httpx.Client) -> None:
        response = api.get(
            "/calls", params=[("status", "busy"), ("status", "ringing"), ("limit", "x")]
        )

        message = error_message(response, 400)
        assert isinstance(message, list)
        assert sorted(message)[0] == "limit must be an integer number"
        assert sorted(message)[1].startswith(
            "status[1] must be one of the following values: created,"
        )
        assert len(message) == 2

    def test_integer_valued_decimals_and_unknown_parameters_are_fine(
        self, api: httpx.Client
    ) -> None:
        response = api.get("/calls", params={"page": "1.0", "limit": "20", "sort": "asc"})

        assert response.status_code == 200

    @pytest.mark.parametrize(
        "call_id", ["abc123", "call_", "call_ab-c", "call_" + "a" * 65, "call_abc%0A"]
    )
    def test_a_malformed_call_id_is_400(self, api: httpx.Client, call_id: str) -> None:
        response = api.get(f"/calls/{call_id}")

        assert error_message(response, 400) == "Invalid call ID format"

    def test_a_well_formed_unknown_call_id_is_404(self, api: httpx.Client) -> None:
        assert error_message(api.get("/calls/call_abc123"), 404) == "Call not found"


class TestRouting:
    @pytest.mark.parametrize(
        "path", ["/v1/call", "/v1/calls/", "/v2/calls", "/calls", "/", "/v1/calls/call_a/b"]
    )
    def test_unknown_paths_are_404_envelopes(self, api: httpx.Client, path: str) -> None:
        response = api.get(f"http://emulator{path}")

        assert error_message(response, 404) == f"Cannot GET {path}"

    @pytest.mark.parametrize(
        ("method", "path", "allowed"),
        [
            ("DELETE", "/calls", {"GET", "HEAD", "POST"}),
            ("PUT", "/calls", {"GET", "HEAD", "POST"}),
            ("POST", "/calls/call_abc123", {"GET", "HEAD"}),
            ("PATCH", "/calls/call_abc123", {"GET", "HEAD"}),
        ],
    )
    def test_wrong_methods_are_405_envelopes_with_allow(
        self, api: httpx.Client, method: str, path: str, allowed: set[str]
    ) -> None:
        response = api.request(method, path)

        assert str(error_message(response, 405)).startswith(f"Cannot {method} /v1{path}")
        assert set(response.headers["Allow"].split(", ")) == allowed

    def test_head_is_routed_like_get(self, api: httpx.Client) -> None:
        response = api.head("/calls")

        assert response.status_code == 200


def test_letters_survive_the_round_trip(api: httpx.Client) -> None:
    metadata = {
        "customer_name": "Zoë Ångström 李",
        "note": string.punctuation,
        "vip": True,
        "n": None,
    }

    call = api.post("/calls", json={**MINIMAL_REQUEST, "metadata": metadata}).json()

    assert api.get(f"/calls/{call['id']}").json()["metadata"] == metadata


class TestUnexpectedErrors:
    def test_a_bug_is_logged_and_answered_in_the_envelope(
        self, api: httpx.Client, emulator: Emulator, caplog: pytest.LogCaptureFixture
    ) -> None:
        def broken(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("a bug")

        emulator.store.get = broken  # type: ignore[method-assign]

        response = api.get("/calls/call_abc123")

        assert error_message(response, 500) == "Internal server error"
        assert "unexpected error in GET /v1/calls/call_abc123" in caplog.text
        assert "RuntimeError: a bug" in caplog.text

    def test_the_control_plane_answers_a_bug_in_the_envelope_too(
        self, control: httpx.Client, emulator: Emulator
    ) -> None:
        def broken() -> None:
            raise RuntimeError("a bug")

        emulator.reset = broken  # type: ignore[method-assign]

        assert error_message(control.post("/reset"), 500) == "Internal server error"
