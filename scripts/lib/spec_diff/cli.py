"""scripts/spec-diff: the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spec_diff import releases, report
from spec_diff.spec import SpecError, parse

DESCRIPTION = """\
Compare openapi.yaml at a git ref (default: the last release, see docs/changing-the-spec.md) with
the working tree. Every change is classified as breaks-clients, breaks-servers or compatible by
rules; the Python API of the generated clients is compared with griffe; and the verdict is proven
by property-testing the client generated from the old spec against the new spec.
"""
EPILOG = """\
exit status: 0 report printed, or --check passed; 1 --check failed; 2 bad options, or no base to
compare with (a missing ref, a shallow clone, an unreadable spec).
"""


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
    p.add_argument(
        "--spec", metavar="FILE", type=Path, help="the new spec (default: openapi.yaml)"
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the report as JSON")
    out.add_argument(
        "--changelog", action="store_true", help="print a draft CHANGELOG.md entry for the change"
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
        type=int,
        default=25,
        metavar="N",
        help="examples per property of the proof (default: 25)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        root = releases.repository(Path.cwd())
        spec_file = args.spec or root / "openapi.yaml"
        if not spec_file.is_file():
            raise SpecError(f"no such spec file: {spec_file}")
        new_text = spec_file.read_text(encoding="utf-8")
        current = str(parse(new_text, str(spec_file)).get("info", {}).get("version"))
        base_version: str | None = None
        if args.base and Path(args.base).is_file():
            base, old_text = args.base, Path(args.base).read_text(encoding="utf-8")
        else:
            if args.base:
                chosen = releases.Base(args.base, None)
            else:
                chosen = releases.last_release(root, current)
            base, base_version = chosen.describe(), chosen.version
            old_text = releases.file_at(root, chosen.ref, "openapi.yaml")
            parse(old_text, f"openapi.yaml at {chosen.ref}")
    except (releases.ReleaseError, SpecError) as exc:
        print(f"scripts/spec-diff: error: {exc}", file=sys.stderr)
        return 2
    if args.check and base_version is None:
        print("scripts/spec-diff: error: --check compares with a release: drop --base", file=sys.stderr)
        return 2
    result = report.compare(
        old_text, new_text, base=base, proof=not args.no_proof, max_examples=args.examples
    )
    if args.json:
        print(report.as_json(result))
    elif args.changelog:
        needed = releases.required_bump(result.verdict, result.wire_changed)
        old = base_version or result.old_version
        version = current
        if releases.VERSION.match(old) and releases.VERSION.match(current) and needed != "none":
            if releases.bump_between(old, current) in ("none", "patch"):
                version = releases.next_version(old, needed)
        print(report.changelog(result, version), end="")
    elif args.check:
        assert base_version is not None
        needed = releases.required_bump(result.verdict, result.wire_changed)
        reason = releases.gate(base_version, current, needed, releases.client_version(root))
        if reason:
            print(f"spec-diff --check: {reason}", file=sys.stderr)
            print("  see what changed: scripts/spec-diff", file=sys.stderr)
            return 1
        print(
            f"spec-diff --check: {result.verdict} since {base}; "
            f"{base_version} -> {current} is enough ({needed} bump needed)"
        )
    else:
        print(report.text(result))
    return 0
