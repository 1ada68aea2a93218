"""The call lifecycle the spec describes: created -> initiated -> sent -> received -> final
(`CallStatus`: its enum's order, and its `x-final-values`).

A call may skip steps (a call that cannot be placed goes straight to `failed`), but never moves
back, and a final status never changes.
"""

from __future__ import annotations

from dialnexa_contract._spec import load_spec

# The spec states the rule: a status in `x-final-values` never changes; the others are in flight,
# in the order the enum lists them.
# (A spec copy without them, given with --spec, gets DialNexa's: the emulator refuses it anyway.)
_DIALNEXA_FINAL = ("completed", "did_not_pick", "busy", "no_answer", "failed", "cancelled")
_STATUS = load_spec().get("components", {}).get("schemas", {}).get("CallStatus", {})
FINAL = frozenset(_STATUS.get("x-final-values", (*_DIALNEXA_FINAL, "retry_expired")))
IN_FLIGHT = tuple(
    status
    for status in _STATUS.get("enum", ("created", "initiated", "sent", "received"))
    if status not in FINAL
)


def _rank(status: str) -> int | None:
    if status in FINAL:
        return len(IN_FLIGHT)
    return IN_FLIGHT.index(status) if status in IN_FLIGHT else None


def transition_error(before: str, after: str) -> str | None:
    """Why `before` -> `after` breaks the lifecycle, or None if it is allowed.

    Unknown statuses are the schema checks' business ("new values may be added"), not this one's.
    """
    before_rank, after_rank = _rank(before), _rank(after)
    if before_rank is None or after_rank is None or before == after:
        return None
    if before in FINAL:
        return f"status changed from final `{before}` to `{after}`"
    if after_rank < before_rank:
        return f"status moved back from `{before}` to `{after}`"
    return None
