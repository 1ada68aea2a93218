"""The SQLite state file in process: what it keeps, exactly, and what it refuses to open."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from dialnexa_emulator._store import CallRecord
from dialnexa_emulator.server._state_file import SqliteClock, SqliteStore, StateFile, StateFileError

BALANCES = {"north": Decimal("1.00"), "east": Decimal("5")}
START = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)


def a_call(
    n: int, *, workspace: str = "north", at: datetime = START, **changes: object
) -> CallRecord:
    fields: dict[str, object] = {
        "id": f"call_{n:014d}",
        "workspace_id": workspace,
        "agent_id": "agt_abc123",
        "agent_version_number": 3,
        "to_phone_number": "+919876543210",
        "from_phone_number": "+912234567890",
        "metadata": {"n": n, "name": "Ωμέγα 名前 😀\x00\u202e", "big": 2**63 - 1, "f": 0.1},
        "timeline": ((at, "initiated"), (at + timedelta(microseconds=1_000_001), "completed")),
        "duration_sec": 30,
        "transcript": "Agent: Hi\nUser: Yes",
    }
    fields.update(changes)
    return CallRecord(**fields)  # type: ignore[arg-type]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state.db"


def open_store(path: Path) -> SqliteStore:
    return SqliteStore(StateFile(path), BALANCES)


def test_a_call_comes_back_exactly_from_a_reopened_file(path: Path) -> None:
    call = a_call(1, transcript=None)
    assert open_store(path).charge_and_add(call, Decimal("0.05"))

    reopened = open_store(path)

    assert reopened.get("north", call.id) == call
    assert reopened.balance("north") == Decimal("0.95")
    assert reopened.balance("east") == Decimal("5")


def test_another_workspace_gets_nothing(path: Path) -> None:
    store = open_store(path)
    store.charge_and_add(a_call(1), Decimal(0))

    assert store.get("east", a_call(1).id) is None


def test_a_charge_it_cannot_pay_keeps_nothing(path: Path) -> None:
    store = open_store(path)

    assert not store.charge_and_add(a_call(1), Decimal("1.01"))

    assert store.get("north", a_call(1).id) is None
    assert store.balance("north") == Decimal("1.00")


def test_two_connections_see_each_others_writes_at_once(path: Path) -> None:
    """What every worker relies on: no cache, every read goes to the file."""
    first, second = open_store(path), open_store(path)

    first.charge_and_add(a_call(1), Decimal("0.25"))
    second.charge_and_add(a_call(2), Decimal("0.25"))

    assert [c.id for c in first.newest_first("north")] == [a_call(2).id, a_call(1).id]
    assert first.balance("north") == second.balance("north") == Decimal("0.50")


def test_listing_is_newest_first_across_pages_and_ties(path: Path) -> None:
    store = open_store(path)
    # 450 calls: more than one page of reads; the first 300 share a creation time (ties go to the
    # last created), and one created later with an earlier clock reading still sorts by time.
    for n in range(450):
        at = START if n < 300 else START + timedelta(seconds=n)
        store.charge_and_add(a_call(n, at=at), Decimal(0))
    store.charge_and_add(a_call(999, at=START - timedelta(seconds=1)), Decimal(0))

    listed = [c.id for c in store.newest_first("north")]

    expected = [a_call(n).id for n in [*range(449, 299, -1), *range(299, -1, -1), 999]]
    assert listed == expected


def test_listing_filters(path: Path) -> None:
    store = open_store(path)
    store.charge_and_add(a_call(1), Decimal(0))
    store.charge_and_add(a_call(2, agent_id="agt_other"), Decimal(0))
    store.charge_and_add(a_call(3, to_phone_number="+14155550123"), Decimal(0))
    store.charge_and_add(a_call(4, workspace="east"), Decimal(0))

    assert [c.id for c in store.newest_first("north", agent_id="agt_other")] == [a_call(2).id]
    assert [c.id for c in store.newest_first("north", to_phone_number="+14155550123")] == [
        a_call(3).id
    ]
    assert len(list(store.newest_first("north"))) == 3


def test_reset_forgets_calls_and_restores_balances(path: Path) -> None:
    store = open_store(path)
    store.charge_and_add(a_call(1), Decimal("0.75"))

    store.reset()

    assert list(store.newest_first("north")) == []
    assert store.balance("north") == Decimal("1.00")


def test_the_clock_offset_is_shared_and_kept(path: Path) -> None:
    clock = SqliteClock(StateFile(path))
    clock.advance(3600)

    other = SqliteClock(StateFile(path))

    assert other.now() - datetime.now(UTC) > timedelta(seconds=3590)
    other.reset()
    assert clock.now() - datetime.now(UTC) < timedelta(seconds=10)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)


def test_a_file_that_is_not_a_database_is_refused(path: Path) -> None:
    path.write_bytes(b"not a database" * 100)

    with pytest.raises(StateFileError, match="cannot use it as a state file"):
        StateFile(path)


def test_another_programs_database_is_refused_and_left_alone(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE invoices (id INTEGER)")

    with pytest.raises(StateFileError, match="not a dialnexa-emulator state file"):
        StateFile(path)
    with sqlite3.connect(path) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master")]
    assert tables == ["invoices"]


def test_a_state_file_of_another_version_is_refused(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")

    with pytest.raises(StateFileError, match="version 99"):
        StateFile(path)
