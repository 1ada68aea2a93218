"""DialNexa servers that deviate from the spec the way real servers do, and servers that use
only freedoms the spec allows: the real emulator behind a small ASGI wrapper that edits its
requests and responses. The contract suite must catch every deviation and pass every freedom.

Each emulator starts with a history of calls (`HISTORY`: full pages, varied destinations and
statuses), so the list rules have pages to judge even when a run lists before it creates.
Each factory takes no arguments, so the suite loads it with
`--app tests.contract.broken_servers:NAME`; `tests.serving.served(NAME())` serves it over HTTP.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dialnexa_contract._lifecycle import FINAL, IN_FLIGHT
from dialnexa_contract._prose_checks import NEVER_CONNECTED
from dialnexa_contract._target import embedded_emulator
from dialnexa_emulator import SyncASGITransport
from dialnexa_emulator._store import CallRecord
from dialnexa_emulator.webhooks import _events as delivery

DEMO_AUTHORIZATION = b"Bearer kid_demo:sk_demo_secret"
# Calls every emulator here starts with, one a second: more than two pages of the default 20, to
# destinations that complete, never connect or fail, so they end in varied statuses.
HISTORY = 45
HISTORY_DESTINATIONS = (
    "+919876543210", "+12015550123", "+447400123456", "+919876500001", "+919876500002",
    "+919876500004", "+919876500007",
)  # fmt: skip
LIST_FILTERS = ("agent_id", "to_phone_number", "status")

Headers = list[tuple[bytes, bytes]]
# (request, headers, body) -> (headers, body): the request as the emulator will see it
RequestEdit = Callable[["Request", Headers, bytes], tuple[Headers, bytes]]
# (request, status, headers, body) -> (status, headers, body): the response as the client sees it
ResponseEdit = Callable[["Request", int, Headers, bytes], tuple[int, Headers, bytes]]


class Request:
    def __init__(self, scope: Scope) -> None:
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        """The path the emulator gets: a request edit may change it."""
        self.params: list[tuple[str, str]] = parse_qsl(
            scope["query_string"].decode(), keep_blank_values=True
        )
        """The query as the client sent it."""
        self.query: str = scope["query_string"].decode()
        """The query the emulator gets: a request edit may change it."""
        self.has_key = any(name.lower() == b"authorization" for name, _ in scope["headers"])

    def param(self, name: str, default: int) -> int | None:
        """A page or limit the client sent (or its default); None when it is not a valid one."""
        values = [value for key, value in self.params if key == name]
        if not values:
            return default
        valid = len(values) == 1 and values[0].isascii() and values[0].isdigit()
        return int(values[0]) if valid and 1 <= int(values[0]) <= 1_000_000 else None

    @property
    def is_get_call(self) -> bool:
        return self.method == "GET" and self.path.startswith("/v1/calls/")

    @property
    def is_create(self) -> bool:
        return self.method == "POST" and self.path == "/v1/calls"

    @property
    def is_list(self) -> bool:
        return self.method == "GET" and self.path == "/v1/calls"


class Broken:
    """The emulator with its requests and/or responses edited on the way through."""

    def __init__(
        self,
        *,
        request: RequestEdit | None = None,
        response: ResponseEdit | None = None,
        inner: Any = None,
    ) -> None:
        self.inner = inner if inner is not None else embedded_emulator()
        self.state = self.inner.state  # the suite moves the emulator's clock through it
        self._request, self._response = request, response
        _make_history(self.inner)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        request = Request(scope)
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if self._request is not None:
            headers, body = self._request(request, list(scope["headers"]), body)
            scope = {
                **scope,
                "headers": headers,
                "path": request.path,
                "raw_path": request.path.encode(),
                "query_string": request.query.encode(),
            }

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))

        await self.inner(scope, replay, capture)
        status, headers, content = start["status"], list(start.get("headers", [])), b"".join(chunks)
        if self._response is not None:
            status, headers, content = self._response(request, status, headers, content)
        headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(content)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


def _make_history(app: ASGIApp) -> None:
    emulator = app.state.emulator  # type: ignore[attr-defined]
    headers = {"Authorization": DEMO_AUTHORIZATION.decode()}
    transport = SyncASGITransport(app)
    with httpx.Client(transport=transport, base_url="http://emulator/v1", headers=headers) as http:
        for number in itertools.islice(itertools.cycle(HISTORY_DESTINATIONS), HISTORY):
            emulator.clock.advance(1)
            call = {"agent_id": "agt_abc123", "to_phone_number": number}
            http.post("calls", json=call).raise_for_status()


def _edit_calls(edit: Callable[[dict[str, Any]], None]) -> ResponseEdit:
    """Apply `edit` to every call record in a successful JSON response."""

    def response(request: Request, status: int, headers: Headers, body: bytes) -> Any:
        if 200 <= status < 300 and body:
            payload = json.loads(body)
            for call in payload if isinstance(payload, list) else [payload]:
                edit(call)
            body = json.dumps(payload).encode()
        return status, headers, body

    return response


def undocumented_status() -> ASGIApp:
    """getCall answers a missing call with 410 Gone, which the spec does not list."""

    def response(request: Request, status: int, headers: Headers, body: bytes) -> Any:
        return (410 if request.is_get_call and status == 404 else status), headers, body

    return Broken(response=response)


def malformed_calls() -> ASGIApp:
    """Call records break the schema: createCall's lacks `created_at`, getCall's says
    `"status": null`, listCalls' give `agent_version_number` as a string."""
    edits = {
        "createCall": _edit_calls(lambda call: call.pop("created_at", None)),
        "getCall": _edit_calls(lambda call: call.update(status=None)),
        "listCalls": _edit_calls(lambda call: call.update(agent_version_number="3")),
    }

    def response(request: Request, status: int, headers: Headers, body: bytes) -> Any:
        operation = (
            "createCall" if request.is_create else "getCall" if request.is_get_call else "listCalls"
        )
        return edits[operation](request, status, headers, body)

    return Broken(response=response)


