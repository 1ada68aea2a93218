"""Waiting for a call to end takes no time, and DialNexa answers what the test asks for."""

from __future__ import annotations

import pytest
from dialnexa_client import DialNexa, errors
from dialnexa_emulator import EmulatorHandle

from order_reminders import Order, on_order_shipped

PRIYA = Order(id="ord_1001", customer_name="Priya Sharma", phone="+919876543210")


def test_the_job_waits_for_the_reminder_call_to_end(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    call_id = on_order_shipped(PRIYA, dialnexa_client)
    # No clock= anywhere: the wait moves the emulator's frozen clock instead of sleeping.
    call = dialnexa_client.calls.wait(call_id)
    assert (call.status, call.duration_sec) == ("completed", 30)
    dialnexa_emulator.assert_called("createCall", times=1, json={"to_phone_number": PRIYA.phone})


def test_a_busy_line_ends_the_wait_with_its_outcome(dialnexa_client: DialNexa) -> None:
    call = dialnexa_client.calls.create_and_wait(
        agent_id="agt_abc123", to_phone_number="+919876500002"
    )
    assert call.status == "busy"


def test_an_empty_wallet_answered_on_demand(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    dialnexa_emulator.respond("createCall", 402)  # the next create only, as the spec declares it
    with pytest.raises(errors.PaymentRequiredError):
        on_order_shipped(PRIYA, dialnexa_client)
    assert on_order_shipped(PRIYA, dialnexa_client).startswith("call_")  # then as usual


def test_a_call_dialnexa_lost_track_of(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    call_id = on_order_shipped(PRIYA, dialnexa_client)
    dialnexa_emulator.respond("getCall", 404, {"message": "Call was archived"})
    with pytest.raises(errors.NotFoundError, match="Call was archived"):
        dialnexa_client.calls.wait(call_id)
