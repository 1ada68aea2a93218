"""One comparison of two specs, and the ways it is shown: text for a person, JSON for a program,
a CHANGELOG.md entry to edit."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from spec_diff import clients, operations, python_api
from spec_diff.changes import Change, Verdict, worst
from spec_diff.proof import Proof, prove
from spec_diff.spec import Spec, resolved


@dataclass(frozen=True)
class Report:
    base: str  # what the old spec is, for people
    old_version: str
    new_version: str
    wire: list[Change]  # the rules' findings
    api: list[Change]  # griffe's, on the generated clients
    proof: Proof | None  # None when not run

    @property
    def rules_verdict(self) -> Verdict:
        return worst(c.verdict for c in self.wire)

    @property
    def verdict(self) -> Verdict:
        """The worst of the rules, the Python API and the proof's counterexamples."""
        proven = [self.proof.verdict] if self.proof else []
        return worst([self.rules_verdict, *(c.verdict for c in self.api), *proven])

    @property
    def wire_changed(self) -> bool:
        return any(not c.docs_only for c in self.wire) or bool(self.api)

    @property
    def disagreement(self) -> str | None:
        if self.proof is None or self.proof.verdict is self.rules_verdict:
            return None
        if self.proof.verdict.rank < self.rules_verdict.rank:
            return (
                f"the proof found {self.proof.verdict} where the rules say {self.rules_verdict}: "
                "a rule is missing; the counterexamples show what breaks"
            )
        return (
            f"the rules say {self.rules_verdict}, the proof found no counterexample for that "
            f"({self.proof.checks} properties): the old client tolerates it, or the break is in "
            "behaviour the proof cannot see (defaults, headers, meaning); the rules' verdict stands"
        )


def compare(
    old_text: str,
    new_text: str,
    *,
    base: str,
    old_client: Path | None = None,
    new_client: Path | None = None,
    proof: bool = True,
    max_examples: int = 25,
) -> Report:
    """Compare two spec texts. Their clients are generated (or found in the cache) unless given."""
    old: Spec = yaml.safe_load(old_text)
    new: Spec = yaml.safe_load(new_text)
    wire = list(operations.diff(resolved(old), resolved(new)))
    old_client = old_client or clients.client_for(old_text)
    new_client = new_client or clients.client_for(new_text)
    api = python_api.breaking_changes(old_client, new_client)
    proven = prove(old, new, old_client, max_examples, new_client) if proof else None
    return Report(
        base,
        str(old.get("info", {}).get("version")),
        str(new.get("info", {}).get("version")),
        wire,
        api,
        proven,
    )


def _lines(changes: Iterable[Change]) -> list[str]:
    return ["  " + c.line() for c in changes]


def text(report: Report) -> str:
    contract = [c for c in report.wire if not c.docs_only]
    docs = [c for c in report.wire if c.docs_only]
    proof = report.proof
    proven = f"proof: {proof.verdict}" if proof else "proof: not run"
    base = report.base
    if report.old_version not in base:
        base += f" ({report.old_version})"
    out = [
        f"openapi.yaml {report.new_version} against {base}",
        f"verdict: {report.verdict}  (rules: {report.rules_verdict}; {proven}; "
        f"Python API: {len(report.api)} breaking change(s))",
        "",
        "Wire contract (rules):",
        *(_lines(contract) or ["  no change"]),
    ]
    if report.api:
        out += ["", "Python API of the generated client (griffe):", *_lines(report.api)]
    if proof is not None:
        out += [
            "",
            f"Proof (old client and old spec against the new spec, {proof.checks} properties):",
        ]
        out += ["  " + c.line() for c in proof.counterexamples] or ["  no counterexample"]
    if report.disagreement:
        out += ["", "Rules and proof disagree: " + report.disagreement]
    if docs:
        out += ["", "Documentation only (no bump needed):", *_lines(docs)]
    return "\n".join(out)


def as_json(report: Report) -> str:
    proof = report.proof
    return json.dumps(
        {
            "verdict": str(report.verdict),
            "base": report.base,
            "versions": {"base": report.old_version, "current": report.new_version},
            "rules_verdict": str(report.rules_verdict),
            "proof_verdict": str(proof.verdict) if proof else None,
            "disagreement": report.disagreement,
            "changes": [
                {**c.as_json(), "source": source}
                for source, group in (("rules", report.wire), ("python-api", report.api))
                for c in group
            ],
            "counterexamples": [c.as_json() for c in proof.counterexamples] if proof else [],
        },
        indent=2,
    )


def changelog(report: Report, version: str) -> str:
    """A draft CHANGELOG.md entry: edit the wording, keep the facts."""
    sections = [
        (Verdict.BREAKS_CLIENTS, "Breaking for existing clients:"),
        (Verdict.BREAKS_SERVERS, "Needs a server of this version (older servers refuse it):"),
        (Verdict.COMPATIBLE, "Compatible:"),
    ]
    changes = [c for c in [*report.wire, *report.api] if not c.docs_only]
    out = [f"## {version}", ""]
    for verdict, title in sections:
        picked = [c for c in changes if c.verdict is verdict]
        if picked:
            out += [title, ""]
            out += [f"- {c.where}{': ' + c.field if c.field else ''}: {c.message}." for c in picked]
            out.append("")
    docs = sum(c.docs_only for c in report.wire)
    if docs:
        out += [f"Documentation: {docs} description(s) or example(s) changed.", ""]
    if len(out) == 2:
        out += ["No change to the contract.", ""]
    return "\n".join(out).rstrip() + "\n"
