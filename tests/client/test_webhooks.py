"""`dialnexa_client.webhooks.verify`: genuine deliveries come back typed, anything else is refused
with a typed error. Signed bodies are the emulator's own and spec-generated events."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
from typing import Any

import pytest
from dialnexa_client import webhooks
from dialnexa_client.models import (
    CallEndedEvent,
    CallInitiatedEvent,
    HangupReason,
    WebhookCallStatus,
)
from dialnexa_client.webhooks import (
    UnknownEvent,
    WebhookPayloadError,
    WebhookSignatureError,
    sign,
    verify,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.client.spec_bodies import JSON, schema_bodies, unknown_fields
from tests.conftest import load_spec

CALL_FIELDS = set(load_spec()["components"]["schemas"]["WebhookCall"]["properties"])
SLOW = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
secrets = st.text(min_size=1, max_size=64)
events = st.one_of(schema_bodies("CallInitiatedEvent"), schema_bodies("CallEndedEvent"))


def reference_signature(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed(body: bytes, secret: str) -> dict[str, str]:
    return {"X-DialNexa-Signature": reference_signature(body, secret)}


@SLOW
@given(event=events, secret=secrets)
def test_a_genuine_event_comes_back_typed_and_whole(event: dict[str, Any], secret: str) -> None:
    body = json.dumps(event).encode()

    parsed = verify(body, signed(body, secret), secret)

    expected = {"call_initiated": CallInitiatedEvent, "call_ended": CallEndedEvent}
    assert type(parsed) is expected[event["event_type"]]
    assert isinstance(parsed, CallInitiatedEvent | CallEndedEvent)
    assert parsed.payload.call.id == event["payload"]["call"]["id"]
    assert (
        json.loads(json.dumps(parsed.to_dict(), default=str))["payload"]["call"]["agent_id"]
        == (event["payload"]["call"]["agent_id"])
    )


@given(body=st.binary(), secret=secrets)
def test_sign_is_hex_hmac_sha256_of_the_raw_body(body: bytes, secret: str) -> None:
    assert sign(body, secret) == reference_signature(body, secret)


@given(body=st.binary(min_size=1), secret=secrets, data=st.data())
def test_any_change_to_the_body_is_refused(body: bytes, secret: str, data: st.DataObject) -> None:
    headers = signed(body, secret)
    index = data.draw(st.integers(0, len(body) - 1))
    flip = data.draw(st.integers(1, 255))
    tampered = body[:index] + bytes([body[index] ^ flip]) + body[index + 1 :]

    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify(tampered, headers, secret)


@given(body=st.binary(), secret=secrets, other=secrets)
def test_another_secret_is_refused(body: bytes, secret: str, other: str) -> None:
    if other == secret:
        return
    with pytest.raises(WebhookSignatureError):
        verify(body, signed(body, other), secret)


@given(body=st.binary(), secret=secrets, signature=st.text())
def test_a_forged_signature_is_refused_whatever_it_looks_like(
    body: bytes, secret: str, signature: str
) -> None:
    if signature.strip().lower() == reference_signature(body, secret):
        return
    with pytest.raises(WebhookSignatureError):
        verify(body, {"x-dialnexa-signature": signature}, secret)


@pytest.mark.parametrize(
    "header",
    ["X-DialNexa-Signature", "x-dialnexa-signature", "X-DIALNEXA-SIGNATURE", "x-nexa-signature"],
)
def test_header_names_in_any_case_and_the_alternative_form(header: str) -> None:
    body = b'{"event_type": "call_ended", "payload": {"call": {}}}'
    value = sign(body, "s")
    if header == "x-nexa-signature":
        value = "sha256=" + value
    # A list of pairs, as ASGI or WSGI give them, and a plain dict.
    for headers in ([(header, value)], {header: value}):
        with pytest.raises(WebhookPayloadError):  # the signature passed; the body is no event
            verify(body, headers, "s")


def test_the_alternative_header_needs_its_prefix() -> None:
    with pytest.raises(WebhookSignatureError, match="sha256="):
        verify(b"{}", {"x-nexa-signature": sign(b"{}", "s")}, "s")


def test_an_unsigned_delivery_is_refused() -> None:
    with pytest.raises(WebhookSignatureError, match="no X-DialNexa-Signature header"):
        verify(b"{}", {"content-type": "application/json"}, "s")


def test_an_empty_secret_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="secret must not be empty"):
        verify(b"{}", signed(b"{}", "s"), "")


@SLOW
@given(
    event=events,
    extra_event=unknown_fields({"event_type", "payload"}),
    extra_call=unknown_fields(set()),
    status=st.text(min_size=1).filter(lambda s: s not in {m.value for m in WebhookCallStatus}),
)
def test_unknown_fields_and_values_survive(
    event: dict[str, Any], extra_event: dict[str, Any], extra_call: dict[str, Any], status: str
) -> None:
    call = event["payload"]["call"]
    call.update({k: v for k, v in extra_call.items() if k not in CALL_FIELDS}, status=status)
    event.update(extra_event)
    body = json.dumps(event).encode()

    parsed = verify(body, signed(body, "s"), "s")

    assert isinstance(parsed, CallInitiatedEvent | CallEndedEvent)
    assert parsed.additional_properties == {
        k: v for k, v in event.items() if k not in ("event_type", "payload")
    }
    assert parsed.payload.call.additional_properties == {
        k: v for k, v in call.items() if k not in CALL_FIELDS
    }
    assert parsed.payload.call.status.value == status
    assert not parsed.payload.call.status.is_known


@given(event_type=st.text().filter(lambda t: t not in ("call_initiated", "call_ended")), rest=JSON)
def test_an_unknown_event_type_comes_back_as_unknown_event(event_type: str, rest: Any) -> None:
    event = {"event_type": event_type, "payload": rest}
    body = json.dumps(event).encode()

    parsed = verify(body, signed(body, "s"), "s")

    assert parsed == UnknownEvent(event_type, event)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[]", "no `event_type`"),
        (b'{"event_type": 3}', "no `event_type`"),
        (b'{"event_type": "call_ended"}', "does not match the spec"),
        (b'{"event_type": "call_ended", "payload": {"call": {"id": "call_1"}}}', "does not match"),
    ],
)
def test_a_signed_body_that_is_no_event_is_a_payload_error(body: bytes, message: str) -> None:
    with pytest.raises(WebhookPayloadError, match=message):
        verify(body, signed(body, "s"), "s")


def test_the_emulators_deliveries_verify() -> None:
    """What the emulator signs and sends, byte for byte, is what verify accepts."""
    from dialnexa_client import DialNexa

    from dialnexa_emulator import WebhookReceiver, mock_dialnexa

    with WebhookReceiver(secret="whsec_roundtrip") as receiver, mock_dialnexa() as emulator:
        emulator.webhooks.add_endpoint(receiver.url, receiver.secret)
        with DialNexa(api_key=emulator.api_key, base_url=emulator.base_url) as client:
            client.calls.create(agent_id="agt_abc123", to_phone_number="+919876500002")
        emulator.clock.advance(60)
        emulator.webhooks.flush()
        initiated, ended = (verify(d.body, d.headers, receiver.secret) for d in receiver.deliveries)
    assert isinstance(initiated, CallInitiatedEvent)
    assert isinstance(ended, CallEndedEvent)
    assert ended.payload.call.status == WebhookCallStatus.HANGUP
    assert ended.payload.call.hangup_reason == HangupReason.USER_BUSY


def test_importing_the_client_does_not_import_webhooks() -> None:
    code = (
        "import sys, dialnexa_client; assert 'dialnexa_client.webhooks' not in sys.modules; "
        "assert dialnexa_client.webhooks.verify; print('ok')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True
    )
    assert result.stdout.strip() == "ok", result.stderr
    assert webhooks.SIGNATURE_HEADER == "X-DialNexa-Signature"
