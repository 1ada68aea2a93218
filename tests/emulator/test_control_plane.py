"""The /_emulator/ control plane: reset, the clock, and who may use it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from dialnexa_emulator import Emulator, FrozenClock, SyncASGITransport, SystemClock
from tests.emulator.conftest import MINIMAL_REQUEST, error_message


def test_reset_forgets_calls_and_restores_balances_faults_and_clock(
    api: httpx.Client, control: httpx.Client, emulator: Emulator, clock: FrozenClock
) -> None:
    initial_balance = emulator.store.balance("default")
    api.post("/calls", json=MINIMAL_REQUEST)
    clock.advance(3600)
    control.post("/faults", json={"status": 500, "count": 10})

    response = control.post("/reset")

    assert response.status_code == 204
    assert api.get("/calls").json() == []
    assert emulator.store.balance("default") == initial_balance
    assert clock.now() == FrozenClock().now()


def test_the_python_handle_resets_the_same_way(api: httpx.Client, emulator: Emulator) -> None:
    call_id = api.post("/calls", json=MINIMAL_REQUEST).json()["id"]
    emulator.faults.add(status=502)

    emulator.reset()

    assert api.get(f"/calls/{call_id}").status_code == 404


def test_advancing_the_clock_answers_the_new_time(api: httpx.Client, control: httpx.Client) -> None:
    call_id = api.post("/calls", json=MINIMAL_REQUEST).json()["id"]

    response = control.post("/clock/advance", json={"seconds": 90.5})

    assert response.status_code == 200
    assert response.json() == {"now": "2024-03-01T10:01:30.500Z"}
    assert api.get(f"/calls/{call_id}").json()["status"] == "completed"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "seconds should not be empty"),
        ({"seconds": -1}, "seconds must not be less than 0"),
        ({"seconds": "10"}, "seconds must be a number"),
        ({"seconds": 1e12}, "seconds must not be greater than 316224000"),
        ({"seconds": 1, "minutes": 2}, "property minutes should not exist"),
    ],
)
def test_bad_clock_moves_are_400(control: httpx.Client, body: dict[str, Any], message: str) -> None:
    response = control.post("/clock/advance", json=body)

    assert error_message(response, 400) == message


def test_control_bodies_must_be_json(control: httpx.Client) -> None:
    response = control.post("/clock/advance", content=b"seconds=5")

    assert error_message(response, 400) == "Content-Type must be application/json"


def test_wrong_methods_get_the_envelope(control: httpx.Client) -> None:
    response = control.get("/reset")

    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_the_system_clock_runs_on_its_own_and_can_be_pushed() -> None:
    clock = SystemClock()
    before = clock.now()

    clock.advance(3600)

    assert (clock.now() - before).total_seconds() >= 3600
    clock.reset()
    assert (clock.now() - before).total_seconds() < 3600


@pytest.mark.parametrize("clock", [FrozenClock(), SystemClock()])
def test_clocks_only_move_forward(clock: FrozenClock | SystemClock) -> None:
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(float("nan"))


class TestAccess:
    def client_from(self, app: Starlette, host: str) -> httpx.Client:
        transport = SyncASGITransport(app, client=(host, 50000))
        return httpx.Client(transport=transport, base_url="http://emulator/_emulator")

    @pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
    def test_loopback_clients_may_use_it_when_restricted(
        self, app: Starlette, emulator: Emulator, host: str
    ) -> None:
        emulator.control_plane = "loopback"
        with self.client_from(app, host) as client:
            assert client.post("/reset").status_code == 204

    @pytest.mark.parametrize("host", ["10.0.0.7", "192.168.1.20", "2001:db8::1", "testclient"])
    def test_other_clients_are_403_when_restricted(
        self, app: Starlette, emulator: Emulator, host: str
    ) -> None:
        emulator.control_plane = "loopback"
        with self.client_from(app, host) as client:
            response = client.post("/reset")

        assert error_message(response, 403) == (
            "The emulator's control plane only answers loopback clients"
        )

    def test_in_process_use_is_open_by_default(self, app: Starlette) -> None:
        with self.client_from(app, "10.0.0.7") as client:
            assert client.post("/reset").status_code == 204

    def test_off_hides_it(self, app: Starlette, emulator: Emulator) -> None:
        emulator.control_plane = "off"
        with self.client_from(app, "127.0.0.1") as client:
            response = client.post("/faults", json={"status": 500})

        assert error_message(response, 404) == "Cannot POST /_emulator/faults"

    def test_the_api_itself_is_open_to_everyone(self, app: Starlette, emulator: Emulator) -> None:
        emulator.control_plane = "loopback"
        with self.client_from(app, "10.0.0.7") as client:
            response = client.get("http://emulator/v1/calls")

        assert response.status_code == 401  # no key: the API answered, not the guard