def wrong_content_type() -> ASGIApp:
    """Successful JSON answers are labelled text/plain."""

    def response(request: Request, status: int, headers: Headers, body: bytes) -> Any:
        if 200 <= status < 300:
            headers = [(k, v) for k, v in headers if k.lower() != b"content-type"]
            headers.append((b"content-type", b"text/plain"))
        return status, headers, body

    return Broken(response=response)


def ignores_auth() -> ASGIApp:
    """Any request is served as the demo workspace, with or without a valid key."""

    def request(request: Request, headers: Headers, body: bytes) -> Any:
        headers = [(k, v) for k, v in headers if k.lower() != b"authorization"]
        return [*headers, (b"authorization", DEMO_AUTHORIZATION)], body

    return Broken(request=request)


def accepts_invalid_input() -> ASGIApp:
    """createCall answers a body it rejected with 201 and a made-up call."""

    def response(request: Request, status: int, headers: Headers, body: bytes) -> Any:
        if request.is_create and status == 400:
            made_up = {
                "id": "call_madeup",
                "status": "initiated",
                "agent_id": "agt_abc123",
                "to_phone_number": "+919876543210",
                "created_at": "2024-03-01T10:00:00.000Z",
            }
            return 201, headers, json.dumps(made_up).encode()
        return status, headers, body

    return Broken(response=response)


def server_error() -> ASGIApp:
    """listCalls fails with a 500 once `page` goes past 1000."""

    def response(request: Request, status: int, headers: Headers, body: bytes) -> Any:
        pages = [
            int(p[5:])
            for p in request.query.split("&")
            if p.startswith("page=") and p[5:].isdigit()
        ]
        if request.is_list and any(page > 1000 for page in pages):
            return (
                500,
                headers,
                json.dumps(
                    {
                        "statusCode": 500,
                        "message": "Internal server error",
                        "error": "Internal Server Error",
                    }
                ).encode(),
            )
        return status, headers, body

    return Broken(response=response)


