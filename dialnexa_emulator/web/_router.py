"""The spec's operations answered straight from ASGI, in front of Starlette.

A request to one of the spec's operations (GET, HEAD or POST on a path the spec lists, on the
method it lists) is matched here with one dict lookup or Starlette's own compiled path regex and
answered with raw ASGI messages: no routing over every route, no middleware stack, no `Response`
objects. Everything else (the control plane, 404s, 405s with their `Allow` header, an app mounted
under a `root_path`) goes through Starlette as before, and answers the same.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import anyio
import orjson
from starlette.applications import Starlette
from starlette.convertors import Convertor
from starlette.requests import ClientDisconnect
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from dialnexa_emulator._answers import OffSpecAnswerError
from dialnexa_emulator._auth import ApiKey
from dialnexa_emulator._emulator import Emulator
from dialnexa_emulator._errors import ApiError, dump_json, envelope
from dialnexa_emulator._faults import Fault
from dialnexa_emulator._overrides import Override, OverrideError
from dialnexa_emulator._ratelimit import TOO_MANY_REQUESTS
from dialnexa_emulator._spec import Operation
from dialnexa_emulator.web._operations import HANDLERS, Context, Handler
from dialnexa_emulator.web._responses import RawHeaders, json_head

logger = logging.getLogger("dialnexa_emulator")

_FAULT_MESSAGES = {
    429: TOO_MANY_REQUESTS,
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}
_EMPTY_400: RawHeaders = [(b"content-length", b"0")]
_DISCONNECTED = "the client disconnected before its request body was complete"


class ApiPath:
    """One spec path: its operations by method (HEAD answers as GET), matched as Starlette would."""

    def __init__(self, emulator: Emulator, path: str, operations: Mapping[str, Operation]) -> None:
        self.emulator = emulator
        self.route = Route(path, self, methods=list(operations))
        self.path_regex: re.Pattern[str] = self.route.path_regex
        self.convertors: dict[str, Convertor[Any]] = self.route.param_convertors
        self.operations = {
            method: (operation, HANDLERS[operation.id]) for method, operation in operations.items()
        }
        if "GET" in self.operations:
            self.operations.setdefault("HEAD", self.operations["GET"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Reached through Starlette's routing only (the fast path calls `serve` itself)."""
        await serve(self.emulator, self.operations[scope["method"]], scope, receive, send)


