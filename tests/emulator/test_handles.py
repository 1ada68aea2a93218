"""`Emulator` and `EmulatorHandle` speak one signature per method; the 1.x forms still work,
with a DeprecationWarning, for one minor release."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialnexa_emulator import Emulator, mock_dialnexa


def test_set_balance_takes_the_amount_first_and_the_workspace_by_name(emulator: Emulator) -> None:
    emulator.set_balance(7, workspace_id="default")
    assert emulator.balance("default") == 7
    emulator.set_balance("0.1")  # the first workspace by default
    assert emulator.balance() == Decimal("0.1")


def test_the_old_emulator_set_balance_form_warns_and_still_works(emulator: Emulator) -> None:
    with pytest.warns(DeprecationWarning, match=r"set_balance\(amount, workspace_id=\.\.\.\)"):
        emulator.set_balance("default", 3)
    assert emulator.balance("default") == 3


def test_seed_calls_takes_entries_as_arguments_and_the_old_list_warns(emulator: Emulator) -> None:
    assert len(emulator.seed_calls({"status": "busy"}, {"status": "failed"})) == 2
    with pytest.warns(DeprecationWarning, match=r"seed_calls\(\*entries\)"):
        seeded = emulator.seed_calls([{"status": "busy"}, {"status": "completed"}])  # type: ignore[arg-type]
    assert [call["status"] for call in seeded] == ["busy", "completed"]


@given(amount=st.decimals(min_value=0, max_value=10**9, places=2))
def test_the_handle_and_the_emulator_agree_on_every_balance(amount: Decimal) -> None:
    with mock_dialnexa() as handle:
        handle.set_balance(amount)
        assert handle.balance() == amount
        with pytest.warns(DeprecationWarning):
            handle.set_balance(amount + 1, handle.app.state.emulator.config.workspaces[0].id)
        assert handle.balance() == amount + 1
