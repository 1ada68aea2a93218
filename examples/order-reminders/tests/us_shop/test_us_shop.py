"""The conftest.py next to this file chose the config for every test here."""

from __future__ import annotations

from dialnexa_client import DialNexa
from dialnexa_emulator import EmulatorHandle

from order_reminders import Order, on_order_shipped


def test_the_directory_config_is_used(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    assert dialnexa_emulator.api_key == "kid_shop:sk_shop_secret"
    on_order_shipped(Order("ord_1003", "Sam Lee", "+12015550123"), dialnexa_client)
    assert [call["from_phone_number"] for call in dialnexa_emulator.calls] == ["+14155550123"]
