"""DialNexa's error envelope `{statusCode, message, error}` and the error that becomes one.

Plain Python, so the core can refuse a request without knowing how the answer is sent
(`web._responses` turns an `ApiError` into a response)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import orjson

# DialNexa's reason phrases (Python's own say "Request Entity Too Large" for 413).
REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


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


def envelope(status: int, message: str | list[str]) -> dict[str, Any]:
    reason = REASONS.get(status) or HTTPStatus(status).phrase
    return {"statusCode": status, "message": message, "error": reason}


def dump_json(content: Any) -> bytes:
    try:
        return orjson.dumps(content)
    except orjson.JSONEncodeError:
        # orjson stops at 64-bit integers; JSON (and a metadata value) does not.
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
