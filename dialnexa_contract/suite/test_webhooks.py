"""Webhooks: the target's deliveries, taken by a receiver the suite starts on loopback, checked
against the spec's `webhooks:` section: each body against its event's schema, each signature,
each call's events in lifecycle order with one `call_ended`, and each event against getCall.

An emulator (in process, or over HTTP with `--emulator`) gets the receiver registered through its
control plane, and its clock moved to end the calls. A live server is sent only the spec's
requests: it delivers only to an endpoint its workspace already has, at `--webhook-url`, and only
calls `--allow-calls` lets the suite place; without both these checks are skipped, saying why.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from dialnexa_contract._lifecycle import FINAL
from dialnexa_contract._run_stats import STATS
from dialnexa_contract._settings import WEBHOOK_SECRET, current
from dialnexa_contract._spec import load_spec, pointer, validator_at
from dialnexa_contract._target import current_target
from dialnexa_emulator.testing._receiver import ReceivedDelivery, WebhookReceiver

TARGET = current_target()
SETTINGS = current()
SIGNATURE_HEADER = "x-dialnexa-signature"
# The built-in config's outcomes: completes, busy (never connects), cancelled while queued (never
# initiated). A served emulator with another config may refuse some; the others are enough.
EMULATOR_DESTINATIONS = ("+919876543210", "+919876500002", "+919876500005")
END_OF_ANY_CALL_SEC = 600.0
LIVE_POLL_SEC = 5.0
LIVE_CALL_DEADLINE_SEC = 900.0
LIVE_DELIVERY_DEADLINE_SEC = 120.0


@dataclass(frozen=True)
class Observed:
    deliveries: list[ReceivedDelivery]
    calls: dict[str, dict[str, Any]]  # getCall of each placed call, once it ended
    secret: str


def _skip_reason() -> str | None:
    if not TARGET.is_live or SETTINGS.emulator:
        return None
    if SETTINGS.webhook_url is None:
        return (
            "webhooks of a live server need --webhook-url (an address it can reach that leads to "
            f"the suite's receiver, with the endpoint's secret in ${WEBHOOK_SECRET})"
        )
    if not TARGET.can_place_calls:
        return "webhooks of a live server need a call: --allow-calls and --to"
    return None


@pytest.fixture(scope="module")
def observed() -> Iterator[Observed]:
    reason = _skip_reason()
    if reason is not None:
        pytest.skip(reason)
    port = SETTINGS.webhook_port
    if not port and SETTINGS.webhook_url:
        port = urlsplit(SETTINGS.webhook_url).port or 0
    secret = SETTINGS.webhook_secret or "whsec_contract_suite"
    control = TARGET.control_plane()
    with WebhookReceiver(secret, port=port) as receiver:
        endpoint_id = None
        if control is not None:
            registered = control.post(
                "/webhooks/endpoints",
                json={"url": SETTINGS.webhook_url or receiver.url, "secret": secret},
            )
            assert registered.status_code == 201, f"registering the receiver: {registered.text}"
            endpoint_id = registered.json()["id"]
        try:
            with TARGET.sync_http() as api:
                call_ids = _place_calls(api)
                if control is not None:
                    _end_on_the_emulators_clock(control)
                calls = {call_id: _final(api, call_id) for call_id in call_ids}
            if control is None:
                receiver.wait_for(
                    lambda got: set(call_ids) <= {d.call.get("id") for d in _ended(got)},
                    LIVE_DELIVERY_DEADLINE_SEC,
                )
            yield Observed(receiver.deliveries, calls, secret)
        finally:
            if control is not None:
                if endpoint_id is not None:
                    control.delete(f"/webhooks/endpoints/{endpoint_id}")
                control.close()


def _place_calls(api: httpx.Client) -> list[str]:
    destinations = EMULATOR_DESTINATIONS[:1] if TARGET.is_live else EMULATOR_DESTINATIONS
    call_ids = []
    for destination in destinations:
        body: dict[str, Any] = {"agent_id": SETTINGS.agent_id, "to_phone_number": destination}
        if TARGET.guard is not None and not TARGET.guard.aim(body):
            pytest.skip("the --allow-calls budget was spent before the webhooks part could call")
        STATS.add("calls_placed")
        response = api.post("/calls", json=body)
        if response.status_code == 201:
            call_ids.append(response.json()["id"])
    assert call_ids, "no call could be placed to observe its webhooks"
    return call_ids


def _end_on_the_emulators_clock(control: httpx.Client) -> None:
    moved = control.post("/clock/advance", json={"seconds": END_OF_ANY_CALL_SEC})
    assert moved.status_code == 200, moved.text
    flushed = control.post("/webhooks/flush")
    assert flushed.status_code == 204, f"waiting for deliveries: {flushed.text}"


def _final(api: httpx.Client, call_id: str) -> dict[str, Any]:
    """The call as getCall gives it once final (on a live server, polled in real time)."""
    deadline = time.monotonic() + LIVE_CALL_DEADLINE_SEC
    while True:
        response = api.get(f"/calls/{call_id}")
        assert response.status_code == 200, f"getCall {call_id}: {response.text}"
        call: dict[str, Any] = response.json()
        if call.get("status") in FINAL or time.monotonic() > deadline:
            return call
        time.sleep(LIVE_POLL_SEC)


def _ended(deliveries: list[ReceivedDelivery]) -> list[ReceivedDelivery]:
    return [d for d in deliveries if d.event_type == "call_ended"]


def _schema_pointer(event_type: str) -> str | None:
    if event_type not in load_spec().get("webhooks", {}):
        return None
    return pointer(
        "webhooks", event_type, "post", "requestBody", "content", "application/json", "schema"
    )


def _problems(found: list[str]) -> None:
    if found:
        pytest.fail("\n".join(found), pytrace=False)


@pytest.mark.contract(operation="webhooks", check="webhook_schema_conformance")
def test_each_delivery_matches_its_events_schema(observed: Observed) -> None:
    assert observed.deliveries, "no webhook delivery arrived"
    found = []
    for delivery in observed.deliveries:
        try:
            body = delivery.json()
        except ValueError:
            found.append(f"a delivery is not JSON: {delivery.body[:200]!r}")
            continue
        event_type = body.get("event_type") if isinstance(body, dict) else None
        where = _schema_pointer(event_type) if isinstance(event_type, str) else None
        if where is None:
            found.append(f"event_type {event_type!r} is not one of the spec's webhooks")
            continue
        for error in validator_at(where).iter_errors(body):
            path = "/".join(map(str, error.absolute_path)) or "(body)"
            found.append(f"{event_type}: {path}: {error.message}")
    _problems(found)


@pytest.mark.contract(operation="webhooks", check="webhook_signature")
def test_each_delivery_is_signed_with_the_endpoints_secret(observed: Observed) -> None:
    found = []
    for delivery in observed.deliveries:
        expected = hmac.new(observed.secret.encode(), delivery.body, hashlib.sha256).hexdigest()
        given = delivery.headers.get(SIGNATURE_HEADER)
        if given is None:
            found.append(f"{delivery.event_type} of {delivery.call.get('id')}: no signature")
        elif not hmac.compare_digest(given.encode(), expected.encode()):
            found.append(
                f"{delivery.event_type} of {delivery.call.get('id')}: signature {given!r} is not "
                "the hex HMAC-SHA256 of the body with the endpoint's secret"
            )
    _problems(found)


@pytest.mark.contract(operation="webhooks", check="webhook_lifecycle_order")
def test_each_calls_events_come_in_lifecycle_order_with_one_call_ended(
    observed: Observed,
) -> None:
    found = []
    for call_id in observed.calls:
        events = [d.event_type for d in observed.deliveries if d.call.get("id") == call_id]
        if events.count("call_ended") != 1:
            found.append(f"{call_id}: {events.count('call_ended')} call_ended, not one: {events}")
        elif events[-1] != "call_ended":
            found.append(f"{call_id}: events after call_ended: {events}")
        if events.count("call_initiated") > 1:
            found.append(f"{call_id}: call_initiated more than once: {events}")
    _problems(found)


@pytest.mark.contract(operation="webhooks", check="webhook_agrees_with_getCall")
def test_each_event_agrees_with_get_call(observed: Observed) -> None:
    found = []
    for delivery in observed.deliveries:
        event = delivery.call
        call = observed.calls.get(event.get("id", ""))
        if call is None:
            found.append(f"{delivery.event_type} for a call the suite did not place: {event}")
            continue
        found += [
            f"{delivery.event_type} of {call['id']}: {problem}"
            for problem in _disagreements(delivery.event_type, event, call)
        ]
    _problems(found)


def _disagreements(
    event_type: str | None, event: dict[str, Any], call: dict[str, Any]
) -> list[str]:
    said = []
    for event_field, call_field in (
        ("agent_id", "agent_id"),
        ("to_number", "to_phone_number"),
        ("from_number", "from_phone_number"),
    ):
        if event_field not in event:
            continue  # missing: the schema check's to report
        mine, theirs = str(event[event_field]), str(call.get(call_field, ""))
        if mine.removeprefix("+") != theirs.removeprefix("+"):
            said.append(f"{event_field} {mine!r}, getCall's {call_field} {theirs!r}")
    if event_type != "call_ended":
        return said
    status = call.get("status")
    expected = "completed" if status == "completed" else "hangup"
    if event.get("status") != expected:
        said.append(f"status {event.get('status')!r} for a call getCall says is {status!r}")
    if status == "completed":
        if event.get("duration") != call.get("duration_sec"):
            said.append(
                f"duration {event.get('duration')!r}, getCall's duration_sec "
                f"{call.get('duration_sec')!r}"
            )
        if "transcript" in event and event["transcript"] != call.get("transcript"):
            said.append("transcript differs from getCall's")
    return said
