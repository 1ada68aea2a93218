"""Injected faults: statuses, latency, commit-then-drop, commit-then-5xx; matching, counting,
listing, disarming, clearing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

from dialnexa_emulator import ConnectionDropped, Emulator
from dialnexa_emulator._faults import FaultError
from tests.emulator.conftest import MINIMAL_REQUEST, error_message

FAULT_MESSAGES = {
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
    429: "Too many requests. Please slow down and retry after a moment.",
}


def arm(control: httpx.Client, **fault: Any) -> str:
    response = control.post("/faults", json=fault)
    assert response.status_code == 201, response.text
    fault_id: str = response.json()["id"]
    return fault_id


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_a_status_fault_answers_in_the_envelope(
    api: httpx.Client, control: httpx.Client, status: int
) -> None:
    arm(control, operation="listCalls", status=status)

    response = api.get("/calls")

    assert error_message(response, status) == FAULT_MESSAGES[status]
    assert api.get("/calls").status_code == 200  # count defaults to 1


def test_an_injected_429_has_every_header_the_spec_requires(
    api: httpx.Client, control: httpx.Client
) -> None:
    arm(control, status=429, retry_after=7)

    response = api.get("/calls")

    assert response.headers["Retry-After"] == "7"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert int(response.headers["X-RateLimit-Reset"]) == 1709287200 + 7


def test_a_503_carries_retry_after_only_when_asked(
    api: httpx.Client, control: httpx.Client
) -> None:
    arm(control, status=503, retry_after=2)
    arm(control, status=503)

    assert api.get("/calls").headers["Retry-After"] == "2"
    assert "Retry-After" not in api.get("/calls").headers


def test_a_fault_hits_the_next_count_matching_requests_only(
    api: httpx.Client, control: httpx.Client
) -> None:
    arm(control, operation="createCall", count=2, status=502)

    assert api.get("/calls").status_code == 200  # another operation
    assert api.post("/calls", json=MINIMAL_REQUEST).status_code == 502
    assert api.post("/calls", json=MINIMAL_REQUEST).status_code == 502
    assert api.post("/calls", json=MINIMAL_REQUEST).status_code == 201
    assert len(api.get("/calls").json()) == 1  # faulted creates stored nothing


def test_a_fault_without_operation_hits_any_operation(
    api: httpx.Client, control: httpx.Client
) -> None:
    arm(control, operation=None, count=3, status=500)

    statuses = [
        api.get("/calls").status_code,
        api.get("/calls/call_abc123").status_code,
        api.post("/calls", json=MINIMAL_REQUEST).status_code,
        api.get("/calls").status_code,
    ]

    assert statuses == [500, 500, 500, 200]


def test_faults_strike_before_auth(api: httpx.Client, control: httpx.Client) -> None:
    """They stand for the gateway in front of the API: nobody gets past them."""
    arm(control, status=503)

    response = api.get("/calls", headers={"Authorization": "Bearer nobody:nothing"})

    assert response.status_code == 503


def test_faults_are_served_oldest_first(api: httpx.Client, control: httpx.Client) -> None:
    arm(control, status=500)
    arm(control, status=502)

    assert [api.get("/calls").status_code for _ in range(3)] == [500, 502, 200]


def test_delete_clears_every_fault(api: httpx.Client, control: httpx.Client) -> None:
    arm(control, count=5, status=500)

    assert control.delete("/faults").status_code == 204

    assert api.get("/calls").status_code == 200


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """Latency a request was given, recorded instead of slept."""
    recorded: list[float] = []

    async def record(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(anyio, "sleep", record)
    yield recorded


def test_latency_delays_an_otherwise_normal_answer(
    api: httpx.Client, control: httpx.Client, sleeps: list[float]
) -> None:
    arm(control, operation="createCall", latency_ms=1500)

    response = api.post("/calls", json=MINIMAL_REQUEST)

    assert response.status_code == 201
    assert sleeps == [1.5]


def test_latency_combines_with_a_status(
    api: httpx.Client, control: httpx.Client, sleeps: list[float]
) -> None:
    arm(control, latency_ms=250, status=503)

    assert api.get("/calls").status_code == 503
    assert sleeps == [0.25]


class TestDropAfterCommit:
    def test_the_call_is_created_but_the_caller_gets_a_transport_error(
        self, api: httpx.Client, control: httpx.Client, emulator: Emulator
    ) -> None:
        arm(control, operation="createCall", drop_after_commit=True)
        balance = emulator.store.balance("default")

        with pytest.raises(httpx.TransportError) as raised:
            api.post("/calls", json={**MINIMAL_REQUEST, "metadata": {"attempt": "a-1"}})

        assert isinstance(raised.value, ConnectionDropped)
        assert isinstance(raised.value, httpx.RemoteProtocolError)
        [call] = api.get("/calls").json()
        assert call["metadata"] == {"attempt": "a-1"}
        assert emulator.store.balance("default") < balance  # and it was paid for

    def test_only_the_next_request_is_dropped(
        self, api: httpx.Client, control: httpx.Client
    ) -> None:
        arm(control, operation="createCall", drop_after_commit=True)
        with pytest.raises(ConnectionDropped):
            api.post("/calls", json=MINIMAL_REQUEST)

        assert api.post("/calls", json=MINIMAL_REQUEST).status_code == 201
        assert len(api.get("/calls").json()) == 2

    @pytest.mark.anyio
    async def test_async_clients_see_it_too(self, app: Any, control: httpx.Client) -> None:
        arm(control, operation="createCall", drop_after_commit=True)
        transport = httpx.ASGITransport(app)
        headers = {"Authorization": "Bearer kid_demo:sk_demo_secret"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://emulator/v1", headers=headers
        ) as client:
            with pytest.raises(httpx.RemoteProtocolError):
                await client.post("/calls", json=MINIMAL_REQUEST)
            assert len((await client.get("/calls")).json()) == 1


class TestArming:
    @pytest.mark.parametrize(
        ("body", "message"),
        [
            (
                {"operation": "deleteCall", "status": 500},
                "operation must be one of createCall, getCall, listCalls or null, not 'deleteCall'",
            ),
            (
                {"status": 404},
                "status must be one of the following values: 429, 500, 502, 503, 504, null",
            ),
            ({"status": 500, "count": 0}, "count must not be less than 1"),
            (
                {"status": 500, "retry_after": 3},
                "retry_after is a number of seconds ≥ 0, for status 429 or 503 only",
            ),
            (
                {"status": 429, "retry_after": -1},
                "retry_after must not be less than 0",
            ),
            ({"latency_ms": -5}, "latency_ms must not be less than 0"),
            (
                {"status": 500, "drop_after_commit": True},
                "a fault either answers with a status or drops the connection, not both",
            ),
            ({}, "a fault needs a status, latency_ms or drop_after_commit"),
            (
                {"operation": "createCall", "count": 2},
                "a fault needs a status, latency_ms or drop_after_commit",
            ),
            ({"status": "500"}, "status must be an integer number or null"),
            ({"status": 500, "times": 2}, "property times should not exist"),
        ],
    )
    def test_bad_faults_are_400(
        self, control: httpx.Client, body: dict[str, Any], message: str
    ) -> None:
        response = control.post("/faults", json=body)

        assert error_message(response, 400) == message

    def test_bad_faults_arm_nothing(self, api: httpx.Client, control: httpx.Client) -> None:
        control.post("/faults", json={"status": 500, "drop_after_commit": True})

        assert api.get("/calls").status_code == 200

    def test_integer_valued_floats_are_integers(
        self, api: httpx.Client, control: httpx.Client
    ) -> None:
        arm(control, status=500.0, count=2.0)

        assert [api.get("/calls").status_code for _ in range(3)] == [500, 500, 200]

    def test_the_python_handle_arms_the_same_faults(
        self, api: httpx.Client, emulator: Emulator
    ) -> None:
        emulator.faults.add(operation="getCall", status=503, retry_after=1)

        assert api.get("/calls").status_code == 200
        assert api.get("/calls/call_abc123").status_code == 503
        with pytest.raises(FaultError, match="count must be at least 1"):
            emulator.faults.add(status=500, count=0)


class TestAfterCommit:
    def test_the_call_is_created_and_paid_for_then_a_5xx_answers(
        self, api: httpx.Client, control: httpx.Client, emulator: Emulator
    ) -> None:
        before = emulator.balance("default")
        arm(control, operation="createCall", status=504, after_commit=True)

        response = api.post("/calls", json=MINIMAL_REQUEST)

        assert error_message(response, 504) == "Gateway timeout"
        [call] = api.get("/calls").json()
        assert call["to_phone_number"] == MINIMAL_REQUEST["to_phone_number"]
        assert emulator.balance("default") == before - emulator.workspaces["default"].call_cost

    def test_it_needs_a_status(self, control: httpx.Client) -> None:
        response = control.post("/faults", json={"after_commit": True, "latency_ms": 5})

        assert error_message(response, 400) == (
            "after_commit needs a status to answer with once the request took effect"
        )


class TestListingAndDisarming:
    def test_armed_faults_are_listed_oldest_first_with_what_remains(
        self, api: httpx.Client, control: httpx.Client
    ) -> None:
        first = arm(control, operation="getCall", status=503, retry_after=2, count=2)
        second = arm(control, latency_ms=10)
        api.get("/calls/call_abc")  # the first strikes once

        faults = control.get("/faults").json()

        assert faults == [
            {
                "id": first,
                "operation": "getCall",
                "remaining": 1,
                "status": 503,
                "retry_after": 2,
                "latency_ms": 0,
                "drop_after_commit": False,
                "after_commit": False,
            },
            {
                "id": second,
                "operation": None,
                "remaining": 1,
                "status": None,
                "retry_after": None,
                "latency_ms": 10,
                "drop_after_commit": False,
                "after_commit": False,
            },
        ]

    def test_one_fault_is_disarmed_by_id(self, api: httpx.Client, control: httpx.Client) -> None:
        kept = arm(control, operation="createCall", status=500)
        removed = arm(control, operation="listCalls", status=500)

        response = control.delete(f"/faults/{removed}")

        assert response.status_code == 204
        assert [f["id"] for f in control.get("/faults").json()] == [kept]
        assert api.get("/calls").status_code == 200

    def test_an_unknown_or_spent_fault_is_404(
        self, api: httpx.Client, control: httpx.Client
    ) -> None:
        spent = arm(control, operation="listCalls", status=500)
        api.get("/calls")

        response = control.delete(f"/faults/{spent}")

        assert error_message(response, 404) == f"No armed fault has the id {spent}"
        assert error_message(control.delete("/faults/nope"), 400) == (
            "fault_id must match ^fault_[0-9]+$ regular expression"
        )

    def test_the_python_handle_lists_and_removes_them(self, emulator: Emulator) -> None:
        fault_id = emulator.faults.add(status=502)

        assert [f.id for f in emulator.faults.armed()] == [fault_id]
        assert emulator.faults.remove(fault_id)
        assert not emulator.faults.remove(fault_id)
        assert emulator.faults.armed() == []
