"""Reading a JSON request body: the right content type, at most MAX_BODY_BYTES, valid JSON."""

from __future__ import annotations

import json
from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request

from .responses import ApiError

MAX_BODY_BYTES = 65536


async def read_json_body(request: Request) -> Any:
    """The request's JSON body, read with a cap: never more than MAX_BODY_BYTES are buffered."""
    headers = request.headers
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        raise ApiError(400, "Content-Type must be application/json")
    chunks = []
    size = 0
    more = True
    while more:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _too_large()
        chunks.append(chunk)
        more = message.get("more_body", False)
    body = b"".join(chunks)
    if not body:
        raise ApiError(400, "Request body is empty; send a JSON object")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return _decode_beyond_orjson(body)


def _too_large() -> ApiError:
    return ApiError(413, f"Request body is larger than {MAX_BODY_BYTES} bytes")


def _decode_beyond_orjson(body: bytes) -> Any:
    """orjson refuses some valid JSON (integers past 64 bits); the stdlib does not."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not a JSON value")

    try:
        return json.loads(body.decode("utf-8"), parse_constant=refuse)
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise ApiError(400, f"Request body is not valid JSON: {exc}") from None
