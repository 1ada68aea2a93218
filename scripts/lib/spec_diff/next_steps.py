"""What to do after regenerating the client: the files that changed, the spec-diff verdict against
the last release in one line, and the version bump `scripts/spec-diff --check` (the CI gate) will
ask for. scripts/regenerate ends with it, so a spec maintainer sees the consequence of an edit
without running a second command.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from spec_diff import releases
from spec_diff.changes import Verdict
from spec_diff.releases import ReleaseError
from spec_diff.spec import SpecError, parse

# regenerate.differences() names files by what the committed client lacks; people read what the
# regeneration did to it.
KINDS = {"missing": "added", "extra": "removed"}


@dataclass(frozen=True)
class Assessment:
    """A spec judged against its last release, as the gate judges it."""

    base: str  # the release, for people
    verdict: Verdict
    detail: str  # how the verdict was reached
    base_version: str
    current: str
    needed: str  # 'major', 'minor' or 'none'
    refusal: str | None  # why the gate fails (None: it passes)

    def verdict_line(self) -> str:
        return (
            f"spec-diff: {self.verdict} since {self.base}: {self.detail}; "
            "the report: scripts/spec-diff"
        )

    def bump_line(self) -> str:
        if self.refusal is not None:
            return (
                f"next: the gate (scripts/spec-diff --check) asks for a {self.needed} bump and "
                f"fails now: {self.refusal}; then run scripts/regenerate again"
            )
        if self.needed == "none":
            return (
                "next: no version bump needed (descriptions and examples only, or nothing); "
                "scripts/spec-diff --check passes"
            )
        return (
            f"next: info.version {self.current} has the {self.needed} bump the gate asks for "
            f"(from {self.base_version}); commit openapi.yaml, generated/ and its CHANGELOG.md "
            "entry together (draft: scripts/spec-diff --changelog)"
        )


def assess(
    root: Path, new_text: str, new_client: Path | None = None, *, max_examples: int = 25
) -> Assessment:
    """Compare `new_text` with the last release of the repository at `root`, with the proof,
    exactly as `scripts/spec-diff --check` does. ReleaseError or SpecError when there is no
    release to compare with."""
    current = str(parse(new_text, "the spec").get("info", {}).get("version"))
    root = releases.repository(root)
    base = releases.last_release(root, current)
    assert base.version is not None
    old_text = releases.file_at(root, base.ref, "openapi.yaml")
    parse(old_text, f"openapi.yaml at {base.ref}")
    if old_text == new_text:
        # Both clients would be generated from the same text with the same templates: nothing
        # to compare, and nothing to import for it (regeneration of an unchanged spec stays fast).
        detail = "the spec is the release's, byte for byte"
        return Assessment(
            base.describe(), Verdict.COMPATIBLE, detail, base.version, current, "none", None
        )
    from spec_diff import report  # noqa: PLC0415 (the proof's libraries load in seconds)

    result = report.compare(
        old_text, new_text, base=base.describe(), new_client=new_client, max_examples=max_examples
    )
    proven = f"proof {result.proof.verdict}" if result.proof else "proof not run"
    detail = (
        f"rules {result.rules_verdict}, {proven}, Python API {len(result.api)} breaking change(s)"
    )
    needed = releases.required_bump(result.verdict, result.wire_changed)
    refusal = releases.gate(base.version, current, needed, None)
    return Assessment(
        base.describe(), result.verdict, detail, base.version, current, needed, refusal
    )


def after_regeneration(
    root: Path,
    spec: Path,
    changed: Sequence[tuple[str, str]],
    new_client: Path | None = None,
) -> str:
    """The lines scripts/regenerate ends with: each file changed (kind, path), the verdict in one
    line, and the bump the gate will ask for. Never raises for a missing release or history:
    regeneration succeeded, and the lines say why there is no verdict."""
    lines = [f"  {KINDS.get(kind, kind):8} {path}" for kind, path in changed]
    try:
        assessment = assess(root, spec.read_text(encoding="utf-8"), new_client)
    except (ReleaseError, SpecError, OSError) as exc:
        lines += [
            f"spec-diff: no verdict ({exc})",
            "next: scripts/spec-diff --base REF compares with a commit of your choice",
        ]
    else:
        lines += [assessment.verdict_line(), assessment.bump_line()]
    return "\n".join(lines)
