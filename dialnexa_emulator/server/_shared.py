"""What the control plane sets, kept in the state file so every worker sees one view: armed
faults and answer overrides, the request journal and rate-limit windows (calls, balances and the
clock are there already, server/_state_file.py). Used when the CLI serves more than one worker.

Each is the in-memory class with its storage moved to the file: a fault or an override is taken,
a window counted, in one write transaction, so two workers never both take its last strike.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

import orjson

from dialnexa_emulator._errors import ApiError, dump_json
from dialnexa_emulator._faults import Fault, Faults
from dialnexa_emulator._journal import Journal, Record
from dialnexa_emulator._overrides import DEFAULT, Override, OverrideError, Overrides
from dialnexa_emulator._ratelimit import TOO_MANY_REQUESTS, RateLimit, RateLimiter, _headers
from dialnexa_emulator._spec import Spec
from dialnexa_emulator.server._state_file import StateFile


def next_number(state: StateFile, name: str) -> int:
    """1, 2, ... for `name`, across every worker of the file."""
    with state.writing() as db:
        db.execute(
            "INSERT INTO counters VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1",
            (name,),
        )
        (value,) = db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
    return int(value)


class SharedFaults(Faults):
    def __init__(self, state: StateFile, operations: Collection[str]) -> None:
        super().__init__(operations)
        self._state = state

    def _next_id(self) -> int:
        return next_number(self._state, "fault")

    def _arm(self, fault: Fault) -> None:
        with self._state.writing() as db:
            db.execute(
                "INSERT INTO faults (id, fault) VALUES (?, ?)",
                (fault.id, orjson.dumps(dataclasses.asdict(fault)).decode()),
            )

    def take(self, operation: str) -> Fault | None:
        # Read first, so a request finds no fault armed without taking the file's write lock.
        if not self._state.read("SELECT 1 FROM faults LIMIT 1"):
            return None
        with self._state.writing() as db:
            for seq, text in db.execute("SELECT seq, fault FROM faults ORDER BY seq").fetchall():
                fault = Fault(**orjson.loads(text))
                if fault.operation in (None, operation):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        db.execute("DELETE FROM faults WHERE seq = ?", (seq,))
                    else:
                        db.execute(
                            "UPDATE faults SET fault = ? WHERE seq = ?",
                            (orjson.dumps(dataclasses.asdict(fault)).decode(), seq),
                        )
                    return fault
        return None

    def armed(self) -> list[Fault]:
        rows = self._state.read("SELECT fault FROM faults ORDER BY seq")
        return [Fault(**orjson.loads(text)) for (text,) in rows]

    def remove(self, fault_id: str) -> bool:
        with self._state.writing() as db:
            return db.execute("DELETE FROM faults WHERE id = ?", (fault_id,)).rowcount > 0

    def clear(self) -> None:
        with self._state.writing() as db:
            db.execute("DELETE FROM faults")


class SharedOverrides(Overrides):
    def __init__(self, state: StateFile, spec: Spec) -> None:
        super().__init__(spec)
        self._state = state

    def add(
        self,
        operation: str,
        status: int,
        body: Any = DEFAULT,
        headers: Mapping[str, str] | None = None,
        *,
        times: int = 1,
        off_spec: bool = False,
    ) -> Override:
        if times < 1:
            raise OverrideError(f"times must be at least 1, not {times}", escapable=False)
        override = self.answer(operation, status, body, headers, off_spec=off_spec)
        override.id = f"override_{next_number(self._state, 'override')}"
        override.remaining = times
        with self._state.writing() as db:
            db.execute(
                "INSERT INTO overrides (id, operation, override) VALUES (?, ?, ?)",
                (override.id, operation, dump_json(override.as_json()).decode()),
            )
        return override

    def take(self, operation: str) -> Override | None:
        if not self._state.read("SELECT 1 FROM overrides LIMIT 1"):
            return None
        with self._state.writing() as db:
            found = db.execute(
                "SELECT seq, override FROM overrides WHERE operation = ? ORDER BY seq LIMIT 1",
                (operation,),
            ).fetchone()
            if found is None:
                return None
            seq, text = found
            override = Override(**orjson.loads(text))
            override.remaining -= 1
            if override.remaining == 0:
                db.execute("DELETE FROM overrides WHERE seq = ?", (seq,))
            else:
                db.execute(
                    "UPDATE overrides SET override = ? WHERE seq = ?",
                    (dump_json(override.as_json()).decode(), seq),
                )
        return override

    def armed(self) -> list[Override]:
        rows = self._state.read("SELECT override FROM overrides ORDER BY seq")
        return [Override(**orjson.loads(text)) for (text,) in rows]

    def remove(self, override_id: str) -> bool:
        with self._state.writing() as db:
            return db.execute("DELETE FROM overrides WHERE id = ?", (override_id,)).rowcount > 0

    def clear(self) -> None:
        with self._state.writing() as db:
            db.execute("DELETE FROM overrides")


class SharedJournal(Journal):
    """The journal `local` kept, with the same secrets redacted, size and bodies setting."""

    def __init__(self, state: StateFile, local: Journal) -> None:
        super().__init__((), local.size, bodies=local.bodies)
        self._secrets = local._secrets
        self._state = state

    def _keep(self, record: Record) -> None:
        with self._state.writing() as db:
            row = db.execute(
                "INSERT INTO journal (operation, record) VALUES (?, ?)",
                (record.operation, _dump(record)),
            )
            if row.lastrowid is not None and row.lastrowid > self.size:
                db.execute("DELETE FROM journal WHERE id <= ?", (row.lastrowid - self.size,))

    def _kept(self, operation: str | None) -> list[Record]:
        rows = self._state.read(
            "SELECT id, record FROM journal WHERE ? IS NULL OR operation = ? ORDER BY id",
            (operation, operation),
        )
        return [_load(number, data) for number, data in rows]

    def clear(self) -> None:
        with self._state.writing() as db:
            db.execute("DELETE FROM journal")


def _dump(record: Record) -> bytes:
    # Bytes as latin-1 text: every byte value round-trips.
    return orjson.dumps(
        [
            record.at.isoformat(),
            record.method,
            record.path,
            record.query.decode("latin-1"),
            record.operation,
            record.status,
            record.workspace_id,
            record.key_id,
            record.fault_id,
            record.duration_sec,
            [[name.decode("latin-1"), value.decode("latin-1")] for name, value in record.headers],
            record.body.decode("latin-1") if record.body is not None else None,
            record.reason,
            record.override_id,
            record.request_id,
        ]
    )


def _load(number: int, data: bytes) -> Record:
    (
        at,
        method,
        path,
        query,
        operation,
        status,
        workspace,
        key,
        fault,
        duration,
        headers,
        body,
        reason,
        override_id,
        request_id,
    ) = orjson.loads(data)
    return Record(
        number,
        datetime.fromisoformat(at),
        method,
        path,
        query.encode("latin-1"),
        operation,
        status,
        workspace,
        key,
        fault,
        duration,
        tuple((name.encode("latin-1"), value.encode("latin-1")) for name, value in headers),
        body.encode("latin-1") if body is not None else None,
        reason,
        override_id,
        request_id,
    )


class SharedRateLimiter(RateLimiter):
    def __init__(self, state: StateFile) -> None:
        super().__init__()
        self._state = state

    def admit(self, key_id: str, limit: RateLimit, now: float) -> dict[str, str]:
        with self._state.writing() as db:
            row = db.execute("SELECT started, used FROM windows WHERE key_id = ?", (key_id,))
            found = row.fetchone()
            started, used = found if found is not None else (now, 0)
            if found is None or now >= started + limit.window_sec:
                started, used = now, 0
            ends = started + limit.window_sec
            if used >= limit.requests:
                headers = _headers(limit.requests, 0, ends)
                headers["Retry-After"] = str(max(1, math.ceil(ends - now)))
                raise ApiError(429, TOO_MANY_REQUESTS, headers)
            db.execute(
                "INSERT OR REPLACE INTO windows VALUES (?, ?, ?)", (key_id, started, used + 1)
            )
        return _headers(limit.requests, limit.requests - used - 1, ends)

    def reset(self) -> None:
        with self._state.writing() as db:
            db.execute("DELETE FROM windows")
