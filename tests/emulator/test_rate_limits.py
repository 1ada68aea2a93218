"""Optional per-key rate limits: X-RateLimit-* on every response, 429 with Retry-After."""

from __future__ import annotations

import httpx
import pytest

from dialnexa_emulator import EmulatorConfig, FrozenClock
from dialnexa_emulator._auth import ApiKey
from dialnexa_emulator._ratelimit import RateLimit
from tests.emulator.conftest import MINIMAL_REQUEST, error_message, with_default_workspace

# The frozen clock starts at 2024-03-01T10:00:00Z.
START_UNIX = 1709287200


@pytest.fixture
def config() -> EmulatorConfig:
    key = ApiKey("kid_demo", "sk_demo_secret", "default", RateLimit(requests=3, window_sec=60))
    return with_default_workspace(api_keys=(key,))


def test_every_response_reports_the_window(api: httpx.Client) -> None:
    responses = [
        api.post("/calls", json=MINIMAL_REQUEST),
        api.get("/calls"),
        api.get("/calls/call_unknown1"),  # errors count and report too
    ]

    assert [r.headers["X-RateLimit-Remaining"] for r in responses] == ["2", "1", "0"]
    for response in responses:
        assert response.headers["X-RateLimit-Limit"] == "3"
        assert response.headers["X-RateLimit-Reset"] == str(START_UNIX + 60)


def test_over_the_limit_is_429_with_retry_after(api: httpx.Client, clock: FrozenClock) -> None:
    for _ in range(3):
        api.get("/calls")
    clock.advance(15.5)

    response = api.post("/calls", json=MINIMAL_REQUEST)

    assert error_message(response, 429) == (
        "Too many requests. Please slow down and retry after a moment."
    )
    assert response.headers["Retry-After"] == "45"  # 44.5 s left, rounded up
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert response.headers["X-RateLimit-Reset"] == str(START_UNIX + 60)
    assert api.get("/calls").status_code == 429  # refused requests do not free the window


def test_a_new_window_starts_when_the_old_one_ends(api: httpx.Client, clock: FrozenClock) -> None:
    for _ in range(4):
        api.get("/calls")
    clock.advance(60)

    response = api.get("/calls")

    assert response.status_code == 200
    assert response.headers["X-RateLimit-Remaining"] == "2"
    assert response.headers["X-RateLimit-Reset"] == str(START_UNIX + 120)


def test_limits_are_per_key(api: httpx.Client, acme: httpx.Client) -> None:
    for _ in range(4):
        api.get("/calls")

    response = acme.get("/calls")

    assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response.headers  # acme's key has no limit


def test_unauthenticated_requests_do_not_use_the_window(api: httpx.Client) -> None:
    for _ in range(5):
        api.get("/calls", headers={"Authorization": "Bearer kid_demo:wrong"})

    assert api.get("/calls").headers["X-RateLimit-Remaining"] == "2"


def test_reset_forgets_the_windows(api: httpx.Client, control: httpx.Client) -> None:
    for _ in range(4):
        api.get("/calls")

    control.post("/reset")

    assert api.get("/calls").status_code == 200
