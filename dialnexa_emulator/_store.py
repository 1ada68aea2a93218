"""Where calls and wallet balances live.

`Store` is the whole interface the API needs, so a persistent store (SQLite, for several worker
processes) can replace `MemoryStore` without touching the request handlers.
"""

from __future__ import annotations

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

    def balance(self, workspace_id: str) -> Decimal: ...

    def set_balance(self, workspace_id: str, balance: Decimal) -> None: ...

    def reset(self) -> None:
        """Forget every call and restore the configured balances."""


class MemoryStore:
    def __init__(self, balances: Mapping[str, Decimal]) -> None:
        self._initial_balances = dict(balances)
        self._balances = dict(balances)
        self._calls: dict[str, CallRecord] = {}
        self._by_workspace: dict[str, list[CallRecord]] = {}

    def charge_and_add(self, call: CallRecord, cost: Decimal) -> bool:
        balance = self._balances[call.workspace_id]
        if balance < cost:
            return False
        self._balances[call.workspace_id] = balance - cost
        self._calls[call.id] = call
        self._by_workspace.setdefault(call.workspace_id, []).append(call)
        return True

    def seed(self, calls: Sequence[CallRecord]) -> None:
        touched = set()
        for call in calls:
            if call.id not in self._calls:
                self._calls[call.id] = call
                self._by_workspace.setdefault(call.workspace_id, []).append(call)
                touched.add(call.workspace_id)
        for workspace_id in touched:  # stable: calls created at the same time keep their order
            self._by_workspace[workspace_id].sort(key=_created_at)

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
        # Kept in creation order (creates append on a clock that never runs back past a call,
        # seeds are sorted in): reversed is newest first.
        if workspace_id is None:
            calls: Iterator[CallRecord] = heapq.merge(
                *(reversed(kept) for kept in self._by_workspace.values()),
                key=_created_at,
                reverse=True,
            )
        else:
            calls = reversed(self._by_workspace.get(workspace_id, []))
        for call in calls:
            if agent_id is not None and call.agent_id != agent_id:
                continue
            if to_phone_number is not None and call.to_phone_number != to_phone_number:
                continue
            yield call

    def balance(self, workspace_id: str) -> Decimal:
        return self._balances[workspace_id]

    def set_balance(self, workspace_id: str, balance: Decimal) -> None:
        self._balances[workspace_id] = balance

    def reset(self) -> None:
        self._balances = dict(self._initial_balances)
        self._calls.clear()
        self._by_workspace.clear()


def _created_at(call: CallRecord) -> datetime:
    return call.created_at
