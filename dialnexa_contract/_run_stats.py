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
    """429s as the spec describes them (headers and envelope checked): waited out, sent again."""
    rate_limited_judged: int = 0
    """429s lacking what the spec requires of one: handed to the checks, never waited out."""
    waited_sec: float = 0.0
    """Wall-clock seconds during which the run waited out the target's rate limit."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str, amount: float = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + amount)


STATS = RunStats()


# Measured against the emulator over HTTP (`--allow-calls 100000 --emulator`) at --max-examples 5
# and 60: the requests a run sends and the schema-valid creates (calls) it places grow linearly
# with the examples per operation, from what the coverage phase sends whatever the count. Calls
# vary with the seed (39 to 47 at 5, about 221 at 60, in process): the estimate is at the top.
_CALLS = (30, 3.3)
# Requests each part sends over HTTP (fixed, per example), the checks' follow-ups included,
# measured against the emulator served at --max-examples 5 and 20 (seed 7): the server part with
# calls allowed (`--allow-calls 100000 --emulator`: 856 and 1430) and without (creates held,
# scenarios skipped: 325 and 397); client-server 35, webhooks 5 (more when a live server's calls
# are polled to their end).
_SERVER_REQUESTS = {True: (665.0, 38.3), False: (301.0, 4.8)}
# The coverage part runs only in process: a server over HTTP gets none of its requests.
_OTHER_PART_REQUESTS = {"client": 0, "client-server": 35, "webhooks": 10, "coverage": 0}
PARTS = ("server", "client", "client-server", "webhooks", "coverage")


def requests_per_run(
    max_examples: int, parts: tuple[str, ...] = PARTS, *, places_calls: bool = True
) -> int:
    """About how many requests a run of these parts sends to the target (seeds vary it)."""
    total = 0.0
    if "server" in parts:
        fixed, per_example = _SERVER_REQUESTS[places_calls]
        total += fixed + per_example * max_examples
    total += sum(_OTHER_PART_REQUESTS.get(part, 0) for part in parts if places_calls)
    return math.ceil(total)


def calls_per_run(max_examples: int) -> int:
    """The `--allow-calls` with which every create of a run goes out, stateful scenarios too."""
    return math.ceil(_CALLS[0] + _CALLS[1] * max_examples)
