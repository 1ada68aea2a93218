"""`dialnexa-emulator record` and `replay` as a user runs them: help, one-line errors and exit
statuses, and the loop end to end over loopback HTTP (a served emulator as the target)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from dialnexa_emulator.fidelity import write_cassette
from tests.fidelity.harness import ANSWERED, recording, typical_session

TIMEOUT_SEC = 60


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dialnexa_emulator", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SEC,
        env=env,
        check=False,
    )


def wait_for(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + TIMEOUT_SEC
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def start(*args: str, ready: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "dialnexa_emulator", *args, "--ready-file", str(ready)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert wait_for(lambda: ready.exists() or process.poll() is not None)
    assert ready.exists(), process.communicate()
    return process


def test_help_documents_both_commands_and_their_exit_statuses() -> None:
    record, replay = run("record", "--help"), run("replay", "--help")
    main = run("--help")

    assert record.returncode == replay.returncode == main.returncode == 0
    for option in ("--target", "--cassette", "--strict", "--allow-calls", "--to", "--webhook-path"):
        assert option in record.stdout
    assert "exit status: 0 stopped" in " ".join(record.stdout.split())
    for option in ("--config", "--tolerance", "--format", "--output", "--min-score"):
        assert option in replay.stdout
    assert "exit status: 0 the score reaches --min-score, 1" in " ".join(replay.stdout.split())
    assert "dialnexa-emulator record --help" in " ".join(main.stdout.split())


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_record_refusals_are_one_line_with_their_exit_status(tmp_path: Path) -> None:
    bad_url = run("record", "--target", "ftp://sandbox/v1", "--cassette", str(tmp_path / "c.yaml"))
    unreachable = run(
        "record",
        "--target",
        f"http://127.0.0.1:{_closed_port()}/v1",
        "--cassette",
        str(tmp_path / "c.yaml"),
    )
    no_target = run("record")

    assert (bad_url.returncode, bad_url.stderr.count("\n")) == (2, 1)
    assert bad_url.stderr.startswith("dialnexa-emulator record: error: --target 'ftp://sandbox/v1'")
    assert (unreachable.returncode, unreachable.stderr.count("\n")) == (3, 1)
    assert "does not answer" in unreachable.stderr
    assert no_target.returncode == 2 and "--target" in no_target.stderr


def test_replay_refusals_are_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "not.yaml").write_text("just: text\n")
    (tmp_path / "empty.yaml").write_text("command: x\nhttp_interactions:\n")
    missing = run("replay", str(tmp_path / "missing.yaml"))
    not_one = run("replay", str(tmp_path / "not.yaml"))
    empty = run("replay", str(tmp_path / "empty.yaml"))

    assert "holds no exchange to replay" in empty.stderr
    for result in (missing, not_one, empty):
        assert (result.returncode, result.stderr.count("\n")) == (2, 1), result.stderr
        assert result.stderr.startswith("dialnexa-emulator replay: error: ")
    assert "not a cassette" in not_one.stderr


def test_replay_exits_1_below_min_score_in_every_format(tmp_path: Path) -> None:
    def rewrite(method: str, path: str, status: int, body: object) -> tuple[int, object]:
        if status == 404 and isinstance(body, dict):
            body = dict(body, message="No such call")
        return status, body

    with recording(tmp_path, answers=rewrite) as session:
        typical_session(session)
        write_cassette(tmp_path / "copy.yaml", session.cassette())
    cassette = str(tmp_path / "copy.yaml")

    text = run("replay", cassette)
    as_json = run("replay", cassette, "--format", "json")
    markdown = run("replay", cassette, "--format", "markdown", "--output", str(tmp_path / "r.md"))
    lenient = run("replay", cassette, "--min-score", "90")

    assert (text.returncode, as_json.returncode, markdown.returncode) == (1, 1, 1)
    assert lenient.returncode == 0
    assert "getCall: error-message at body.message: target 'No such call'" in text.stdout
    report = json.loads(as_json.stdout)
    assert report["differences"][0]["kind"] == "error-message"
    assert 90 < report["score"] < 100
    assert (tmp_path / "r.md").read_text().startswith("## Emulator fidelity")


def test_record_against_a_served_target_then_replay_scores_100(tmp_path: Path) -> None:
    env = {**os.environ, "DIALNEXA_API_KEY": "kid_demo:sk_demo_secret"}
    target = start("--port", "0", ready=tmp_path / "target.json")
    try:
        base_url = json.loads((tmp_path / "target.json").read_text())["base_url"]
        cassette = tmp_path / "sandbox.yaml"
        recorder = start(
            "record",
            "--target",
            base_url,
            "--port",
            "0",
            "--cassette",
            str(cassette),
            "--allow-calls",
            "1",
            "--to",
            ANSWERED,
            ready=tmp_path / "recorder.json",
            env=env,
        )
        url = json.loads((tmp_path / "recorder.json").read_text())["url"]
        headers = {"Authorization": "Bearer kid_demo:sk_demo_secret"}
        with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
            body = {"agent_id": "agt_abc123", "to_phone_number": ANSWERED}
            call = client.post("/calls", json=body)
            again = client.post("/calls", json=body)
            fetched = client.get(f"/calls/{call.json()['id']}")
            listed = client.get("/calls", params={"limit": 1})
        recorder.send_signal(signal.SIGINT)
        out, err = recorder.communicate(timeout=TIMEOUT_SEC)
    finally:
        target.terminate()
        target.wait(timeout=TIMEOUT_SEC)

    assert (call.status_code, again.status_code, fetched.status_code) == (201, 403, 200)
    assert listed.status_code == 200
    assert recorder.returncode == 0, err
    assert "recorded 3 exchange(s)" in out and "1 call(s) created (--allow-calls 1)" in out
    assert "sk_demo_secret" not in cassette.read_text()
    replayed = run("replay", str(cassette), "--format", "json")
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert json.loads(replayed.stdout)["score"] == 100.0
