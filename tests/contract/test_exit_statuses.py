"""Every exit status scripts/contract-test documents, with its message: in process where the
suite never starts, from a subprocess run where it does."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import pytest

from dialnexa_contract import cli
from dialnexa_contract._target import embedded_emulator
from tests.contract.conftest import QUICK, ROOT, run_suite
from tests.serving import served


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_an_unreachable_target_is_said_in_one_line_not_judged() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    run = run_suite("--base-url", url, *QUICK, env={"DIALNEXA_API_KEY": "kid_demo:x"})
    assert run.returncode == cli.UNREACHABLE == 3, run.output
    lines = run.output.splitlines()
    assert lines[0].startswith(f"DialNexa contract suite against {url}")
    assert lines[1].startswith(f"scripts/contract-test: could not reach {url}")
    assert len(lines) == 2, run.output  # no table, no verdict


def test_a_rejected_key_is_said_and_nothing_passes() -> None:
    with served(embedded_emulator()) as root:
        run = run_suite(
            "--base-url", f"{root}/v1", *QUICK, env={"DIALNEXA_API_KEY": "kid_demo:wrong"}
        )
    assert run.returncode == cli.KEY_REJECTED == 4, run.output
    assert "rejected the API key" in run.output
    assert "passed" not in run.output and "conforms" not in run.output


def test_bad_options_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:  # argparse's own exit, in process
        cli.main(["--max-examples", "0"])
    assert exited.value.code == cli.BAD_OPTIONS == 2
    assert "--max-examples must be >= 1" in capsys.readouterr().err


def test_an_app_that_cannot_be_loaded_is_a_bad_option(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith(("CONTRACT_", "DIALNEXA_")):
            monkeypatch.delenv(name)
    monkeypatch.setattr(os, "environ", os.environ.copy())  # cli.main writes its settings there
    status = cli.main(["--app", "tests.contract.no_such_module:app"])
    output = capsys.readouterr()
    assert status == cli.BAD_OPTIONS, output
    assert "--app" in output.err and "Traceback" not in output.out + output.err


def test_selecting_no_test_exits_5() -> None:
    run = run_suite(*QUICK, "--", "-k", "no_test_has_this_name")
    assert run.returncode == cli.NOTHING_RAN == 5, run.output


def test_a_failure_of_the_suite_itself_exits_6() -> None:
    run = run_suite(*QUICK, "--only", "client", "--", "-p", "tests.contract.crashing_plugin")
    assert run.returncode == cli.SUITE_ERROR == 6, run.output


def test_ctrl_c_prints_interrupted_and_exits_130() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "dialnexa_contract", "--seed", "7"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    seen = [process.stdout.readline(), process.stdout.readline()]
    assert "test(s)" in seen[1], seen  # tests are running
    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=120)
    output = "".join(seen) + rest
    assert process.returncode == cli.INTERRUPTED == 130, output
    assert "interrupted" in output
    assert "DOES NOT CONFORM" not in output and "conforms" not in output
