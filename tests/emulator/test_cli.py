"""The `dialnexa-emulator` command: a real server on a free loopback port, and its failures."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from dialnexa_emulator.cli import banner
from dialnexa_emulator.config import default_config

STARTUP_TIMEOUT_SEC = 20
URL_LINE = re.compile(r"listening on (http://127\.0\.0\.1:\d+)/v1$")


class Server:
    """A `python -m dialnexa_emulator --port 0` subprocess; its output is read on threads."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dialnexa_emulator", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.errors: list[str] = []
        self._origin: str | None = None
        self._started = threading.Event()
        self._threads = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if self._origin is None and (match := URL_LINE.search(self.lines[-1])):
                self._origin = match.group(1)
                self._started.set()
        self._started.set()  # exited before printing: let the waiter see it

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.errors.append(line.rstrip("\n"))

    def origin(self) -> str:
        assert self._started.wait(STARTUP_TIMEOUT_SEC), "no URL printed in time"
        assert self._origin is not None, f"exited early: {self.process.poll()} {self.lines}"
        return self._origin

    def stop(self) -> None:
        """Terminate (kill if it will not stop) and wait for the output to drain."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for thread in self._threads:
            thread.join(timeout=10)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    running = Server()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def origin(server: Server) -> str:
    """The running server's origin, with its state reset."""
    origin = server.origin()
    assert httpx.post(f"{origin}/_emulator/reset", timeout=10).status_code == 204
    return origin


def wait_for(condition: Callable[[], bool], timeout_sec: float = 10) -> bool:
    deadline = time.monotonic() + timeout_sec
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_it_serves_the_api_and_prints_how_to_use_it(server: Server, origin: str) -> None:
    output = "\n".join(server.lines)
    assert "kid_demo:sk_demo_secret" in output
    assert "agt_abc123" in output
    assert "+919876500002" in output  # a test number

    headers = {"Authorization": "Bearer kid_demo:sk_demo_secret"}
    with httpx.Client(base_url=f"{origin}/v1", headers=headers, timeout=10) as client:
        created = client.post(
            "/calls", json={"agent_id": "agt_abc123", "to_phone_number": "+919876543210"}
        )
        fetched = client.get(f"/calls/{created.json()['id']}")
        unauthorized = client.get("/calls", headers={"Authorization": "Bearer nope:nope"})

    assert created.status_code == 201
    assert fetched.json()["id"] == created.json()["id"]
    assert unauthorized.status_code == 401


def test_a_dropped_connection_is_a_real_one_and_the_call_exists(
    server: Server, origin: str
) -> None:
    headers = {"Authorization": "Bearer kid_demo:sk_demo_secret"}
    with httpx.Client(base_url=origin, headers=headers, timeout=10) as client:
        armed = client.post(
            "/_emulator/faults", json={"operation": "createCall", "drop_after_commit": True}
        )
        assert armed.status_code == 201

        with pytest.raises(httpx.RemoteProtocolError):
            client.post(
                "/v1/calls", json={"agent_id": "agt_abc123", "to_phone_number": "+919876543210"}
            )

        assert len(client.get("/v1/calls").json()) == 1

    assert wait_for(lambda: any("dropped a connection after commit" in e for e in server.errors))
    assert not any("Traceback" in e for e in server.errors)


def test_the_control_plane_works_for_loopback_clients(origin: str) -> None:
    with httpx.Client(base_url=origin, timeout=10) as client:
        response = client.post("/_emulator/clock/advance", json={"seconds": 5})

    assert response.status_code == 200
    assert response.json()["now"].endswith("Z")


def test_the_banner_curl_places_a_call() -> None:
    """The printed example request uses a destination the workspace may dial."""
    text = banner(default_config(), "http://127.0.0.1:8000", "loopback")
    number = re.search(r'"to_phone_number": "(\+\d+)"', text)

    assert number is not None
    assert default_config().workspaces[0].telephony.refusal(number.group(1)) is None


def test_a_bad_config_is_one_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[workspaces]]\nid = 'w'\n", encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "dialnexa_emulator", "--config", str(bad)],
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT_SEC,
        check=False,
    )

    assert result.returncode == 2
    assert result.stderr == (
        f"dialnexa-emulator: error: {bad}: workspaces[0].numbers should not be empty\n"
    )
    assert result.stdout == ""


def test_a_port_in_use_is_one_line_and_a_non_zero_exit(origin: str) -> None:
    port = origin.rsplit(":", 1)[1]

    result = subprocess.run(
        [sys.executable, "-m", "dialnexa_emulator", "--port", port],
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT_SEC,
        check=False,
    )

    assert result.returncode == 1
    assert result.stderr.startswith(f"dialnexa-emulator: error: cannot listen on 127.0.0.1:{port}")
    assert "Traceback" not in result.stderr


def test_help_documents_the_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dialnexa_emulator", "--help"],
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT_SEC,
        check=True,
    )

    for option in ("--host", "--port", "--config", "--control-plane"):
        assert option in result.stdout


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "dialnexa-emulator"

    result = subprocess.run(
        [str(script), "--help"],
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT_SEC,
        check=True,
    )

    assert result.stdout.startswith("usage: dialnexa-emulator")


def test_the_served_emulator_delivers_webhooks(origin: str) -> None:
    from dialnexa_emulator import WebhookReceiver

    with WebhookReceiver() as receiver:
        control = f"{origin}/_emulator/webhooks"
        endpoint = httpx.post(
            f"{control}/endpoints", json={"url": receiver.url, "secret": receiver.secret}
        )
        assert endpoint.status_code == 201, endpoint.text
        call = httpx.post(
            f"{origin}/v1/calls",
            headers={"Authorization": "Bearer kid_demo:sk_demo_secret"},
            json={"agent_id": "agt_abc123", "to_phone_number": "+919876500002"},
        ).json()
        httpx.post(f"{origin}/_emulator/clock/advance", json={"seconds": 60})
        assert httpx.post(f"{control}/flush", timeout=60).status_code == 204

        assert [(d.event_type, d.call["id"]) for d in receiver.deliveries] == [
            ("call_initiated", call["id"]),
            ("call_ended", call["id"]),
        ]
        shown = httpx.get(f"{control}/deliveries", params={"call_id": call["id"]}).json()
        assert [d["state"] for d in shown] == ["delivered", "delivered"]
