"""What the kit's pytest plugin costs every pytest start in a project that installs the kit.

pytest loads every installed `pytest11` entry point at start-up, so installing the kit adds its
plugin (`dialnexa_emulator.testing.pytest_plugin`) to every run, whether a test uses its fixtures
or not. Measured as the wall time of `pytest --collect-only` on a one-test project, in fresh
interpreters, interleaved:

- in a throwaway venv holding pytest alone (at the project lock's version), and in one holding
  the kit and the client installed from the repository (what `pip install` of the wheels gives);
- in the kit's venv again with `-p no:dialnexa`: the same interpreter and packages, the plugin
  left out. The difference is the plugin's own cost; the difference to the pytest-only venv also
  holds the plugins of the kit's dependencies (hypothesis, schemathesis, anyio), which any project
  using those pays already.

--quick measures only the plugin's own cost, in the project's .venv, and installs nothing.
"""

from __future__ import annotations

import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from benchmarks import _common as c

NAME = "plugin"
TARGET_MS = 50.0
PYTEST_ONLY = "pytest alone (throwaway venv)"
KIT = "pytest + the kit (throwaway venv)"
KIT_NO_PLUGIN = "pytest + the kit, `-p no:dialnexa`"
LOCAL = "project .venv"
LOCAL_NO_PLUGIN = "project .venv, `-p no:dialnexa`"


def kit_venv() -> Path:
    """Python of a venv with the kit and the client from this checkout, pinned as in uv.lock."""
    pins = c.CACHE / "project-pins.txt"
    pins.parent.mkdir(parents=True, exist_ok=True)
    dists = (d for d in metadata.distributions() if not d.name.startswith("dialnexa"))
    pins.write_text("".join(sorted(f"{d.name}=={d.version}\n" for d in dists)))
    reinstall = (
        "--reinstall-package",
        "dialnexa-client",
        "--reinstall-package",
        "dialnexa-calls-kit",
    )
    client = c.ROOT / "generated" / "dialnexa-client"
    return c.tool_venv("kit", "--constraint", pins, *reinstall, client, c.ROOT)


def pytest_venv() -> Path:
    return c.tool_venv("pytest-only", f"pytest=={c.package_version('pytest')}")


def start_seconds(python: c.StrPath, project: Path, *extra: str) -> float:
    """Wall seconds of one `pytest --collect-only` in a fresh interpreter."""
    argv = [python, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *extra]
    started = time.perf_counter()
    c.run(c.pinned([*argv, str(project)], c.LOAD_CPU), cwd=project)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = c.parser(NAME, __doc__ or "")
    p.add_argument("--starts", type=int, help="pytest starts per variant (default: 25; --quick: 2)")
    args = p.parse_args(argv)
    args.starts = args.starts or (2 if args.quick else 25)

    c.pin_self(c.LOAD_CPU)
    variants: dict[str, tuple[c.StrPath, tuple[str, ...]]] = {
        LOCAL: (sys.executable, ()),
        LOCAL_NO_PLUGIN: (sys.executable, ("-p", "no:dialnexa")),
    }
    if not args.quick:
        kit = kit_venv()
        variants = {
            PYTEST_ONLY: (pytest_venv(), ()),
            KIT: (kit, ()),
            KIT_NO_PLUGIN: (kit, ("-p", "no:dialnexa")),
        }
    with tempfile.TemporaryDirectory(prefix="plugin-bench-") as tmp:
        project = Path(tmp)
        (project / "test_one.py").write_text("def test_one():\n    assert True\n")
        for python, extra in variants.values():  # warm-up: page cache, bytecode
            start_seconds(python, project, *extra)
        seconds: dict[str, list[float]] = {label: [] for label in variants}
        for _ in range(args.starts):
            for label, (python, extra) in variants.items():
                seconds[label].append(start_seconds(python, project, *extra))

    with_kit, without = (LOCAL, LOCAL_NO_PLUGIN) if args.quick else (KIT, KIT_NO_PLUGIN)
    own_ms = c.median(a - b for a, b in zip(seconds[with_kit], seconds[without], strict=True)) * 1e3
    rows = [(label, f"{c.median(values) * 1e3:.0f}") for label, values in seconds.items()]
    rows.append(
        (
            f"the plugin's own cost, paired differences (target ≤ {TARGET_MS:.0f} ms)",
            f"{own_ms:.1f} ({c.verdict(own_ms, TARGET_MS, at_least=False)})",
        )
    )
    if not args.quick:
        kit_ms = c.median(a - b for a, b in zip(seconds[KIT], seconds[PYTEST_ONLY], strict=True))
        rows.append(
            ("installing the kit, all its dependencies' plugins too", f"{kit_ms * 1e3:.0f}")
        )
    out = [
        c.section_header(
            "The pytest plugin at pytest's start",
            NAME,
            argv,
            args.quick,
            c.versions(["pytest", "hypothesis", "schemathesis"]),
        ),
        f"### `pytest --collect-only` of a one-test project ({args.starts} fresh interpreters per "
        "variant, interleaved; wall time, medians)",
        "",
        c.table(("variant", "ms"), rows),
    ]
    c.write_section(c.output_path(args), NAME, "\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
