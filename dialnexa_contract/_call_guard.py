"""What keeps a run against a live server from ringing phones it was not allowed to ring.

Creating a call is billable and rings a real phone, so against a live target every request that
could create one - any POST to `.../calls`, whoever sends it: a generated case, a check's probe,
the generated client - passes `CallGuard.screen` on its way out (see `gateway.py`). A create goes
out unchanged only while the `--allow-calls` budget lasts and only to a `--to` destination; any
other create has its destination replaced by one that cannot be dialled, so even a server that
wrongly accepts it cannot place a call.

A negative create (one the schema rejects, or one sent without the run's key) may go to a `--to`
destination too, so that only the rule it breaks can explain a refusal: a probe. It holds one call
of the budget while it is out and keeps it only if the server wrongly accepts it, so a run never
rings more than the budget.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Sequence
from typing import Any, NamedTuple

from dialnexa_contract._spec import request_body_pointer, validator_at

# Fails the spec's pattern (country codes never start with 0), so no carrier can dial it.
UNDIALABLE = "+0"


def is_create(method: str, path: str) -> bool:
    """Whether a request could create a call: a POST to the calls collection, however spelled."""
    return method.upper() == "POST" and path.rstrip("/").lower().endswith("/calls")


class Screened(NamedTuple):
    body: bytes
    probe: bool
    """A negative create sent to an allowed destination: settle it with `settle_probe`."""


def is_valid_create(payload: object) -> bool:
    """Whether a create body is schema-valid, i.e. one a conforming server may accept."""
    return validator_at(request_body_pointer("createCall")).is_valid(payload)


class CallGuard:
    def __init__(self, *, allow_calls: int, destinations: Sequence[str]) -> None:
        self._remaining = allow_calls if destinations else 0
        self._destinations = tuple(destinations)
        self._next_destination = itertools.cycle(self._destinations)
        self._lock = threading.Lock()

    @property
    def can_place(self) -> bool:
        """Whether another call may still go out."""
        return self._remaining > 0

    def aim(self, body: dict[str, Any]) -> bool:
        """Point a schema-valid create at an allowed destination; False once the budget is spent."""
        if not self.can_place:
            return False
        body["to_phone_number"] = next(self._next_destination)
        return True

    def probe_destination(self) -> str | None:
        """An allowed destination for a negative create, or None once the budget is spent."""
        return next(self._next_destination) if self.can_place else None

    def screen(self, body: bytes, *, with_run_key: bool = True) -> Screened:
        """The create body to send: unchanged if it may place a call, else undialable.

        A create without the run's own key (a check probing auth) is a probe like a negative one:
        a conforming server refuses it, so it keeps its call only if wrongly accepted.
        """
        try:
            payload = json.loads(body)
        except ValueError:
            # Not JSON, so a conforming server rejects it; a lenient one must find no number in it.
            return Screened(body if b"to_phone_number" not in body.lower() else b"{}", False)
        if not isinstance(payload, dict) or "to_phone_number" not in payload:
            return Screened(body, False)
        with self._lock:
            if payload["to_phone_number"] in self._destinations and self._remaining > 0:
                self._remaining -= 1
                return Screened(body, probe=not with_run_key or not is_valid_create(payload))
        payload["to_phone_number"] = UNDIALABLE
        return Screened(json.dumps(payload).encode(), False)

    def settle_probe(self, *, accepted: bool) -> None:
        """A probe was answered: a refusal gives its call back to the budget."""
        if not accepted:
            with self._lock:
                self._remaining += 1
