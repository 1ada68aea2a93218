"""Checks of what answers say about time, against the clock: times given as UTC are UTC, and a
call's duration fits within its life. Registered by `schemathesis_hooks` like the others.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, Response

from dialnexa_contract._domain_checks import calls_in, operation_id
from dialnexa_contract._prose_checks import instant
from dialnexa_contract._run_state import RUN

# Clocks drift and a Date header has whole seconds; a time zone taken for UTC is an hour or more,
# and at most 14 hours: a clock further off is set elsewhere on purpose (an emulator's frozen
# clock served over HTTP), which no time zone explains.
CLOCK_TOLERANCE = timedelta(minutes=5)
_ZONE_MAX = timedelta(hours=14) + CLOCK_TOLERANCE


def _fail(title: str, problems: list[str]) -> None:
    if problems:
        raise AssertionError(title + ":\n" + "\n".join(problems))


def _date_header(response: Response) -> datetime | None:
    for name, values in response.headers.items():
        if name.lower() == "date" and values:
            try:
                return parsedate_to_datetime(values[0])
            except (TypeError, ValueError):
                return None
    return None


@schemathesis.check
def times_are_utc(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """What the server says is UTC is UTC: no `created_at` or `ended_at` is later than the answer
    (its `Date` header, and the target's clock as the suite knows it: the emulator's own in
    process, else this machine's plus what the suite moved it by), and a created call's
    `created_at` is the moment of the create; each within 5 minutes.

    Deliberately accepted: any offset or precision (the same instant); clocks up to 5 minutes
    apart; an answer without a `Date` header (judged by the suite's clock alone); a clock more
    than 14 hours off (the widest UTC offset), which no time zone explains: an emulator's clock
    set or frozen on purpose.
    """
    calls = list(calls_in(case, response))
    if not calls:
        return True
    now = RUN.now()
    date = _date_header(response)
    latest = [now] + ([date + timedelta(seconds=RUN.clock_moved_sec)] if date else [])
    problems = []
    for call in calls:
        for name in ("created_at", "ended_at"):
            at = instant(call.get(name))
            if at is None:
                continue
            ahead = [at - moment for moment in latest if CLOCK_TOLERANCE < at - moment <= _ZONE_MAX]
            if ahead:
                problems.append(
                    f"  `{call['id']}`: {name} {call[name]} is {ahead[0]} after the answer was "
                    "sent: not UTC?"
                )
    created = instant(calls[0].get("created_at")) if response.status_code == 201 else None
    if operation_id(case) == "createCall" and created is not None:
        earliest = [now - timedelta(seconds=response.elapsed)] + ([date] if date else [])
        behind = [m - created for m in earliest if CLOCK_TOLERANCE < m - created <= _ZONE_MAX]
        if behind:
            problems.append(
                f"  `{calls[0]['id']}`: created_at {calls[0]['created_at']} is {behind[0]} "
                "before the create was answered: not UTC?"
            )
    _fail("A time the server gives as UTC is not the time", problems)
    return None


_SECONDS = re.compile(r"[Tt]\d{2}:\d{2}:(?P<seconds>\d{2})(?:\.(?P<fraction>\d+))?")


def _precision_sec(written: str) -> int:
    """How much later than written a time may really be: a time on a whole minute may have been
    kept to the minute, one on a whole second to the second (RFC 3339 sets no precision)."""
    found = _SECONDS.search(written)
    if found is None:
        return 0
    whole = not (found["fraction"] or "").strip("0")
    if whole and found["seconds"] == "00":
        return 60
    return 1 if whole else 0


@schemathesis.check
def duration_fits_the_call(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """A call's `duration_sec` fits within its lifetime, `created_at` to `ended_at`.

    Deliberately accepted: one second more (durations are whole seconds, rounded either way), and
    as much more as `ended_at` may have been cut (a time on a whole minute may be kept to the
    minute, on a whole second to the second); a record without both times or a duration.
    """
    calls = list(calls_in(case, response))
    if not calls:
        return True
    problems = []
    for call in calls:
        created, ended = instant(call.get("created_at")), instant(call.get("ended_at"))
        duration = call.get("duration_sec")
        if created is None or ended is None or not isinstance(duration, int):
            continue
        lifetime = (ended - created).total_seconds()
        if duration > lifetime + 1 + _precision_sec(str(call["ended_at"])):
            problems.append(
                f"  `{call['id']}`: duration_sec {duration} is longer than the call's "
                f"{lifetime:g} s from created_at to ended_at"
            )
    _fail("A call lasted longer than it existed", problems)
    return None
