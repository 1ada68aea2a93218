"""The state file's tables, and how an older file is brought up to date.

Version 1 held calls, balances and the clock. Version 2 adds each call's position in the four
listings listCalls can ask for (so a page is read by position, not by skipping), and what the
control plane sets, shared by every worker: armed faults and answer overrides, the request
journal, rate-limit windows.
"""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 2

# Each listing's position column, and the columns that pick out its calls (listCalls' filters).
RANKS: dict[str, tuple[str, ...]] = {
    "ws_rank": ("workspace_id",),
    "agent_rank": ("workspace_id", "agent_id"),
    "to_rank": ("workspace_id", "to_phone_number"),
    "pair_rank": ("workspace_id", "agent_id", "to_phone_number"),
}

_CALLS_V1 = """CREATE TABLE calls (
    seq INTEGER PRIMARY KEY,        -- insertion order: breaks ties between equal created_at
    id TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL,
    created_us INTEGER NOT NULL,    -- microseconds since the Unix epoch
    agent_id TEXT NOT NULL,
    agent_version_number INTEGER NOT NULL,
    to_phone_number TEXT NOT NULL,
    from_phone_number TEXT NOT NULL,
    metadata TEXT NOT NULL,         -- a JSON object
    timeline TEXT NOT NULL,         -- JSON [[microseconds, status], ...]
    duration_sec INTEGER NOT NULL,
    transcript TEXT
)"""
_V1 = (
    _CALLS_V1,
    "CREATE INDEX calls_newest_first ON calls (workspace_id, created_us DESC, seq DESC)",
    # A decimal as text, so balances stay exact.
    "CREATE TABLE balances (workspace_id TEXT PRIMARY KEY, balance TEXT NOT NULL)",
    # How far the clock has been advanced past wall time.
    "CREATE TABLE clock (id INTEGER PRIMARY KEY CHECK (id = 1), offset_sec REAL NOT NULL)",
    "INSERT INTO clock VALUES (1, 0)",
)
_V2 = (
    # 1-based position, oldest first, among the calls with the same values of RANKS[column].
    *(f"ALTER TABLE calls ADD COLUMN {rank} INTEGER NOT NULL DEFAULT 0" for rank in RANKS),
    *(
        f"CREATE INDEX calls_{rank} ON calls ({', '.join(columns)}, {rank})"
        for rank, columns in RANKS.items()
    ),
    # Armed faults, oldest (first to strike) first; `fault` is the Fault as JSON.
    "CREATE TABLE faults (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, fault TEXT NOT NULL)",
    # Armed answer overrides, oldest first; `override` is the Override as JSON.
    "CREATE TABLE overrides (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
    " operation TEXT NOT NULL, override TEXT NOT NULL)",
    # The request journal: `record` is one journal record as JSON; the oldest are deleted.
    "CREATE TABLE journal (id INTEGER PRIMARY KEY, operation TEXT, record BLOB NOT NULL)",
    # Rate-limit windows, per API key id.
    "CREATE TABLE windows (key_id TEXT PRIMARY KEY, started REAL NOT NULL, used INTEGER NOT NULL)",
    # Counters behind ids handed out by any worker (fault_1, fault_2, ...).
    "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
)
MIGRATIONS = {0: (*_V1, *_V2), 1: _V2}


def renumber(db: sqlite3.Connection, workspaces: list[str] | None = None) -> None:
    """Recompute every listing position (of these workspaces' calls): after calls were added in
    the past (seeds) or to a file that had none. O(n log n); a create never needs it."""
    where = ""
    if workspaces is not None:
        where = f"WHERE workspace_id IN ({', '.join('?' * len(workspaces))})"
    for rank, columns in RANKS.items():
        db.execute(
            f"UPDATE calls SET {rank} = numbered.position FROM ("  # noqa: S608 - fixed names
            f" SELECT seq, row_number() OVER (PARTITION BY {', '.join(columns)}"
            f" ORDER BY created_us, seq) AS position FROM calls {where}"
            f") AS numbered WHERE calls.seq = numbered.seq",
            workspaces or (),
        )
