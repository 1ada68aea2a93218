"""The /_emulator/ control plane: reset, the clock, wallets, every call, its description, and
who may use it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate
from starlette.applications import Starlette
from starlette.routing import Route

from dialnexa_emulator import Emulator, FrozenClock, SyncASGITransport, SystemClock
from tests.emulator.conftest import MINIMAL_REQUEST, SPEC, error_message


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

    assert error_message(response, 415) == (
        "A body sent to the control plane needs Content-Type: application/json"
    )


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


class TestDescription:
    """control_plane.yaml describes every control route, and is what the emulator serves."""

    def test_every_control_route_is_described_and_every_description_routed(
        self, app: Starlette
    ) -> None:
        document = app.state.emulator.control.document
        described = {
            (method.upper(), "/_emulator" + path)
            for path, item in document["paths"].items()
            for method in item
            if method in ("get", "put", "post", "delete", "patch")
        }
        routed = {
            (method, route.path)
            for route in app.routes
            if isinstance(route, Route) and route.path.startswith("/_emulator/")
            for method in route.methods or ()
            if method != "HEAD"
        }

        assert routed == described

    def test_it_is_served_as_valid_openapi(self, control: httpx.Client) -> None:
        response = control.get("/openapi.json")

        assert response.status_code == 200
        validate(response.json())  # OpenAPI 3.1, every $ref resolvable in the document itself
        assert all(ref.startswith("#/") for ref in _refs(response.json()))

    def test_its_calls_listing_filters_as_list_calls_does(self, app: Starlette) -> None:
        document = app.state.emulator.control.document
        listing = {p["name"] for p in document["paths"]["/calls"]["get"]["parameters"]}
        api = {p["name"] for p in SPEC["paths"]["/calls"]["get"]["parameters"]}

        assert listing == api | {"workspace_id"}


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    return []


def test_health_needs_no_key_and_names_the_spec(control: httpx.Client) -> None:
    response = control.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "spec_version": SPEC["info"]["version"]}


class TestClock:
    def test_reading_it_does_not_move_it(self, control: httpx.Client) -> None:
        first = control.get("/clock").json()

        assert first == {"now": "2024-03-01T10:00:00.000Z"}
        assert control.get("/clock").json() == first

    def test_it_can_be_set_forward_and_calls_follow(
        self, api: httpx.Client, control: httpx.Client
    ) -> None:
        call_id = api.post("/calls", json=MINIMAL_REQUEST).json()["id"]

        response = control.put("/clock", json={"now": "2024-03-01T15:30:00+05:30"})

        assert response.json() == {"now": "2024-03-01T10:00:00.000Z"}  # the same instant
        response = control.put("/clock", json={"now": "2024-03-02T00:00:00Z"})
        assert response.json() == {"now": "2024-03-02T00:00:00.000Z"}
        assert api.get(f"/calls/{call_id}").json()["status"] == "completed"

    def test_it_goes_back_but_never_past_a_call(
        self, api: httpx.Client, control: httpx.Client, clock: FrozenClock
    ) -> None:
        assert control.put("/clock", json={"now": "2024-01-01T00:00:00Z"}).status_code == 200
        clock.advance(3600)
        call_id = api.post("/calls", json=MINIMAL_REQUEST).json()["id"]

        response = control.put("/clock", json={"now": "2024-01-01T00:59:59Z"})

        assert error_message(response, 400) == (
            f"The clock cannot go back past the newest call, {call_id}, created at "
            "2024-01-01T01:00:00.000Z"
        )
        assert control.put("/clock", json={"now": "2024-01-01T01:00:00Z"}).status_code == 200

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ({"now": "tomorrow"}, "now must be an RFC 3339 date-time"),
            ({"now": "2024-03-01T10:00:00"}, "now must be an RFC 3339 date-time"),
            ({}, "now should not be empty"),
        ],
    )
    def test_a_bad_time_is_400(
        self, control: httpx.Client, body: dict[str, Any], message: str
    ) -> None:
        response = control.put("/clock", json=body)

        assert str(error_message(response, 400)).startswith(message)

    @pytest.mark.parametrize("clock", [FrozenClock(), SystemClock()])
    def test_every_clock_can_be_set(self, clock: FrozenClock | SystemClock) -> None:
        moment = datetime(2030, 1, 1, tzinfo=UTC)

        clock.set(moment)

        assert abs((clock.now() - moment).total_seconds()) < 60
        clock.advance(60)
        assert clock.now() >= moment + timedelta(seconds=60)


class TestWallets:
    def test_a_balance_can_be_read_and_set_to_make_creates_402(
        self, api: httpx.Client, control: httpx.Client
    ) -> None:
        assert control.get("/wallets/default").json() == {
            "workspace_id": "default",
            "balance": 1000000.0,
            "call_cost": 0.05,
        }

        response = control.put("/wallets/default", json={"balance": 0.04})

        assert response.json()["balance"] == 0.04
        assert error_message(api.post("/calls", json=MINIMAL_REQUEST), 402) == (
            "Insufficient billing wallet balance"
        )
        control.put("/wallets/default", json={"balance": 0.05})
        assert api.post("/calls", json=MINIMAL_REQUEST).status_code == 201
        assert control.get("/wallets/default").json()["balance"] == 0

    def test_reset_restores_it(self, control: httpx.Client, emulator: Emulator) -> None:
        control.put("/wallets/acme", json={"balance": 1})

        control.post("/reset")

        assert emulator.balance("acme") == 500

    def test_an_unknown_workspace_is_404(self, control: httpx.Client) -> None:
        assert error_message(control.get("/wallets/nope"), 404) == "Workspace nope not found"
        response = control.put("/wallets/nope", json={"balance": 1})
        assert error_message(response, 404) == "Workspace nope not found"

    def test_a_negative_balance_is_400(self, control: httpx.Client) -> None:
        response = control.put("/wallets/default", json={"balance": -1})

        assert error_message(response, 400) == "balance must not be less than 0"

    def test_the_python_handle_sets_it_exactly(self, emulator: Emulator) -> None:
        emulator.set_balance(0.1, workspace_id="default")

        assert emulator.balance("default") == Decimal("0.1")


class TestCalls:
    def test_every_workspaces_calls_newest_first_with_their_workspace(
        self, api: httpx.Client, acme: httpx.Client, control: httpx.Client, clock: FrozenClock
    ) -> None:
        first = api.post("/calls", json=MINIMAL_REQUEST).json()["id"]
        clock.advance(1)
        acme_request = {"agent_id": "agt_acme_support", "to_phone_number": "+447400123456"}
        second = acme.post("/calls", json=acme_request).json()["id"]

        calls = control.get("/calls").json()

        assert [(c["id"], c["workspace_id"]) for c in calls] == [
            (second, "acme"),
            (first, "default"),
        ]
        only_acme = control.get("/calls", params={"workspace_id": "acme"}).json()
        assert [c["id"] for c in only_acme] == [second]

    def test_filters_and_pages_as_list_calls_does(
        self, api: httpx.Client, control: httpx.Client
    ) -> None:
        busy = {**MINIMAL_REQUEST, "to_phone_number": "+919876500002"}
        ids = [api.post("/calls", json=busy).json()["id"] for _ in range(3)]
        api.post("/calls", json=MINIMAL_REQUEST)
        control.post("/clock/advance", json={"seconds": 600})

        found = control.get("/calls", params={"status": "busy", "limit": 2, "page": 2}).json()

        assert [c["id"] for c in found] == [ids[0]]
        by_number = control.get("/calls", params={"to_phone_number": "+919876500002"}).json()
        assert len(by_number) == 3

    def test_a_bad_filter_is_400(self, control: httpx.Client) -> None:
        response = control.get("/calls", params={"status": "ringing"})

        assert str(error_message(response, 400)).startswith("status[0] must be one of")
