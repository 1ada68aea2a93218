"""The app against the kit's in-process emulator: a fresh one for every test, on a frozen clock."""

from __future__ import annotations

import pytest
from dialnexa_client import AsyncDialNexa, DialNexa, errors
from dialnexa_emulator import EmulatorHandle

from order_reminders import Order, on_order_shipped, on_order_shipped_async

PRIYA = Order(id="ord_1001", customer_name="Priya Sharma", phone="+919876543210")


@pytest.mark.parametrize("order_id", ["ord_1", "ord_2", "ord_3"])
def test_a_shipped_order_places_one_call(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle, order_id: str
) -> None:
    call_id = on_order_shipped(Order(order_id, "Priya Sharma", "+919876543210"), dialnexa_client)
    # Each test starts from an empty emulator: this is the only call, whichever tests ran before.
    [call] = dialnexa_emulator.calls
    assert call["id"] == call_id
    assert call["to_phone_number"] == "+919876543210"
    assert call["metadata"]["order_id"] == order_id


def test_the_clock_stands_still_until_the_test_moves_it(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    call_id = on_order_shipped(PRIYA, dialnexa_client)
    assert dialnexa_emulator.calls[0]["created_at"] == "2024-03-01T10:00:00.000Z"
    assert dialnexa_client.calls.get(call_id).status == "initiated"

    dialnexa_emulator.clock.advance(5)
    assert dialnexa_client.calls.get(call_id).status == "received"  # ringing
    # `wait` polls on the emulator's clock: ringing and 30 s of talk pass without sleeping.
    call = dialnexa_client.calls.wait(call_id)
    assert call.status == "completed"
    assert call.duration_sec == 30


def test_a_dropped_connection_does_not_ring_the_customer_twice(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    dialnexa_emulator.faults.add(operation="createCall", drop_after_commit=True)
    call_id = on_order_shipped(PRIYA, dialnexa_client)  # found by its order id, not sent again
    assert [call["id"] for call in dialnexa_emulator.calls] == [call_id]


def test_when_dialnexa_is_down_the_shipping_job_sees_it(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    dialnexa_emulator.faults.add(operation="createCall", status=503)
    with pytest.raises(errors.OutcomeUnknownError):
        on_order_shipped(PRIYA, dialnexa_client)
    assert dialnexa_emulator.calls == []


def test_a_gateway_timeout_after_the_call_was_placed_does_not_ring_twice(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    dialnexa_emulator.seed_calls({"status": "completed", "count": 250})  # a shop with history
    dialnexa_emulator.faults.add(operation="createCall", status=504, after_commit=True)
    call_id = on_order_shipped(PRIYA, dialnexa_client)  # found among them by its order id
    [create, *lookups] = dialnexa_emulator.requests  # the journal: never a secret
    assert (create["operation"], create["status"]) == ("createCall", 504)
    assert {lookup["operation"] for lookup in lookups} == {"listCalls"}
    assert dialnexa_emulator.calls[-1]["id"] == call_id
    assert len(dialnexa_emulator.calls) == 251


def test_an_empty_wallet_stops_the_job_before_any_call(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    dialnexa_emulator.set_balance(0)  # the next create is a 402
    with pytest.raises(errors.PaymentRequiredError):
        on_order_shipped(PRIYA, dialnexa_client)
    assert dialnexa_emulator.calls == []


def test_production_settings_reach_the_emulator_unchanged(
    dialnexa_emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIALNEXA_API_KEY", dialnexa_emulator.api_key)
    monkeypatch.delenv("DIALNEXA_BASE_URL", raising=False)
    call_id = on_order_shipped(PRIYA)  # its own client, for https://api.dialnexa.com/v1
    assert [call["id"] for call in dialnexa_emulator.calls] == [call_id]


@pytest.mark.anyio
async def test_the_async_app(
    dialnexa_async_client: AsyncDialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    call_id = await on_order_shipped_async(PRIYA, dialnexa_async_client)
    assert [call["id"] for call in dialnexa_emulator.calls] == [call_id]


@pytest.mark.dialnexa(config="shop.toml")  # next to this file
def test_a_us_only_shop_cannot_call_india(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    assert dialnexa_emulator.api_key == "kid_shop:sk_shop_secret"
    with pytest.raises(errors.PermissionDeniedError):
        on_order_shipped(PRIYA, dialnexa_client)
    on_order_shipped(Order("ord_1002", "Sam Lee", "+12015550123"), dialnexa_client)
    dialnexa_emulator.clock.advance(60)
    [call] = dialnexa_emulator.calls
    assert "Hi Sam Lee, your order ord_1002 is on its way." in call["transcript"]
