"""Where calls and wallet balances live.

`Store` is the whole interface the API needs, so a persistent store (SQLite, for several worker
processes) can replace `MemoryStore` without touching the request handlers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from .lifecycle import Timeline, status_at


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

    def get(self, workspace_id: str, call_id: str) -> CallRecord | None:
        """The workspace's call with this id; another workspace's call is None."""

    def newest_first(
        self, workspace_id: str, *, agent_id: str | None = None, to_phone_number: str | None = None
    ) -> Iterator[CallRecord]:
        """The workspace's calls, newest first (ties: last created first), optionally filtered."""

    def balance(self, workspace_id: str) -> Decimal: ...

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

    def get(self, workspace_id: str, call_id: str) -> CallRecord | None:
        call = self._calls.get(call_id)
        return call if call is not None and call.workspace_id == workspace_id else None

    def newest_first(
        self, workspace_id: str, *, agent_id: str | None = None, to_phone_number: str | None = None
    ) -> Iterator[CallRecord]:
        # Appended in creation order on a clock that never runs backwards: reversed is newest first.
        for call in reversed(self._by_workspace.get(workspace_id, [])):
            if agent_id is not None and call.agent_id != agent_id:
                continue
            if to_phone_number is not None and call.to_phone_number != to_phone_number:
                continue
            yield call

    def balance(self, workspace_id: str) -> Decimal:
        return self._balances[workspace_id]

    def reset(self) -> None:
        self._balances = dict(self._initial_balances)
        self._calls.clear()
        self._by_workspace.clear()
