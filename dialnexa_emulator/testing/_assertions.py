"""Assertions over the request journal that read like the requirement, and say what differed.

`assert_called("createCall", times=1, json={"to_phone_number": "+919876543210"})` counts the
requests to an operation that match (a `json` is matched key by key: the request may carry more);
when the count is wrong the message lists the closest requests and, for each, how it differs (as
WireMock's near misses do), with the reason of any that was refused.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs

_MISSING = object()
_SHOWN = 3  # near misses in a message


class Expectation:
    """What a test expects of some requests: an operation, and parts of the request."""

    def __init__(
        self,
        operation: str | None,
        *,
        json: Any = _MISSING,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        path: str | None = None,
        status: int | None = None,
    ) -> None:
        self.operation = operation
        self.json = json
        self.query = query
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}
        self.path = path
        self.status = status

    def differences(self, entry: Mapping[str, Any]) -> list[str]:
        """How `entry` (a journal entry) differs from this expectation; empty if it matches."""
        found: list[str] = []
        if self.operation is not None and entry["operation"] != self.operation:
            found.append(f"it is {entry['operation'] or 'no operation'}, not {self.operation}")
        if self.path is not None and entry["path"] != self.path:
            found.append(f"its path is {entry['path']}, not {self.path}")
        if self.status is not None and entry["status"] != self.status:
            found.append(f"it was answered {entry['status']}, not {self.status}")
        if self.json is not _MISSING:
            found += _json_differences(entry, self.json)
        if self.query is not None:
            sent = parse_qs(entry["query"], keep_blank_values=True)
            for name, wanted in self.query.items():
                values = sent.get(name)
                expected = [str(v) for v in wanted] if isinstance(wanted, list) else [str(wanted)]
                if values != expected:
                    shown = "absent" if values is None else ", ".join(values)
                    found.append(f"query {name} is {shown}, not {', '.join(expected)}")
        for name, wanted in self.headers.items():
            sent_header = entry["headers"].get(name)
            if sent_header != wanted:
                found.append(f"header {name} is {sent_header or 'absent'}, not {wanted}")
        return found

    def describe(self) -> str:
        parts = [self.operation or "any operation"]
        if self.path is not None:
            parts.append(f"path {self.path}")
        if self.json is not _MISSING:
            parts.append(f"json {self.json!r}")
        if self.query is not None:
            parts.append(f"query {dict(self.query)!r}")
        if self.headers:
            parts.append(f"headers {self.headers!r}")
        if self.status is not None:
            parts.append(f"answered {self.status}")
        return parts[0] + (" with " + ", ".join(parts[1:]) if len(parts) > 1 else "")


def _json_differences(entry: Mapping[str, Any], wanted: Any) -> list[str]:
    if "body" not in entry:
        return ["its body was not kept (the journal keeps bodies when `journal.bodies` is on)"]
    if not entry["body"]:
        return ["it has no body"]
    try:
        sent = jsonlib.loads(entry["body"])
    except ValueError:
        return [f"its body is not JSON: {entry['body'][:80]!r}"]
    return _subset_differences(sent, wanted, "json")


def _subset_differences(sent: Any, wanted: Any, where: str) -> list[str]:
    """Where `sent` lacks or differs from `wanted` (objects: only the keys `wanted` names)."""
    if isinstance(wanted, Mapping) and isinstance(sent, Mapping):
        found = []
        for key, value in wanted.items():
            if key not in sent:
                found.append(f"{where}.{key} is absent, not {value!r}")
            else:
                found += _subset_differences(sent[key], value, f"{where}.{key}")
        return found
    if sent != wanted:
        return [f"{where} is {sent!r}, not {wanted!r}"]
    return []


def check_called(
    entries: Sequence[Mapping[str, Any]], expectation: Expectation, times: int | None
) -> list[Mapping[str, Any]]:
    """The entries that match; AssertionError, with the near misses, unless there are `times`
    of them (None: at least one)."""
    matching = [e for e in entries if not expectation.differences(e)]
    if (times is None and matching) or (times is not None and len(matching) == times):
        return matching
    wanted = "at least once" if times is None else _count(times)
    lines = [
        f"expected {expectation.describe()} {wanted}; requests that match: {len(matching)}"
        + (f" ({_ids(matching)})" if matching else "")
    ]
    lines += near_misses(entries, expectation, exclude=matching)
    raise AssertionError("\n".join(lines))


def check_not_called(entries: Sequence[Mapping[str, Any]], expectation: Expectation) -> None:
    matching = [e for e in entries if not expectation.differences(e)]
    if matching:
        lines = [f"expected no {expectation.describe()}; it was called {_count(len(matching))}:"]
        lines += [f"  {describe_entry(e)}" for e in matching[:_SHOWN]]
        raise AssertionError("\n".join(lines))


def near_misses(
    entries: Sequence[Mapping[str, Any]],
    expectation: Expectation,
    exclude: Sequence[Mapping[str, Any]] = (),
) -> list[str]:
    """Lines naming the requests closest to `expectation` and how each differs."""
    excluded = {e["id"] for e in exclude}
    scored = []
    for entry in entries:
        if entry["id"] in excluded:
            continue
        differences = expectation.differences(entry)
        other_operation = expectation.operation not in (None, entry["operation"])
        scored.append((len(differences) + 10 * other_operation, -entry["id"], entry, differences))
    if not scored:
        return ["The journal holds no other request."]
    scored.sort(key=lambda item: item[:2])
    lines = [f"Closest requests (of {len(entries)} in the journal):"]
    for _, _, entry, differences in scored[:_SHOWN]:
        lines.append(f"  {describe_entry(entry)}: {'; '.join(differences)}")
    return lines


def describe_entry(entry: Mapping[str, Any]) -> str:
    query = f"?{entry['query']}" if entry["query"] else ""
    text = f"#{entry['id']} {entry['method']} {entry['path']}{query} -> {entry['status']}"
    if "reason" in entry:
        text += f" ({_reason(entry['reason'])})"
    return text


def _reason(reason: str | list[str]) -> str:
    return reason if isinstance(reason, str) else "; ".join(reason)


def refused(entry: Mapping[str, Any]) -> bool:
    """Answered 4xx by the emulator's own rules: not a fault or an override the test armed."""
    return 400 <= entry["status"] < 500 and not entry["fault_id"] and not entry["override_id"]


def _count(times: int) -> str:
    return {0: "0 times", 1: "once", 2: "twice"}.get(times, f"{times} times")


def _ids(entries: Sequence[Mapping[str, Any]]) -> str:
    return ", ".join(f"#{e['id']}" for e in entries)
