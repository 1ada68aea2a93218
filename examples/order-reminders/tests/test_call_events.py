"""The shop's webhook handler, receiving the emulator's real, signed deliveries."""

from __future__ import annotations

import pytest
from dialnexa_client import DialNexa
from dialnexa_emulator import EmulatorHandle, WebhookReceiver
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from order_reminders import Order, on_order_shipped
from order_reminders.call_events import CallOutcomes

PRIYA = Order(id="ord_1001", customer_name="Priya Sharma", phone="+919876543210")
BUSY = Order(id="ord_1002", customer_name="Arjun Rao", phone="+919876500002")  # a busy line


def web_app(outcomes: CallOutcomes) -> Starlette:
    """The shop's route, as its web framework would serve it."""

    async def dialnexa_webhook(request: Request) -> Response:
        return Response(status_code=outcomes.handle(await request.body(), request.headers))

    return Starlette(routes=[Route("/webhooks/dialnexa", dialnexa_webhook, methods=["POST"])])


@pytest.fixture
def outcomes(dialnexa_webhook_receiver: WebhookReceiver) -> CallOutcomes:
    """The shop's handler, behind its route, receiving the emulator's deliveries."""
    outcomes = CallOutcomes(secret=dialnexa_webhook_receiver.secret)
    dialnexa_webhook_receiver.forward_to(web_app(outcomes), "/webhooks/dialnexa")
    return outcomes


def test_the_shop_learns_how_each_reminder_call_ended(
    dialnexa_client: DialNexa,
    dialnexa_emulator: EmulatorHandle,
    dialnexa_webhook_receiver: WebhookReceiver,
    outcomes: CallOutcomes,
) -> None:
    answered = on_order_shipped(PRIYA, dialnexa_client)
    busy = on_order_shipped(BUSY, dialnexa_client)

    dialnexa_emulator.clock.advance(60)  # past the end of both calls
    dialnexa_emulator.webhooks.flush()  # every delivery due by now has been answered

    assert outcomes.ended == {answered: "completed", busy: "hangup"}
    assert [d.status for d in dialnexa_webhook_receiver.events("call_ended")] == [204, 204]


def test_a_forged_delivery_is_refused(
    dialnexa_client: DialNexa,
    dialnexa_emulator: EmulatorHandle,
    dialnexa_webhook_receiver: WebhookReceiver,
    outcomes: CallOutcomes,
) -> None:
    dialnexa_emulator.webhooks.add_fault("wrong_signature", event="call_ended")
    on_order_shipped(BUSY, dialnexa_client)

    dialnexa_emulator.clock.advance(60)
    dialnexa_emulator.webhooks.flush()

    assert outcomes.ended == {}
    assert [d.status for d in dialnexa_webhook_receiver.deliveries] == [204, 400]
