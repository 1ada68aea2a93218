"""Against a server over HTTP, as a QA team points the suite at a sandbox, the verdicts hold: a
rate limit is waited out and changes no verdict, a failure's curl reproduces it as pasted, pinned
versions and caller IDs are checked, a negative create can fail, and what did not run says why.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from importlib import resources
from typing import Any

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dialnexa_contract._gateway import seconds_until_reset
from dialnexa_contract._run_stats import calls_per_run
from dialnexa_emulator import create_app
from dialnexa_emulator._config import parse_config
from tests.contract import broken_servers
from tests.contract.conftest import QUICK, Run, run_suite
from tests.serving import served

DEMO_KEY = {"DIALNEXA_API_KEY": "kid_demo:sk_demo_secret"}
# Not among the emulators' history of calls, so the calls a run places are told apart.
DESTINATION = "+919812345678"
ONLY_LIST = ("--only", "server", "--", "-k", "server_honours and not POST and not call_id")
ONLY_CREATE = ("--only", "server", "--", "-k", "server_honours and POST")


def run_against(app: ASGIApp, *args: str) -> Run:
    with served(app) as root:
        return run_suite("--base-url", f"{root}/v1", *QUICK, *args, env=DEMO_KEY)


def server_table(output: str) -> list[str]:
    """The rows of the summary's `server:` section, as printed."""
    lines = output.splitlines()
    start = lines.index("server:")
    rows = []
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        rows.append(line)
    return rows


def limited_emulator(requests: int, window_sec: float) -> ASGIApp:
    """The emulator on real time, its demo key limited to `requests` per `window_sec`."""
    text = (resources.files("dialnexa_emulator") / "default_config.toml").read_text()
    commented = "# rate_limit = { requests = 150, window_sec = 60 }"
    assert commented in text
    limit = f"rate_limit = {{ requests = {requests}, window_sec = {window_sec} }}"
    return create_app(parse_config(text.replace(commented, limit), source="limited"))


class OnlyRetryAfter:
    """A limited target that says nothing of its limit until it answers 429 with Retry-After."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def hide_limit(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] != 429:
                headers = [
                    (k, v) for k, v in message["headers"] if not k.startswith(b"x-ratelimit")
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, hide_limit)


def rate_limit_summary(output: str) -> tuple[int, float]:
    found = re.search(r"rate limit: (\d+) answer\(s\) were 429 .*; ([\d.]+)s spent waiting", output)
    assert found, output
    return int(found[1]), float(found[2])


def test_a_rate_limited_target_gets_the_verdicts_of_an_unlimited_one() -> None:
    """Tight enough that a paced request waits longer than the run's response-time limit (5 s,
    schemathesis.toml): waiting is never counted as the server's time."""
    unlimited = run_against(create_app(), *ONLY_LIST)
    paced = run_against(limited_emulator(requests=60, window_sec=8), *ONLY_LIST)
    throttled = run_against(OnlyRetryAfter(limited_emulator(requests=40, window_sec=1)), *ONLY_LIST)
    for run in (unlimited, paced, throttled):
        assert run.returncode == 0, run.output
        assert server_table(run.output) == server_table(unlimited.output)
    assert rate_limit_summary(unlimited.output) == (0, 0.0)
    # Paced by X-RateLimit-Remaining / -Reset: it waited, and said up front that it would.
    assert rate_limit_summary(paced.output)[1] > 0
    assert "warning: the target allows 60 requests a window" in paced.output
    assert "max_response_time" in "\n".join(server_table(paced.output))
    # Told only by 429s: each was waited out, sent again and never judged.
    answered_429, waited = rate_limit_summary(throttled.output)
    assert answered_429 > 0 and waited > 0


def test_a_printed_curl_reproduces_the_failure_as_pasted() -> None:
    with served(broken_servers.list_oldest_first()) as root:
        run = run_suite("--base-url", f"{root}/v1", *QUICK, *ONLY_LIST, env=DEMO_KEY)
        assert run.names("listCalls", "list_newest_first"), run.output
        curl = next(line.strip() for line in run.output.splitlines() if "curl -X GET" in line)
        assert '-H "Authorization: Bearer $DIALNEXA_API_KEY"' in curl
        pasted = subprocess.run(
            ["bash", "-c", curl], env=DEMO_KEY, capture_output=True, text=True, check=True
        )
        without_key = subprocess.run(
            ["bash", "-c", curl], capture_output=True, text=True, check=False
        )
    calls = json.loads(pasted.stdout)
    created = [call["created_at"] for call in calls]
    assert len(set(created)) > 1 and created == sorted(created), "the answer is oldest first"
    assert json.loads(without_key.stdout)["statusCode"] == 401  # the key is the pasted one


