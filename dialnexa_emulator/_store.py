"""Where calls and wallet balances live.

`Store` is the whole interface the API needs, so a persistent store (SQLite, for several worker
processes) can replace `MemoryStore` without touching the request handlers.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from dialnexa_emulator._lifecycle import Timeline, status_at


@dataclass(frozen=True, slots=True)
class CallRecord:
    id: str
    workspace_id: str
    agent_id: str
    agent_version_number: int
    to_phone_number: str
    from_phone_number: str
    metadata: Mapping[str, Any]
    timeline: Timeline
    duration_sec: int
    transcript: str | None

    @property
    def created_at(self) -> datetime:
        return self.timeline[0][0]

    @property
    def ended_at(self) -> datetime:
        return self.timeline[-1][0]

    def status_at(self, now: datetime) -> str:
        return status_at(self.timeline, now)


class Store(Protocol):
    def charge_and_add(self, call: CallRecord, cost: Decimal) -> bool:
        """Debit `cost` from the call's workspace and keep the call, both or neither.

        False (and nothing stored) when the balance cannot pay for it.
        """

    def seed(self, calls: Sequence[CallRecord]) -> None:
        """Keep these calls, free of charge, in order of creation; ids already kept are skipped."""

    def get(self, workspace_id: str, call_id: str) -> CallRecord | None:
        """The workspace's call with this id; another workspace's call is None."""

    def newest_first(
        self,
        workspace_id: str | None,
        *,
        agent_id: str | None = None,
        to_phone_number: str | None = None,
    ) -> Iterator[CallRecord]:
        """The workspace's calls (every workspace's for None), newest first (ties: last created
        first), optionally filtered."""

    def page(
        self,
        workspace_id: str,
        *,
        agent_id: str | None = None,
        to_phone_number: str | None = None,
        skip: int = 0,
        limit: int,
    ) -> list[CallRecord]:
        """`newest_first(...)` from its `skip`-th call, at most `limit` calls: O(limit + log n)
        whatever `skip` (the calls are indexed by position), so a deep page costs no more than
        the first."""

    def balance(self, workspace_id: str) -> Decimal: ...

    def set_balance(self, workspace_id: str, balance: Decimal) -> None: ...

    def reset(self) -> None:
        """Forget every call and restore the configured balances."""


# An index of calls in creation order: by workspace, by (workspace, agent), by (workspace,
# destination) and by all three, so each listCalls filter reads a page by position.
_IndexKey = tuple[str, ...]


def index_keys(call: CallRecord) -> tuple[_IndexKey, ...]:
    """The indexes a call is listed in, named as `index_key` names them."""
    return (
        index_key(call.workspace_id, None, None),
        index_key(call.workspace_id, call.agent_id, None),
        index_key(call.workspace_id, None, call.to_phone_number),
        index_key(call.workspace_id, call.agent_id, call.to_phone_number),
    )


def index_key(workspace_id: str, agent_id: str | None, to_phone_number: str | None) -> _IndexKey:
    if agent_id is None:
        return (
            ("w", workspace_id) if to_phone_number is None else ("t", workspace_id, to_phone_number)
        )
    if to_phone_number is None:
        return ("a", workspace_id, agent_id)
    return ("at", workspace_id, agent_id, to_phone_number)


class MemoryStore:
    """Calls in creation-ordered lists, one per filter combination (see `index_keys`).

    `rows_read` counts the calls a listing has read from the indexes: what a page costs, for
    tests to assert on without timing anything.
    """

    def __init__(self, balances: Mapping[str, Decimal]) -> None:
        self._initial_balances = dict(balances)
        self._balances = dict(balances)
        self._calls: dict[str, CallRecord] = {}
        self._indexes: dict[_IndexKey, list[CallRecord]] = {}
        self.rows_read = 0

    def charge_and_add(self, call: CallRecord, cost: Decimal) -> bool:
        balance = self._balances[call.workspace_id]
        if balance < cost:
            return False
        self._balances[call.workspace_id] = balance - cost
        self._keep(call)
        return True

    def seed(self, calls: Sequence[CallRecord]) -> None:
        # Oldest first, so calls created at the same time keep their order.
        for call in sorted(calls, key=_created_at):
            if call.id not in self._calls:
                self._keep(call)

    def _keep(self, call: CallRecord) -> None:
        self._calls[call.id] = call
        for key in index_keys(call):
            kept = self._indexes.setdefault(key, [])
            if not kept or kept[-1].created_at <= call.created_at:
                kept.append(call)  # a create: the newest, the usual case
            else:  # a seed in the past: after every call created at or before it
                bisect.insort_right(kept, call, key=_created_at)

    def get(self, workspace_id: str, call_id: str) -> CallRecord | None:
        call = self._calls.get(call_id)
        return call if call is not None and call.workspace_id == workspace_id else None

    def newest_first(
        self,
        workspace_id: str | None,
        *,
        agent_id: str | None = None,
        to_phone_number: str | None = None,
    ) -> Iterator[CallRecord]:
        if workspace_id is not None:
            return reversed(
                self._indexes.get(index_key(workspace_id, agent_id, to_phone_number), [])
            )
        every = [kept for key, kept in self._indexes.items() if key[0] == "w"]
        calls: Iterator[CallRecord] = heapq.merge(
            *(reversed(kept) for kept in every), key=_created_at, reverse=True
        )
        return (
            call
            for call in calls
            if agent_id in (None, call.agent_id) and to_phone_number in (None, call.to_phone_number)
        )

    def page(
        self,
        workspace_id: str,
        *,
        agent_id: str | None = None,
        to_phone_number: str | None = None,
        skip: int = 0,
        limit: int,
    ) -> list[CallRecord]:
        kept = self._indexes.get(index_key(workspace_id, agent_id, to_phone_number), [])
        end = len(kept) - skip  # newest first: the page ends `skip` calls before the newest
        found = kept[max(end - limit, 0) : max(end, 0)][::-1]
        self.rows_read += len(found)
        return found

    def balance(self, workspace_id: str) -> Decimal:
        return self._balances[workspace_id]

    def set_balance(self, workspace_id: str, balance: Decimal) -> None:
        self._balances[workspace_id] = balance

    def reset(self) -> None:
        self._balances = dict(self._initial_balances)
        self._calls.clear()
        self._indexes.clear()


def _created_at(call: CallRecord) -> datetime:
    return call.created_at
