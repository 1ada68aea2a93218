"""Verify a webhook delivery and read it as a typed event, in one call.

    from dialnexa_client.models import CallEndedEvent
    from dialnexa_client.webhooks import WebhookError, verify

    event = verify(raw_body, request.headers, secret)   # raises WebhookError unless genuine
    if isinstance(event, CallEndedEvent): ...

The signature is `X-DialNexa-Signature`: the lowercase hex HMAC-SHA256 of the raw body, keyed with
the endpoint's secret. DialNexa's OpenAPI file also describes `x-nexa-signature: sha256=<hex>`;
`verify` accepts either. Pass the body exactly as received, before any JSON parsing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import DialNexaError
from .models.call_ended_event import CallEndedEvent
from .models.call_initiated_event import CallInitiatedEvent

SIGNATURE_HEADER = "X-DialNexa-Signature"
ALTERNATIVE_SIGNATURE_HEADER = "x-nexa-signature"
"""Its value is `sha256=<hex>`."""


class WebhookError(DialNexaError):
    """A delivery `verify` refuses; the message says why. Answer it with a 4xx, not a 2xx."""


class WebhookSignatureError(WebhookError):
    """The signature header is missing, or does not match the body and the secret."""


class WebhookPayloadError(WebhookError):
    """The body is signed correctly but is not an event: not JSON, or fields missing or wrong."""


@dataclass(frozen=True)
class UnknownEvent:
    """A genuine event of a type this client does not know yet (DialNexa may add some)."""

    event_type: str
    body: dict[str, Any]
    """The whole delivery, as parsed JSON."""


WebhookEvent = CallInitiatedEvent | CallEndedEvent | UnknownEvent

_MODELS: dict[str, Any] = {
    "call_initiated": CallInitiatedEvent,
    "call_ended": CallEndedEvent,
}


def sign(body: bytes, secret: str) -> str:
    """The `X-DialNexa-Signature` value for `body`, e.g. to test your own receiver."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, headers: Mapping[str, str] | Iterable[tuple[str, str]], secret: str) -> WebhookEvent:
    """Check the delivery's signature (in constant time) and return its event.

    `headers` as your framework gives them (names in any letter case), `secret` the endpoint's.
    Unknown event types come back as `UnknownEvent`, unknown fields in `additional_properties`,
    unknown enum values as `UNKNOWN` members. Raises `WebhookSignatureError` or
    `WebhookPayloadError`.
    """
    if not secret:
        raise ValueError("secret must not be empty: it is the endpoint's webhook secret")
    signature = _signature(headers)
    if not hmac.compare_digest(signature.encode(), sign(bytes(body), secret).encode()):
        raise WebhookSignatureError(
            "the signature does not match the body and the secret (a wrong secret, a body changed "
            "on the way, or one parsed and serialized again before checking)"
        )
    try:
        data = json.loads(body)
    except ValueError as exc:  # UnicodeDecodeError included
        raise WebhookPayloadError(f"the body is not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("event_type"), str):
        raise WebhookPayloadError("the body is not an event: no `event_type` string")
    model = _MODELS.get(data["event_type"])
    if model is None:
        return UnknownEvent(data["event_type"], data)
    try:
        event: WebhookEvent = model.from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise WebhookPayloadError(
            f"the `{data['event_type']}` event does not match the spec: {type(exc).__name__}: {exc}"
        ) from None
    return event


def _signature(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> str:
    """The hex signature the headers carry, under either name (any letter case)."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    found: dict[str, str] = {}
    for name, value in items:
        found.setdefault(str(name).lower(), str(value))
    if SIGNATURE_HEADER.lower() in found:
        return found[SIGNATURE_HEADER.lower()].strip().lower()
    alternative = found.get(ALTERNATIVE_SIGNATURE_HEADER, "").strip()
    if alternative.lower().startswith("sha256="):
        return alternative[len("sha256=") :].lower()
    if alternative:
        raise WebhookSignatureError(f"{ALTERNATIVE_SIGNATURE_HEADER} must be `sha256=<hex>`")
    raise WebhookSignatureError(f"no {SIGNATURE_HEADER} header: the delivery is not signed")