def errors_outside_the_envelope() -> ASGIApp:
    """Errors come as `{"detail": ...}` instead of DialNexa's `{statusCode, message, error}`."""

    def response(request: Request, status: int, headers: Headers, body: bytes) -> Any:
        if status >= 400 and body:
            body = json.dumps({"detail": json.loads(body).get("message")}).encode()
        return status, headers, body

    return Broken(response=response)


def status_moves_back() -> ASGIApp:
    """getCall reports every call still in flight as `created`, behind what createCall said."""

    def edit(call: dict[str, Any]) -> None:
        if call.get("status") in ("initiated", "sent", "received"):
            call["status"] = "created"

    lists_calls = _edit_calls(edit)

    def response(request: Request, status: int, headers: Headers, body: bytes) -> Any:
        return (
            lists_calls(request, status, headers, body)
            if request.is_get_call
            else (status, headers, body)
        )

    return Broken(response=response)


def forgetful() -> ASGIApp:
    """A created call comes back without its metadata, getCall never finds it, listCalls never
    lists it."""
    drop_metadata = _edit_calls(lambda call: call.pop("metadata", None))

    def response(request: Request, status: int, headers: Headers, body: bytes) -> Any:
        if request.is_create and status == 201:
            return drop_metadata(request, status, headers, body)
        if request.is_get_call and status == 200:
            return (
                404,
                headers,
                b'{"statusCode":404,"message":"Call not found","error":"Not Found"}',
            )
        if request.is_list and status == 200:
            return status, headers, b"[]"
        return status, headers, body

    return Broken(response=response)


# Webhook deliveries: the emulator's own delivery, changed where it is made. Each factory runs in
# the suite's process (`--app`), which holds only this one emulator. Use with `--only webhooks`:
# the server part's resets would disarm the delivery faults.


def webhook_bad_schema() -> ASGIApp:
    """`call_ended` events lack `agent_id`, which WebhookCall requires."""
    make_body = delivery.event_body

    def without_agent(call: CallRecord, event_type: str) -> bytes:
        event = json.loads(make_body(call, event_type))
        if event_type == "call_ended":
            del event["payload"]["call"]["agent_id"]
        return json.dumps(event).encode()

    delivery.event_body = without_agent
    app = embedded_emulator()
    app.state.emulator.answer_check = None  # a broken server: its events are not held to the spec
    return app


def webhook_bad_signature() -> ASGIApp:
    """Every delivery is signed with a secret other than the endpoint's."""
    app = embedded_emulator()
    app.state.emulator.webhooks.add_fault("wrong_signature", count=1_000_000)
    return app


def webhook_out_of_order() -> ASGIApp:
    """`call_initiated` is sent after the call's `call_ended`."""
    due = delivery.due_events

    def initiated_last(call: CallRecord) -> list[tuple[datetime, str]]:
        late = call.ended_at + timedelta(milliseconds=1)
        return [(late if event == "call_initiated" else at, event) for at, event in due(call)]

    delivery.due_events = initiated_last
    return embedded_emulator()


def _edit_errors(edit: Callable[[int, dict[str, Any]], None]) -> ResponseEdit:
    """Apply `edit` to every error envelope."""

    def response(request: Request, status: int, headers: Headers, body: bytes) -> Any:
        if status >= 400 and body:
            payload = json.loads(body)
            edit(status, payload)
            body = json.dumps(payload).encode()
        return status, headers, body

    return response


def _on_lists(edit: ResponseEdit) -> ResponseEdit:
    def response(request: Request, status: int, headers: Headers, body: bytes) -> Any:
        if request.is_list and status == 200:
            return edit(request, status, headers, body)
        return status, headers, body

    return response


def _shift(value: str, **delta: float) -> str:
    moved = datetime.fromisoformat(value.replace("Z", "+00:00")) + timedelta(**delta)
    return moved.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# The spec's prose rules, each broken by one server.


