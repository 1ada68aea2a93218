"""`--state FILE`: calls, wallet balances and the clock in one SQLite file.

Every read goes to the file and nothing is cached in the process, so any number of worker
processes serving the same file answer alike, and a restarted emulator carries on where it
stopped. A create's charge and call are one transaction, committed before the 201 is sent.

Durability: WAL with `synchronous=NORMAL`. A commit is then written to the WAL file, in the
operating system's hands, before it returns: it survives the emulator dying at any instant
(SIGKILL, OOM, a crash), which is what a local emulator must not forget. Only a power cut or a
kernel crash can lose the last commits (the file stays consistent); `FULL` would cost an fsync per
create, milliseconds on a disk, on the event loop.

The clock is shared too: it reads wall time plus an offset kept in the file, so advancing it is
seen by every worker, and after a restart calls are exactly as old as the wall clock says.
Rate-limit windows and armed faults stay per process (see docs/emulator.md).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from dialnexa_emulator._clock import (
    EARLIEST,
    LATEST,
    allowed_range,
    check_advance,
    check_in_range,
    iso,
)
from dialnexa_emulator._errors import dump_json
from dialnexa_emulator._store import CallRecord
from dialnexa_emulator.server._schema import MIGRATIONS, RANKS, SCHEMA_VERSION, renumber

_INSERT_CALL = (
    "INSERT OR IGNORE INTO calls (created_us, id, workspace_id, agent_id, agent_version_number, "  # noqa: S608 - fixed column names
    "to_phone_number, from_phone_number, metadata, timeline, duration_sec, transcript, "
    f"{', '.join(RANKS)}) "
    "VALUES (:created_us, :id, :workspace_id, :agent_id, :agent_version_number, "
    ":to_phone_number, :from_phone_number, :metadata, :timeline, :duration_sec, :transcript, "
    f"{', '.join(':' + rank for rank in RANKS)})"
)
_CALL_COLUMNS = (
    "id, workspace_id, agent_id, agent_version_number, to_phone_number, from_phone_number,"
    " metadata, timeline, duration_sec, transcript"
)
# A call record's columns, in the order `_record` reads them.
_SELECT_CALL = (
    "SELECT id, workspace_id, agent_id, agent_version_number, to_phone_number, from_phone_number,"
    " metadata, timeline, duration_sec, transcript"
    " FROM calls WHERE id = ? AND workspace_id = ?"
)
# One page of a listing: the calls older than the last one of the previous page.
_SELECT_PAGE = (
    "SELECT id, workspace_id, agent_id, agent_version_number, to_phone_number, from_phone_number,"
    " metadata, timeline, duration_sec, transcript, created_us, seq"
    " FROM calls WHERE {workspace}"
    " AND (:agent_id IS NULL OR agent_id = :agent_id)"
    " AND (:to_phone_number IS NULL OR to_phone_number = :to_phone_number)"
    " AND (created_us, seq) < (:created_us, :seq)"
    " ORDER BY created_us DESC, seq DESC LIMIT :rows"
)
# Apart, so a workspace's listing uses the index on its id.
_SELECT_WORKSPACE_PAGE = _SELECT_PAGE.format(workspace="workspace_id = :workspace_id")
_SELECT_ANY_PAGE = _SELECT_PAGE.format(workspace="1")


def _where(rank: str) -> str:
    return " AND ".join(f"{column} = :{column}" for column in RANKS[rank])


# Per listing: where its last call is (the positions of a create's listings, newest first, until
# one created no later than it: usually the first), and one page of it by position.
_LAST_POSITIONS = {
    rank: f"SELECT {rank}, created_us FROM calls WHERE {_where(rank)} ORDER BY {rank} DESC"  # noqa: S608 - fixed column names
    for rank in RANKS
}
_MAKE_ROOM = {
    rank: f"UPDATE calls SET {rank} = {rank} + 1 WHERE {_where(rank)} AND {rank} > :after"  # noqa: S608 - fixed column names
    for rank in RANKS
}
_SELECT_BY_POSITION = {
    rank: f"SELECT {_CALL_COLUMNS} FROM calls WHERE {_where(rank)} AND {rank} <= "  # noqa: S608 - fixed column names
    f"(SELECT max({rank}) FROM calls WHERE {_where(rank)}) - :skip"
    f" ORDER BY {rank} DESC LIMIT :limit"
    for rank in RANKS
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_PAGE_ROWS = 200  # calls read per query while a listing is iterated
_NEWER_THAN_ANY = 2**63 - 1


class StateFileError(Exception):
    """The file cannot be used as the emulator's state; the message says why."""