class EmulatorApp(Starlette):
    """Starlette with the spec's operations matched and served before its own routing."""

    def __init__(self, api_paths: list[ApiPath], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._exact = {p.route.path: p for p in api_paths if not p.convertors}
        self._templated = [p for p in api_paths if p.convertors]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            path: str = scope["path"]
            api_path = self._exact.get(path)
            if api_path is not None:
                found = api_path.operations.get(scope["method"])
                if found is not None:
                    scope["app"] = self
                    scope["path_params"] = {}
                    await serve(api_path.emulator, found, scope, receive, send)
                    return
            else:
                for api_path in self._templated:
                    match = api_path.path_regex.match(path)
                    if match is None:
                        continue
                    found = api_path.operations.get(scope["method"])
                    if found is not None:
                        convertors = api_path.convertors
                        scope["app"] = self
                        scope["path_params"] = {
                            name: convertors[name].convert(value)
                            for name, value in match.groupdict().items()
                        }
                        await serve(api_path.emulator, found, scope, receive, send)
                        return
                    break
        await super().__call__(scope, receive, send)


def _preferred_code(scope: Scope) -> str | None:
    """The `code` a `Prefer: code=NNN` header asks for (Prism's convention), if any."""
    for name, value in scope["headers"]:
        if name == b"prefer":
            for token in value.decode("latin-1").replace(";", ",").split(","):
                key, _, wanted = token.strip().partition("=")
                if key.lower() == "code":
                    return str(wanted.strip().strip('"'))
    return None


def _override(emulator: Emulator, operation: Operation, scope: Scope) -> Override | None:
    """The answer a test chose for this request: a `Prefer: code=` header's, or an armed one."""
    code = _preferred_code(scope)
    if code is not None:
        if not code.isdigit():
            raise ApiError(400, f"Prefer: code={code} is not an HTTP status")
        try:
            override = emulator.overrides.answer(operation.id, int(code))
        except OverrideError as exc:
            raise ApiError(400, f"Prefer: code={code} cannot be answered: {exc.rule}") from None
        override.id = "prefer"
        return override
    return emulator.overrides.take(operation.id)


def _authorization(scope: Scope) -> str | None:
    """The first Authorization header, as Starlette's `request.headers.get` reads it."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            return str(value.decode("latin-1"))
    return None


async def serve(
    emulator: Emulator,
    answer: tuple[Operation, Handler],
    scope: Scope,
    receive: Receive,
    send: Send,
) -> None:
    """Answer one API request: faults, then auth, rate limit and the operation's own rules.

    Faults come first: they stand for trouble in front of the API (gateway, overload), which
    strikes whoever calls. Nothing escapes as a bare 500: an unexpected error is logged and
    answered in DialNexa's envelope. Every request is kept in the journal, and every answer carries
    the id it is kept under (`X-Request-Id`).
    """
    started = time.perf_counter()
    operation, handler = answer
    fault: Fault | None = None
    receive, body_chunks = _kept(emulator, receive)
    limit_headers: dict[str, str] | None = None
    key: ApiKey | None = None
    now: datetime | None = None
    override: Override | None = None
    reason: str | list[str] | None = None
    after: Fault | None = None
    try:
        fault = emulator.faults.take(operation.id)
        after = fault if fault and (fault.after_commit or fault.drop_after_commit) else None
        if fault is not None:
            await _suffer(fault, operation, emulator.clock.now())
        key = emulator.keys.authenticate(_authorization(scope))
        now = emulator.clock.now()
        override = _override(emulator, operation, scope)
        if override is not None:  # the test's answer, in place of the operation's
            status, body, headers, reason = await _chosen(override, receive, body_chunks)
        else:
            if key.rate_limit is not None:
                limit_headers = emulator.rate_limiter.admit(key.id, key.rate_limit, now.timestamp())
            workspace = emulator.workspaces[key.workspace_id]
            status, content = await handler(
                Context(scope, receive, operation, emulator, workspace, now)
            )
            body = dump_json(content)
            headers = json_head(body)
    except ApiError as error:
        status, body, headers, reason = _refusal(error)
    except ClientDisconnect:
        # Nobody is left to read it, nor to suffer what a fault does after the answer.
        status, body, headers, reason = 400, b"", [*_EMPTY_400], _DISCONNECTED  # a copy of head
        after = None
    except Exception:
        logger.exception("unexpected error in %s %s", scope["method"], scope["path"])
        status, body, headers, _ = _refusal(ApiError(500, "Internal server error"))
        reason = "Internal server error (an unexpected error, logged)"
    if after is not None and after.after_commit:
        status, body, headers, reason = _committed_then_failed(after, emulator, scope)
    elif limit_headers:
        _update(headers, limit_headers)
    if emulator.answer_check is not None and override is None and body:
        # A test's chosen answer was judged when it was armed (and may be off-spec on purpose).
        status, body, headers, reason = _held_to_spec(
            emulator, operation, (status, body, headers, reason)
        )
    _record(  # every answer carries the id it is kept under (X-Request-Id)
        emulator,
        scope,
        headers,
        at=now,
        started=started,
        status=status,
        operation=operation.id,
        workspace_id=key.workspace_id if key else None,
        key_id=key.id if key else None,
        fault_id=fault.id if fault else None,
        body=b"".join(body_chunks) if body_chunks is not None else None,
        reason=reason,
        override_id=override.id if override else None,
    )
    await send({"type": "http.response.start", "status": status, "headers": headers})
    if after is not None and after.drop_after_commit:
        from dialnexa_emulator.web._dropped import ConnectionDropped  # noqa: PLC0415 - httpx only when a fault drops

        raise ConnectionDropped("connection dropped after the request took effect (injected fault)")
    await send({"type": "http.response.body", "body": body})


Answer = tuple[int, bytes, RawHeaders, str | list[str] | None]  # status, body, head, reason


def _held_to_spec(emulator: Emulator, operation: Operation, answer: Answer) -> Answer:
    """The answer, if the spec allows it. Otherwise, in process, raise; served, log what broke
    and answer a 500 that says it."""
    assert emulator.answer_check is not None
    status, body, headers, _ = answer
    raw = {name.decode("latin-1"): value.decode("latin-1") for name, value in headers}
    problems = emulator.answer_check.problems(operation.id, status, raw, orjson.loads(body))
    if not problems:
        return answer
    error = OffSpecAnswerError(operation.id, status, problems)
    if emulator.off_spec_answers == "raise":
        raise error
    logger.error("%s", error)
    return _refusal(ApiError(500, f"Off-spec answer withheld: {error.one_line()}"))


def _committed_then_failed(fault: Fault, emulator: Emulator, scope: Scope) -> Answer:
    """The answer an after_commit fault puts in place of the real one."""
    try:
        return _refusal(_fault_error(fault, emulator.clock.now()))
    except Exception:
        logger.exception("unexpected error in %s %s", scope["method"], scope["path"])
        return _refusal(ApiError(500, "Internal server error"))


def _record(
    emulator: Emulator, scope: Scope, headers: RawHeaders, *, at: datetime | None, **entry: Any
) -> None:
    """Keep the request in the journal and add its id to the answer's `headers` (X-Request-Id);
    a failure loses the record (and the id), never the answer."""
    try:
        request_id = emulator.journal.record(scope, at=at or emulator.clock.now(), **entry)
    except Exception:
        logger.exception("could not record %s %s in the journal", scope["method"], scope["path"])
    else:
        headers.append((b"x-request-id", request_id.encode()))


def _refusal(error: ApiError) -> Answer:
    body = dump_json(envelope(error.status, error.message))
    return error.status, body, json_head(body, error.headers), error.message


async def _chosen(override: Override, receive: Receive, kept: list[bytes] | None) -> Answer:
    """The answer a test chose; the request body is read first if the journal keeps it."""
    if kept is not None:
        while (await receive()).get("more_body", False):
            pass
    body = dump_json(override.body)
    reason = None
    if override.status >= 400:
        message = override.body.get("message") if isinstance(override.body, dict) else None
        reason = message if isinstance(message, (str, list)) else f"answered by {override.id}"
    return override.status, body, json_head(body, override.headers), reason


def _kept(emulator: Emulator, receive: Receive) -> tuple[Receive, list[bytes] | None]:
    """`receive`, and where the body it delivers is kept when the journal keeps bodies."""
    if not emulator.journal.bodies:
        return receive, None
    chunks: list[bytes] = []
    return _recording(receive, chunks), chunks


def _recording(receive: Receive, chunks: list[bytes]) -> Receive:
    """`receive`, keeping a copy of the body it delivers (for a journal that keeps bodies)."""

    async def receive_and_keep() -> Message:
        message = await receive()
        chunks.append(message.get("body", b""))
        return message

    return receive_and_keep


def _update(headers: RawHeaders, extra: Mapping[str, str]) -> None:
    """`MutableHeaders.update`: replace a header of the same name, else append."""
    for name, value in extra.items():
        raw_name, raw_value = name.lower().encode("latin-1"), value.encode("latin-1")
        for i, (existing, _) in enumerate(headers):
            if existing == raw_name:
                headers[i] = (raw_name, raw_value)
                break
        else:
            headers.append((raw_name, raw_value))


async def _suffer(fault: Fault, operation: Operation, now: datetime) -> None:
    """What a fault does before the request is handled: wait, and answer unless after_commit."""
    logger.info("injected fault %s on %s", fault.id, operation.id)
    if fault.latency_ms:
        await anyio.sleep(fault.latency_ms / 1000)
    if fault.status is not None and not fault.after_commit:
        raise _fault_error(fault, now)


def _fault_error(fault: Fault, now: datetime) -> ApiError:
    assert fault.status is not None
    headers = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = str(fault.retry_after)
    if fault.status == 429:
        # Not any key's window: the headers the spec requires on a 429, saying "nothing left".
        retry_after = fault.retry_after if fault.retry_after is not None else 1
        headers["Retry-After"] = str(retry_after)
        headers["X-RateLimit-Limit"] = "0"
        headers["X-RateLimit-Remaining"] = "0"
        headers["X-RateLimit-Reset"] = str(math.ceil(now.timestamp() + retry_after))
    return ApiError(fault.status, _FAULT_MESSAGES[fault.status], headers)
