"""`dialnexa-contract` (`scripts/contract-test` in the repository): run the contract suite, say
per operation and check what conforms."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from dialnexa_contract import _settings as env
from dialnexa_contract._coverage import REQUIRE as REQUIRE_COVERAGE
from dialnexa_contract._phone_numbers import is_e164
from dialnexa_contract._preflight import preflight
from dialnexa_contract._reporting import ContractReport
from dialnexa_contract._spec import SPEC_FILE
from dialnexa_contract._summary import MARKDOWN
from dialnexa_contract._target import current_target

# Messages name the command the user ran: scripts/contract-test says so through the environment;
# otherwise the installed console script, or `python -m dialnexa_contract`.
PROG_VARIABLE = "DIALNEXA_CONTRACT_PROG"


def prog() -> str:
    named = os.environ.get(PROG_VARIABLE)
    if named:
        return named
    if Path(sys.argv[0]).name == "dialnexa-contract":
        return "dialnexa-contract"
    return "python -m dialnexa_contract"


SUITE = Path(__file__).resolve().parent / "suite"
PARTS = {
    "server": "test_server_vs_spec.py",
    "client": "test_client_vs_spec.py",
    "client-server": "test_client_vs_server.py",
    "webhooks": "test_webhooks.py",
    "coverage": "test_coverage.py",
}
# Enough for over 10,000 server cases (about 11,500 with the emulator), every check on each.
THOROUGH_MAX_EXAMPLES = 1000

# Exit statuses, in --help and docs/contract-suite.md; tests/contract/test_exit_statuses.py
# proves each.
CONFORMS = 0
DOES_NOT_CONFORM = 1
BAD_OPTIONS = 2
UNREACHABLE = 3
KEY_REJECTED = 4
NOTHING_RAN = 5
SUITE_ERROR = 6
INTERRUPTED = 130
# pytest's own statuses, as this command's.
_FROM_PYTEST: dict[pytest.ExitCode, int] = {
    pytest.ExitCode.OK: CONFORMS,
    pytest.ExitCode.TESTS_FAILED: DOES_NOT_CONFORM,
    pytest.ExitCode.INTERRUPTED: INTERRUPTED,
    pytest.ExitCode.INTERNAL_ERROR: SUITE_ERROR,
    pytest.ExitCode.USAGE_ERROR: BAD_OPTIONS,
    pytest.ExitCode.NO_TESTS_COLLECTED: NOTHING_RAN,
}

DESCRIPTION = f"""\
Run the DialNexa contract suite: does a server honour openapi.yaml, does the generated client,
and do the two agree end to end.

Without --base-url (or ${env.BASE_URL}) it tests the embedded emulator in process (no network,
no account), whatever DIALNEXA_BASE_URL says. With --base-url and a token it tests that server
over HTTP and sends it only the spec's requests (add --emulator to let the suite move an
emulator's clock). Before any test it checks that the target answers and accepts the key. Against
a live server no call is placed unless --allow-calls and --to say so: every create beyond the
budget, or to any other number, is sent with an undialable destination. Negative tests and reads
always run; a negative create that breaks a rule besides its destination, or that is sent
without the run's key, goes to a --to number (a probe: it spends a call of the budget only if the
server wrongly accepts it, which is a reported failure; a default run sends about 480, some 70 of
them with a broken body and the rest without a valid key; the summary counts them).
The run paces itself by the target's rate-limit headers and never judges a 429.

Exit status:
  {CONFORMS}    everything that ran conforms (the summary lists what did not run, and why)
  {DOES_NOT_CONFORM}    something does not conform
  {BAD_OPTIONS}    bad options
  {UNREACHABLE}    could not reach the target (nothing was tested)
  {KEY_REJECTED}    the target rejected the API key with a 401 (nothing was tested)
  {NOTHING_RAN}    no test was selected (e.g. by `-- -k ...`)
  {SUITE_ERROR}    the suite itself failed (an internal error)
  {INTERRUPTED}  interrupted (Ctrl+C)
"""

EPILOG = """\
examples:
  {prog}                                  # the embedded emulator
  {prog} --seed 1234                      # replay a run
  DIALNEXA_API_KEY=kid:secret {prog} --base-url https://sandbox.example/v1 \\
      --allow-calls 2 --to +919876543210 --agent-id agt_mine --junit reports/contract.xml
  {prog} -- -k createCall                 # arguments after -- go to pytest
