"""Issue 19, served: `PUT /_emulator/clock {"now": "9999-12-31T23:59:59Z"}` used to answer 200 and
turn every later answer into a 500 (some in plain text), and a state file kept the clock there
across restarts. Now the time is refused, and a state file holding such a clock is repaired at
start with one line (one holding calls at such times is refused in one line)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from dialnexa_emulator.server._state_file import StateFile
from tests.hardening.conftest import CREATE, assert_envelope
from tests.hardening.emulator_process import STARTUP_TIMEOUT_SEC, EmulatorProcess

KEY = {"Authorization": "Bearer kid_demo:sk_demo_secret"}
RANGE = "from 1970-01-01T00:00:00.000Z to 9000-01-01T00:00:00.000Z"


def answers(origin: str) -> list[httpx.Response]:
    with httpx.Client(base_url=origin, timeout=30) as client:
        created = client.post("/v1/calls", json=CREATE, headers=KEY)
        return [
            created,
            client.get("/v1/calls", headers=KEY),
            client.get(f"/v1/calls/{created.json().get('id', 'call_x')}", headers=KEY),
            client.get("/_emulator/clock"),
            client.post("/_emulator/clock/advance", json={"seconds": 1}),
            client.get("/_emulator/health"),
        ]


def test_a_clock_past_the_range_is_refused_and_the_api_keeps_answering(tmp_path: Path) -> None:
    with EmulatorProcess("--state", tmp_path / "state.db") as emulator:
        refused = httpx.put(
            f"{emulator.origin}/_emulator/clock", json={"now": "9999-12-31T23:59:59Z"}, timeout=30
        )
        after = answers(emulator.origin)

    assert_envelope(refused, 400)
    assert refused.json()["message"].startswith(f"now must be {RANGE}")
    assert [response.status_code for response in after] == [201, 200, 200, 200, 200, 200]


def test_a_state_file_with_its_clock_out_of_range_is_repaired_in_one_line(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state.db"
    StateFile(state).close()
    far = (datetime(9999, 12, 31, tzinfo=UTC) - datetime.now(UTC)).total_seconds()
    with sqlite3.connect(state) as db:  # what an older emulator kept after that PUT
        db.execute("UPDATE clock SET offset_sec = ?", (far,))

    with EmulatorProcess("--state", state) as emulator:
        after = answers(emulator.origin)
        clock = httpx.get(f"{emulator.origin}/_emulator/clock", timeout=30).json()["now"]

    assert [response.status_code for response in after] == [201, 200, 200, 200, 200, 200]
    warnings = [line for line in emulator.stderr if "warning" in line]
    assert len(warnings) == 1, emulator.stderr
    assert warnings[0].startswith(f"dialnexa-emulator: warning: {state}: its clock was ")
    assert f"outside {RANGE}; set back to " in warnings[0]
    moment = datetime.fromisoformat(clock)
    assert abs(moment - datetime.now(UTC)) < timedelta(hours=1)


def test_a_state_file_with_a_call_out_of_range_is_refused_in_one_line(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    with EmulatorProcess("--state", state) as emulator:
        created = httpx.post(f"{emulator.api}/calls", json=CREATE, headers=KEY, timeout=30)
        call_id = created.json()["id"]
    with sqlite3.connect(state) as db:  # a file edited by hand
        db.execute("UPDATE calls SET created_us = ?", (-(10**15),))

    result = subprocess.run(
        [sys.executable, "-m", "dialnexa_emulator", "--port", "0", "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT_SEC,
        check=False,
    )

    assert result.returncode == 2
    assert result.stderr.startswith(
        f"dialnexa-emulator: error: {state}: call {call_id} has times outside {RANGE}"
    )
    assert result.stderr.endswith("use another --state file\n")
    assert result.stderr.count("\n") == 1
