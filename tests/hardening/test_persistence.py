"""`dialnexa-emulator --state FILE`: calls, their lifecycle and balances outlive the process, even
one killed with SIGKILL amid a burst of creates; without it, nothing is kept."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from dialnexa_emulator.server._state_file import SqliteStore, StateFile
from tests.hardening.conftest import CREATE, FOUR_WORKSPACES, bearer
from tests.hardening.emulator_process import STARTUP_TIMEOUT_SEC, EmulatorProcess
from tests.hardening.load import DEADLINE_SEC, clients_for, create_body

# Two calls fit the wallet, a third does not (0.4 each out of 1.0).
SMALL_WALLET = """
[[workspaces]]
id = "shop"
balance = 1.0
call_cost = 0.4
numbers = ["+912234567890"]
telephony = { destinations = [{ country = "IN" }] }
api_keys = [{ id = "kid_shop", secret = "sk_shop_secret" }]
agents = [{ id = "agt_abc123", versions = [{ number = 1 }] }]
"""
SHOP = {"Authorization": "Bearer kid_shop:sk_shop_secret"}
BURST = 2_000
STREAMS = 100  # connections creating at once
KILL_AFTER_ACKS = 500


@pytest.fixture
def small_wallet(tmp_path: Path) -> Path:
    config = tmp_path / "small_wallet.toml"
    config.write_text(SMALL_WALLET, encoding="utf-8")
    return config


def api(emulator: EmulatorProcess, headers: dict[str, str] = SHOP) -> httpx.Client:
    return httpx.Client(base_url=emulator.api, headers=headers, timeout=30)


def advance_clock(emulator: EmulatorProcess, seconds: float) -> None:
    response = httpx.post(
        f"{emulator.origin}/_emulator/clock/advance", json={"seconds": seconds}, timeout=30
    )
    assert response.status_code == 200, response.text


def test_calls_lifecycle_and_balance_outlive_a_restart(small_wallet: Path, tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    with (
        EmulatorProcess("--config", small_wallet, "--state", state) as emulator,
        api(emulator) as client,
    ):
        created = [client.post("/calls", json=CREATE).json() for _ in range(2)]
        assert client.post("/calls", json=CREATE).status_code == 402
        advance_clock(emulator, 10)  # ringing (`received`) from 3 s to 38 s
        before = [client.get(f"/calls/{call['id']}").json() for call in created]
    assert {call["status"] for call in before} == {"received"}

    with (
        EmulatorProcess("--config", small_wallet, "--state", state) as emulator,
        api(emulator) as client,
    ):
        after = [client.get(f"/calls/{call['id']}").json() for call in created]
        listed = client.get("/calls").json()
        refused = client.post("/calls", json=CREATE)
        advance_clock(emulator, 60)
        ended = [client.get(f"/calls/{call['id']}").json() for call in created]

    assert [call["created_at"] for call in after] == [call["created_at"] for call in created]
    assert {call["status"] for call in after} == {"received"}  # the advanced clock was kept
    assert [call["id"] for call in listed] == [call["id"] for call in reversed(created)]
    assert refused.status_code == 402  # 0.2 left: the balance was kept
    for call in ended:
        assert call["status"] == "completed"
        assert call["duration_sec"] == 30
        assert _seconds_between(call["created_at"], call["ended_at"]) == 38


def test_without_state_nothing_is_kept(small_wallet: Path) -> None:
    with EmulatorProcess("--config", small_wallet) as emulator, api(emulator) as client:
        assert client.post("/calls", json=CREATE).status_code == 201

    with EmulatorProcess("--config", small_wallet) as emulator, api(emulator) as client:
        assert client.get("/calls").json() == []


def test_every_acknowledged_call_survives_sigkill_in_a_burst(tmp_path: Path) -> None:
    """SIGKILL while creates are in flight: every call whose 201 arrived is there after a restart,
    and every stored call was paid for exactly once (the charge and the call commit together)."""
    state = tmp_path / "state.db"
    with EmulatorProcess("--config", FOUR_WORKSPACES, "--state", state) as emulator:
        acknowledged, failed = asyncio.run(_burst_then_kill(emulator))
    assert len(acknowledged) >= KILL_AFTER_ACKS
    assert failed, "the kill came after the burst, not during it"

    with (
        EmulatorProcess("--config", FOUR_WORKSPACES, "--state", state) as emulator,
        api(emulator, bearer("north")) as client,
    ):
        for call in acknowledged.values():
            kept = client.get(f"/calls/{call['id']}")
            assert kept.status_code == 200, f"acknowledged {call['id']} was lost"
            for field in ("id", "created_at", "metadata", "to_phone_number"):
                assert kept.json()[field] == call[field]

    store = SqliteStore(StateFile(state), {"north": Decimal(1000)})
    stored = list(store.newest_first("north"))
    assert len(stored) >= len(acknowledged)
    assert store.balance("north") == Decimal(1000) - len(stored) * Decimal("0.05")


async def _burst_then_kill(
    emulator: EmulatorProcess,
) -> tuple[dict[str, dict[str, Any]], list[BaseException]]:
    """STREAMS connections creating calls back to back; SIGKILL as the KILL_AFTER_ACKS-th 201
    arrives, while the others are still sending."""
    acknowledged: dict[str, dict[str, Any]] = {}
    failed: list[BaseException] = []

    async def stream(client: httpx.AsyncClient, first: int) -> None:
        for n in range(first, BURST, STREAMS):
            try:
                response = await client.post(
                    "/calls", json=create_body(n, "north"), headers=bearer("north")
                )
            except httpx.TransportError as exc:
                failed.append(exc)
                return
            assert response.status_code == 201, response.text
            acknowledged[response.json()["id"]] = response.json()
            if len(acknowledged) == KILL_AFTER_ACKS:
                emulator.kill()

    async with (
        asyncio.timeout(DEADLINE_SEC),
        clients_for(emulator.api, STREAMS, connections=1) as clients,
    ):
        await asyncio.gather(*(stream(clients[k % len(clients)], k) for k in range(STREAMS)))
    return acknowledged, failed


def _seconds_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--workers", "2"], "--workers needs --state"),
        (["--workers", "0"], "--workers must be at least 1"),
    ],
)
def test_workers_need_a_state_file(arguments: list[str], message: str) -> None:
    result = _run_cli(*arguments)

    assert result.returncode == 2
    assert message in result.stderr


def test_an_unusable_state_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    state.write_bytes(b"\x00" * 4096)

    result = _run_cli("--state", str(state))

    assert result.returncode == 2
    assert result.stderr.startswith(f"dialnexa-emulator: error: {state}: ")
    assert len(result.stderr.splitlines()) == 1
    assert result.stdout == ""


def _run_cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dialnexa_emulator", "--port", "0", *arguments],
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT_SEC,
        check=False,
    )
