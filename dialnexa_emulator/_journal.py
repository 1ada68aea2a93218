"""The request journal: what reached the API, for a test to assert on (like WireMock's).

Recording is on the hot path, so a record is a small tuple appended to a bounded deque; it becomes
JSON only when read. It never holds a secret: the values of credential headers are replaced
before they are kept, and so is any configured key's or webhook endpoint's secret wherever else it
appears (path, query, other headers, a recorded body). Bodies are kept when asked for
(`bodies`: in process, by default; served, only by config, since `metadata` may hold personal
data), each up to `BODY_LIMIT` bytes. Every answer of 400 or more carries its reason: the message
it was refused with.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Iterable, MutableMapping
from datetime import datetime
from secrets import token_hex
from typing import Any, NamedTuple

from dialnexa_emulator._clock import iso

Scope = MutableMapping[str, Any]  # an ASGI scope, named without importing Starlette

REDACTED = "[redacted]"
_REDACTED_BYTES = REDACTED.encode()
# Headers whose whole value is a credential.
_CREDENTIAL_HEADERS = frozenset(
    {b"authorization", b"proxy-authorization", b"cookie", b"x-api-key", b"api-key"}
)
DEFAULT_SIZE = 1000
BODY_LIMIT = 64 * 1024  # the API's own request size limit: a kept body is never longer


class Record(NamedTuple):
    """One request, as kept: JSON only when read."""

    id: int
    at: datetime
    method: str
    path: str
    query: bytes
    operation: str | None
    status: int
    workspace_id: str | None
    key_id: str | None
    fault_id: str | None
    duration_sec: float
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes | None
    reason: str | list[str] | None
    override_id: str | None
    request_id: str


class Journal:
    """The last `size` requests, oldest first. `bodies`: also keep request bodies."""

    def __init__(
        self, secrets: Iterable[str], size: int = DEFAULT_SIZE, *, bodies: bool = False
    ) -> None:
        self.bodies = bodies
        self.size = size
        self._secrets = tuple({s.encode() for s in secrets if s})
        self._records: deque[Record] = deque(maxlen=size)
        self._ids = itertools.count(1)
        # Request ids: this process's prefix (several workers never repeat one), then a count.
        self._request_ids = f"req_{token_hex(4)}"
        self._request_numbers = itertools.count(1)

    def redact(self, secret: str) -> None:
        """Replace `secret` too, in what is recorded from now on (a webhook endpoint's, say)."""
        if secret and secret.encode() not in self._secrets:
            self._secrets = (*self._secrets, secret.encode())

    def record(
        self,
        scope: Scope,
        *,
        at: datetime,
        started: float,
        status: int,
        operation: str | None = None,
        workspace_id: str | None = None,
        key_id: str | None = None,
        fault_id: str | None = None,
        body: bytes | None = None,
        reason: str | list[str] | None = None,
        override_id: str | None = None,
    ) -> str:
        """Keep one request; `started` is its `time.perf_counter()` on arrival. `reason`: why
        it was answered with an error status (the message of the error answered). Returns the
        request's id, for the answer's `X-Request-Id`."""
        headers = tuple(
            (name, _REDACTED_BYTES if name in _CREDENTIAL_HEADERS else value)
            for name, value in scope["headers"]
        )
        path: str = scope["path"]
        query: bytes = scope["query_string"]
        body = body[:BODY_LIMIT] if self.bodies and body is not None else None
        if self._secrets:
            headers, path, query, body = self._scrubbed(headers, path, query, body)
        request_id = f"{self._request_ids}{next(self._request_numbers):08x}"
        self._keep(
            Record(
                0,  # numbered as kept
                at,
                scope["method"],
                path,
                query,
                operation,
                status,
                workspace_id,
                key_id,
                fault_id,
                time.perf_counter() - started,
                headers,
                body,
                reason,
                override_id,
                request_id,
            )
        )
        return request_id

    def _scrubbed(
        self,
        headers: tuple[tuple[bytes, bytes], ...],
        path: str,
        query: bytes,
        body: bytes | None,
    ) -> tuple[tuple[tuple[bytes, bytes], ...], str, bytes, bytes | None]:
        """The same, with every configured secret replaced; checked at once, replaced if found."""
        everything = b"\0".join([path.encode(), query, *(v for _, v in headers), body or b""])
        for secret in self._secrets:
            if secret in everything:
                headers = tuple(
                    (name, value.replace(secret, _REDACTED_BYTES)) for name, value in headers
                )
                path = path.replace(secret.decode(), REDACTED)
                query = query.replace(secret, _REDACTED_BYTES)
                body = body.replace(secret, _REDACTED_BYTES) if body is not None else None
        return headers, path, query, body

    def entries(self, operation: str | None = None) -> list[dict[str, Any]]:
        """The kept requests as JSON objects, oldest first; only `operation`'s if given."""
        return [_json(record) for record in self._kept(operation)]

    # Where records live: this process's memory (a state file shared by workers overrides these,
    # server/_shared.py).

    def _keep(self, record: Record) -> None:
        self._records.append(record._replace(id=next(self._ids)))

    def _kept(self, operation: str | None) -> list[Record]:
        return [r for r in self._records if operation is None or r.operation == operation]

    def last(self, operation: str) -> dict[str, Any] | None:
        """The newest kept request to `operation`, if any."""
        for record in reversed(self._records):
            if record.operation == operation:
                return _json(record)
        return None

    def clear(self) -> None:
        self._records.clear()


def _json(record: Record) -> dict[str, Any]:
    headers: dict[str, str] = {}
    for name, value in record.headers:
        key, text = name.decode("latin-1"), value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    entry = {
        "id": record.id,
        "request_id": record.request_id,
        "at": iso(record.at),
        "method": record.method,
        "path": record.path,
        "query": record.query.decode("latin-1"),
        "operation": record.operation,
        "status": record.status,
        "workspace_id": record.workspace_id,
        "key_id": record.key_id,
        "fault_id": record.fault_id,
        "override_id": record.override_id,
        "duration_ms": round(record.duration_sec * 1000, 3),
        "headers": headers,
    }
    if record.reason is not None:
        entry["reason"] = record.reason
    if record.body is not None:
        entry["body"] = record.body.decode("utf-8", "replace")
    return entry
