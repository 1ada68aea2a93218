"""listCalls reads a page by position: a deep page, or one past the end, costs what the first
does. Work is counted, not timed: the calls the store reads (`rows_read`) and, for the state
file, the SQLite virtual-machine instructions the page's queries run."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialnexa_emulator import FrozenClock, SyncASGITransport, create_app
from dialnexa_emulator._store import CallRecord, MemoryStore, Store
from dialnexa_emulator.server._state_file import SqliteStore, StateFile

CALLS = 3_000
LIMIT = 50
START = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
AGENTS = ("agt_abc123", "agt_other")
NUMBERS = ("+919876543210", "+14155550123")


def a_call(n: int, at: datetime, agent: str = AGENTS[0], to: str = NUMBERS[0]) -> CallRecord:
    return CallRecord(
        id=f"call_{n:014d}",
        workspace_id="default",
        agent_id=agent,
        agent_version_number=1,
        to_phone_number=to,
        from_phone_number="+912234567890",
        metadata={},
        timeline=((at, "queued"), (at + timedelta(seconds=30), "completed")),
        duration_sec=20,
        transcript=None,
    )


@pytest.fixture(params=["memory", "state file"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[httpx.Client, Store]]:
    app = create_app(clock=FrozenClock(START + timedelta(days=1)))
    emulator = app.state.emulator
    if request.param == "state file":
        emulator.store = SqliteStore(StateFile(tmp_path / "state.db"), {"default": Decimal(10)})
    emulator.store.seed([a_call(n, START + timedelta(seconds=n)) for n in range(CALLS)])
    transport = SyncASGITransport(app)
    headers = {"Authorization": "Bearer kid_demo:sk_demo_secret"}
    with httpx.Client(transport=transport, base_url="http://e/v1", headers=headers) as client:
        yield client, emulator.store


def _cost(client: httpx.Client, store: Store, page: int) -> tuple[int, int, int]:
    """(calls answered, calls the store read, SQLite instructions run: 0 in memory)."""
    instructions = [0]
    database: sqlite3.Connection | None = getattr(getattr(store, "_state", None), "_db", None)
    if database is not None:
        database.set_progress_handler(
            lambda: instructions.__setitem__(0, instructions[0] + 1) or 0, 1
        )
    before = store.rows_read  # type: ignore[attr-defined]
    response = client.get("/calls", params={"page": page, "limit": LIMIT})
    if database is not None:
        database.set_progress_handler(None, 1)
    assert response.status_code == 200, response.text
    return len(response.json()), store.rows_read - before, instructions[0]  # type: ignore[attr-defined]


def test_a_deep_page_reads_no_more_than_the_first(served: tuple[httpx.Client, Store]) -> None:
    client, store = served
    last_page = CALLS // LIMIT

    first = _cost(client, store, 1)
    last = _cost(client, store, last_page)
    past_the_end = _cost(client, store, 1_000_000)

    assert first[:2] == (LIMIT, LIMIT)
    assert last[:2] == (LIMIT, LIMIT)
    assert past_the_end[:2] == (0, 0)
    # Instructions: the old way walked every call before the page (hundreds of thousands here).
    assert last[2] <= 2 * first[2] + 1_000
    assert past_the_end[2] <= 2 * first[2] + 1_000


def test_the_last_page_is_the_oldest_calls(served: tuple[httpx.Client, Store]) -> None:
    client, _ = served
    response = client.get("/calls", params={"page": CALLS // LIMIT, "limit": LIMIT})
    assert [call["id"] for call in response.json()] == [
        f"call_{n:014d}" for n in reversed(range(LIMIT))
    ]


# Creates (at or after the newest call, or, as two workers racing, a little before it) and seeds
# in the past, in any order: every page of every filter is that slice of `newest_first`.
_OPERATION = st.tuples(
    st.sampled_from(["create", "late create", "seed"]),
    st.integers(0, 40),
    st.sampled_from(AGENTS),
    st.sampled_from(NUMBERS),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=st.lists(_OPERATION, max_size=40), limit=st.integers(1, 7))
def test_pages_are_slices_of_newest_first(
    tmp_path_factory: pytest.TempPathFactory,
    operations: list[tuple[str, int, str, str]],
    limit: int,
) -> None:
    path = tmp_path_factory.mktemp("pages") / "state.db"
    stores: list[Store] = [
        MemoryStore({"default": Decimal(10)}),
        SqliteStore(StateFile(path), {"default": Decimal(10)}),
    ]
    newest = START
    for n, (kind, seconds, call_agent, call_to) in enumerate(operations):
        if kind == "create":
            newest += timedelta(seconds=seconds)
            at = newest
        else:
            at = newest - timedelta(seconds=seconds if kind == "seed" else seconds % 3)
        call = a_call(n, at, call_agent, call_to)
        for store in stores:
            if kind == "seed":
                store.seed([call])
            else:
                assert store.charge_and_add(call, Decimal(0))
    agents: tuple[str | None, ...] = (None, *AGENTS)
    numbers: tuple[str | None, ...] = (None, *NUMBERS)
    for agent in agents:
        for to in numbers:
            for store in stores:
                everything = list(store.newest_first("default", agent_id=agent, to_phone_number=to))
                for skip in range(0, len(everything) + limit + 1, limit):
                    page = store.page(
                        "default", agent_id=agent, to_phone_number=to, skip=skip, limit=limit
                    )
                    assert page == everything[skip : skip + limit], (type(store), agent, to, skip)
    memory, sqlite = (list(store.newest_first("default")) for store in stores)
    assert [c.id for c in memory] == [c.id for c in sqlite]


def test_a_version_1_state_file_is_brought_up_to_date_with_its_calls_in_order(
    tmp_path: Path,
) -> None:
    from dialnexa_emulator.server import _schema
    from dialnexa_emulator.server._state_file import _row

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        for statement in _schema._V1:
            db.execute(statement)
        db.execute("PRAGMA user_version = 1")
        calls = [a_call(n, START + timedelta(seconds=n % 3)) for n in range(9)]
        for call in calls:
            row = _row(call)
            db.execute(
                f"INSERT INTO calls ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})",
                row,
            )
    store = SqliteStore(StateFile(path), {"default": Decimal(10)})

    newest_first = sorted(calls, key=lambda call: call.created_at, reverse=True)
    assert store.page("default", skip=0, limit=9) == list(store.newest_first("default"))
    assert [c.created_at for c in store.page("default", skip=3, limit=3)] == [
        c.created_at for c in newest_first[3:6]
    ]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 2
