"""A replay's result as text (for a terminal), JSON (for programs) or Markdown (for a CI summary).

Scores: an exchange scores the share of the aspects compared (status, named headers, each field)
that agree, and 0 when its status differs or a delivery is missing or extra; an operation's score
and the overall score are the means of their exchanges'. A faithful emulator scores 100%.
"""

from __future__ import annotations

import json
from typing import Any

from dialnexa_emulator.fidelity._compare import Difference
from dialnexa_emulator.fidelity._replay import Result

FORMATS = ("text", "json", "markdown")


def _percent(score: float) -> float:
    return round(score * 100, 1)


def summary(result: Result) -> dict[str, Any]:
    operations = {}
    for operation, comparisons in result.by_operation().items():
        operations[operation] = {
            "exchanges": len(comparisons),
            "differences": sum(len(c.differences) for c in comparisons),
            "score": _percent(sum(c.score for c in comparisons) / len(comparisons)),
        }
    return {
        "target": result.target,
        "score": _percent(result.score),
        "tolerance_sec": result.tolerance_sec,
        "exchanges": len(result.comparisons),
        "operations": operations,
        "differences": [d.to_json() for d in differences(result)],
        "spec_gaps": [
            {"index": index, "operation": operation, "gap": gap}
            for index, operation, gap in result.gaps
        ],
        "notes": result.notes + [n for c in result.comparisons for n in c.notes],
    }


def grouped_gaps(result: Result) -> list[tuple[str, str, list[int]]]:
    """Each gap once, with the exchanges that showed it: (operation, gap, exchange numbers)."""
    grouped: dict[tuple[str, str], list[int]] = {}
    for index, operation, gap in result.gaps:
        grouped.setdefault((operation, gap), []).append(index)
    return [(operation, gap, indices) for (operation, gap), indices in grouped.items()]


def _where(indices: list[int]) -> str:
    return ", ".join(f"#{i}" for i in indices)


def differences(result: Result) -> list[Difference]:
    found = [d for c in result.comparisons for d in c.differences]
    return sorted(found, key=lambda d: d.index)


def render(result: Result, form: str) -> str:
    if form == "json":
        return json.dumps(summary(result), indent=2, default=str)
    if form == "markdown":
        return _markdown(result)
    return _text(result)


def _value(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _line(d: Difference) -> str:
    text = (
        f"#{d.index} {d.operation}: {d.kind} at {d.where}: target {_value(d.target)}, "
        f"emulator {_value(d.emulator)} (fix: {d.fix})"
    )
    return f"{text}; {d.note}" if d.note else text


def _text(result: Result) -> str:
    data = summary(result)
    lines = [
        f"Fidelity of the emulator to {result.target or 'the recorded target'}: "
        f"{data['score']}% over {data['exchanges']} exchange(s) "
        f"(lifecycle tolerance {result.tolerance_sec:g} s)",
        "",
        f"{'operation':<24} {'exchanges':>9} {'differences':>11} {'score':>7}",
    ]
    for operation, row in data["operations"].items():
        lines.append(
            f"{operation:<24} {row['exchanges']:>9} {row['differences']:>11} {row['score']:>6}%"
        )
    found = differences(result)
    lines += ["", f"Differences: {len(found)}"]
    lines += [f"  {_line(d)}" for d in found]
    gaps = grouped_gaps(result)
    lines += ["", f"Spec gaps (the target sent what the spec does not declare): {len(gaps)}"]
    lines += [f"  {operation}: {gap} ({_where(indices)})" for operation, gap, indices in gaps]
    if data["notes"]:
        lines += ["", "Notes:"] + [f"  {note}" for note in data["notes"]]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    return _value(value).replace("|", "\\|").replace("\n", " ")


def _markdown(result: Result) -> str:
    data = summary(result)
    lines = [
        "## Emulator fidelity",
        "",
        f"**{data['score']}%** over {data['exchanges']} exchange(s) recorded against "
        f"`{result.target or 'the target'}` (lifecycle tolerance {result.tolerance_sec:g} s).",
        "",
        "| operation | exchanges | differences | score |",
        "|---|---:|---:|---:|",
    ]
    for operation, row in data["operations"].items():
        lines.append(
            f"| `{operation}` | {row['exchanges']} | {row['differences']} | {row['score']}% |"
        )
    found = differences(result)
    lines += ["", f"### Differences ({len(found)})", ""]
    if found:
        lines += [
            "| # | operation | kind | where | target | emulator | fix | note |",
            "|---:|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {d.index} | `{d.operation}` | {d.kind} | `{d.where}` | {_cell(d.target)} | "
            f"{_cell(d.emulator)} | {d.fix} | {d.note.replace('|', '/')} |"
            for d in found
        ]
    else:
        lines.append("None.")
    gaps = grouped_gaps(result)
    lines += ["", f"### Spec gaps ({len(gaps)})", ""]
    lines += [f"- `{operation}`: {gap} ({_where(indices)})" for operation, gap, indices in gaps]
    if not gaps:
        lines.append("None.")
    return "\n".join(lines) + "\n"