"""


def parse_args(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    own, pytest_args = _split(list(argv))
    parser = argparse.ArgumentParser(
        prog=prog(),
        description=DESCRIPTION,
        epilog=EPILOG.format(prog=prog()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    target = parser.add_argument_group("target")
    target.add_argument(
        "--base-url",
        metavar="URL",
        default=os.environ.get(env.BASE_URL) or None,
        help=f"test this server over HTTP, e.g. https://host/v1 (default: ${env.BASE_URL}; "
        "unset: the embedded emulator; DIALNEXA_BASE_URL is never used)",
    )
    target.add_argument(
        "--emulator",
        action="store_true",
        default=os.environ.get(env.EMULATOR, "") not in ("", "0"),
        help="--base-url is a DialNexa emulator (dialnexa-emulator): the suite may use its "
        f"control plane, /_emulator/, to move its clock (default: ${env.EMULATOR})",
    )
    target.add_argument(
        "--token",
        metavar="TOKEN",
        default=os.environ.get(env.API_KEY) or None,
        help=f"API key `key_id:secret` for --base-url (default: ${env.API_KEY}, which keeps it "
        "out of the process list). Never printed or written: reports show [REDACTED]",
    )
    target.add_argument(
        "--spec",
        metavar="FILE",
        type=Path,
        help="hold the target to this copy of openapi.yaml (the embedded emulator serves it, and "
        "refuses to start if it does not allow something the emulator says); default: the "
        "packaged spec",
    )
    target.add_argument(
        "--app",
        metavar="MODULE:CALLABLE",
        help="test the ASGI app this callable returns, in process, instead of the emulator",
    )
    live = parser.add_argument_group("live servers (with --base-url)")
    live.add_argument(
        "--allow-calls",
        metavar="N",
        type=int,
        default=0,
        help="place at most N real calls, counting every create that could ring a phone "
        "(default: 0, no call is placed)",
    )
    live.add_argument(
        "--to",
        metavar="NUMBER[,NUMBER]",
        default="",
        help="the only destinations (E.164) allowed calls may ring; creates that may place a "
        "call are rewritten to use them. Required with --allow-calls",
    )
    live.add_argument(
        "--agent-id",
        metavar="ID",
        help=f"agent that allowed calls use (default: the emulator's {env.EMBEDDED_AGENT_ID})",
    )
    live.add_argument(
        "--agent-version",
        metavar="N",
        type=int,
        help="agent version allowed calls pin; the created call must echo it (default: none "
        "sent, the workspace's latest published version)",
    )
    live.add_argument(
        "--from",
        dest="from_number",
        metavar="NUMBER",
        help="caller ID (E.164, a number the workspace owns) allowed calls use; the created call "
        "must echo it (default: none sent, the workspace's default number)",
    )
    hooks = parser.add_argument_group("webhooks (a live server only delivers with these)")
    hooks.add_argument(
        "--webhook-url",
        metavar="URL",
        default=os.environ.get(env.WEBHOOK_URL) or None,
        help="an address the target can reach that leads to the suite's receiver (e.g. a tunnel "
        "to --webhook-port), where an endpoint of the target's workspace delivers; its secret "
        f"comes from ${env.WEBHOOK_SECRET}. Without it a live run skips webhooks (default: "
        f"${env.WEBHOOK_URL}; an emulator gets a local receiver registered by the suite)",
    )
    hooks.add_argument(
        "--webhook-port",
        metavar="N",
        type=int,
        help="the loopback port the receiver listens on (default: --webhook-url's port, else "
        "a free one)",
    )
    run = parser.add_argument_group("run")
    run.add_argument("--seed", metavar="N", type=int, help="replay the run with this seed")
    run.add_argument(
        "--max-examples",
        metavar="N",
        type=int,
        help=f"generated cases per operation and property (default: {env.DEFAULT_MAX_EXAMPLES})",
    )
    run.add_argument(
        "--thorough",
        action="store_true",
        help=f"search much harder: {THOROUGH_MAX_EXAMPLES} examples per operation and property "
        "(minutes, not seconds)",
    )
    run.add_argument(
        "--only",
        metavar="PART",
        action="append",
        choices=sorted(PARTS),
        help="run only this part (repeatable): server (server vs spec), client (client vs spec), "
        "client-server (the client against the server), webhooks (the server's deliveries), "
        "coverage (every outcome an emulator can produce, provoked, and the run's coverage); "
        "default: all five",
    )
    run.add_argument(
        "--junit", metavar="PATH", type=Path, help="also write a JUnit XML report to PATH"
    )
    run.add_argument(
        "--markdown",
        metavar="PATH",
        type=Path,
        help="also write the summary as Markdown to PATH (verdict, table, failures, coverage), "
        "e.g. for a pull request comment or $GITHUB_STEP_SUMMARY",
    )
    run.add_argument(
        "--require-coverage",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="fail the run when something the target can be made to produce (an emulator's "
        "vocabulary; for another server, everything the spec declares) was never observed "
        "(default: on for a full run against the embedded emulator, off otherwise)",
    )
    parser.add_argument_group(
        "pytest", "Arguments after `--` go to pytest unchanged, e.g. `-- -k client -x`."
    )
    args = parser.parse_args(own)
    _validate(parser, args)
    return args, pytest_args


def _split(argv: list[str]) -> tuple[list[str], list[str]]:
    if "--" in argv:
        index = argv.index("--")
        return argv[:index], argv[index + 1 :]
    return argv, []


def _validate(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.base_url:
        if urlsplit(args.base_url).scheme not in ("http", "https"):
            parser.error(f"--base-url must be an http(s) URL, got {args.base_url!r}")
        if not args.token:
            parser.error(f"--base-url needs --token (or ${env.API_KEY})")
        if args.app:
            parser.error("--app tests an app in process; it cannot be combined with --base-url")
    elif args.allow_calls or args.to or args.agent_version or args.from_number or args.emulator:
        parser.error(
            "--allow-calls, --to, --agent-version, --from and --emulator only apply to a server "
            "over HTTP (--base-url)"
        )
    if args.from_number and not is_e164(args.from_number):
        parser.error(f"--from takes a valid E.164 number, not {args.from_number}")
    if args.agent_version is not None and args.agent_version < 1:
        parser.error("--agent-version must be >= 1")
    destinations = [number.strip() for number in args.to.split(",") if number.strip()]
    bad = [number for number in destinations if not is_e164(number)]
    if bad:
        parser.error(f"--to takes valid E.164 numbers, not {', '.join(bad)}")
    if args.allow_calls < 0:
        parser.error("--allow-calls must be >= 0")
    if args.allow_calls and not destinations:
        parser.error("--allow-calls needs --to: the numbers allowed calls may ring")
    if args.spec is not None and not args.spec.is_file():
        parser.error(f"--spec {args.spec}: no such file")
    if args.max_examples is not None and args.max_examples < 1:
        parser.error("--max-examples must be >= 1")
    _validate_webhooks(parser, args)


def _validate_webhooks(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.webhook_url:
        if urlsplit(args.webhook_url).scheme not in ("http", "https"):
            parser.error(f"--webhook-url must be an http(s) URL, got {args.webhook_url!r}")
        if not os.environ.get(env.WEBHOOK_SECRET):
            parser.error(f"--webhook-url needs the endpoint's secret in ${env.WEBHOOK_SECRET}")
    if args.webhook_port is not None and not 0 < args.webhook_port < 65536:
        parser.error("--webhook-port must be a port number, 1 to 65535")


def environment(args: argparse.Namespace) -> dict[str, str]:
    """The suite's settings for these options (see dialnexa_contract._settings)."""
    max_examples = args.max_examples or (THOROUGH_MAX_EXAMPLES if args.thorough else None)
    values = {
        env.BASE_URL: args.base_url,
        env.API_KEY: args.token,
        env.APP: args.app,
        env.ALLOW_CALLS: str(args.allow_calls),
        env.DESTINATIONS: args.to,
        env.AGENT_ID: args.agent_id,
        env.AGENT_VERSION: str(args.agent_version) if args.agent_version else None,
        env.FROM_NUMBER: args.from_number,
        env.EMULATOR: "1" if args.emulator else None,
        env.SEED: str(args.seed) if args.seed is not None else None,
        env.MAX_EXAMPLES: str(max_examples) if max_examples else None,
        env.WEBHOOK_URL: args.webhook_url,
        env.WEBHOOK_PORT: str(args.webhook_port) if args.webhook_port else None,
        REQUIRE_COVERAGE: "1" if _require_coverage(args) else "0",
        MARKDOWN: str(args.markdown) if args.markdown else None,
        SPEC_FILE: str(args.spec.resolve()) if args.spec else None,
    }
    return {name: value or "" for name, value in values.items()}


