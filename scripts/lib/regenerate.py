"""Regenerate the client in generated/ from openapi.yaml, or check that it is up to date.

The generator always writes into a fresh temporary directory; the result is then compared file by
file with what is committed. That makes `--check` exact (byte for byte, stale and extra files
named) and makes a plain run idempotent: running it twice changes nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import filecmp
import io
import os
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


def generate(spec: Path, config: Path, out_dir: Path) -> Path:
    """Run openapi-python-client (with templates/ and templates/extra/) into out_dir and return the
    project directory it wrote."""
    # Imported here: only generation needs the generator, not --help or argument errors.
    from openapi_python_client import Project, _get_document  # noqa: PLC0415
    from openapi_python_client.config import Config, ConfigFile, MetaType  # noqa: PLC0415
    from openapi_python_client.parser import GeneratorData  # noqa: PLC0415
    from openapi_python_client.parser.errors import GeneratorError  # noqa: PLC0415

    class KitProject(Project):
        def _build_api(self) -> None:
            super()._build_api()
            for template in sorted(EXTRA.rglob("*.jinja")) if EXTRA.is_dir() else ():
                relative = template.relative_to(EXTRA).with_suffix("")
                target = self.package_dir / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                name = template.relative_to(TEMPLATES).as_posix()
                text = self.env.get_template(name).render()
                target.write_text(text, encoding=self.config.file_encoding)

    project_dir = out_dir / PROJECT_DIR
    settings = Config.from_sources(
        ConfigFile.load_from_path(path=config), MetaType.UV, spec, "utf-8", False, project_dir
    )
    document = _get_document(source=spec, timeout=settings.http_timeout)
    problems: list[GeneratorError] = []
    if isinstance(document, GeneratorError):
        problems = [document]
    else:
        data = GeneratorData.from_dict(document, config=settings)
        if isinstance(data, GeneratorError):
            problems = [data]
        else:
            custom = TEMPLATES if TEMPLATES.is_dir() else None
            project = KitProject(openapi=data, config=settings, custom_template_path=custom)
            project.env.globals["spec"] = document
            # The post-hooks find ruff on PATH only; without it the generator skips formatting
            # (a warning) and the output differs. Put this interpreter's bin directory first.
            bin_dir = str(Path(sys.executable).parent)
            saved_path = os.environ.get("PATH", "")
            os.environ["PATH"] = f"{bin_dir}{os.pathsep}{saved_path}"
            try:
                with contextlib.redirect_stdout(io.StringIO()):  # "Generating <dir>"
                    problems = list(project.build())
            finally:
                os.environ["PATH"] = saved_path
    if problems:  # warnings too: a skipped schema or operation is a client with a hole in it
        for problem in problems:
            text = f"{problem.level.name}: {problem.header or ''} {problem.detail or ''}"
            print(text.rstrip(), file=sys.stderr)
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
