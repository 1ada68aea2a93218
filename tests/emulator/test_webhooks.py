"""Webhook delivery: every test number's events on a frozen clock, signed and as the spec says;
retries, a dead receiver, each delivery fault, the control routes and the config."""

from __future__ import annotations

import hashlib
import hmac
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dialnexa_emulator import (
    ConfigError,
    Emulator,
    FrozenClock,
    WebhookReceiver,
    create_app,
    default_config,
)
from dialnexa_emulator._config import parse_config
from dialnexa_emulator.webhooks._delivery import RETRY_DELAYS_SEC
from tests.emulator.conftest import VALIDATOR_AT, api_client, error_message

SCHEMAS = {
    "call_initiated": VALIDATOR_AT("/components/schemas/CallInitiatedEvent"),
    "call_ended": VALIDATOR_AT("/components/schemas/CallEndedEvent"),
}
# Every test number of the built-in config, and a number no rule matches (completes).
TEST_NUMBERS = [(rule.number, rule.outcome) for rule in default_config().outcomes]
TEST_NUMBERS.append(("+919876543210", "completed"))
HANGUP_REASONS = {
    "did_not_pick": "user_did_not_pick_up",
    "busy": "user_busy",
    "no_answer": "user_unreachable",
    "failed": "network_failure",
    "cancelled": "unknown",
    "retry_expired": "user_did_not_pick_up",
}
END_OF_ANY_CALL_SEC = 600


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(secret="whsec_tests") as served:
        yield served


@pytest.fixture
def emulator(app: Starlette, receiver: WebhookReceiver) -> Iterator[Emulator]:
    """The emulator with one endpoint, at `receiver`, which starts each test empty."""
    receiver.clear()
    handle: Emulator = app.state.emulator
    handle.webhooks.add_endpoint(receiver.url, receiver.secret)
    yield handle
    handle.webhooks.close()


def place(api: httpx.Client, to: str = "+919876543210") -> dict[str, Any]:
    response = api.post("/calls", json={"agent_id": "agt_abc123", "to_phone_number": to})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def advance(emulator: Emulator, seconds: float) -> None:
    emulator.clock.advance(seconds)
    emulator.webhooks.flush()


