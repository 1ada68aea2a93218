"""scripts/build's options, as a shell user meets them (the build itself: test_wheel.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

BUILD = Path(__file__).resolve().parents[2] / "scripts" / "build"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BUILD), *args], capture_output=True, text=True, check=False)


def test_help_says_what_is_built_where_and_the_exit_statuses() -> None:
    shown = run("--help")
    assert shown.returncode == 0
    assert "usage: scripts/build [--out-dir DIR]" in shown.stdout
    assert "dist/" in shown.stdout
    assert "info.version" in shown.stdout
    assert "Exit status" in shown.stdout


def test_a_bad_option_is_one_line_and_status_2() -> None:
    for args in (["--bogus"], ["--out-dir"]):
        refused = run(*args)
        assert refused.returncode == 2
        assert refused.stdout == ""
        assert len(refused.stderr.splitlines()) == 1
        assert refused.stderr.startswith("scripts/build: error: ")
