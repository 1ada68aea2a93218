"""DialNexa's call events: when a reminder call ends, the shop notes how it went.

Framework-free on purpose: your web framework's route reads the raw body and the headers, calls
`handle`, and answers with the status it returns.
"""

from __future__ import annotations

from collections.abc import Mapping

from dialnexa_client.models import CallEndedEvent
from dialnexa_client.webhooks import WebhookError, verify


class CallOutcomes:
    """How each reminder call ended (`completed` or `hangup`), by call id, from `call_ended`."""

    def __init__(self, secret: str) -> None:
        self._secret = secret  # the webhook endpoint's secret
        self.ended: dict[str, str] = {}

    def handle(self, body: bytes, headers: Mapping[str, str]) -> int:
        """The HTTP status to answer a delivery with: 400 if it is not genuine, else 204."""
        try:
            event = verify(body, headers, self._secret)
        except WebhookError:
            return 400  # not from DialNexa, or garbled: refuse it
        if isinstance(event, CallEndedEvent):
            # Delivered at least once: a repeat only writes the same outcome again.
            self.ended[event.payload.call.id] = event.payload.call.status.value
        return 204
