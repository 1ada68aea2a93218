"""The contract suite can use the recorder instead of a sandbox: run live through it, against an
emulator target, it conforms (within its call budget), and its cassette replays at 100%."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from dialnexa_emulator import create_app
from dialnexa_emulator._spec import load_spec
from dialnexa_emulator.fidelity import Recorder, RecordOptions, read_cassette, replay, summary
from tests.fidelity.harness import ANSWERED, KEY
from tests.serving import served


def test_the_suite_runs_through_the_recorder_and_its_cassette_replays_at_100(
    tmp_path: Path,
) -> None:
    target = create_app()  # real time, as a sandbox's
    recorder = Recorder(
        RecordOptions(
            target="http://target.test/v1",
            cassette=tmp_path / "suite.yaml",
            spec=load_spec(),
            allow_calls=40,
            destinations=[ANSWERED],
            token=KEY,
        ),
        transport=httpx.ASGITransport(target),
    )
    with served(recorder) as url:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "dialnexa_contract",
                "--base-url",
                f"{url}/v1",
                "--only",
                "server",
                "--max-examples",
                "3",
                "--allow-calls",
                "40",
                "--to",
                ANSWERED,
                "--seed",
                "1",
            ],
            env={**os.environ, "DIALNEXA_API_KEY": KEY},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    recorder.close()

    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert recorder.tally.creates_forwarded <= 40
    result = replay(read_cassette(tmp_path / "suite.yaml"))
    assert len(result.comparisons) > 100
    assert summary(result)["score"] == 100.0, summary(result)["differences"][:5]