class StateFile:
    """One connection to the state file, safe to share between threads of a process."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30
            )
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._prepare()
        except sqlite3.Error as exc:
            raise StateFileError(f"{self.path}: cannot use it as a state file: {exc}") from None

    def _prepare(self) -> None:
        """Create the schema in a new file; refuse a file that holds something else."""
        self._db.execute("BEGIN IMMEDIATE")  # several workers may start on a new file at once
        try:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if (
                version == 0
                and self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            ):
                raise StateFileError(
                    f"{self.path}: an SQLite database, but not a dialnexa-emulator state file"
                )
            if version not in MIGRATIONS and version != SCHEMA_VERSION:
                raise StateFileError(
                    f"{self.path}: state file version {version}; this emulator reads versions "
                    f"up to {SCHEMA_VERSION}"
                )
            if version != SCHEMA_VERSION:
                for statement in MIGRATIONS[version]:  # not executescript: it would commit first
                    self._db.execute(statement)
                renumber(self._db)
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def read(self, sql: str, parameters: Sequence[Any] | Mapping[str, Any] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, parameters).fetchall()

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that holds the file's write lock from its start, so what it reads
        stays true until it commits, whichever process writes."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()


class SqliteStore:
    """`store.Store` on a state file. Workspaces new to the file start with `balances`."""

    def __init__(self, state: StateFile, balances: Mapping[str, Decimal]) -> None:
        self._state = state
        self._initial_balances = dict(balances)
        self.rows_read = 0  # calls read by `page`, as MemoryStore counts them
        with state.writing() as db:
            db.executemany(
                "INSERT OR IGNORE INTO balances VALUES (?, ?)",
                [(workspace, str(balance)) for workspace, balance in balances.items()],
            )

    def charge_and_add(self, call: CallRecord, cost: Decimal) -> bool:
        with self._state.writing() as db:
            (balance,) = db.execute(
                "SELECT balance FROM balances WHERE workspace_id = ?", (call.workspace_id,)
            ).fetchone()
            if Decimal(balance) < cost:
                return False
            db.execute(
                "UPDATE balances SET balance = ? WHERE workspace_id = ?",
                (str(Decimal(balance) - cost), call.workspace_id),
            )
            row = _row(call)
            for rank in RANKS:
                row[rank] = _position(db, rank, row)
            db.execute(_INSERT_CALL, row)
        return True

    def seed(self, calls: Sequence[CallRecord]) -> None:
        # Inserted oldest first, so seq breaks ties between equal times in creation order.
        ordered = sorted(calls, key=lambda call: call.created_at)
        rows = [_row(call) | dict.fromkeys(RANKS, 0) for call in ordered]
        with self._state.writing() as db:
            before = db.total_changes
            db.executemany(_INSERT_CALL, rows)
            if db.total_changes != before:  # ids already kept (a restart's config seeds) add none
                renumber(db, sorted({call.workspace_id for call in ordered}))

    def get(self, workspace_id: str, call_id: str) -> CallRecord | None:
        rows = self._state.read(_SELECT_CALL, (call_id, workspace_id))
        return _record(rows[0]) if rows else None

    def newest_first(
        self,
        workspace_id: str | None,
        *,
        agent_id: str | None = None,
        to_phone_number: str | None = None,
    ) -> Iterator[CallRecord]:
        # A page at a time, each after the last call of the one before rather than at an OFFSET:
        # calls created meanwhile are newer, so they neither shift nor repeat what follows.
        page = {
            "workspace_id": workspace_id,
            "agent_id": agent_id,
            "to_phone_number": to_phone_number,
            "created_us": _NEWER_THAN_ANY,
            "seq": _NEWER_THAN_ANY,
            "rows": _PAGE_ROWS,
        }
        query = _SELECT_ANY_PAGE if workspace_id is None else _SELECT_WORKSPACE_PAGE
        while True:
            rows = self._state.read(query, page)
            for row in rows:
                yield _record(row)
            if len(rows) < _PAGE_ROWS:
                return
            page["created_us"], page["seq"] = rows[-1][-2:]

    def page(
        self,
        workspace_id: str,
        *,
        agent_id: str | None = None,
        to_phone_number: str | None = None,
        skip: int = 0,
        limit: int,
    ) -> list[CallRecord]:
        rank = "ws_rank" if agent_id is None else "agent_rank"
        if to_phone_number is not None:
            rank = "to_rank" if agent_id is None else "pair_rank"
        rows = self._state.read(
            _SELECT_BY_POSITION[rank],
            {
                "workspace_id": workspace_id,
                "agent_id": agent_id,
                "to_phone_number": to_phone_number,
                "skip": skip,
                "limit": limit,
            },
        )
        self.rows_read += len(rows)
        return [_record(row) for row in rows]

    def balance(self, workspace_id: str) -> Decimal:
        rows = self._state.read(
            "SELECT balance FROM balances WHERE workspace_id = ?", (workspace_id,)
        )
        return Decimal(rows[0][0])

    def set_balance(self, workspace_id: str, balance: Decimal) -> None:
        with self._state.writing() as db:
            db.execute(
                "UPDATE balances SET balance = ? WHERE workspace_id = ?",
                (str(balance), workspace_id),
            )

    def reset(self) -> None:
        with self._state.writing() as db:
            db.execute("DELETE FROM calls")
            db.executemany(
                "INSERT OR REPLACE INTO balances VALUES (?, ?)",
                [(workspace, str(amount)) for workspace, amount in self._initial_balances.items()],
            )


class SqliteClock:
    """`clock.Clock` on a state file: wall time plus the offset every worker shares."""

    def __init__(self, state: StateFile) -> None:
        self._state = state

    def now(self) -> datetime:
        ((offset,),) = self._state.read("SELECT offset_sec FROM clock")
        return datetime.now(UTC) + timedelta(seconds=offset)

    def advance(self, seconds: float) -> None:
        check_advance(self.now(), seconds)
        with self._state.writing() as db:
            db.execute("UPDATE clock SET offset_sec = offset_sec + ?", (seconds,))

    def set(self, moment: datetime) -> None:
        check_in_range(moment, "now")
        offset = (moment - datetime.now(UTC)).total_seconds()
        with self._state.writing() as db:
            db.execute("UPDATE clock SET offset_sec = ?", (offset,))

    def reset(self) -> None:
        with self._state.writing() as db:
            db.execute("UPDATE clock SET offset_sec = 0")


def _position(db: sqlite3.Connection, rank: str, row: dict[str, Any]) -> int:
    """The position a new call takes in one listing: after every call created no later than it.
    Calls created later (by another worker that read the clock after this one but committed
    first) move up one; there are rarely any, so this costs O(log n)."""
    top = after = 0
    cursor = db.execute(_LAST_POSITIONS[rank], row)
    for position, created_us in cursor:
        top = top or position
        if created_us <= row["created_us"]:
            after = position
            break
    cursor.close()
    if top > after:
        db.execute(_MAKE_ROOM[rank], row | {"after": after})
    return after + 1


def check_times(state: StateFile) -> str | None:
    """Make sure every time the file holds is one the emulator can serve, before it serves.

    A clock outside EARLIEST..LATEST (an older emulator accepted `PUT /_emulator/clock` to year
    9999, and kept it) is set back to the present, or to the newest call if that is later; the
    line returned says so. StateFileError if a call's times are outside the range: it cannot be
    served without rewriting it, which is not the emulator's to decide.
    """
    lowest, highest = _microseconds(EARLIEST), _microseconds(LATEST)
    # The last entry of a timeline is its latest time; created_us the earliest.
    rows = state.read(
        "SELECT id, created_us, json_extract(timeline, '$[#-1][0]') FROM calls"
        " WHERE created_us < ? OR json_extract(timeline, '$[#-1][0]') > ? LIMIT 1",
        (lowest, highest),
    )
    if rows:
        call_id, created, ended = rows[0]
        raise StateFileError(
            f"{state.path}: call {call_id} has times outside {allowed_range()} "
            f"(created_us {created}, last status at {ended}); use another --state file"
        )
    ((offset,),) = state.read("SELECT offset_sec FROM clock")
    present = datetime.now(UTC)
    room_before = (EARLIEST - present).total_seconds()
    room_after = (LATEST - present).total_seconds()
    if offset is not None and room_before <= offset <= room_after:  # SQLite keeps NaN as NULL
        return None
    newest = state.read("SELECT max(created_us) FROM calls")[0][0]
    moment = max(present, _moment(newest)) if newest is not None else present
    with state.writing() as db:
        db.execute("UPDATE clock SET offset_sec = ?", ((moment - present).total_seconds(),))
    return (
        f"{state.path}: its clock was {offset} s from the present, outside "
        f"{allowed_range()}; set back to {iso(moment)}"
    )


def _microseconds(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def _moment(microseconds: int) -> datetime:
    return _EPOCH + microseconds * _MICROSECOND


def _row(call: CallRecord) -> dict[str, Any]:
    return {
        "created_us": _microseconds(call.created_at),
        "id": call.id,
        "workspace_id": call.workspace_id,
        "agent_id": call.agent_id,
        "agent_version_number": call.agent_version_number,
        "to_phone_number": call.to_phone_number,
        "from_phone_number": call.from_phone_number,
        "metadata": dump_json(call.metadata).decode(),
        "timeline": orjson.dumps(
            [[_microseconds(at), status] for at, status in call.timeline]
        ).decode(),
        "duration_sec": call.duration_sec,
        "transcript": call.transcript,
    }


def _record(row: tuple[Any, ...]) -> CallRecord:
    return CallRecord(
        id=row[0],
        workspace_id=row[1],
        agent_id=row[2],
        agent_version_number=row[3],
        to_phone_number=row[4],
        from_phone_number=row[5],
        metadata=orjson.loads(row[6]),
        timeline=tuple((_moment(at), status) for at, status in orjson.loads(row[7])),
        duration_sec=row[8],
        transcript=row[9],
    )
