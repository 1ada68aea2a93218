"""Delivery faults: what the next N matching deliveries suffer (delay, duplicate, out of order,
wrong signature)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from dialnexa_emulator._config import WEBHOOK_EVENTS
from dialnexa_emulator.webhooks._model import Delivery, WebhookError, WebhookFault

FAULT_KINDS = ("delay", "duplicate", "out_of_order", "wrong_signature")


class DeliveryFaults:
    """Armed faults, oldest (first to strike) first. Not locked: `Webhooks` holds its lock."""

    def __init__(self, ids: Iterator[int]) -> None:
        self._ids = ids
        self._armed: list[WebhookFault] = []

    @staticmethod
    def check(kind: str, count: int, event: str | None, delay_sec: float) -> None:
        if kind not in FAULT_KINDS:
            raise WebhookError(f"kind must be one of {', '.join(FAULT_KINDS)}")
        if count < 1:
            raise WebhookError("count must be at least 1")
        if event is not None and event not in WEBHOOK_EVENTS:
            raise WebhookError(f"event must be one of {', '.join(WEBHOOK_EVENTS)} or null")
        if (kind == "delay") != (delay_sec > 0):
            raise WebhookError("delay_sec (> 0) goes with kind delay, and only with it")

    def arm(
        self, kind: str, count: int, event: str | None, endpoint_id: str | None, delay_sec: float
    ) -> str:
        fault = WebhookFault(
            f"webhook_fault_{next(self._ids)}", kind, count, event, endpoint_id, delay_sec
        )
        self._armed.append(fault)
        return fault.id

    def armed(self) -> list[WebhookFault]:
        return [replace(fault) for fault in self._armed]

    def remove(self, fault_id: str) -> bool:
        for fault in self._armed:
            if fault.id == fault_id:
                self._armed.remove(fault)
                return True
        return False

    def clear(self) -> None:
        self._armed.clear()

    def take(self, delivery: Delivery) -> WebhookFault | None:
        """The fault this delivery suffers, if any, counted as struck."""
        for fault in self._armed:
            if fault.event in (None, delivery.event_type) and fault.endpoint_id in (
                None,
                delivery.endpoint.id,
            ):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._armed.remove(fault)
                return fault
        return None
