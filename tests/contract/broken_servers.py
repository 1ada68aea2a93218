"""Deliberately broken DialNexa servers: the real emulator behind a small ASGI wrapper that
deviates from the spec the way real servers do. The contract suite must catch every one.

Each factory takes no arguments, so the suite loads it with
`--app tests.contract.broken_servers:NAME`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contract_tests.target import embedded_emulator
from dialnexa_emulator import webhook_events as delivery
from dialnexa_emulator.store import CallRecord

DEMO_AUTHORIZATION = b"Bearer kid_demo:sk_demo_secret"

Headers = list[tuple[bytes, bytes]]
# (request, headers, body) -> (headers, body): the request as the emulator will see it
RequestEdit = Callable[["Request", Headers, bytes], tuple[Headers, bytes]]
# (request, status, headers, body) -> (status, headers, body): the response as the client sees it
ResponseEdit = Callable[["Request", int, Headers, bytes], tuple[int, Headers, bytes]]


class Request:
    def __init__(self, scope: Scope) -> None:
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.query: str = scope["query_string"].decode()

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
        self, *, request: RequestEdit | None = None, response: ResponseEdit | None = None
    ) -> None:
        self.inner = embedded_emulator()
        self.state = self.inner.state  # the suite moves the emulator's clock through it
        self._request, self._response = request, response

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
            scope = {**scope, "headers": headers}

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
    return embedded_emulator()


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


def webhook_duplicate_call_ended() -> ASGIApp:
    """Every `call_ended` is delivered twice."""
    app = embedded_emulator()
    app.state.emulator.webhooks.add_fault("duplicate", event="call_ended", count=1_000_000)
    return app
