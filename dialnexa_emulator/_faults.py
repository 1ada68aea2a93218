"""Injected faults: what the next N matching requests suffer instead of, or on top of, an answer."""

from __future__ import annotations

import itertools
from collections.abc import Collection
from dataclasses import dataclass

FAULT_STATUSES = (429, 500, 502, 503, 504)
_RETRY_AFTER_STATUSES = (429, 503)


class FaultError(ValueError):
    """A fault that cannot be injected as described."""


@dataclass(slots=True)
class Fault:
    id: str
    operation: str | None  # an operationId, or None for every operation
    remaining: int
    status: int | None
    retry_after: int | None
    latency_ms: int
    drop_after_commit: bool
    after_commit: bool  # with a status: the request takes effect, then the status answers it


class Faults:
    def __init__(self, operations: Collection[str]) -> None:
        self._operations = operations
        self._pending: list[Fault] = []
        self._ids = itertools.count(1)

    def add(
        self,
        *,
        operation: str | None = None,
        count: int = 1,
        status: int | None = None,
        retry_after: int | None = None,
        latency_ms: int = 0,
        drop_after_commit: bool = False,
        after_commit: bool = False,
    ) -> str:
        """Arm a fault for the next `count` requests to `operation`; its id.

        FaultError says why a fault cannot be armed as described.
        """
        if operation is not None and operation not in self._operations:
            known = ", ".join(sorted(self._operations))
            raise FaultError(f"operation must be one of {known} or null, not {operation!r}")
        if count < 1:
            raise FaultError("count must be at least 1")
        if status is not None and status not in FAULT_STATUSES:
            raise FaultError(f"status must be one of {', '.join(map(str, FAULT_STATUSES))}")
        if retry_after is not None and (status not in _RETRY_AFTER_STATUSES or retry_after < 0):
            raise FaultError("retry_after is a number of seconds ≥ 0, for status 429 or 503 only")
        if latency_ms < 0:
            raise FaultError("latency_ms must not be negative")
        if status is not None and drop_after_commit:
            raise FaultError(
                "a fault either answers with a status or drops the connection, not both"
            )
        if status is None and not latency_ms and not drop_after_commit:
            raise FaultError("a fault needs a status, latency_ms or drop_after_commit")
        if after_commit and status is None:
            raise FaultError(
                "after_commit needs a status to answer with once the request took effect"
            )
        fault = Fault(
            id=f"fault_{self._next_id()}",
            operation=operation,
            remaining=count,
            status=status,
            retry_after=retry_after,
            latency_ms=latency_ms,
            drop_after_commit=drop_after_commit,
            after_commit=after_commit,
        )
        self._arm(fault)
        return fault.id

    # Where armed faults live: this process's memory (a state file shared by workers overrides
    # these, server/_shared.py).

    def _next_id(self) -> int:
        return next(self._ids)

    def _arm(self, fault: Fault) -> None:
        self._pending.append(fault)

    def take(self, operation: str) -> Fault | None:
        """The fault the next request to `operation` gets (oldest armed first), if any."""
        for fault in self._pending:
            if fault.operation in (None, operation):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._pending.remove(fault)
                return fault
        return None

    def armed(self) -> list[Fault]:
        """The faults still armed, oldest first (the order they strike in)."""
        return list(self._pending)

    def remove(self, fault_id: str) -> bool:
        """Disarm one fault; False if no armed fault has this id."""
        for fault in self._pending:
            if fault.id == fault_id:
                self._pending.remove(fault)
                return True
        return False

    def clear(self) -> None:
        self._pending.clear()
