"""The run's coverage as the summary prints it, and the Markdown summary (`--markdown FILE`) for a
pull request or a CI job page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dialnexa_contract import _coverage as coverage
from dialnexa_contract._spec import load_spec
from dialnexa_contract._target import current_target

MARKDOWN = "CONTRACT_MARKDOWN"
"""Where to write the Markdown summary (the `--markdown` option)."""
_MAX_FAILURE_LINES = 40


def fetch_vocabulary() -> dict[str, Any] | None:
    """What the target says it can produce, if it is an emulator (None for another server)."""
    client = current_target().control_plane()
    if client is None:
        return None
    try:
        with client:
            answer = client.get("/vocabulary")
        found = answer.json() if answer.status_code == 200 else None
    except Exception:  # whatever the target does, the summary is still printed
        return None
    return found if isinstance(found, dict) and "call_statuses" in found else None


def coverage_verdict() -> coverage.Verdict:
    return coverage.run_verdict(load_spec(), fetch_vocabulary)


def markdown(
    *,
    verdict: str,
    counts: str,
    table: Sequence[Sequence[str]],
    failures: Sequence[str],
    skips: Mapping[str, str],
    coverage_lines: Sequence[str],
    replay: str,
) -> str:
    """The summary as Markdown: verdict, table of checks, failures, what did not run, coverage."""
    icon = "✅" if verdict == "conforms" else "❌"
    lines = [f"## {icon} DialNexa contract suite: {verdict}", "", counts, ""]
    if table:
        header, *rows = table
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += [
            "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows
        ]
        lines.append("")
    if failures:
        lines += ["### Failures", ""]
        for failure in failures:
            text = failure.strip().splitlines()
            cut = text[:_MAX_FAILURE_LINES] + (["..."] if len(text) > _MAX_FAILURE_LINES else [])
            lines += ["```", *cut, "```", ""]
    if skips:
        lines += ["### Did not run", ""]
        lines += [f"- `{name}`: {reason}" for name, reason in skips.items()]
        lines.append("")
    if coverage_lines:
        lines += ["### Coverage", "", "```", *coverage_lines, "```", ""]
    lines += [f"Replay: `{replay}`", ""]
    return "\n".join(lines)


def write_markdown(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
