"""scripts/contract-test's options: documented, validated, and turned into the suite's settings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dialnexa_contract import cli
from dialnexa_contract._settings import Settings
from tests.contract.conftest import QUICK, ROOT, run_suite


def test_help_documents_every_option() -> None:
    completed = subprocess.run(
        [str(ROOT / "scripts" / "contract-test"), "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for option in (
        "--base-url", "--token", "--app", "--allow-calls", "--to", "--agent-id",
        "--seed", "--max-examples", "--thorough", "--only", "--junit", "--emulator",
        "--agent-version", "--from", "--webhook-url", "--webhook-port",
        "--spec", "--markdown", "--require-coverage",
    ):  # fmt: skip
        assert option in completed.stdout
    assert "DIALNEXA_API_KEY" in completed.stdout and "CONTRACT_BASE_URL" in completed.stdout


# Each exit status as --help and the README word it (test_exit_statuses.py proves each).
EXIT_STATUSES = {
    cli.CONFORMS: ("everything that ran conforms", "when everything that ran conforms"),
    cli.DOES_NOT_CONFORM: ("something does not conform", "when something does not"),
    cli.BAD_OPTIONS: ("bad options", "for bad options"),
    cli.UNREACHABLE: ("could not reach the target", "when it could not reach the target"),
    cli.KEY_REJECTED: ("the target rejected the API key", "when the target rejected the API key"),
    cli.NOTHING_RAN: ("no test was selected", "when no test was selected"),
    cli.SUITE_ERROR: ("the suite itself failed", "when the suite itself failed"),
    cli.INTERRUPTED: ("interrupted (Ctrl+C)", "when interrupted"),
}


def test_every_exit_status_is_in_help_and_the_readme() -> None:
    helped = cli.DESCRIPTION
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    for status, (in_help, in_readme) in EXIT_STATUSES.items():
        assert re.search(rf"^  {status} +{re.escape(in_help)}", helped, re.MULTILINE), status
        assert f"{status} {in_readme}" in readme, status


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--allow-calls", "1"], "only apply to a server over HTTP"),
        (["--emulator"], "only apply to a server over HTTP"),
        (
            ["--base-url", "http://127.0.0.1:9/v1", "--token", "k:s", "--from", "12"],
            "valid E.164",
        ),
        (["--base-url", "http://127.0.0.1:9/v1"], "needs --token"),
        (["--base-url", "ftp://x/v1", "--token", "k:s"], "http(s) URL"),
        (
            ["--base-url", "http://127.0.0.1:9/v1", "--token", "k:s", "--allow-calls", "1"],
            "needs --to",
        ),
        (["--base-url", "http://127.0.0.1:9/v1", "--token", "k:s", "--to", "+10"], "valid E.164"),
        (
            ["--base-url", "http://127.0.0.1:9/v1", "--token", "k:s", "--app", "m:f"],
            "cannot be combined",
        ),
        (["--webhook-url", "https://hooks.example/dialnexa"], "secret in $CONTRACT_WEBHOOK_SECRET"),
        (["--webhook-url", "hooks.example"], "http(s) URL"),
        (["--webhook-port", "70000"], "port number"),
    ],
)
def test_unsafe_or_inconsistent_options_are_refused(
    argv: list[str],
    complaint: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("CONTRACT_BASE_URL", raising=False)
    monkeypatch.delenv("DIALNEXA_API_KEY", raising=False)
    monkeypatch.delenv("CONTRACT_WEBHOOK_SECRET", raising=False)
    with pytest.raises(SystemExit) as exited:
        cli.parse_args(argv)
    assert exited.value.code == 2
    assert complaint in capsys.readouterr().err


def test_options_become_the_suites_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONTRACT_BASE_URL", raising=False)
    monkeypatch.setenv("DIALNEXA_API_KEY", "kid_x:sk_y")
    args, pytest_args = cli.parse_args(
        ["--base-url", "https://sandbox.example/v1/", "--allow-calls", "2", "--to", "+919876543210",
         "--seed", "42", "--thorough", "--", "-k", "client"]
    )  # fmt: skip
    settings = Settings.from_env(cli.environment(args))
    assert settings.base_url == "https://sandbox.example/v1"
    assert settings.token == "kid_x:sk_y"
    assert (settings.allow_calls, settings.destinations) == (2, ("+919876543210",))
    assert (settings.seed, settings.max_examples) == (42, cli.THOROUGH_MAX_EXAMPLES)
    assert pytest_args == ["-k", "client"]


def test_without_options_the_embedded_emulator_is_tested_whatever_the_clients_variables_say(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CONTRACT_BASE_URL", raising=False)
    monkeypatch.setenv("DIALNEXA_BASE_URL", "https://api.dialnexa.com/v1")
    monkeypatch.setenv("DIALNEXA_API_KEY", "kid_prod:sk_production_key")
    args, _ = cli.parse_args([])
    settings = Settings.from_env({**os.environ, **cli.environment(args)})
    assert not settings.is_live
    assert settings.token == "kid_demo:sk_demo_secret"  # the key is for live targets only
    assert settings.describe() == "the embedded emulator (in process)"


def test_the_clients_variables_do_not_retarget_a_run() -> None:
    """Run as a user whose shell is set up for the client: the embedded emulator is tested (the
    client's URL answers nothing, so a run sent there would stop as unreachable)."""
    client_env = {"DIALNEXA_BASE_URL": "http://127.0.0.1:9/v1", "DIALNEXA_API_KEY": "kid_p:sk_p"}
    run = run_suite(*QUICK, "--", "-k", "no_test_has_this_name", env=client_env)
    assert (
        run.output.splitlines()[0]
        == "DialNexa contract suite against the embedded emulator (in process)"
    )
    assert run.returncode == cli.NOTHING_RAN, run.output  # got past the preflight


def test_a_live_target_comes_from_the_suites_own_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTRACT_BASE_URL", "https://sandbox.example/v1")
    monkeypatch.setenv("DIALNEXA_API_KEY", "kid_x:sk_y")
    args, _ = cli.parse_args(["--agent-version", "3", "--from", "+14155550123"])
    settings = Settings.from_env(cli.environment(args))
    assert settings.base_url == "https://sandbox.example/v1" and settings.token == "kid_x:sk_y"
    assert (settings.agent_version, settings.from_number) == (3, "+14155550123")
    assert not settings.emulator  # the control plane is for targets said to be emulators


def test_the_replay_command_keeps_the_options_but_not_the_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(cli.PROG_VARIABLE, "scripts/contract-test")
    argv = [
        "--base-url",
        "https://h/v1",
        "--token",
        "kid:secret",
        "--junit",
        "r.xml",
        "--seed",
        "1",
        "--",
        "-x",
    ]
    assert (
        cli.replay_command(argv, 99)
        == "scripts/contract-test --base-url https://h/v1 --seed 99 -- -x"
    )


@pytest.mark.parametrize(
    ("argv", "env", "named"),
    [
        ([str(Path(sys.executable).with_name("dialnexa-contract"))], {}, "dialnexa-contract"),
        ([sys.executable, "-m", "dialnexa_contract"], {}, "python -m dialnexa_contract"),
        (
            [sys.executable, "-m", "dialnexa_contract"],
            {"DIALNEXA_CONTRACT_PROG": "scripts/contract-test"},
            "scripts/contract-test",
        ),
    ],
)
def test_messages_name_the_command_the_user_ran(
    argv: list[str], env: dict[str, str], named: str
) -> None:
    completed = subprocess.run(
        [*argv, "--max-examples", "0"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == cli.BAD_OPTIONS
    assert completed.stderr.splitlines()[-1] == f"{named}: error: --max-examples must be >= 1"
    assert completed.stderr.startswith(f"usage: {named} ")
