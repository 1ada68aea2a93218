"""JSON answers, and an `ApiError` answered as DialNexa's error envelope."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from dialnexa_emulator._errors import ApiError, dump_json, envelope


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dump_json(content)


def error_response(
    status: int, message: str | list[str], headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(envelope(status, message), status_code=status, headers=headers)


def api_error_response(error: ApiError) -> JSONResponse:
    return error_response(error.status, error.message, error.headers)


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
