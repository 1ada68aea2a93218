"""Signed webhook deliveries of call events: the events, the endpoints, the delivery queue."""

from dialnexa_emulator.webhooks._delivery import Webhooks

__all__ = ["Webhooks"]
