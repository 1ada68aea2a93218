"""Issue 19, served: no web page steers the emulator. Before, a cross-site form POST to
`/_emulator/reset` answered 204 and wiped calls and balances, and `Host: evil.example.com` reached
every control route (DNS rebinding). Also: `--allow-host`, `--control-token`, and `--port`
outside 0-65535 refused in one line, where it used to wrap around."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dialnexa_emulator.server.cli import main
from tests.hardening.conftest import CREATE, FOUR_WORKSPACES, assert_envelope, bearer
from tests.hardening.emulator_process import EmulatorProcess
from tests.hardening.raw_http import exchange, request

TOKEN = "team-token-0123456789"
CONTROL_ROUTES = [
    ("GET", b"/_emulator/health"),
    ("GET", b"/_emulator/calls"),
    ("GET", b"/_emulator/requests"),
    ("GET", b"/_emulator/clock"),
    ("POST", b"/_emulator/reset"),
    ("DELETE", b"/_emulator/faults"),
]


@pytest.fixture(scope="module")
def served() -> Iterator[EmulatorProcess]:
    with EmulatorProcess("--config", FOUR_WORKSPACES, "--allow-host", "box.lan") as emulator:
        yield emulator


@pytest.fixture
def a_call(served: EmulatorProcess) -> str:
    response = httpx.post(f"{served.api}/calls", json=CREATE, headers=bearer("north"), timeout=30)
    assert response.status_code == 201, response.text
    call_id: str = response.json()["id"]
    return call_id


def still_there(served: EmulatorProcess, call_id: str) -> bool:
    response = httpx.get(f"{served.api}/calls/{call_id}", headers=bearer("north"), timeout=30)
    return response.status_code == 200


def test_a_cross_site_form_post_cannot_reset_it(served: EmulatorProcess, a_call: str) -> None:
    """The issue's reproduction, byte for byte as a browser's form sends it."""
    answer = exchange(
        served.port,
        request(
            "POST",
            b"/_emulator/reset",
            b"Origin: http://evil.example",
            b"Content-Type: application/x-www-form-urlencoded",
            body=b"x=1",
        ),
    )

    assert_envelope(answer, 403)
    assert "another origin (http://evil.example)" in answer.json()["message"]
    assert still_there(served, a_call)
    assert "control plane refused POST /_emulator/reset" in served.output()


@pytest.mark.parametrize(("method", "path"), CONTROL_ROUTES)
def test_a_rebound_host_reaches_no_control_route(
    served: EmulatorProcess, a_call: str, method: str, path: bytes
) -> None:
    answer = exchange(
        served.port,
        request(method, path, b"Host: evil.example.com").replace(b"Host: 127.0.0.1\r\n", b"", 1),
    )

    assert_envelope(answer, 403)
    assert answer.json()["message"].startswith(
        "The emulator's control plane does not answer for Host 'evil.example.com'"
    )
    assert still_there(served, a_call)


@pytest.mark.parametrize("host", [b"localhost", b"127.0.0.1", b"[::1]", b"box.lan", b"BOX.LAN"])
def test_it_answers_for_loopback_and_allowed_hosts(served: EmulatorProcess, host: bytes) -> None:
    raw = request("GET", b"/_emulator/health").replace(
        b"Host: 127.0.0.1", b"Host: " + host + b":%d" % served.port
    )

    assert exchange(served.port, raw).status_code == 200


def test_the_api_still_answers_a_json_client(served: EmulatorProcess) -> None:
    response = httpx.post(f"{served.api}/calls", json=CREATE, headers=bearer("east"), timeout=30)

    assert response.status_code == 201


def test_a_control_token_is_required_when_set(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    with EmulatorProcess("--control-token", TOKEN, "--ready-file", ready) as emulator:
        origin = emulator.origin
        refused = httpx.post(f"{origin}/_emulator/reset", timeout=30)
        allowed = httpx.post(
            f"{origin}/_emulator/reset", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
        )
        info = json.loads(ready.read_text(encoding="utf-8"))
    assert_envelope(refused, 401)
    assert allowed.status_code == 204
    assert info["control_token"] == TOKEN
    assert "(loopback clients only, token required)" in emulator.output()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--port", "99999"], "argument --port: 99999 is not a port: use 0 to 65535"),
        (["--port", "70000"], "argument --port: 70000 is not a port: use 0 to 65535"),
        (["--port", "-1"], "argument --port: -1 is not a port: use 0 to 65535"),
        (["--port", "http"], "argument --port: 'http' is not a port number"),
        (["--control-token", "short"], "argument --control-token: the token must be at least 16"),
        (["--header-timeout", "0"], "argument --header-timeout: 0 must be more than 0"),
        (["--idle-timeout", "nan"], "argument --idle-timeout: nan must be more than 0"),
    ],
)
def test_a_bad_option_is_one_line_and_exit_2(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(arguments)  # in process: options are checked before anything starts

    assert exited.value.code == 2
    out, err = capsys.readouterr()
    assert err.startswith(f"dialnexa-emulator: error: {message}")
    assert err.endswith(" (see --help)\n")
    assert err.count("\n") == 1
    assert out == ""


def test_the_command_refuses_a_bad_port_too() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dialnexa_emulator", "--port", "99999"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert result.stderr == (
        "dialnexa-emulator: error: argument --port: 99999 is not a port: use 0 to 65535 "
        "(see --help)\n"
    )
