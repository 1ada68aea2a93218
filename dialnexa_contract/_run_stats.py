"""What a run did that no test reports on its own: calls placed and held back, probes, rate limits.

One instance per process, filled by the gateway and the server tests, read by the summary.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field


@dataclass
class RunStats:
    requests: int = 0
    """Requests sent over HTTP to a live target, 429s and their repeats included."""
    calls_placed: int = 0
    """Schema-valid creates sent: each may ring a phone on a live target."""
    creates_held: int = 0
    """Schema-valid creates not sent because the `--allow-calls` budget was spent."""
    probes: int = 0
    """Negative creates sent to an allowed destination (they ring only if wrongly accepted)."""
    probes_accepted: int = 0
    rate_limited: int = 0
    """Answers that were 429: waited out and sent again, never judged."""
    waited_sec: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str, amount: float = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + amount)


STATS = RunStats()


# Measured against the emulator over HTTP (`--allow-calls 100000 --emulator`) at --max-examples 5
# and 60: the requests a run sends and the schema-valid creates (calls) it places grow linearly
# with the examples per operation, from what the coverage phase sends whatever the count. Calls
# vary with the seed (39 to 47 at 5, about 221 at 60, in process): the estimate is at the top.
_REQUESTS = (770, 31.0)
_CALLS = (30, 3.3)


def requests_per_run(max_examples: int) -> int:
    return math.ceil(_REQUESTS[0] + _REQUESTS[1] * max_examples)


def calls_per_run(max_examples: int) -> int:
    """The `--allow-calls` with which every create of a run goes out, stateful scenarios too."""
    return math.ceil(_CALLS[0] + _CALLS[1] * max_examples)
