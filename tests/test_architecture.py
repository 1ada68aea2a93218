"""The layers of pyproject.toml's [tool.importlinter] hold, cover every core module, and fail on
a wrong-way import: what `scripts/lint` enforces."""

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def test_every_core_module_is_held_to_the_core_contract() -> None:
    core = next(c for c in _contracts() if str(c["name"]).startswith("The emulator's core"))
    listed = set(core["source_modules"])  # type: ignore[call-overload]
    on_disk = {
        f"dialnexa_emulator.{path.stem}"
        for path in (ROOT / "dialnexa_emulator").glob("_*.py")
        if not path.stem.startswith("__")
    }
    assert on_disk - listed == set(), "add the new core module to [tool.importlinter]"
    assert listed - on_disk == set(), "remove the module that is gone from [tool.importlinter]"


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the packages and pyproject.toml, to break on purpose."""
    root = tmp_path_factory.mktemp("layers")
    for package in ("dialnexa_emulator", "dialnexa_contract"):
        shutil.copytree(ROOT / package, root / package, symlinks=True)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_tree_keeps_its_contracts(tree: Path) -> None:
    result = _lint_imports(tree)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("_store.py", "import starlette.responses", "core knows no HTTP framework"),
        ("_clock.py", "from dialnexa_emulator import app", "core knows no HTTP framework"),
        ("web/_body.py", "from dialnexa_emulator.control import _routing", "layered"),
        ("_lifecycle.py", "from dialnexa_emulator import _calls", "No import cycle"),
        ("_config.py", "import dialnexa_contract", "does not depend on the contract suite"),
    ],
)
def test_a_wrong_way_import_breaks_a_contract(
    tree: Path, module: str, line: str, broken: str
) -> None:
    path = tree / "dialnexa_emulator" / module
    original = path.read_text(encoding="utf-8")
    path.write_text(f"{original}\n{line}  # noqa\n", encoding="utf-8")
    try:
        result = _lint_imports(tree)
    finally:
        path.write_text(original, encoding="utf-8")
    assert result.returncode == 1
    summary = " ".join(result.stdout.split())  # a contract's name may wrap
    assert re.search(rf"{re.escape(broken)}(?:(?!KEPT|BROKEN).)* BROKEN", summary), result.stdout
