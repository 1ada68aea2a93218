"""The call budget the recorder holds a live target to: the contract suite's rules, restated.

A create rings a real phone, so it goes out only while `--allow-calls` lasts and only to a `--to`
destination. A create the spec rejects, or one sent without the run's key, is a *probe*: it holds
a call of the budget while out and gives it back when refused. These are the rules of
`dialnexa_contract._call_guard.CallGuard`; the emulator may not import the suite (import-linter),
so they are restated here, and `tests/fidelity/test_budget.py` holds both to the same decisions.
Where the suite sends a create it may not place with an undialable number, the recorder does not
send it at all.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple


class Admission(NamedTuple):
    forward: bool
    probe: bool
    """Forwarded as a probe: `settle` it once answered."""


class CallBudget:
    def __init__(
        self, *, allow_calls: int, destinations: Sequence[str], is_valid: Callable[[Any], bool]
    ) -> None:
        """`is_valid(payload)`: whether a create body is schema-valid."""
        self._remaining = allow_calls if destinations else 0
        self._destinations = frozenset(destinations)
        self._is_valid = is_valid
        self._lock = threading.Lock()

    @property
    def remaining(self) -> int:
        return self._remaining

    def admit(self, body: bytes, *, with_run_key: bool) -> Admission:
        """Whether this create body may go out, and whether as a probe."""
        try:
            payload = json.loads(body)
        except ValueError:
            # Not JSON, so a conforming server refuses it; a lenient one must find no number in it.
            return Admission(b"to_phone_number" not in body.lower(), False)
        if not isinstance(payload, dict) or "to_phone_number" not in payload:
            return Admission(True, False)  # nothing to dial
        with self._lock:
            if payload["to_phone_number"] in self._destinations and self._remaining > 0:
                self._remaining -= 1
                return Admission(True, probe=not with_run_key or not self._is_valid(payload))
        return Admission(False, False)

    def settle(self, *, accepted: bool) -> None:
        """A probe was answered: a refusal gives its call back."""
        if not accepted:
            with self._lock:
                self._remaining += 1
