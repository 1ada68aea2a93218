"""Secrets in the suite: `scripts/contract-test` run against `dialnexa-emulator` over HTTP with a
recognisable token shows it in none of its output and none of the files it writes."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.hardening.conftest import CANARY_SECRET, FOUR_WORKSPACES, KEYS
from tests.hardening.emulator_process import EmulatorProcess

ROOT = Path(__file__).resolve().parents[2]
SUITE_TIMEOUT_SEC = 600
# Not walked: git's own objects (the suite does not commit), and the npm tree.
SKIPPED = {ROOT / ".git", ROOT / "node_modules"}


def test_the_token_is_in_no_output_and_no_file_the_suite_writes(tmp_path: Path) -> None:
    token = KEYS["canary"]
    temp = tmp_path / "tmp"  # the suite's temp files (Hypothesis keeps its caches there)
    temp.mkdir()
    junit = tmp_path / "reports" / "contract.xml"
    started = time.time() - 1  # file times may be rounded down
    with EmulatorProcess("--config", FOUR_WORKSPACES) as emulator:
        # Failing answers (the client's retries take some, the server part gets the rest), so
        # the output holds failures and their `curl` repro commands, where a token shows first.
        armed = httpx.post(
            f"{emulator.origin}/_emulator/faults",
            json={"operation": "listCalls", "status": 500, "count": 30},
        )
        assert armed.status_code == 201
        run = subprocess.run(
            [
                str(ROOT / "scripts" / "contract-test"),
                *("--base-url", emulator.api, "--token", token),
                *("--allow-calls", "3", "--to", "+919876543210"),
                *("--seed", "3", "--max-examples", "5", "--junit", str(junit)),
            ],
            cwd=tmp_path,
            env={**_without_suite_settings(os.environ), "TMPDIR": str(temp)},
            capture_output=True,
            text=True,
            timeout=SUITE_TIMEOUT_SEC,
            check=False,
        )
        emulator.stop()

    output = run.stdout + run.stderr
    assert run.returncode == 1, output  # the injected 500s
    assert "not_a_server_error" in output
    assert (
        '"Authorization: Bearer $DIALNEXA_API_KEY"' in output
    )  # a repro, the key left to the shell
    written = list(_written_since(started, tmp_path, ROOT, Path.home()))
    assert junit in written
    assert any(path.is_relative_to(temp) for path in written)  # TMPDIR was used, and scanned
    for text, where in [(output, "output"), (emulator.output(), "the emulator's output")]:
        assert token not in text, where
        assert CANARY_SECRET not in text, where
    for path in written:
        assert CANARY_SECRET.encode() not in _read(path), path


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:  # another program's file, gone since the walk
        return b""


def _without_suite_settings(environment: os._Environ[str]) -> dict[str, str]:
    return {
        name: value
        for name, value in environment.items()
        if not name.startswith(("CONTRACT_", "DIALNEXA_"))
    }


def _written_since(started: float, *roots: Path) -> Iterator[Path]:
    """Files under `roots` created or changed since `started` (each file once)."""
    seen: set[Path] = set()
    for root in roots:
        for directory, subdirectories, files in os.walk(root):
            here = Path(directory)
            subdirectories[:] = [d for d in subdirectories if here / d not in SKIPPED]
            for name in files:
                path = here / name
                try:
                    changed = path.lstat().st_mtime >= started and path.is_file()
                except OSError:
                    continue  # gone meanwhile
                if changed and path not in seen:
                    seen.add(path)
                    yield path
