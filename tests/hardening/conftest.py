"""Shared by the hardening tests: the four-workspace config, its keys, and an emulator served over
real HTTP on a free loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest

from tests.hardening.emulator_process import EmulatorProcess

FOUR_WORKSPACES = Path(__file__).with_name("four_workspaces.toml")
KEYS = {
    "north": "kid_north:sk_north_secret",
    "canary": "kid_canary:sk_canary_Qx7tVz3mR9wK2pLd",
    "east": "kid_east:sk_east_secret",
    "west": "kid_west:sk_west_secret",
}
CANARY_SECRET = KEYS["canary"].partition(":")[2]
CREATE: dict[str, Any] = {"agent_id": "agt_abc123", "to_phone_number": "+919876543210"}
ENVELOPE_KEYS = {"statusCode", "message", "error"}


def bearer(workspace: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[workspace]}"}


class Answer(Protocol):
    """An HTTP response: httpx's, or one read off a raw socket."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


def assert_envelope(response: Answer, status: int | None = None) -> None:
    """A 4xx in DialNexa's envelope (with this status, when given)."""
    assert 400 <= response.status_code < 500, response.text
    if status is not None:
        assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == ENVELOPE_KEYS, body
    assert body["statusCode"] == response.status_code
    assert isinstance(body["error"], str)
    assert isinstance(body["message"], str | list)


@pytest.fixture(scope="module")
def served() -> Iterator[EmulatorProcess]:
    """`dialnexa-emulator --config four_workspaces.toml`, one per test module."""
    with EmulatorProcess("--config", FOUR_WORKSPACES) as emulator:
        yield emulator
