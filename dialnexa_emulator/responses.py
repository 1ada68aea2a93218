"""JSON responses and DialNexa's error envelope `{statusCode, message, error}`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from starlette.responses import Response

# DialNexa's reason phrases (Python's own say "Request Entity Too Large" for 413).
REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def dump_json(content: Any) -> bytes:
    try:
        return orjson.dumps(content)
    except orjson.JSONEncodeError:
        # orjson stops at 64-bit integers; JSON (and a metadata value) does not.
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dump_json(content)


class ApiError(Exception):
    """A request DialNexa would refuse: raised anywhere, answered as its error envelope."""

    def __init__(
        self, status: int, message: str | Sequence[str], headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message if isinstance(message, str) else list(message)
        self.headers = dict(headers or {})

    @classmethod
    def invalid(cls, problems: Sequence[str]) -> ApiError:
        """400 for failed validation: one problem as a string, several as a list."""
        return cls(400, problems[0] if len(problems) == 1 else problems)

    def response(self) -> JSONResponse:
        return error_response(self.status, self.message, self.headers)


def error_response(
    status: int, message: str | list[str], headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(envelope(status, message), status_code=status, headers=headers)


def envelope(status: int, message: str | list[str]) -> dict[str, Any]:
    return {"statusCode": status, "message": message, "error": REASONS[status]}


RawHeaders = list[tuple[bytes, bytes]]
_JSON_CONTENT_TYPE = (b"content-type", b"application/json")


def json_head(body: bytes, headers: Mapping[str, str] | None = None) -> RawHeaders:
    """The raw ASGI headers a `JSONResponse(..., headers=headers)` of `body` sends, same order."""
    if not headers:
        return [(b"content-length", str(len(body)).encode()), _JSON_CONTENT_TYPE]
    raw = [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    ]
    present = {name for name, _ in raw}
    if b"content-length" not in present:
        raw.append((b"content-length", str(len(body)).encode()))
    if b"content-type" not in present:
        raw.append(_JSON_CONTENT_TYPE)
    return raw
