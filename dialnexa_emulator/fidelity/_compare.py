"""Field by field: what the target answered against what the emulator answers to the same request.

What must differ is not a difference: ids (created calls' ids are mapped, target to emulator),
absolute times (both must be date-times; a call's `ended_at - created_at` is compared instead, as
lifecycle timing), and request ids. `null` and an absent field are the same, as the spec says for
every optional field. A call's `status` that differs is judged on the emulator's timeline: if the
emulator's call reaches the target's status within the tolerance of the same moment, they agree;
if it reaches it at another moment, that is a lifecycle-timing difference.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

from dialnexa_emulator._clock import parse_iso
from dialnexa_emulator._lifecycle import Timeline

# Header values that differ by nature (times, counters of another history, request ids).
_VALUE_HEADERS = frozenset({"content-type", "www-authenticate", "retry-after", "x-ratelimit-limit"})
_ENVELOPE = frozenset({"statusCode", "error"})
_DATE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


@dataclass(slots=True)
class Difference:
    index: int
    """The exchange's number in the cassette."""
    operation: str
    kind: str
    """status, header, error-envelope, error-message, field-missing, field-extra, value,
    ordering, lifecycle-timing, webhook-missing, webhook-extra."""
    where: str
    target: Any
    emulator: Any
    fix: str = "emulator"
    """Where to look first: `spec` when the target's answer breaks or escapes the spec there."""
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "operation": self.operation,
            "kind": self.kind,
            "where": self.where,
            "target": self.target,
            "emulator": self.emulator,
            "fix": self.fix,
            "note": self.note,
        }


@dataclass(slots=True)
class Comparison:
    """The differences of one exchange, and how many aspects were compared and agreed."""

    index: int
    operation: str
    compared: int = 0
    agreed: int = 0
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def agree(self) -> None:
        self.compared += 1
        self.agreed += 1

    def differ(self, kind: str, where: str, target: Any, emulator: Any, note: str = "") -> None:
        self.compared += 1
        self.differences.append(
            Difference(self.index, self.operation, kind, where, target, emulator, note=note)
        )

    @property
    def score(self) -> float:
        """1.0 when every aspect agrees; a status that differs makes the whole exchange 0."""
        if any(d.kind in ("status", "webhook-missing", "webhook-extra") for d in self.differences):
            return 0.0
        return self.agreed / self.compared if self.compared else 1.0


@dataclass(slots=True)
class Context:
    """What comparing one body needs to know beyond the two bodies."""

    ids: Mapping[str, str]
    """Recorded call id -> the emulator's."""
    tolerance_sec: float
    elapsed: Callable[[str], float | None]
    """Seconds since the target created this (recorded) call, at this exchange; None if unknown."""
    timeline: Callable[[str], Timeline | None]
    """The emulator's timeline of the call with this (emulator) id."""


def map_ids(text: str, ids: Mapping[str, str]) -> str:
    """`text` with each recorded id, as a whole token, replaced by the emulator's: `call_a1` must
    not turn `call_a12` into something else."""
    if not ids or not text:
        return text
    return _id_pattern(tuple(ids)).sub(lambda found: ids.get(found.group(0), found.group(0)), text)


@lru_cache(maxsize=8)
def _id_pattern(recorded: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(i) for i in sorted(recorded, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9_])(?:{alternatives})(?![A-Za-z0-9_])")


def compare_headers(
    result: Comparison,
    named: Mapping[str, bool],
    target: Mapping[str, str],
    emulator: Mapping[str, str],
) -> None:
    """Headers the spec names on this answer, and Content-Type: present on both, same value
    where the value is not bound to be different."""
    target = {k.lower(): v for k, v in target.items()}
    emulator = {k.lower(): v for k, v in emulator.items()}
    for name in sorted({"content-type", *named}):
        mine, theirs = emulator.get(name), target.get(name)
        if (mine is None) != (theirs is None) or (
            mine is not None and name in _VALUE_HEADERS and _norm(name, mine) != _norm(name, theirs)
        ):
            result.differ("header", f"header {name}", theirs, mine)
        elif mine is not None:
            result.agree()


def _norm(name: str, value: str | None) -> str:
    value = (value or "").strip().lower()
    return value.split(";")[0].strip() if name == "content-type" else value


def compare_body(result: Comparison, target: Any, emulator: Any, context: Context) -> None:
    _compare(result, "body", target, emulator, context)


def _compare(result: Comparison, where: str, target: Any, emulator: Any, context: Context) -> None:
    if isinstance(target, dict) and isinstance(emulator, dict):
        _objects(result, where, target, emulator, context)
    elif isinstance(target, list) and isinstance(emulator, list):
        _lists(result, where, target, emulator, context)
    elif isinstance(target, str) and isinstance(emulator, str):
        if _is_time(target) and _is_time(emulator):
            result.agree()  # absolute times differ by nature; both are date-times
        elif map_ids(target, context.ids) == emulator:
            result.agree()
        else:
            kind = "error-message" if where.startswith("body.message") else "value"
            result.differ(kind, where, target, emulator)
    elif target == emulator and type(target) is type(emulator):
        result.agree()
    else:
        kind = "error-envelope" if where.removeprefix("body.") in _ENVELOPE else "value"
        result.differ(
            "error-message" if where.startswith("body.message") else kind, where, target, emulator
        )