def _require_coverage(args: argparse.Namespace) -> bool:
    """Asked for, or a full run against the embedded emulator (which can be made to produce all
    it says it can)."""
    if args.require_coverage is not None:
        return bool(args.require_coverage)
    embedded = not args.base_url and not args.app
    return embedded and not args.only


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        return _run(argv)
    except KeyboardInterrupt:
        print("\ninterrupted", flush=True)
        return INTERRUPTED


def _run(argv: list[str]) -> int:
    args, pytest_args = parse_args(argv)
    os.environ.update(environment(args))
    try:
        settings = env.current()
    except env.SettingsError as exc:
        print(f"{prog()}: error: {exc}", file=sys.stderr)
        return BAD_OPTIONS
    os.environ[env.SEED] = str(settings.seed)  # a drawn seed, kept for the report and replays
    print(f"DialNexa contract suite against {settings.describe()}", flush=True)
    try:
        target = current_target()
    except (ImportError, AttributeError, TypeError) as exc:
        print(f"{prog()}: error: --app {settings.app}: {exc}", file=sys.stderr)
        return BAD_OPTIONS
    except (OSError, ValueError) as exc:  # a spec that cannot be read, or that the emulator refuses
        print(f"scripts/contract-test: error: {exc}", file=sys.stderr)
        return BAD_OPTIONS
    verdict = preflight(target, tuple(args.only or PARTS))
    if verdict.problem is not None:
        print(f"{prog()}: {verdict.problem}", flush=True)
        return UNREACHABLE if verdict.unreachable else KEY_REJECTED
    if verdict.warning:
        print(f"warning: {verdict.warning}", flush=True)
    report = ContractReport(
        sys.stdout,
        # In process the token is the emulator's published demo key, which the repro hint gives.
        secrets=[
            *([settings.token, settings.token.partition(":")[2]] if settings.is_live else []),
            settings.webhook_secret,
        ],
        replay=replay_command(argv, settings.seed),
        repro_hint=repro_hint(settings),
    )
    # The suite brings its own pytest options: the repo's addopts (-ra, ...) are for its tests.
    options = [
        "-o",
        "addopts=",
        "-p",
        "no:terminal",
        "-p",
        "no:cacheprovider",
        "--import-mode=importlib",
    ]
    options += ["--strict-markers", f"--hypothesis-seed={settings.seed}"]
    if args.junit:
        args.junit.parent.mkdir(parents=True, exist_ok=True)
        options += [f"--junitxml={args.junit}", "-o", "junit_suite_name=dialnexa-contract"]
    only = list(args.only or [])
    if only and _require_coverage(args) and "coverage" not in only:
        only.append("coverage")  # the verdict on coverage is a test of that part
    parts = [str(SUITE / PARTS[part]) for part in only] if only else [str(SUITE)]
    status = pytest.main([*parts, *options, *pytest_args], plugins=[report])
    return _FROM_PYTEST.get(pytest.ExitCode(status), SUITE_ERROR)


