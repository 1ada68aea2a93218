"""The benchmark scripts, run in --quick smoke mode so none can rot unnoticed.

These check that each script runs end to end and writes a well-formed section of the results
file; they assert nothing about timings. Quick mode needs neither wrk nor Prism.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import _common
from tests.conftest import ROOT

SCRIPTS = (
    "emulator",
    "profile",
    "client",
    "plugin",
    "suite",
    "testing",
    "list_pages",
    "webhooks",
    "soak",
    "answers",
)


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def section(text: str, name: str) -> str:
    start, end = f"<!-- results: {name} -->", f"<!-- /results: {name} -->"
    assert text.count(start) == 1 and text.count(end) == 1
    return text.split(start, 1)[1].split(end, 1)[0]


def assert_tables_well_formed(markdown: str) -> None:
    """Every row of every table has as many cells as its header, and no cell is empty or NaN."""
    width = 0
    for line in markdown.splitlines():
        if not line.startswith("|"):
            width = 0
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if width == 0:
            width = len(cells)
        assert len(cells) == width, line
        assert all(cells) and not any(cell.lower() == "nan" for cell in cells), line


@pytest.mark.parametrize("name", SCRIPTS)
def test_help(name: str) -> None:
    result = run_script(f"benchmarks.{name}", "--help")
    assert result.returncode == 0, result.stderr
    assert "--quick" in result.stdout


@pytest.mark.slow  # each starts servers or builds venvs: seconds to a minute apiece
@pytest.mark.parametrize("name", SCRIPTS)
def test_quick_run_writes_its_section(name: str, tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    result = run_script(f"benchmarks.{name}", "--quick", "--output", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    body = section(out.read_text(), name)
    for needle in ("Command: `benchmarks/run", "Machine: ", "Versions: python ", "Quick smoke run"):
        assert needle in body
    assert "|---|" in body
    assert_tables_well_formed(body)


def test_sections_keep_their_order_and_the_text_around_them(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    _common.write_section(out, "suite", "suite v1")
    _common.write_section(out, "emulator", "emulator v1")
    out.write_text(out.read_text() + "\nHand-written analysis.\n")
    _common.write_section(out, "client", "client v1")
    _common.write_section(out, "emulator", "emulator v2")

    text = out.read_text()
    assert text.index("emulator v2") < text.index("client v1") < text.index("suite v1")
    assert "emulator v1" not in text
    assert "Hand-written analysis." in text