def _objects(
    result: Comparison,
    where: str,
    target: dict[str, Any],
    emulator: dict[str, Any],
    context: Context,
) -> None:
    for name in sorted(set(target) | set(emulator), key=lambda n: (n not in target, n)):
        path = f"{where}.{name}"
        theirs, mine = target.get(name), emulator.get(name)
        if theirs is None and mine is None:
            result.agree()  # absent and null say the same
        elif theirs is None:
            result.differ(
                "field-extra", path, None, mine, "the emulator sends it; the target did not"
            )
        elif mine is None:
            result.differ(
                "field-missing", path, theirs, None, "the target sent it; the emulator does not"
            )
        elif name == "id":
            result.agree()  # ids differ by nature; created calls' are mapped
        elif name == "status" and isinstance(target.get("id"), str) and theirs != mine:
            _status(result, path, target, emulator, context)
        else:
            _compare(result, path, theirs, mine, context)
    _lifetime(result, where, target, emulator, context)


def _status(
    result: Comparison,
    where: str,
    target: dict[str, Any],
    emulator: dict[str, Any],
    context: Context,
) -> None:
    """A call's status that differs: the same moment within the tolerance, or timing, or value."""
    elapsed = context.elapsed(target["id"])
    timeline = context.timeline(str(emulator.get("id")))
    wanted = target["status"]
    if elapsed is None or timeline is None:
        result.differ("value", where, wanted, emulator["status"])
        return
    created = timeline[0][0]
    reached = [at for at, status in timeline if status == wanted]
    if not reached:
        result.differ(
            "value",
            where,
            wanted,
            emulator["status"],
            f"the emulator's call never becomes {wanted}",
        )
        return
    start = (reached[0] - created).total_seconds()
    later = [at for at, _ in timeline if at > reached[0]]
    end = (later[0] - created).total_seconds() if later else float("inf")
    tolerance = context.tolerance_sec
    if start - tolerance <= elapsed < end + tolerance:
        result.agree()  # the emulator's call is there within the tolerance of that moment
        return
    result.differ(
        "lifecycle-timing",
        where,
        wanted,
        emulator["status"],
        f"the target's call was {wanted} {elapsed:.1f} s after its creation; the emulator's is "
        f"{wanted} from {start:.1f} s" + (f" to {end:.1f} s" if later else ""),
    )


def _lifetime(
    result: Comparison,
    where: str,
    target: dict[str, Any],
    emulator: dict[str, Any],
    context: Context,
) -> None:
    """A call's `ended_at - created_at` against the emulator's, within the tolerance."""
    theirs, mine = _span(target), _span(emulator)
    if theirs is None or mine is None:
        return
    if abs((theirs - mine).total_seconds()) <= context.tolerance_sec:
        result.agree()
    else:
        result.differ(
            "lifecycle-timing",
            f"{where}.ended_at - created_at",
            f"{theirs.total_seconds():g} s",
            f"{mine.total_seconds():g} s",
        )


def _span(call: dict[str, Any]) -> timedelta | None:
    created, ended = call.get("created_at"), call.get("ended_at")
    if not (isinstance(created, str) and isinstance(ended, str)):
        return None
    try:
        return parse_iso(ended) - parse_iso(created)
    except ValueError:
        return None


def _lists(
    result: Comparison, where: str, target: list[Any], emulator: list[Any], context: Context
) -> None:
    def key(item: Any) -> str | None:
        return item.get("id") if isinstance(item, dict) else None

    if target and all(isinstance(key(item), str) for item in target):
        # Records: pair the target's with the emulator's through the id map, in order.
        mine = {key(item): item for item in emulator}
        paired = [(item, mine.get(context.ids.get(str(key(item)), ""))) for item in target]
        order_target = [context.ids[str(key(t))] for t, m in paired if m is not None]
        order_mine = [key(item) for item in emulator if key(item) in set(order_target)]
        for index, (theirs, found) in enumerate(paired):
            if found is not None:
                _compare(result, f"{where}[{index}]", theirs, found, context)
            elif str(key(theirs)) in context.ids:
                result.differ(
                    "field-missing",
                    f"{where}[{index}]",
                    key(theirs),
                    None,
                    "a call the target listed here; the emulator does not",
                )
            else:
                result.notes.append(
                    f"{where}[{index}]: {key(theirs)} was not created while "
                    "recording, so it has no counterpart"
                )
        if order_target == order_mine:
            result.agree()
        else:
            result.differ("ordering", where, order_target, order_mine)
        return
    if len(target) != len(emulator):
        result.differ("value", where, target, emulator)
        return
    for index, (theirs, mine_item) in enumerate(zip(target, emulator, strict=True)):
        _compare(result, f"{where}[{index}]", theirs, mine_item, context)


def _is_time(text: str) -> bool:
    if not _DATE_TIME.match(text):
        return False
    try:
        parse_iso(text)
    except ValueError:
        return False
    return True