def list_oldest_first() -> ASGIApp:
    """listCalls returns each page oldest first."""

    def response(request: Request, status: int, headers: Headers, body: bytes) -> Any:
        return status, headers, json.dumps(json.loads(body)[::-1]).encode()

    return Broken(response=_on_lists(response))


def _ignores_filter(
    ignored: Callable[[Request], set[str]], keeps: Callable[[Request, dict[str, Any]], bool]
) -> ASGIApp:
    """listCalls drops the filters `ignored` names from the query and keeps the calls `keeps`
    lets through (paging is then applied to the wrong list, which these servers also get wrong)."""

    def request(request: Request, headers: Headers, body: bytes) -> Any:
        if request.is_list:
            dropped = ignored(request)
            request.query = urlencode([(k, v) for k, v in request.params if k not in dropped])
        return headers, body

    def response(request: Request, status: int, headers: Headers, body: bytes) -> Any:
        kept = [call for call in json.loads(body) if keeps(request, call)]
        return status, headers, json.dumps(kept).encode()

    return Broken(request=request, response=_on_lists(response))


def list_ignores_agent_filter() -> ASGIApp:
    """listCalls ignores `agent_id`."""
    return _ignores_filter(lambda request: {"agent_id"}, lambda request, call: True)


def list_ignores_destination_filter() -> ASGIApp:
    """listCalls ignores `to_phone_number`."""
    return _ignores_filter(lambda request: {"to_phone_number"}, lambda request, call: True)


def list_ignores_repeated_status() -> ASGIApp:
    """listCalls reads `status` as one value: repeated (any of several), it is ignored."""

    def ignored(request: Request) -> set[str]:
        statuses = [value for key, value in request.params if key == "status"]
        return {"status"} if len(statuses) > 1 else set()

    return _ignores_filter(ignored, lambda request, call: True)


def list_filters_with_or() -> ASGIApp:
    """listCalls combines different filters with OR instead of AND."""

    def names(request: Request) -> set[str]:
        return {key for key, _ in request.params if key in LIST_FILTERS}

    def ignored(request: Request) -> set[str]:
        return names(request) if len(names(request)) > 1 else set()

    def keeps(request: Request, call: dict[str, Any]) -> bool:
        if len(names(request)) < 2:
            return True
        return any(key in LIST_FILTERS and call.get(key) == value for key, value in request.params)

    return _ignores_filter(ignored, keeps)


def _paged_wrongly(start: Callable[[int, int], int], size: Callable[[int], int]) -> ASGIApp:
    """listCalls pages by its own arithmetic: page `p` of `limit` calls is the slice from
    `start(p, limit)` of `size(limit)` calls (the emulator gives it every call)."""

    def request(request: Request, headers: Headers, body: bytes) -> Any:
        page, limit = request.param("page", 1), request.param("limit", 20)
        if request.is_list and page is not None and limit is not None and limit <= 200:
            kept = [(k, v) for k, v in request.params if k not in ("page", "limit")]
            request.query = urlencode([*kept, ("limit", "200")])
        return headers, body

    def response(request: Request, status: int, headers: Headers, body: bytes) -> Any:
        page, limit = request.param("page", 1), request.param("limit", 20)
        if page is None or limit is None:
            return status, headers, body
        first = start(page, limit)
        calls = json.loads(body)[first : first + size(limit)]
        return status, headers, json.dumps(calls).encode()

    return Broken(request=request, response=_on_lists(response))


def list_overfills_pages() -> ASGIApp:
    """listCalls returns one call more than `limit`."""
    return _paged_wrongly(lambda page, limit: (page - 1) * limit, lambda limit: limit + 1)


def list_pages_skip_a_call() -> ASGIApp:
    """listCalls skips one call between pages: page 2 starts a call after page 1 ended."""
    return _paged_wrongly(lambda page, limit: (page - 1) * (limit + 1), lambda limit: limit)


def list_pages_repeat_a_call() -> ASGIApp:
    """listCalls repeats a call across pages: page 2 starts with page 1's last call."""
    return _paged_wrongly(lambda page, limit: (page - 1) * (limit - 1), lambda limit: limit)