def repro_hint(settings: env.Settings) -> str:
    """How to get a server a failure's curl reproduces against (it names EMBEDDED_BASE_URL)."""
    if settings.is_live:
        return f"export {env.API_KEY}=<your key> and paste the curl"
    served = (
        ".venv/bin/dialnexa-emulator"
        if settings.app == env.EMBEDDED_APP
        else f".venv/bin/uvicorn --factory {settings.app} --port 8000"
    )
    return (
        f"serve what this run tested with `{served}` (port 8000), "
        f"`export {env.API_KEY}={env.EMBEDDED_API_KEY}` and paste the curl; a failure that "
        "needs the calls made before it reproduces with the replay command below"
    )


def replay_command(argv: Sequence[str], seed: int) -> str:
    """The command that replays this run: same options, this seed, and no secret or report path."""
    kept: list[str] = []
    skip_value = False
    for arg in argv:
        if skip_value:
            skip_value = False
        elif arg in ("--seed", "--token", "--junit", "--markdown"):
            skip_value = True
        elif not arg.startswith(("--seed=", "--token=", "--junit=", "--markdown=")):
            kept.append(arg)
    own, rest = _split(kept)
    return shlex.join(
        [*shlex.split(prog()), *own, "--seed", str(seed), *(["--", *rest] if rest else [])]
    )
