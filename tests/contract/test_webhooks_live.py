"""The webhooks part against a server over HTTP: skipped, saying why, unless it is given a receiver
address the server delivers to; then it checks the deliveries that arrive there in real time."""

from __future__ import annotations

import dataclasses
import socket

from dialnexa_emulator import create_app, default_config
from dialnexa_emulator._lifecycle import Timing
from tests.contract.conftest import run_suite
from tests.serving import served

KEY = {"DIALNEXA_API_KEY": "kid_demo:sk_demo_secret"}
DESTINATION = "+919876543210"


def test_a_live_server_without_a_receiver_address_skips_webhooks_and_says_why() -> None:
    with served(create_app()) as root:
        run = run_suite("--base-url", f"{root}/v1", "--only", "webhooks", env=KEY)
    assert run.returncode == 0, run.output
    assert "did not run:" in run.output
    assert "webhooks of a live server need --webhook-url" in run.output
    assert "4 skipped" in run.output


def test_a_live_server_delivering_to_the_given_address_is_checked() -> None:
    # A real-time emulator whose calls end within seconds, with an endpoint already registered,
    # as a DialNexa workspace would have one: the suite sends it nothing but the spec's requests.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    quick = Timing(initiated_sec=0.1, sent_sec=0.1, ring_sec=0.1, talk_sec=1)
    app = create_app(dataclasses.replace(default_config(), timing=quick))
    app.state.emulator.webhooks.add_endpoint(f"http://127.0.0.1:{port}/hook", "whsec_live")
    with served(app) as root:
        run = run_suite(
            "--base-url", f"{root}/v1", "--allow-calls", "1", "--to", DESTINATION,
            "--webhook-url", f"http://127.0.0.1:{port}/hook", "--only", "webhooks",
            env={**KEY, "CONTRACT_WEBHOOK_SECRET": "whsec_live"},
        )  # fmt: skip
    app.state.emulator.webhooks.close()
    assert run.returncode == 0, run.output
    assert "contract: 4 passed, 0 failed" in run.output
    assert "whsec_live" not in run.output