def get_returns_the_newest_call() -> ASGIApp:
    """getCall ignores the id it is asked for and answers with the call created last."""
    created: list[str] = []

    def request(request: Request, headers: Headers, body: bytes) -> Any:
        if request.is_get_call and created:
            request.path = f"/v1/calls/{created[-1]}"
        return headers, body

    def response(request: Request, status: int, headers: Headers, body: bytes) -> Any:
        if request.is_create and status == 201:
            created.append(json.loads(body)["id"])
        return status, headers, body

    return Broken(request=request, response=response)


def envelope_status_code_always_400() -> ASGIApp:
    """Every error envelope says `statusCode: 400`, whatever the HTTP status."""
    return Broken(response=_edit_errors(lambda status, error: error.update(statusCode=400)))


def envelope_error_not_the_reason_phrase() -> ASGIApp:
    """An error envelope's `error` is an exception name (`NotFound`), not the reason phrase."""
    return Broken(
        response=_edit_errors(
            lambda status, error: error.update(error=error["error"].replace(" ", ""))
        )
    )


def create_refuses_unknown_keys_with_403() -> ASGIApp:
    """createCall answers an invalid key with 403 Forbidden, not 401 (a missing one with 401)."""

    def response(request: Request, status: int, headers: Headers, body: bytes) -> Any:
        if request.is_create and status == 401 and request.has_key:
            error = {"statusCode": 403, "message": "Forbidden resource", "error": "Forbidden"}
            return 403, headers, json.dumps(error).encode()
        return status, headers, body

    return Broken(response=response)


def _edit_listed_calls(edit: Callable[[dict[str, Any]], None]) -> ASGIApp:
    """`edit` applied to every call record listCalls, getCall and createCall return."""
    return Broken(response=_edit_calls(edit))


def ended_at_in_flight() -> ASGIApp:
    """A call in flight already has `ended_at` (its `created_at`)."""

    def edit(call: dict[str, Any]) -> None:
        if call["status"] in IN_FLIGHT:
            call["ended_at"] = call["created_at"]

    return _edit_listed_calls(edit)


def final_without_ended_at() -> ASGIApp:
    """A call in a final status has no `ended_at`."""

    def edit(call: dict[str, Any]) -> None:
        if call["status"] in FINAL:
            call["ended_at"] = None

    return _edit_listed_calls(edit)


def ended_before_created() -> ASGIApp:
    """A finished call's `ended_at` is a minute before its `created_at`."""

    def edit(call: dict[str, Any]) -> None:
        if call.get("ended_at"):
            call["ended_at"] = _shift(call["created_at"], minutes=-1)

    return _edit_listed_calls(edit)


def duration_before_the_end() -> ASGIApp:
    """A call in flight reports `duration_sec: 0` before it has ended."""

    def edit(call: dict[str, Any]) -> None:
        if call["status"] in IN_FLIGHT:
            call["duration_sec"] = 0

    return _edit_listed_calls(edit)


def never_connected_with_a_duration() -> ASGIApp:
    """Calls that never connected (`busy`, `failed`...) report a talk time of 5 s."""

    def edit(call: dict[str, Any]) -> None:
        if call["status"] in NEVER_CONNECTED:
            call["duration_sec"] = 5

    return _edit_listed_calls(edit)


def local_date_times() -> ASGIApp:
    """`created_at` is written without an offset (local time, `2024-03-01T10:00:00.000`)."""
    return _edit_listed_calls(lambda call: call.update(created_at=call["created_at"].rstrip("Z")))


# Freedoms the spec allows: each server differs from the emulator and still conforms.


def faithful() -> Broken:
    """The emulator itself, with its history of calls."""
    return Broken()


