"""Servers whose every answer looks right alone while two answers (or an answer and the clock)
disagree, one per rule of `dialnexa_contract/_cross_checks.py`, and servers that only use the
freedoms those rules keep free. Built like broken_servers.py (the emulator behind a small edit);
load one with `--app tests.contract.cross_servers:NAME`, serve one with `tests.serving.served`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.types import ASGIApp

from dialnexa_contract._target import embedded_emulator
from dialnexa_emulator import FrozenClock, create_app
from dialnexa_emulator._store import CallRecord
from dialnexa_emulator.webhooks import _events as delivery
from tests.contract.broken_servers import (
    Broken,
    Headers,
    Request,
    _edit_calls,
    _on_lists,
    _shift,
)


def forgets_metadata_once_ended() -> ASGIApp:
    """Once a call has ended, getCall and listCalls give its `metadata` as `{}` (the 201, and
    reads while it is in flight, keep it)."""
    final = {"completed", "did_not_pick", "busy", "no_answer", "failed", "cancelled"}

    def edit(call: dict[str, Any]) -> None:
        if call["status"] in final | {"retry_expired"}:
            call["metadata"] = {}

    edits = _edit_calls(edit)

    def response(request: Request, status: int, headers: Headers, body: bytes) -> Any:
        if request.is_create:
            return status, headers, body
        return edits(request, status, headers, body)

    return Broken(response=response)


def list_rounds_created_at_down() -> ASGIApp:
    """listCalls gives `created_at` to the minute (getCall to the millisecond)."""

    def edit(call: dict[str, Any]) -> None:
        call["created_at"] = call["created_at"][:16] + ":00.000Z"

    return Broken(response=_on_lists(_edit_calls(edit)))


def _unfiltered(request: Request) -> bool:
    return not any(key in ("agent_id", "to_phone_number", "status") for key, _ in request.params)


def unfiltered_list_lags() -> ASGIApp:
    """An unfiltered listCalls is served from a copy a minute behind: it lacks newer calls."""
    server = Broken()
    clock = server.inner.state.emulator.clock

    def response(request: Request, status: int, headers: Headers, body: bytes) -> Any:
        if request.is_list and status == 200 and _unfiltered(request):
            cutoff = clock.now() - timedelta(minutes=1)
            calls = [
                call
                for call in json.loads(body)
                if datetime.fromisoformat(call["created_at"].replace("Z", "+00:00")) <= cutoff
            ]
            body = json.dumps(calls).encode()
        return status, headers, body

    server._response = response
    return server


def forgets_calls_after_a_minute() -> ASGIApp:
    """getCall no longer finds a call a minute after it was created (a retention of one minute);
    listCalls still lists it."""
    server = Broken()
    clock = server.inner.state.emulator.clock

    def response(request: Request, status: int, headers: Headers, body: bytes) -> Any:
        if request.is_get_call and status == 200:
            created = json.loads(body)["created_at"]
            if datetime.fromisoformat(created.replace("Z", "+00:00")) < clock.now() - timedelta(
                minutes=1
            ):
                return (
                    404,
                    headers,
                    b'{"statusCode":404,"message":"Call not found","error":"Not Found"}',
                )
        return status, headers, body

    server._response = response
    return server


def _statuses_edited(keep: Callable[[Request, list[str]], list[str]]) -> ASGIApp:
    def request(request: Request, headers: Headers, body: bytes) -> Any:
        if request.is_list:
            statuses = [value for key, value in request.params if key == "status"]
            kept = keep(request, statuses)
            others = [(k, v) for k, v in request.params if k != "status"]
            request.query = urlencode([*others, *(("status", s) for s in kept)])
        return headers, body

    return Broken(request=request)


def status_filter_takes_the_first_value() -> ASGIApp:
    """listCalls with `status` repeated returns the calls of its first value only."""
    return _statuses_edited(lambda request, statuses: statuses[:1])


def combined_filters_take_the_first_status() -> ASGIApp:
    """With another filter besides `status`, listCalls uses only the first status value."""

    def keep(request: Request, statuses: list[str]) -> list[str]:
        combined = any(key in ("agent_id", "to_phone_number") for key, _ in request.params)
        return statuses[:1] if combined else statuses

    return _statuses_edited(keep)


def local_time_labelled_utc() -> ASGIApp:
    """Times are India's wall-clock time written with `Z` (5:30 ahead of the real instant)."""

    def edit(call: dict[str, Any]) -> None:
        for name in ("created_at", "ended_at"):
            if call.get(name):
                call[name] = _shift(call[name], hours=5, minutes=30)

    return Broken(response=_edit_calls(edit))


def duration_longer_than_the_call() -> ASGIApp:
    """A completed call's `duration_sec` counts a minute more than the call lasted."""

    def edit(call: dict[str, Any]) -> None:
        if call["status"] == "completed" and isinstance(call.get("duration_sec"), int):
            call["duration_sec"] += 60

    return Broken(response=_edit_calls(edit))


