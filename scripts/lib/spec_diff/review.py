"""A comparison shown where people review spec changes: Markdown for a pull request comment, and
GitHub workflow annotations on the lines of openapi.yaml that changed.

Each finding of the rules carries the JSON pointer of what changed; a YAML loader that keeps
marks (PyYAML's composer: every node knows its line) turns the pointer into a line of the new
spec. What was removed is looked up as far as it still exists (a removed property lands on its
schema's `properties:` line).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import yaml

from spec_diff.changes import Change, Verdict
from spec_diff.report import Report

LEVELS = {
    Verdict.BREAKS_CLIENTS: "error",
    Verdict.BREAKS_SERVERS: "warning",
    Verdict.COMPATIBLE: "notice",
}
TITLES = {
    Verdict.BREAKS_CLIENTS: "Breaks existing clients",
    Verdict.BREAKS_SERVERS: "Breaks servers that lag the spec (older sandboxes)",
    Verdict.COMPATIBLE: "Compatible",
}


class Lines:
    """The line of openapi.yaml (1-based) each JSON pointer of the document is written on."""

    def __init__(self, text: str) -> None:
        try:
            self.root: yaml.Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            self.root = None

    def of(self, pointer: str) -> int | None:
        """The line of `pointer`, or of its nearest ancestor written in the document (None when
        not even the first part is, or the pointer is empty)."""
        node, line = self.root, None
        if node is None or not pointer.startswith("/"):
            return None
        for token in pointer[1:].split("/"):
            part = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, yaml.MappingNode):
                found = next((kv for kv in node.value if kv[0].value == part), None)
                if found is None:
                    break
                key, node = found
                line = key.start_mark.line + 1
            elif isinstance(node, yaml.SequenceNode) and part.isdigit():
                if int(part) >= len(node.value):
                    break
                node = node.value[int(part)]
                line = node.start_mark.line + 1
            else:
                break
        return line


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _place(change: Change) -> str:
    return f"{change.where}: {change.field}" if change.field else change.where


def github_annotations(report: Report, spec_text: str, spec_file: str = "openapi.yaml") -> str:
    """GitHub workflow commands, one per line of the spec and verdict: `::error` for changes that
    break existing clients, `::warning` for those that break servers lagging the spec, `::notice`
    for compatible changes of the contract (descriptions and examples are left out). Changes the
    spec has no line for (the Python API of the generated client) are annotated on the file, and
    so are the proof's counterexamples when it found worse than the rules (a rule is missing)."""
    lines = Lines(spec_text)
    grouped: dict[tuple[int | None, Verdict], list[Change]] = defaultdict(list)
    for change in (c for c in report.wire if not c.docs_only):
        grouped[(lines.of(change.pointer), change.verdict)].append(change)
    for change in report.api:
        grouped[(None, change.verdict)].append(change)
    if report.proof is not None and report.proof.verdict.rank < report.rules_verdict.rank:
        for counterexample in report.proof.counterexamples:  # a rule is missing: show the proof
            grouped[(None, counterexample.verdict)].append(
                Change(counterexample.verdict, counterexample.where, "", counterexample.problem)
            )
    out = []
    order = sorted(grouped, key=lambda k: (k[1].rank, k[0] is None, k[0] or 0))
    for line, verdict in order:
        changes = grouped[(line, verdict)]
        messages = _merged(changes)
        title = f"spec-diff: {verdict}"
        where = f"file={_escape_property(spec_file)}" + (f",line={line}" if line else "")
        body = "\n".join(messages)
        out.append(
            f"::{LEVELS[verdict]} {where},title={_escape_property(title)}::{_escape_data(body)}"
        )
    return "\n".join(out)


def _merged(changes: Iterable[Change]) -> list[str]:
    """One line per distinct message, naming every place it was found (a schema `$ref`'d by
    three operations changes once in the file, three times on the wire)."""
    places: dict[str, list[str]] = defaultdict(list)
    for change in changes:
        key = f"{change.field}: {change.message}" if change.field else change.message
        places[key].append(change.where)
    return [f"{message} ({'; '.join(dict.fromkeys(at))})" for message, at in places.items()]


def _cell(text: str) -> str:
    """Text for a Markdown table cell or code span: one line, no cell separator, no backtick."""
    return text.replace("|", "\\|").replace("\n", " ").replace("`", "'")


def markdown(report: Report, bump: str | None = None) -> str:
    """A pull request comment: the verdict and the bump it needs, a table of the changes by
    verdict, the proof's counterexamples, and the documentation-only changes folded away."""
    proof = report.proof
    proven = f"proof: **{proof.verdict}**" if proof else "proof: not run"
    base = report.base
    if report.old_version not in base:
        base += f" ({report.old_version})"
    out = [
        f"### spec-diff: **{report.verdict}**",
        "",
        f"`openapi.yaml` {report.new_version} against {base}: rules: **{report.rules_verdict}**, "
        f"{proven}, Python API: {len(report.api)} breaking change(s).",
    ]
    if bump:
        out += ["", bump]
    contract = [c for c in report.wire if not c.docs_only]
    changes = [*contract, *report.api]
    if changes:
        for verdict in Verdict:
            picked = [c for c in changes if c.verdict is verdict]
            if not picked:
                continue
            out += ["", f"#### {TITLES[verdict]} ({len(picked)})", ""]
            out += ["| where | change |", "|---|---|"]
            out += [f"| {_cell(_place(c))} | {_cell(c.message)} |" for c in picked]
    else:
        out += ["", "No change to the wire contract."]
    if proof is not None:
        out += [
            "",
            f"<details><summary>Proof: {len(proof.counterexamples)} counterexample(s) in "
            f"{proof.checks} properties</summary>",
            "",
        ]
        out += [
            f"- **{c.verdict}** {_cell(c.where)}: {_cell(c.problem)}; e.g. `{_cell(c.example)}`"
            for c in proof.counterexamples
        ] or ["No counterexample."]
        out += ["", "</details>"]
    if report.disagreement:
        out += ["", f"> Rules and proof disagree: {report.disagreement}"]
    docs = [c for c in report.wire if c.docs_only]
    if docs:
        out += [
            "",
            f"<details><summary>Documentation only ({len(docs)}, no bump needed)</summary>",
            "",
        ]
        out += [f"- {_cell(_place(c))}: {_cell(c.message)}" for c in docs]
        out += ["", "</details>"]
    return "\n".join(out) + "\n"