def extra_fields() -> ASGIApp:
    """Call records and error envelopes carry fields the spec does not name ("Unknown fields may
    be added in future and should be ignored")."""
    calls = _edit_calls(lambda call: call.update(direction="outbound", cost={"amount": 0.05}))
    errors = _edit_errors(lambda status, error: error.update(path="/v1/calls", code=status))

    def response(request: Request, status: int, headers: Headers, body: bytes) -> Any:
        return (errors if status >= 400 else calls)(request, status, headers, body)

    return Broken(response=response)


def other_messages() -> ASGIApp:
    """Error messages in other words (a list stays a list); `message` is for people."""

    def edit(status: int, error: dict[str, Any]) -> None:
        message = error["message"]
        error["message"] = (
            [f"Invalid request: {m}" for m in message]
            if isinstance(message, list)
            else f"Request failed ({status})"
        )

    return Broken(response=_edit_errors(edit))


def sparse_records() -> ASGIApp:
    """Call records leave out every optional field that is null, `from_phone_number` and
    `agent_version_number` (as DialNexa's own examples do)."""

    def edit(call: dict[str, Any]) -> None:
        for name in ("from_phone_number", "agent_version_number"):
            call.pop(name, None)
        for name in [name for name, value in call.items() if value is None]:
            del call[name]

    return _edit_listed_calls(edit)


def never_connected_without_a_duration() -> ASGIApp:
    """Calls that never connected have `duration_sec` null where the emulator says 0."""

    def edit(call: dict[str, Any]) -> None:
        if call["status"] in NEVER_CONNECTED:
            call["duration_sec"] = None

    return _edit_listed_calls(edit)


def other_offsets() -> ASGIApp:
    """Date-times are written in India's offset (`...T15:30:00.000+05:30`), the same instants."""

    def edit(call: dict[str, Any]) -> None:
        for name in ("created_at", "ended_at"):
            if call.get(name):
                instant = datetime.fromisoformat(call[name].replace("Z", "+00:00"))
                local = instant.astimezone(timezone(timedelta(hours=5, minutes=30)))
                call[name] = local.isoformat(timespec="milliseconds")

    return _edit_listed_calls(edit)


def same_minute_any_order() -> ASGIApp:
    """Date-times are kept to the minute, and listCalls orders the calls of one minute oldest
    first: newest first still holds, as the spec can only mean it, between instants."""

    def truncate(call: dict[str, Any]) -> None:
        for name in ("created_at", "ended_at"):
            if call.get(name):
                call[name] = call[name][:16] + ":00.000Z"

    truncated = _edit_calls(truncate)

    def response(request: Request, status: int, headers: Headers, body: bytes) -> Any:
        status, headers, body = truncated(request, status, headers, body)
        if request.is_list and status == 200:
            calls = json.loads(body)[::-1]  # oldest first, then newest minutes first:
            calls.sort(key=lambda call: call["created_at"], reverse=True)  # stable
            body = json.dumps(calls).encode()
        return status, headers, body

    return Broken(response=response)


# Live-target deviations: what a sandbox can get wrong about the creates a run is allowed.


def _edit_create_body(edit: Callable[[dict[str, Any]], None]) -> RequestEdit:
    def request(request: Request, headers: Headers, body: bytes) -> Any:
        if request.is_create:
            try:
                payload = json.loads(body)
            except ValueError:
                return headers, body
            if isinstance(payload, dict):
                edit(payload)
                body = json.dumps(payload).encode()
        return headers, body

    return request


def ignores_pinned_version_and_caller_id() -> ASGIApp:
    """createCall ignores `agent_version_number` and `from_phone_number`: every call runs with
    the workspace's latest version and default caller ID."""

    def edit(payload: dict[str, Any]) -> None:
        payload.pop("agent_version_number", None)
        payload.pop("from_phone_number", None)

    return Broken(request=_edit_create_body(edit))


def accepts_unknown_properties() -> Broken:
    """createCall ignores properties the spec does not define, where it must reject them."""
    known = {"agent_id", "to_phone_number", "from_phone_number", "agent_version_number", "metadata"}

    def edit(payload: dict[str, Any]) -> None:
        for name in set(payload) - known:
            del payload[name]

    return Broken(request=_edit_create_body(edit))
