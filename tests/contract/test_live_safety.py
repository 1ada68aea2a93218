"""Against a live server (--base-url) the suite places at most --allow-calls calls, only to --to
destinations, and never shows or writes the token. Proved on servers on a loopback port: one that
accepts any create (the worst case for a budget) and the real emulator.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.types import Receive, Scope, Send

from dialnexa_contract._call_guard import UNDIALABLE
from dialnexa_contract._target import embedded_emulator
from tests.contract.conftest import QUICK, run_suite
from tests.serving import served

TOKEN = "kid_probe:sk_never_print_me_42"
DESTINATIONS = ["+919876543210", "+447400123456"]
A_CALL = {
    "id": "call_accepted",
    "status": "initiated",
    "agent_id": "agt_abc123",
    "to_phone_number": "+919876543210",
    "created_at": "2024-03-01T10:00:00.000Z",
}


class AcceptsEverything:
    """A server that places a call for any POST to /calls, whatever the body or credentials, and
    records what it was sent: the worst server to point a live run at."""

    def __init__(self) -> None:
        self.creates: list[bytes] = []
        self.reads = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        answer: Any = A_CALL
        status = 200
        if scope["method"] == "POST" and scope["path"].rstrip("/").endswith("/calls"):
            self.creates.append(body)
            status = 201
        else:
            self.reads += 1
            if not scope["path"].startswith("/v1/calls/"):
                answer = [A_CALL]  # a page of calls
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": json.dumps(answer).encode()})

    def destinations(self) -> list[Any]:
        """The destination of every create received (None when it had none)."""
        found: list[Any] = []
        for body in self.creates:
            try:
                payload = json.loads(body)
            except ValueError:
                assert b"to_phone_number" not in body.lower(), body
                found.append(None)
                continue
            found.append(payload.get("to_phone_number") if isinstance(payload, dict) else None)
        return found


@pytest.fixture
def accepts_everything() -> Iterator[tuple[AcceptsEverything, str]]:
    server = AcceptsEverything()
    with served(server) as root:
        yield server, f"{root}/v1"


def test_at_most_the_allowed_calls_ring_and_only_allowed_numbers(
    accepts_everything: tuple[AcceptsEverything, str], tmp_path: Path
) -> None:
    server, base_url = accepts_everything
    junit = tmp_path / "junit.xml"
    run = run_suite(
        "--base-url",
        base_url,
        "--token",  # on the command line, where it is easiest to leak
        TOKEN,
        "--allow-calls",
        "2",
        "--to",
        ",".join(DESTINATIONS),
        "--junit",
        str(junit),
        *QUICK,
    )
    assert run.returncode == 1, run.output  # it accepts invalid input, ignores auth, ...
    dialable = [number for number in server.destinations() if number not in (None, UNDIALABLE)]
    assert len(dialable) <= 2
    assert set(dialable) <= set(DESTINATIONS)
    assert len(server.creates) > len(dialable), "creates beyond the budget were still tested"
    assert server.reads > 0
    # The token is in no output and no file: it would be in the failures' repro commands.
    assert '-H "Authorization: Bearer $DIALNEXA_API_KEY"' in run.output
    written = [run.output, junit.read_text(encoding="utf-8")]
    written += [path.read_text(errors="replace") for path in tmp_path.rglob("*") if path.is_file()]
    for text in written:
        assert TOKEN not in text
        assert TOKEN.partition(":")[2] not in text


def test_without_a_budget_no_call_can_ring_but_negative_tests_and_reads_run(
    accepts_everything: tuple[AcceptsEverything, str],
) -> None:
    server, base_url = accepts_everything
    run = run_suite(
        "--base-url", base_url, "--only", "server", *QUICK, env={"DIALNEXA_API_KEY": TOKEN}
    )
    assert run.returncode == 1, run.output
    assert server.creates, "negative creates were sent"
    assert server.reads > 0
    assert {number for number in server.destinations()} <= {None, UNDIALABLE}


def test_a_live_emulator_conforms_within_the_budget() -> None:
    emulator = embedded_emulator()
    with served(emulator) as root:
        run = run_suite(
            "--base-url",
            f"{root}/v1",
            "--allow-calls",
            "3",
            "--to",
            DESTINATIONS[0],
            *QUICK,
            env={"DIALNEXA_API_KEY": "kid_demo:sk_demo_secret"},
        )
    assert run.returncode == 0, run.output
    calls = list(emulator.state.emulator.store.newest_first("default"))
    assert 1 <= len(calls) <= 3
    assert {call.to_phone_number for call in calls} == {DESTINATIONS[0]}


class Recorder:
    """The emulator, noting the path of every request it is sent."""

    def __init__(self) -> None:
        self.inner = embedded_emulator()
        self.paths: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.paths.append((scope.get("raw_path") or scope["path"].encode()).decode("latin-1"))
        await self.inner(scope, receive, send)


# The spec's paths under the server's /v1: the calls collection and one call.
SPEC_PATH = re.compile(r"^/v1/calls(/[^/?]+)?/?$")


def test_a_live_run_sends_nothing_outside_the_specs_paths() -> None:
    recorder = Recorder()
    with served(recorder) as root:
        run = run_suite(
            "--base-url",
            f"{root}/v1",
            "--allow-calls",
            "3",
            "--to",
            DESTINATIONS[0],
            *QUICK,
            env={"DIALNEXA_API_KEY": "kid_demo:sk_demo_secret"},
        )
        outside = [path for path in recorder.paths if not SPEC_PATH.match(path)]
        assert run.returncode == 0, run.output
        assert len(recorder.paths) > 100 and not outside, outside
        assert "the server has no clock to move" in run.output  # said, not silently skipped
        # Told the target is an emulator, the run does use its control plane.
        told = run_suite(
            "--base-url", f"{root}/v1", "--emulator", "--allow-calls", "2", "--to",
            DESTINATIONS[0], "--only", "client-server", *QUICK,
            env={"DIALNEXA_API_KEY": "kid_demo:sk_demo_secret"},
        )  # fmt: skip
    assert told.returncode == 0, told.output
    assert any(path.startswith("/_emulator/") for path in recorder.paths)
