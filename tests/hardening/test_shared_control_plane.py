"""`--workers N`: what the control plane sets or reads is one view for every worker. Two apps
built as the CLI builds each worker, on one state file, stand for two workers (deterministic:
each request goes to the worker the test picks); tests/hardening/test_workers.py does the same
over real HTTP with a connection pinned to each worker process."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from dialnexa_emulator import SyncASGITransport
from dialnexa_emulator._clock import parse_iso
from dialnexa_emulator.server._serving import ServeOptions, build_app

CONFIG = """
[[workspaces]]
id = "default"
balance = 100
call_cost = 0.05
numbers = ["+912234567890"]
telephony = { destinations = [{ country = "IN" }] }
agents = [{ id = "agt_abc123", versions = [{ number = 1 }] }]
webhooks = [{ url = "http://127.0.0.1:9/hook", secret = "whsec_configured" }]

[[workspaces.api_keys]]
id = "kid_demo"
secret = "sk_demo_secret"
rate_limit = { requests = 3, window_sec = 600 }
"""
CREATE = {"agent_id": "agt_abc123", "to_phone_number": "+919876543210"}


class Worker:
    def __init__(self, app: Starlette) -> None:
        transport = SyncASGITransport(app)
        headers = {"Authorization": "Bearer kid_demo:sk_demo_secret"}
        self.api = httpx.Client(transport=transport, base_url="http://e/v1", headers=headers)
        self.control = httpx.Client(transport=transport, base_url="http://e/_emulator")


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[tuple[Worker, Worker]]:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    options = ServeOptions(str(config), str(tmp_path / "state.db"), "anywhere", workers=2)
    apps = build_app(options), build_app(options)
    yield Worker(apps[0]), Worker(apps[1])
    for app in apps:
        app.state.emulator.webhooks.close()


def test_a_fault_armed_through_one_worker_strikes_through_the_other(
    workers: tuple[Worker, Worker],
) -> None:
    first, second = workers
    armed = first.control.post(
        "/faults", json={"operation": "listCalls", "status": 503, "count": 2}
    )
    assert armed.status_code == 201, armed.text

    assert second.control.get("/faults").json()[0]["id"] == armed.json()["id"]
    assert second.api.get("/calls").status_code == 503
    assert first.api.get("/calls").status_code == 503  # its second and last strike
    assert second.api.get("/calls").status_code == 200
    assert first.control.get("/faults").json() == []


def test_an_override_armed_through_one_worker_answers_through_the_other(
    workers: tuple[Worker, Worker],
) -> None:
    first, second = workers
    armed = first.control.post(
        "/overrides", json={"operation": "getCall", "status": 404, "times": 2}
    )
    assert armed.status_code == 201, armed.text
    call_id = second.api.post("/calls", json=CREATE).json()["id"]

    assert [o["id"] for o in second.control.get("/overrides").json()] == [armed.json()["id"]]
    assert second.api.get(f"/calls/{call_id}").status_code == 404
    assert first.api.get(f"/calls/{call_id}").status_code == 404  # its second and last
    assert second.api.get(f"/calls/{call_id}").status_code == 200
    assert first.control.get("/overrides").json() == []
    journal = first.control.get("/requests", params={"operation": "getCall"}).json()
    assert [e["override_id"] for e in journal] == [armed.json()["id"]] * 2 + [None]


def test_faults_disarmed_or_cleared_through_one_worker_are_gone_for_all(
    workers: tuple[Worker, Worker],
) -> None:
    first, second = workers
    ids = [
        first.control.post("/faults", json={"status": 500}).json()["id"],
        second.control.post("/faults", json={"status": 502}).json()["id"],
    ]
    assert len(set(ids)) == 2  # numbered across workers

    assert second.control.delete(f"/faults/{ids[0]}").status_code == 204
    assert [f["id"] for f in first.control.get("/faults").json()] == [ids[1]]
    assert first.control.delete("/faults").status_code == 204
    assert second.api.get("/calls").status_code == 200


def test_the_journal_holds_every_workers_requests_in_order(workers: tuple[Worker, Worker]) -> None:
    first, second = workers
    answers = [first.api.post("/calls", json=CREATE), second.api.get("/calls")]
    answers.append(first.api.get("/calls/call_unknown1"))

    journal = second.control.get("/requests").json()
    # Each answer's X-Request-Id is its entry's, whichever worker answered, none repeated.
    assert [e["request_id"] for e in journal] == [a.headers["x-request-id"] for a in answers]
    assert len({e["request_id"] for e in journal}) == 3

    assert [(e["operation"], e["status"]) for e in journal] == [
        ("createCall", 201),
        ("listCalls", 200),
        ("getCall", 404),
    ]
    assert [e["id"] for e in journal] == sorted({e["id"] for e in journal})
    assert "sk_demo_secret" not in str(journal)
    assert first.control.get("/requests", params={"operation": "listCalls"}).json() == [journal[1]]
    assert second.control.delete("/requests").status_code == 204
    assert first.control.get("/requests").json() == []


def test_a_keys_rate_limit_window_is_counted_across_workers(
    workers: tuple[Worker, Worker],
) -> None:
    first, second = workers
    remaining = [
        first.api.get("/calls").headers["X-RateLimit-Remaining"],
        second.api.get("/calls").headers["X-RateLimit-Remaining"],
        first.api.get("/calls").headers["X-RateLimit-Remaining"],
    ]

    assert remaining == ["2", "1", "0"]
    assert second.api.get("/calls").status_code == 429
    assert first.control.post("/reset").status_code == 204
    assert second.api.get("/calls").headers["X-RateLimit-Remaining"] == "2"


def test_the_clock_set_through_one_worker_is_every_workers(workers: tuple[Worker, Worker]) -> None:
    first, second = workers
    before = parse_iso(second.control.get("/clock").json()["now"])
    first.control.post("/clock/advance", json={"seconds": 3600})
    after = parse_iso(second.control.get("/clock").json()["now"])
    assert timedelta(hours=1) <= after - before < timedelta(hours=1, minutes=1)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/webhooks/endpoints", {"url": "http://127.0.0.1:9/x", "secret": "s"}),
        ("DELETE", "/webhooks/endpoints/webhook_1", None),
        ("GET", "/webhooks/deliveries", None),
        ("POST", "/webhooks/flush", None),
        ("POST", "/webhooks/faults", {"kind": "duplicate"}),
        ("DELETE", "/webhooks/faults", None),
        ("DELETE", "/webhooks/faults/webhook_fault_1", None),
    ],
)
def test_webhook_routes_that_would_act_on_one_worker_are_refused(
    workers: tuple[Worker, Worker], method: str, path: str, body: object
) -> None:
    first, _ = workers
    response = first.control.request(method, path, json=body)

    assert response.status_code == 409, response.text
    assert response.json()["error"] == "Conflict"
    assert "with 2 workers" in response.json()["message"]
    # What every worker agrees on is still answered: the configured endpoints, no faults.
    assert [e["url"] for e in first.control.get("/webhooks/endpoints").json()] == [
        "http://127.0.0.1:9/hook"
    ]
    assert first.control.get("/webhooks/faults").json() == []