def page_past_the_end_is_400() -> ASGIApp:
    """listCalls answers a page past the last one with 400, not `[]`."""

    def response(request: Request, status: int, headers: Headers, body: bytes) -> Any:
        if (
            request.is_list
            and status == 200
            and body == b"[]"
            and (request.param("page", 1) or 1) > 1
        ):
            error = {
                "statusCode": 400,
                "message": "page is past the last page",
                "error": "Bad Request",
            }
            return 400, headers, json.dumps(error).encode()
        return status, headers, body

    return Broken(response=response)


# Freedoms: each passes.


def real_time() -> Broken:
    """The emulator on real time (calls move by themselves, besides the suite's clock moves)."""
    return Broken(inner=create_app())


def other_clients_place_calls() -> Broken:
    """Another client of the workspace places calls as the run goes: every listCalls finds one
    more call, some in flight, some ended."""
    server = real_time()
    emulator = server.inner.state.emulator
    statuses = iter(["busy", "received", "completed", "initiated", "failed"] * 10_000)

    def request(request: Request, headers: Headers, body: bytes) -> Any:
        if request.is_list:
            emulator.seed_calls([{"status": next(statuses)}])
        return headers, body

    server._request = request
    return server


# Webhooks (use with `--only webhooks`; each factory patches this process's emulator).


def _patch_second_call_ended(
    second: Callable[[CallRecord, bytes], bytes], app: ASGIApp | None = None
) -> ASGIApp:
    """Every call gets a second `call_ended`, its body what `second` makes of the first's."""
    app = app if app is not None else embedded_emulator()
    due, make_body = delivery.due_events, delivery.event_body
    sent: set[str] = set()

    def twice(call: CallRecord) -> list[tuple[datetime, str]]:
        events = due(call)
        return [*events, (call.ended_at + timedelta(milliseconds=1), "call_ended")]

    def body_of(call: CallRecord, event_type: str) -> bytes:
        body = make_body(call, event_type)
        if event_type != "call_ended":
            return body
        if call.id in sent:
            return second(call, body)
        sent.add(call.id)
        return body

    delivery.due_events, delivery.event_body = twice, body_of
    return app


def _edited_event(edit: Callable[[dict[str, Any]], None]) -> Callable[[CallRecord, bytes], bytes]:
    def second(call: CallRecord, body: bytes) -> bytes:
        event = json.loads(body)
        edit(event["payload"]["call"])
        return json.dumps(event).encode()

    return second


def webhook_second_call_ended_differs() -> ASGIApp:
    """A call's `call_ended` comes twice, the second with another `hangup_reason`: two endings,
    not a redelivery (which is identical)."""
    return _patch_second_call_ended(
        _edited_event(lambda call: call.update(hangup_reason="network_failure"))
    )


def webhook_ghost_events() -> ASGIApp:
    """Besides each call's own, a `call_ended` arrives for a call that does not exist."""
    return _patch_second_call_ended(_edited_event(lambda call: call.update(id=call["id"] + "x9")))


def webhook_initiated_before_created() -> ASGIApp:
    """Events say the call was initiated a minute before getCall says it was created."""
    make_body = delivery.event_body

    def body_of(call: CallRecord, event_type: str) -> bytes:
        event = json.loads(make_body(call, event_type))
        if event["payload"]["call"].get("initiated_at"):
            moved = _shift(event["payload"]["call"]["initiated_at"], minutes=-1)
            event["payload"]["call"]["initiated_at"] = moved
        return json.dumps(event).encode()

    delivery.event_body = body_of
    return embedded_emulator()


def webhook_identical_redelivery() -> ASGIApp:
    """Every delivery is sent twice, identically (as after an answer that was lost)."""
    app = embedded_emulator()
    app.state.emulator.webhooks.add_fault("duplicate", count=1_000_000)
    return app


def webhook_other_clients_calls() -> ASGIApp:
    """Each call's second `call_ended` is the event of another call of the workspace, placed by
    someone else (it exists: getCall finds it)."""
    make_body = delivery.event_body
    found: dict[str, ASGIApp] = {}

    def theirs(call: CallRecord, body: bytes) -> bytes:
        emulator = found["app"].state.emulator  # type: ignore[attr-defined]
        other = emulator.seed_calls([{"status": "busy"}])[0]["id"]
        record = next(c for c in emulator.store.newest_first("default") if c.id == other)
        return make_body(record, "call_ended")

    found["app"] = app = _patch_second_call_ended(theirs)
    return app


def webhook_new_event_type() -> ASGIApp:
    """Each call's second `call_ended` is sent as an event type the spec does not list yet (the
    emulator's own check of its deliveries against `webhooks:` is off: this server is newer)."""
    return _patch_second_call_ended(
        lambda call, body: body.replace(b'"call_ended"', b'"call_analyzed"', 1),
        create_app(clock=FrozenClock(), check_responses=False),
    )
