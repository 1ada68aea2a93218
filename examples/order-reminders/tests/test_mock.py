"""No fixture: mock_dialnexa() around code that builds its client from production settings.

Nothing else is needed: for its duration the mock sets DIALNEXA_API_KEY and DIALNEXA_BASE_URL to
the emulator's, and restores them after.
"""

from __future__ import annotations

from dialnexa_emulator import EmulatorHandle, mock_dialnexa

from order_reminders import Order, on_order_shipped

PRIYA = Order(id="ord_1001", customer_name="Priya Sharma", phone="+919876543210")


@mock_dialnexa
def test_as_a_decorator(dialnexa: EmulatorHandle) -> None:
    call_id = on_order_shipped(PRIYA)
    dialnexa.assert_called("createCall", times=1, json={"metadata": {"order_id": "ord_1001"}})
    assert dialnexa.calls[0]["id"] == call_id


def test_as_a_context_manager() -> None:
    with mock_dialnexa() as dialnexa:
        call_id = on_order_shipped(PRIYA)
    assert [call["id"] for call in dialnexa.calls] == [call_id]
