"""Regenerate the client in generated/ from openapi.yaml, or check that it is up to date.

The generator always writes into a fresh temporary directory; the result is then compared file by
file with what is committed. That makes `--check` exact (byte for byte, stale and extra files
named) and makes a plain run idempotent: running it twice changes nothing.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi.yaml"
CONFIG = ROOT / "generator_config.yml"
TEMPLATES = ROOT / "templates"
PROJECT_DIR = "dialnexa-client"
TARGET = ROOT / "generated" / PROJECT_DIR
# Written by the generator's ruff post-hooks or by Python; never part of the client.
IGNORED = {".ruff_cache", "__pycache__", ".mypy_cache", ".pytest_cache"}


EXTRA = TEMPLATES / "extra"
"""Modules the generator does not write by itself: `extra/<path>.jinja` becomes `<package>/<path>`,
rendered with the generator's own Jinja environment plus `spec` (the document as a dict), before its
post-hooks. See templates/README.md."""

SOURCES = ROOT / "client_src"
"""The client's code that does not depend on the spec: plain Python, linted and type-checked like
the rest of the repository, copied as it is to `<package>/<path>` (replacing what the generator
wrote there) before the post-hooks. See client_src/README.md."""


def _not_client_code(relative: Path) -> bool:
    """Files of client_src/ that stay in the repository (its README, its ruff settings, caches)."""
    return relative.suffix != ".py" or bool(IGNORED.intersection(relative.parts))


def shaping_files() -> list[Path]:
    """Every file besides the spec that shapes the generated client (not the tools' versions)."""
    scripts = [Path(__file__), Path(__file__).with_name("generator_adapter.py")]
    found = [*TEMPLATES.rglob("*"), *SOURCES.rglob("*")]
    return [CONFIG, *scripts, *(p for p in found if not IGNORED.intersection(p.parts))]


def generate(spec: Path, config: Path, out_dir: Path) -> Path:
    """Run openapi-python-client (with templates/, templates/extra/ and client_src/) into out_dir
    and return the project directory it wrote."""
    import generator_adapter  # noqa: PLC0415  (brings the generator: only generation needs it)

    project_dir = out_dir / PROJECT_DIR
    extras = generator_adapter.Extras(
        templates=TEMPLATES if TEMPLATES.is_dir() else None,
        render=EXTRA,
        copy=SOURCES,
        ignore=_not_client_code,
    )
    problems = generator_adapter.generate(spec, config, project_dir, extras)
    if problems:  # warnings too: a skipped schema or operation is a client with a hole in it
        for problem in problems:
            print(problem, file=sys.stderr)
        raise SystemExit("error: openapi-python-client failed")
    for junk in IGNORED:
        for path in project_dir.rglob(junk):
            shutil.rmtree(path, ignore_errors=True)
    return project_dir


def files_under(root: Path) -> set[Path]:
    if not root.exists():
        return set()
    return {
        path.relative_to(root)
        for path in root.rglob("*")
        if path.is_file() and not IGNORED.intersection(path.relative_to(root).parts)
    }


def differences(fresh: Path, committed: Path) -> list[tuple[str, Path]]:
    """(kind, relative path) for every file that differs: 'changed', 'missing' or 'extra'."""
    new, old = files_under(fresh), files_under(committed)
    diffs = [("missing", p) for p in sorted(new - old)]
    diffs += [("extra", p) for p in sorted(old - new)]
    diffs += [
        ("changed", p)
        for p in sorted(new & old)
        if not filecmp.cmp(fresh / p, committed / p, shallow=False)
    ]
    return diffs


def apply(fresh: Path, target: Path, diffs: list[tuple[str, Path]]) -> None:
    for kind, rel in diffs:
        if kind == "extra":
            (target / rel).unlink()
        else:
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(fresh / rel, target / rel)
    for directory in sorted(target.rglob("*"), reverse=True):
        if directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()


def display(path: Path) -> Path:
    """A path relative to the repository when it lies inside it, for shorter messages."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/regenerate",
        description=(
            f"Regenerate generated/{PROJECT_DIR} from openapi.yaml and generator_config.yml "
            "with the pinned openapi-python-client and ruff."
        ),
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 and name every stale file when generated/ is out of date",
    )
    parser.add_argument(
        "--spec", type=Path, default=SPEC, help="OpenAPI document (default: openapi.yaml)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=TARGET,
        help=f"client project directory to update (default: generated/{PROJECT_DIR})",
    )
    args = parser.parse_args(argv)
    if not args.spec.is_file():
        parser.error(f"no such spec file: {args.spec}")

    with tempfile.TemporaryDirectory(prefix="dialnexa-regen-") as tmp:
        fresh = generate(args.spec, CONFIG, Path(tmp))
        diffs = differences(fresh, args.output)
        if args.check:
            if not diffs:
                print(f"{display(args.output)} is up to date")
                return 0
            print(
                "generated client is stale; run scripts/regenerate and commit the result:",
                file=sys.stderr,
            )
            for kind, rel in diffs:
                print(f"  {kind:8} {display(args.output / rel)}", file=sys.stderr)
            return 1
        args.output.mkdir(parents=True, exist_ok=True)
        apply(fresh, args.output, diffs)
        print(f"regenerated {display(args.output)}: {len(diffs)} file(s) changed")
        # The files, the spec-diff verdict and the bump the gate asks for (see spec_diff).
        from spec_diff.next_steps import after_regeneration  # noqa: PLC0415 (it imports us)

        changed = [(kind, str(display(args.output / rel))) for kind, rel in diffs]
        print(after_regeneration(ROOT, args.spec, changed, fresh), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
