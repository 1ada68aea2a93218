"""Code outside the test's process reaches the session's emulator, served over loopback HTTP."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from dialnexa_emulator import EmulatorHandle


def test_the_shipping_job_in_a_subprocess(dialnexa_server: EmulatorHandle) -> None:
    settings = {
        "DIALNEXA_BASE_URL": dialnexa_server.base_url,
        "DIALNEXA_API_KEY": dialnexa_server.api_key,
    }
    job = subprocess.run(
        [sys.executable, "-m", "order_reminders", "ord_7", "Priya Sharma", "+919876543210"],
        env={**os.environ, **settings},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert [call["id"] for call in dialnexa_server.calls] == [job.stdout.strip()]


@pytest.mark.parametrize("run", ["first", "second"])  # the second sees nothing of the first
def test_each_test_gets_the_server_reset_and_its_control_plane(
    dialnexa_server: EmulatorHandle, run: str
) -> None:
    del run  # only names the two runs
    with httpx.Client(
        base_url=dialnexa_server.base_url,
        headers={"Authorization": f"Bearer {dialnexa_server.api_key}"},
    ) as http:
        body = {"agent_id": "agt_abc123", "to_phone_number": "+919876543210"}
        assert http.post("/calls", json=body).status_code == 201
        assert len(http.get("/calls").json()) == 1  # only this test's call

    # The control plane (/_emulator/...) moves the clock from its start, whatever ran before.
    advanced = httpx.post(f"{dialnexa_server.control_url}/clock/advance", json={"seconds": 60})
    assert advanced.json() == {"now": "2024-03-01T10:01:00.000Z"}
    assert dialnexa_server.calls[0]["status"] == "completed"
