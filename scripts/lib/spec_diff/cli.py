"""scripts/spec-diff: the command line."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from spec_diff import releases, report, review
from spec_diff.spec import SpecError, parse

DESCRIPTION = """\
Compare openapi.yaml at a git ref (default: the last release, see docs/changing-the-spec.md) with
the working tree. Every change is classified as breaks-clients, breaks-servers or compatible by
rules; the Python API of the generated clients is compared with griffe; and the verdict is proven
by property-testing the client generated from the old spec against the new spec.
"""
EPILOG = """\
review: --markdown writes the report as a pull request comment (e.g. > spec-diff.md, or >>
"$GITHUB_STEP_SUMMARY"); --github-annotations prints GitHub workflow commands (::error for changes
that break existing clients, ::warning for servers that lag the spec, ::notice for the rest of
the contract) on the lines of openapi.yaml that changed, for a workflow step to show on the diff.

exit status: 0 report printed, or --check passed; 1 --check failed; 2 bad options, or no base to
compare with (a missing ref, a shallow clone, an unreadable spec).
"""


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return int(text)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="scripts/spec-diff",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--base",
        metavar="REF",
        help="git ref (or a spec file) to compare with (default: the last release)",
    )
    p.add_argument("--spec", metavar="FILE", type=Path, help="the new spec (default: openapi.yaml)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the report as JSON")
    out.add_argument(
        "--changelog", action="store_true", help="print a draft CHANGELOG.md entry for the change"
    )
    out.add_argument(
        "--markdown", action="store_true", help="print the report as Markdown for a PR comment"
    )
    out.add_argument(
        "--github-annotations",
        action="store_true",
        help="print GitHub workflow annotations on the changed lines of openapi.yaml",
    )
    out.add_argument(
        "--check",
        action="store_true",
        help="the CI gate: fail with one line when info.version lacks the bump the change needs",
    )
    p.add_argument(
        "--no-proof", action="store_true", help="rules and Python API only (faster, unproven)"
    )
    p.add_argument(
        "--examples",
        type=positive,
        default=25,
        metavar="N",
        help="examples per property of the proof (default: 25)",
    )
    return p


@dataclass(frozen=True)
class Inputs:
    root: Path  # the git repository of the working directory
    base: str  # the old spec, described for people
    base_version: str | None  # when the base is a release
    old_text: str
    new_text: str
    current: str  # the new spec's info.version


def inputs(args: argparse.Namespace) -> Inputs:
    """The two specs to compare, from the options; ReleaseError or SpecError when impossible."""
    root = releases.repository(Path.cwd())
    spec_file = args.spec or root / "openapi.yaml"
    if not spec_file.is_file():
        raise SpecError(f"no such spec file: {spec_file}")
    new_text = spec_file.read_text(encoding="utf-8")
    current = str(parse(new_text, str(spec_file)).get("info", {}).get("version"))
    if args.base and Path(args.base).is_file():
        old_text = Path(args.base).read_text(encoding="utf-8")
        parse(old_text, args.base)
        return Inputs(root, args.base, None, old_text, new_text, current)
    chosen = releases.Base(args.base, None) if args.base else releases.last_release(root, current)
    old_text = releases.file_at(root, chosen.ref, "openapi.yaml")
    parse(old_text, f"openapi.yaml at {chosen.ref}")
    return Inputs(root, chosen.describe(), chosen.version, old_text, new_text, current)


def check(given: Inputs, result: report.Report) -> int:
    """The CI gate: 0 when info.version has the bump the change needs, else 1 and one line."""
    assert given.base_version is not None
    needed = releases.required_bump(result.verdict, result.wire_changed)
    client = releases.client_version(given.root)
    reason = releases.gate(given.base_version, given.current, needed, client)
    reason = reason or releases.client_gate(given.root, given.base_version, needed)
    if reason:
        print(f"spec-diff --check: {reason}", file=sys.stderr)
        print("  see what changed: scripts/spec-diff", file=sys.stderr)
        return 1
    bump = "no bump" if needed == "none" else f"a {needed} bump"
    print(
        f"spec-diff --check: {result.verdict} since {given.base}; "
        f"{given.base_version} -> {given.current} is enough ({bump} needed)"
    )
    return 0


def bump_text(given: Inputs, result: report.Report) -> str | None:
    """The version bump the change needs, as the gate sees it (None: the base is no release)."""
    if given.base_version is None:
        return None
    needed = releases.required_bump(result.verdict, result.wire_changed)
    if needed == "none":
        return "Version: no bump needed."
    reason = releases.gate(given.base_version, given.current, needed, None)
    if reason:
        return f"Version: needs a **{needed}** bump; `scripts/spec-diff --check` fails: {reason}."
    return f"Version: needs a **{needed}** bump; {given.base_version} -> {given.current} has it."


def spec_name(args: argparse.Namespace, root: Path) -> str:
    """The new spec's path as GitHub names files: relative to the repository."""
    path = (args.spec or root / "openapi.yaml").resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def changelog_version(given: Inputs, result: report.Report) -> str:
    """info.version, or the version it must be bumped to when it has not been yet."""
    needed = releases.required_bump(result.verdict, result.wire_changed)
    old = given.base_version or result.old_version
    if needed == "none" or not (
        releases.VERSION.match(old) and releases.VERSION.match(given.current)
    ):
        return given.current
    if releases.bump_between(old, given.current) in ("none", "patch"):
        return releases.next_version(old, needed)
    return given.current


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        given = inputs(args)
    except (releases.ReleaseError, SpecError) as exc:
        print(f"scripts/spec-diff: error: {exc}", file=sys.stderr)
        return 2
    if args.check and given.base_version is None:
        print(
            "scripts/spec-diff: error: --check compares with the last release; drop --base",
            file=sys.stderr,
        )
        return 2
    result = report.compare(
        given.old_text,
        given.new_text,
        base=given.base,
        proof=not args.no_proof,
        max_examples=args.examples,
    )
    if args.check:
        return check(given, result)
    if args.json:
        print(report.as_json(result))
    elif args.markdown:
        print(review.markdown(result, bump_text(given, result)), end="")
    elif args.github_annotations:
        found = review.github_annotations(result, given.new_text, spec_name(args, given.root))
        if found:
            print(found)
    elif args.changelog:
        print(report.changelog(result, changelog_version(given, result)), end="")
    else:
        print(report.text(result))
    return 0