def signed_right(delivery: Any, secret: str) -> bool:
    expected = hmac.new(secret.encode(), delivery.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(delivery.headers["x-dialnexa-signature"], expected)


def closed_port_url() -> str:
    """A loopback URL nothing listens on: connections to it are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/hook"


@pytest.mark.parametrize(("number", "outcome"), TEST_NUMBERS)
def test_each_test_number_delivers_its_events_when_the_clock_passes_them(
    api: httpx.Client, emulator: Emulator, receiver: WebhookReceiver, number: str, outcome: str
) -> None:
    call = place(api, number)
    emulator.webhooks.flush()
    started = [d.event_type for d in receiver.deliveries]
    # With the default timing a call is `initiated` at once, and only a cancelled one ends then.
    assert started == (["call_ended"] if outcome == "cancelled" else ["call_initiated"])

    advance(emulator, END_OF_ANY_CALL_SEC)

    deliveries = receiver.deliveries
    expected = ["call_ended"] if outcome == "cancelled" else ["call_initiated", "call_ended"]
    assert [d.event_type for d in deliveries] == expected
    for delivery in deliveries:
        assert signed_right(delivery, receiver.secret)
        assert delivery.headers["content-type"] == "application/json"
        assert delivery.headers["user-agent"] == "DialNexa-External-Webhook/1.0"
        errors = [
            e.message for e in SCHEMAS[delivery.event_type or ""].iter_errors(delivery.json())
        ]
        assert not errors, errors
        assert delivery.call["id"] == call["id"]
        assert delivery.call["to_number"] == number.removeprefix("+")
        assert delivery.call["from_number"] == call["from_phone_number"].removeprefix("+")
    ended = deliveries[-1].call
    final = api.get(f"/calls/{call['id']}").json()
    assert final["status"] == outcome
    if outcome == "completed":
        assert ended["status"] == "completed"
        assert ended["duration"] == final["duration_sec"] > 0
        assert ended["transcript"] == final["transcript"]
    else:
        assert ended["status"] == "hangup"
        assert ended["hangup_reason"] == ended["disconnection_reason"] == HANGUP_REASONS[outcome]
        assert "duration" not in ended
    assert (ended["initiated_at"] is None) == (outcome == "cancelled")


def test_call_ended_waits_for_the_end_of_the_call(
    api: httpx.Client, emulator: Emulator, receiver: WebhookReceiver
) -> None:
    place(api, "+919876500007")  # 142 s of talk: ends 3 + 5 + 142 = 150 s after creation

    advance(emulator, 149.9)
    assert [d.event_type for d in receiver.deliveries] == ["call_initiated"]
    advance(emulator, 0.1)
    assert [d.event_type for d in receiver.deliveries] == ["call_initiated", "call_ended"]


def test_a_call_is_delivered_once_per_event_to_each_subscribed_endpoint_of_its_workspace(
    api: httpx.Client, acme: httpx.Client, emulator: Emulator, receiver: WebhookReceiver
) -> None:
    emulator.webhooks.add_endpoint(receiver.url + "ended", "s2", events=["call_ended"])
    emulator.webhooks.add_endpoint(receiver.url + "off", "s3", active=False)
    emulator.webhooks.add_endpoint(receiver.url + "acme", "s4", workspace_id="acme")
    place(api)

    advance(emulator, END_OF_ANY_CALL_SEC)

    assert sorted((d.path, d.event_type) for d in receiver.deliveries) == [
        ("/", "call_ended"),
        ("/", "call_initiated"),
        ("/ended", "call_ended"),
    ]


@pytest.mark.parametrize("failures", [0, 1, 2, 3])
def test_a_failed_delivery_is_retried_with_backoff_until_acknowledged(
    api: httpx.Client, emulator: Emulator, receiver: WebhookReceiver, failures: int
) -> None:
    receiver.fail_next(failures, status=503)
    call = place(api, "+919876500005")  # cancelled at once: a single call_ended

    emulator.webhooks.flush()
    for delay in RETRY_DELAYS_SEC[:failures]:
        advance(emulator, delay - 0.001)
        assert len(receiver.deliveries) == 1 + RETRY_DELAYS_SEC.index(delay)  # not due yet
        advance(emulator, 0.001)

    received = receiver.deliveries
    assert [d.status for d in received] == [503] * failures + [200]
    assert len({d.body for d in received}) == 1  # sent again identically
    (delivery,) = emulator.webhooks.deliveries(call_id=call["id"])
    assert delivery.state == "delivered"
    assert [a.status_code for a in delivery.attempts] == [503] * failures + [200]
    assert [a.error for a in delivery.attempts] == ["answered 503"] * failures + [None]


def test_retries_stop_at_the_endpoints_retry_count(
    api: httpx.Client, emulator: Emulator, receiver: WebhookReceiver
) -> None:
    receiver.fail_next(10, status=500)
    place(api, "+919876500005")

    advance(emulator, 0)
    for delay in RETRY_DELAYS_SEC:
        advance(emulator, delay)
    advance(emulator, 3600)

    assert [d.status for d in receiver.deliveries] == [500] * 4  # the first try and 3 retries
    (delivery,) = emulator.webhooks.deliveries()
    assert delivery.state == "failed"


def test_a_dead_receiver_fails_alone(
    api: httpx.Client, emulator: Emulator, receiver: WebhookReceiver
) -> None:
    dead = emulator.webhooks.add_endpoint(closed_port_url(), "s", retries=1)
    calls = [place(api), place(api, "+919876500002")]

    advance(emulator, END_OF_ANY_CALL_SEC)
    advance(emulator, RETRY_DELAYS_SEC[0])

    assert sorted((d.call["id"], d.event_type) for d in receiver.deliveries) == sorted(
        (call["id"], event) for call in calls for event in ("call_initiated", "call_ended")
    )
    failed = emulator.webhooks.deliveries(endpoint_id=dead.id)
    assert len(failed) == 4
    for delivery in failed:
        assert delivery.state == "failed"
        assert len(delivery.attempts) == 2
        assert all(a.status_code is None and a.error for a in delivery.attempts)


def test_creating_calls_never_waits_for_a_receiver(
    api: httpx.Client, emulator: Emulator, receiver: WebhookReceiver
) -> None:
    release = threading.Event()

    async def stuck(request: Request) -> Response:
        await request.body()
        release.wait(30)  # blocks the receiver's server until the test lets go
        return Response(status_code=204)

    receiver.forward_to(Starlette(routes=[Route("/", stuck, methods=["POST"])]))
    place(api)
    try:
        # The first delivery is stuck in the receiver; the API still answers every request.
        for _ in range(3):
            place(api)
    finally:
        release.set()
    emulator.webhooks.flush()
    assert [d.status for d in receiver.deliveries] == [204] * 4


def test_delay_fault_sends_late_on_the_emulators_clock(
    api: httpx.Client, emulator: Emulator, receiver: WebhookReceiver
) -> None:
    emulator.webhooks.add_fault("delay", delay_sec=30, event="call_initiated")
    place(api)

    advance(emulator, 29)
    assert receiver.deliveries == []
    advance(emulator, 1)
    assert [d.event_type for d in receiver.deliveries] == ["call_initiated"]


def test_duplicate_fault_sends_the_same_delivery_twice(
    api: httpx.Client, emulator: Emulator, receiver: WebhookReceiver
) -> None:
    emulator.webhooks.add_fault("duplicate", event="call_ended")
    place(api, "+919876500005")

    advance(emulator, 0)

    first, second = receiver.deliveries
    assert (first.body, first.headers["x-dialnexa-signature"]) == (
        second.body,
        second.headers["x-dialnexa-signature"],
    )
    (delivery,) = emulator.webhooks.deliveries()
    assert [a.duplicate for a in delivery.attempts] == [False, True]


def test_out_of_order_fault_sends_call_ended_first(
    api: httpx.Client, emulator: Emulator, receiver: WebhookReceiver
) -> None:
    emulator.webhooks.add_fault("out_of_order", event="call_initiated")
    place(api)

    advance(emulator, 0)
    assert receiver.deliveries == []  # held back for the next delivery
    advance(emulator, END_OF_ANY_CALL_SEC)
    assert [d.event_type for d in receiver.deliveries] == ["call_ended", "call_initiated"]


def test_wrong_signature_fault_signs_with_another_secret(
    api: httpx.Client, emulator: Emulator, receiver: WebhookReceiver
) -> None:
    emulator.webhooks.add_fault("wrong_signature", count=1)
    place(api)

    advance(emulator, END_OF_ANY_CALL_SEC)

    initiated, ended = receiver.deliveries
    assert not signed_right(initiated, receiver.secret)
    assert signed_right(ended, receiver.secret)


def test_reset_restores_the_configured_endpoints_and_forgets_deliveries(
    api: httpx.Client, emulator: Emulator, receiver: WebhookReceiver
) -> None:
    place(api)
    advance(emulator, END_OF_ANY_CALL_SEC)
    assert emulator.webhooks.deliveries()

    emulator.reset()

    assert emulator.webhooks.deliveries() == []
    assert emulator.webhooks.endpoints() == []  # the built-in config has none
    assert emulator.journal.entries() == []


# with the clock, seeding and the request journal


def test_setting_the_clock_forward_delivers_what_came_due_as_advancing_does(
    api: httpx.Client, control: httpx.Client, emulator: Emulator, receiver: WebhookReceiver
) -> None:
    call = place(api, "+919876500007")  # ends 150 s after creation
    emulator.webhooks.flush()

    emulator.set_clock(emulator.clock.now() + timedelta(seconds=149.9))
    emulator.webhooks.flush()
    assert [d.event_type for d in receiver.deliveries] == ["call_initiated"]
    later = control.put("/clock", json={"now": "2024-03-01T10:02:30.000Z"})
    assert later.status_code == 200, later.text
    assert control.post("/webhooks/flush").status_code == 204

    assert [(d.event_type, d.call["id"]) for d in receiver.deliveries] == [
        ("call_initiated", call["id"]),
        ("call_ended", call["id"]),
    ]


def test_seeded_calls_are_history_and_deliver_nothing(
    control: httpx.Client, emulator: Emulator, receiver: WebhookReceiver
) -> None:
    seeded = control.post(
        "/calls",
        json={
            "calls": [
                {"count": 3, "created_at": "2024-03-01T09:00:00Z"},
                {"status": "received"},  # stays in it: it never ends, so never a call_ended
                {"status": "busy", "to_phone_number": "+919876500002"},
            ]
        },
    )
    assert seeded.status_code == 201, seeded.text

    advance(emulator, END_OF_ANY_CALL_SEC)

    assert receiver.deliveries == []
    assert emulator.webhooks.deliveries() == []


def test_the_journal_holds_api_requests_only_and_never_a_webhook_secret(
    api: httpx.Client, control: httpx.Client, emulator: Emulator, receiver: WebhookReceiver
) -> None:
    emulator.journal.bodies = True
    registered = "whsec_registered_later"
    assert (
        control.post(
            "/webhooks/endpoints", json={"url": receiver.url + "later", "secret": registered}
        ).status_code
        == 201
    )
    response = api.post(
        "/calls",
        json={
            "agent_id": "agt_abc123",
            "to_phone_number": "+919876543210",
            "metadata": {"a": receiver.secret, "b": registered},
        },
        headers={"X-Echo": receiver.secret},
    )
    assert response.status_code == 201, response.text

    advance(emulator, END_OF_ANY_CALL_SEC)

    assert len(receiver.deliveries) == 4  # both events, to both endpoints
    (entry,) = emulator.journal.entries()  # the deliveries the emulator sent are not requests
    assert entry["operation"] == "createCall"
    assert entry["headers"]["x-echo"] == "[redacted]"
    assert '"a":"[redacted]"' in entry["body"].replace(" ", "")
    assert '"b":"[redacted]"' in entry["body"].replace(" ", "")
    journal = control.get("/requests").text
    assert receiver.secret not in journal
    assert registered not in journal


# the control plane


def test_control_routes_register_list_show_and_remove_endpoints(
    app: Starlette, api: httpx.Client, control: httpx.Client, receiver: WebhookReceiver
) -> None:
    receiver.clear()
    created = control.post(
        "/webhooks/endpoints",
        json={"url": receiver.url, "secret": "s3cret", "events": ["call_ended"], "retries": 2},
    )
    assert created.status_code == 201, created.text
    endpoint = created.json()
    assert endpoint == {
        "id": endpoint["id"],
        "workspace_id": "default",
        "url": receiver.url,
        "events": ["call_ended"],
        "active": True,
        "timeout_ms": 10000,
        "retries": 2,
    }
    assert control.get("/webhooks/endpoints").json() == [endpoint]
    assert control.post("/webhooks/faults", json={"kind": "duplicate"}).status_code == 201

    call = place(api, "+919876500005")
    assert control.post("/webhooks/flush").status_code == 204
    (shown,) = control.get("/webhooks/deliveries", params={"call_id": call["id"]}).json()
    assert shown["event_type"] == "call_ended"
    assert shown["state"] == "delivered"
    assert shown["fault"] == "duplicate"
    assert [a["status_code"] for a in shown["attempts"]] == [200, 200]
    assert all(signed_right(d, "s3cret") for d in receiver.deliveries)

    assert control.delete(f"/webhooks/endpoints/{endpoint['id']}").status_code == 204
    assert control.get("/webhooks/endpoints").json() == []
    message = error_message(control.delete(f"/webhooks/endpoints/{endpoint['id']}"), 404)
    assert message == f"No webhook endpoint {endpoint['id']}"
    app.state.emulator.webhooks.close()


def test_the_served_description_has_every_webhook_route(control: httpx.Client) -> None:
    paths = control.get("/openapi.json").json()["paths"]

    assert {path: sorted(paths[path]) for path in paths if path.startswith("/webhooks/")} == {
        "/webhooks/endpoints": ["get", "post"],
        "/webhooks/endpoints/{endpoint_id}": ["delete"],
        "/webhooks/deliveries": ["get"],
        "/webhooks/flush": ["post"],
        "/webhooks/faults": ["delete", "get", "post"],
        "/webhooks/faults/{fault_id}": ["delete"],
    }


def test_armed_webhook_faults_are_listed_and_disarmed_one_by_one(control: httpx.Client) -> None:
    first = control.post("/webhooks/faults", json={"kind": "duplicate", "count": 2}).json()["id"]
    second = control.post(
        "/webhooks/faults", json={"kind": "delay", "delay_sec": 30, "event": "call_ended"}
    ).json()["id"]

    assert control.get("/webhooks/faults").json() == [
        {
            "id": first,
            "kind": "duplicate",
            "remaining": 2,
            "event": None,
            "endpoint_id": None,
            "delay_sec": 0,
        },
        {
            "id": second,
            "kind": "delay",
            "remaining": 1,
            "event": "call_ended",
            "endpoint_id": None,
            "delay_sec": 30,
        },
    ]
    assert control.delete(f"/webhooks/faults/{first}").status_code == 204
    assert [fault["id"] for fault in control.get("/webhooks/faults").json()] == [second]
    message = error_message(control.delete(f"/webhooks/faults/{first}"), 404)
    assert message == f"No armed webhook fault {first}"
    assert control.delete("/webhooks/faults").status_code == 204
    assert control.get("/webhooks/faults").json() == []


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/webhooks/endpoints", {"secret": "s"}, "url should not be empty"),
        ("/webhooks/endpoints", {"url": "ftp://x", "secret": "s"}, "is not an http:// or https://"),
        ("/webhooks/endpoints", {"url": "http://x", "secret": "s", "retries": 4}, "retries must"),
        ("/webhooks/endpoints", {"url": "http://x", "secret": "s", "workspace_id": "n"}, "no work"),
        ("/webhooks/endpoints", {"url": "http://x", "secret": "s", "events": ["x"]}, "events[0]"),
        ("/webhooks/faults", {"kind": "explode"}, "kind must be one of"),
        ("/webhooks/faults", {"kind": "delay"}, "delay_sec (> 0) goes with kind delay"),
        ("/webhooks/faults", {"kind": "duplicate", "endpoint_id": "w"}, "no webhook endpoint"),
    ],
)
def test_bad_control_requests_are_400_with_a_reason(
    control: httpx.Client, path: str, body: dict[str, Any], message: str
) -> None:
    said = error_message(control.post(path, json=body), 400)
    assert message in str(said)


def test_the_served_control_plane_guards_webhook_routes_like_the_others(
    config: Any, clock: FrozenClock
) -> None:
    app = create_app(config, clock=clock)
    app.state.emulator.control_plane = "off"
    with api_client(app, key=None, base_url="http://emulator/_emulator") as control:
        error_message(control.get("/webhooks/endpoints"), 404)


# the config file

_WORKSPACE = """
[[workspaces]]
id = "w"
numbers = ["+912234567890"]
[[workspaces.api_keys]]
id = "k"
secret = "s"
"""


def test_config_endpoints_get_deliveries_with_their_settings(receiver: WebhookReceiver) -> None:
    receiver.clear()
    config = parse_config(
        _WORKSPACE
        + f"""
[[workspaces.agents]]
id = "agt_1"
versions = [{{ number = 1 }}]
[workspaces.telephony]
destinations = [{{ country = "IN" }}]
[[workspaces.webhooks]]
url = "{receiver.url}"
secret = "from-config"
events = ["call_ended"]
retries = 0
timeout_ms = 2000
""",
        source="t.toml",
    )
    app = create_app(config, clock=FrozenClock())
    webhooks = app.state.emulator.webhooks
    (endpoint,) = webhooks.endpoints()
    assert (endpoint.events, endpoint.retries, endpoint.timeout_ms, endpoint.active) == (
        frozenset({"call_ended"}),
        0,
        2000,
        True,
    )
    with api_client(app, key="k:s") as api:
        api.post("/calls", json={"agent_id": "agt_1", "to_phone_number": "+919876543210"})
    app.state.emulator.clock.advance(END_OF_ANY_CALL_SEC)
    webhooks.flush()
    webhooks.close()
    (delivery,) = receiver.deliveries
    assert delivery.event_type == "call_ended"
    assert signed_right(delivery, "from-config")


@pytest.mark.parametrize(
    ("webhook", "message"),
    [
        ('secret = "s"', "url should not be empty"),
        ('url = "http://x"', "secret should not be empty"),
        ('url = "mailto:me@example.com"\nsecret = "s"', "webhooks[0].url 'mailto:"),
        ('url = "http://x:port"\nsecret = "s"', "is not a URL"),
        ('url = "http://x"\nsecret = "s"\nevents = []', "events"),
        ('url = "http://x"\nsecret = "s"\nevents = ["call_ended", "call_ended"]', "appears twice"),
        ('url = "http://x"\nsecret = "s"\nevents = ["call.completed"]', "events[0]"),
        ('url = "http://x"\nsecret = "s"\ntimeout_ms = 100', "timeout_ms"),
        ('url = "http://x"\nsecret = "s"\nretries = 5', "retries"),
        ('url = "http://x"\nsecret = "s"\nverbose = true', "verbose"),
    ],
)
def test_bad_webhook_config_is_one_line_naming_the_key(webhook: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(_WORKSPACE + "[[workspaces.webhooks]]\n" + webhook, source="t.toml")
    said = str(raised.value)
    assert said.startswith("t.toml: ")
    assert "\n" not in said
    assert message in said
    assert "webhooks" in said


def test_only_calls_of_a_workspace_with_an_endpoint_are_scheduled(
    api: httpx.Client, acme: httpx.Client, emulator: Emulator, receiver: WebhookReceiver
) -> None:
    response = acme.post(
        "/calls", json={"agent_id": "agt_acme_support", "to_phone_number": "+919876543210"}
    )
    assert response.status_code == 201
    acme_endpoint = emulator.webhooks.add_endpoint(receiver.url + "acme", "s", workspace_id="acme")

    advance(emulator, END_OF_ANY_CALL_SEC)

    assert receiver.deliveries == []  # created before acme had an endpoint
    assert emulator.webhooks.remove_endpoint(acme_endpoint.id)
    assert not emulator.webhooks.remove_endpoint(acme_endpoint.id)


def test_no_answer_within_the_endpoints_timeout_is_a_failed_attempt(
    api: httpx.Client, app: Starlette, receiver: WebhookReceiver
) -> None:
    receiver.clear()
    release = threading.Event()

    async def silent(request: Request) -> Response:
        await request.body()
        release.wait(30)  # answers only once the test is done
        return Response(status_code=200)

    receiver.forward_to(Starlette(routes=[Route("/", silent, methods=["POST"])]))
    webhooks = app.state.emulator.webhooks
    webhooks.add_endpoint(receiver.url, receiver.secret, timeout_ms=1000, retries=0)
    try:
        place(api, "+919876500005")
        webhooks.flush()
    finally:
        release.set()
        webhooks.close()
    (delivery,) = webhooks.deliveries()
    assert delivery.state == "failed"
    (attempt,) = delivery.attempts
    assert (attempt.status_code, attempt.error) == (None, "no answer within 1000 ms")