def test_an_in_process_failure_says_how_to_serve_what_it_ran_against() -> None:
    variant = "tests.contract.broken_servers:list_oldest_first"
    run = run_suite("--app", variant, *QUICK, *ONLY_LIST)
    assert run.names("listCalls", "list_newest_first"), run.output
    assert f"`.venv/bin/uvicorn --factory {variant} --port 8000`" in run.output
    assert "export DIALNEXA_API_KEY=kid_demo:sk_demo_secret" in run.output
    assert "curl -X GET" in run.output and "http://127.0.0.1:8000/v1/calls" in run.output
    replay = (
        f"replay this run: scripts/contract-test --app {variant} --max-examples 5 --only server"
    )
    assert f"{replay} --seed 7 -- -k 'server_honours and not POST and not call_id'" in run.output


def placed(server: broken_servers.Broken) -> list[Any]:
    """The calls a run placed on `server` (its history has none to DESTINATION)."""
    calls = server.inner.state.emulator.store.newest_first("default")
    return [call for call in calls if call.to_phone_number == DESTINATION]


PINS = ("--allow-calls", "3", "--to", DESTINATION, "--agent-version", "1", "--from", "+14155550123")


def test_allowed_calls_carry_the_pinned_version_and_caller_id() -> None:
    server = broken_servers.faithful()
    run = run_against(server, *PINS, *ONLY_CREATE)
    assert run.returncode == 0, run.output
    calls = placed(server)
    assert 1 <= len(calls) <= 3
    assert {(c.agent_version_number, c.from_phone_number) for c in calls} == {(1, "+14155550123")}


def test_a_sandbox_ignoring_the_pins_fails_the_echo_check() -> None:
    run = run_against(broken_servers.ignores_pinned_version_and_caller_id(), *PINS, *ONLY_CREATE)
    assert run.returncode == 1, run.output
    assert run.names("createCall", "created_call_echoes_request"), run.output
    assert "from_phone_number: expected '+14155550123', got '+912234567890'" in run.output


def test_a_negative_create_a_sandbox_wrongly_accepts_is_a_reported_failure() -> None:
    server = broken_servers.accepts_unknown_properties()
    run = run_against(server, "--allow-calls", "3", "--to", DESTINATION, *ONLY_CREATE)
    assert run.returncode == 1, run.output
    assert run.names("createCall", "negative_data_rejection"), run.output
    assert "unexpected properties" in run.output
    probes = re.search(r"(\d+) probe\(s\) .* sent to a --to number, (\d+) wrongly", run.output)
    assert probes and int(probes[1]) > 0 and int(probes[2]) >= 1, run.output
    assert len(placed(server)) <= 3  # wrongly accepted probes spent the budget, never more


def test_what_did_not_run_says_why_and_what_would_make_it_run() -> None:
    run = run_against(
        broken_servers.faithful(), "--allow-calls", "2", "--to", DESTINATION, "--only", "server"
    )
    assert run.returncode == 0, run.output
    needed = f"a full run needs about --allow-calls {calls_per_run(5)}"
    skipped = "skipped server TestServerWorkflow::runTest: every scenario starts with a create"
    assert re.search(rf"\] {skipped}.*{needed}", run.output), run.output  # as it happens
    summary = run.output[run.output.index("did not run:") :]
    assert "server TestServerWorkflow::runTest: every scenario" in summary
    assert re.search(rf"not sent: \d+ schema-valid create\(s\).*{needed}", summary), summary
    assert "contract: 3 passed, 0 failed, 1 skipped (see 'did not run' above)" in run.output


def test_a_reset_is_read_as_a_unix_time_or_as_the_seconds_left() -> None:
    soon = str(int(time.time()) + 30)
    assert 0 < (seconds_until_reset(httpx.Headers({"X-RateLimit-Reset": soon})) or 0) <= 30
    assert seconds_until_reset(httpx.Headers({"X-RateLimit-Reset": "60"})) == 60
    assert seconds_until_reset(httpx.Headers({"X-RateLimit-Reset": "soon"})) is None
    assert seconds_until_reset(httpx.Headers({})) is None
