"""The `dialnexa-emulator` command: a real server on a free loopback port, and its failures."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from dialnexa_emulator._config import default_config
from dialnexa_emulator.server.cli import banner

ROOT = Path(__file__).parents[2]
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


def run_cli(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    """`python -m dialnexa_emulator ARGS`, run to its end (for the ways it refuses to start)."""
    return subprocess.run(
        [sys.executable, "-m", "dialnexa_emulator", *args],
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT_SEC,
        check=check,
    )


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

    result = run_cli("--config", str(bad))

    assert result.returncode == 2
    assert result.stderr == (
        f"dialnexa-emulator: error: {bad}: workspaces[0].numbers should not be empty\n"
    )
    assert result.stdout == ""


def test_a_port_in_use_is_one_line_and_a_non_zero_exit(origin: str) -> None:
    port = origin.rsplit(":", 1)[1]

    result = run_cli("--port", port)

    assert result.returncode == 1
    assert result.stderr.startswith(f"dialnexa-emulator: error: cannot listen on 127.0.0.1:{port}")
    assert "Traceback" not in result.stderr


def test_help_documents_the_options() -> None:
    result = run_cli("--help", check=True)

    for option in (
        "--host",
        "--port",
        "--config",
        "--control-plane",
        "--ready-file",
        "--spec",
        "--allow-host",
        "--control-token",
        "--header-timeout",
        "--body-timeout",
        "--idle-timeout",
    ):
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


def start_with_ready_file(tmp_path: Path, *options: str) -> tuple[subprocess.Popen[str], Path]:
    ready = tmp_path / "ready.json"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dialnexa_emulator",
            "--port",
            "0",
            "--ready-file",
            str(ready),
            *options,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert wait_for(lambda: ready.exists() or process.poll() is not None, STARTUP_TIMEOUT_SEC)
    assert ready.exists(), process.communicate()[1]
    return process, ready


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.wait(timeout=10)


def test_the_ready_file_tells_a_program_everything_and_every_control_route_answers(
    tmp_path: Path,
) -> None:
    """A program starts it on a free port and learns where and how from the ready file alone;
    then every control-plane route, over real HTTP."""
    process, ready = start_with_ready_file(tmp_path)
    try:
        info = json.loads(ready.read_text(encoding="utf-8"))
        assert info["pid"] == process.pid
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", info["base_url"])
        assert info["control_url"] == info["base_url"].removesuffix("/v1") + "/_emulator"
        auth = {"Authorization": f"Bearer {info['api_key']}"}
        with (
            httpx.Client(base_url=info["base_url"], headers=auth, timeout=10) as api,
            httpx.Client(base_url=info["control_url"], timeout=10) as control,
        ):
            assert control.get("/health").json()["status"] == "ok"
            assert control.get("/openapi.json").json()["servers"] == [
                {"url": "/_emulator", "description": ANY_TEXT}
            ]
            created = api.post(
                "/calls", json={"agent_id": "agt_abc123", "to_phone_number": "+919876543210"}
            ).json()
            assert [e["operation"] for e in control.get("/requests").json()] == ["createCall"]
            assert control.delete("/requests").status_code == 204
            assert control.get("/requests").json() == []

            seeded = control.post("/calls", json={"calls": [{"count": 3, "status": "busy"}]})
            assert seeded.status_code == 201
            held = control.get("/calls", params={"status": "busy"}).json()
            assert {c["id"] for c in held} == {c["id"] for c in seeded.json()}
            assert control.get("/calls").json()[0]["id"] == created["id"]

            now = control.get("/clock").json()["now"]
            assert control.get("/clock").json()["now"] >= now
            assert control.put("/clock", json={"now": "2099-01-01T00:00:00Z"}).json() == {
                "now": ANY_TEXT
            }
            assert control.get("/clock").json()["now"].startswith("2099-01-01T00:00")

            fault_id = control.post("/faults", json={"status": 503, "count": 2}).json()["id"]
            assert [f["id"] for f in control.get("/faults").json()] == [fault_id]
            assert control.delete(f"/faults/{fault_id}").status_code == 204
            control.post(
                "/faults", json={"operation": "createCall", "status": 502, "after_commit": True}
            )
            late = api.post(
                "/calls", json={"agent_id": "agt_abc123", "to_phone_number": "+919876543210"}
            )
            assert late.status_code == 502
            assert len(api.get("/calls").json()) == 5  # 1 created, 3 seeded, 1 despite the 502

            assert control.put("/wallets/default", json={"balance": 0}).json()["balance"] == 0
            refused = api.post(
                "/calls", json={"agent_id": "agt_abc123", "to_phone_number": "+919876543210"}
            )
            assert refused.status_code == 402
            assert control.get("/wallets/default").json()["balance"] == 0
            assert (
                api.get("/calls", headers={"Authorization": "Bearer x:y"}).headers[
                    "WWW-Authenticate"
                ]
                == "Bearer"
            )
            assert control.post("/reset").status_code == 204
            assert control.get("/calls").json() == []
    finally:
        stop(process)
    assert not ready.exists()  # removed on exit, so a stale file never points at nothing


class _AnyText(str):
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str)

    __hash__ = str.__hash__


ANY_TEXT = _AnyText()


def test_a_ready_file_in_a_missing_directory_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run_cli("--port", "0", "--ready-file", str(tmp_path / "nowhere" / "ready.json"))

    assert result.returncode == 2
    assert result.stderr == (
        f"dialnexa-emulator: error: --ready-file {tmp_path / 'nowhere' / 'ready.json'}: "
        f"no directory {tmp_path / 'nowhere'}\n"
    )


def test_it_serves_another_copy_of_the_spec_with_its_formats(tmp_path: Path) -> None:
    document = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    properties = document["components"]["schemas"]["CreateCallRequest"]["properties"]
    properties["callback_url"] = {"type": "string", "format": "uri"}
    spec = tmp_path / "openapi.yaml"
    spec.write_text(yaml.safe_dump(document), encoding="utf-8")

    process, ready = start_with_ready_file(tmp_path, "--spec", str(spec))
    try:
        info = json.loads(ready.read_text(encoding="utf-8"))
        auth = {"Authorization": f"Bearer {info['api_key']}"}
        body = {"agent_id": "agt_abc123", "to_phone_number": "+919876543210"}
        with httpx.Client(base_url=info["base_url"], headers=auth, timeout=10) as api:
            refused = api.post("/calls", json={**body, "callback_url": "not a url"})
            accepted = api.post("/calls", json={**body, "callback_url": "https://shop.example/cb"})
    finally:
        stop(process)

    assert refused.status_code == 400
    assert refused.json()["message"] == (
        "callback_url must be an absolute URI, e.g. https://example.com/path; got 'not a url'"
    )
    assert accepted.status_code == 201


def test_a_spec_it_cannot_serve_is_one_line_and_exit_2(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text("openapi: [unclosed", encoding="utf-8")

    result = run_cli("--spec", str(spec))

    assert result.returncode == 2
    assert result.stderr.startswith(f"dialnexa-emulator: error: {spec}: cannot read the spec")
    assert result.stderr.count("\n") == 1
