"""Run the contract suite the way a user does (`python -m dialnexa_contract ...` in a subprocess),
against in-process apps or servers on a free loopback port (`tests.serving.served`)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Small, fixed runs: these tests are about what the suite reports, not about searching hard.
QUICK = ("--seed", "7", "--max-examples", "5")


@dataclass(frozen=True)
class Run:
    returncode: int
    output: str  # stdout and stderr together, as a user sees them

    def names(self, operation: str, check: str) -> bool:
        """Whether a failure block names this operation and check."""
        return f"x {operation} . {check}:" in self.output


def run_suite(*args: str, env: dict[str, str] | None = None) -> Run:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CONTRACT_", "DIALNEXA_"))
    }
    completed = subprocess.run(
        [sys.executable, "-m", "dialnexa_contract", *args],
        cwd=ROOT,
        # As scripts/contract-test runs it, so messages and replays name that command.
        env={**environment, "DIALNEXA_CONTRACT_PROG": "scripts/contract-test", **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return Run(completed.returncode, completed.stdout + completed.stderr)
