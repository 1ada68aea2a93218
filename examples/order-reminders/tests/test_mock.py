"""No fixture: mock_dialnexa() around code that builds its client from production settings."""

from __future__ import annotations

import pytest
from order_reminders import Order, on_order_shipped

from dialnexa_emulator import mock_dialnexa

PRIYA = Order(id="ord_1001", customer_name="Priya Sharma", phone="+919876543210")


@pytest.fixture(autouse=True)
def production_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIALNEXA_API_KEY", "kid_demo:sk_demo_secret")  # the built-in config's key
    monkeypatch.delenv("DIALNEXA_BASE_URL", raising=False)  # so: https://api.dialnexa.com/v1


@mock_dialnexa
def test_as_a_decorator() -> None:
    assert on_order_shipped(PRIYA).startswith("call_")


def test_as_a_context_manager() -> None:
    with mock_dialnexa() as dialnexa:
        call_id = on_order_shipped(PRIYA)
    assert [call["id"] for call in dialnexa.calls] == [call_id]
