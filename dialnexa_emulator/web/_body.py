"""Reading a JSON request body: the right content type, at most MAX_BODY_BYTES, and JSON every later
step can hold (validation, storage, the response that echoes it): nested at most MAX_DEPTH deep,
finite numbers, integers within 64 bits, valid Unicode, no key twice in an object (a parser keeps
one of them silently, and which one differs between parsers; a repeated query parameter is refused
too).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope

from dialnexa_emulator._errors import ApiError
from dialnexa_emulator._validation import field_name

MAX_BODY_BYTES = 65536
# A create body is two levels deep (metadata values are scalars); deeper is hostile, and past about
# a thousand levels Python's own recursion (validators, encoders) would fail with a 500.
MAX_DEPTH = 32
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# orjson reads an integer past 64 bits as a float, silently dropping digits; such an integer has
# at least 19 digits, so only a body with a run that long is read again, exactly.
_LONG_DIGIT_RUN = re.compile(rb"[0-9]{19}")
# Every member of an object ends its key with a quote then a colon: the body has at least as many
# of these as its objects have members, more only when a key is repeated (or a string holds `":`).
_KEY_END = re.compile(rb'"[ \t\n\r]*:')


async def read_json_body(scope: Scope, receive: Receive) -> Any:
    """The request's JSON body, read with a cap: never more than MAX_BODY_BYTES are buffered.

    Reads the raw ASGI scope and messages (no Starlette `Request`): this runs on every create.
    """
    headers: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        headers.setdefault(name, value)  # the first of repeated headers, as Starlette reads them
    declared = headers.get(b"content-length", b"")
    content_type = headers.get(b"content-type", b"")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    media_type = content_type.partition(b";")[0].strip().lower()
    if media_type != b"application/json":
        raise ApiError(400, "Content-Type must be application/json")
    chunks = []
    size = 0
    more = True
    while more:
        message = await receive()
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
    return parse_json(body)


def parse_json(body: bytes) -> Any:
    """`body` as JSON, or a 400 saying what makes it unusable.

    orjson refuses invalid UTF-8, lone surrogates, NaN, Infinity and numbers that overflow to
    infinity (1e400); the rest is checked here, each check only when the raw bytes allow it.
    """
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, f"Request body is not valid JSON: {exc}") from None
    if body.count(b"{") + body.count(b"[") > MAX_DEPTH:  # fewer brackets cannot nest deeper
        _refuse_deep(value, MAX_DEPTH)
    if _LONG_DIGIT_RUN.search(body):
        _refuse_big_integers(body)
    if isinstance(value, dict | list):
        members = _members(value)
        # Each cheaper count bounds the next from above: colons, key ends, members (see _KEY_END).
        if body.count(b":") > members and len(_KEY_END.findall(body)) > members:
            _refuse_duplicate_keys(body)
    return value


def _members(value: dict[str, Any] | list[Any]) -> int:
    """How many members the objects in `value` have, all together (on every create: no call per
    scalar)."""
    count = 0
    items = value
    if type(value) is dict:
        count = len(value)
        items = value.values()  # type: ignore[assignment]
    for item in items:
        if type(item) is dict or type(item) is list:
            count += _members(item)
    return count


class _Repeated(dict[str, Any]):
    """An object in which `key` appeared `times` times."""

    key: str
    times: int


def _keeping_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) == len(pairs):
        return found
    repeated = _Repeated(found)
    seen: set[str] = set()  # linear: a hostile body may hold thousands of keys
    for key, _ in pairs:
        if key in seen:
            repeated.key = key
            break
        seen.add(key)
    repeated.times = sum(1 for key, _ in pairs if key == repeated.key)
    return repeated


def _refuse_duplicate_keys(body: bytes) -> None:
    # Read again by the stdlib, which hands each object's members over in order, repeats included.
    found = _repeat_at(json.loads(body, object_pairs_hook=_keeping_repeats), [])
    if found is not None:
        path, times = found
        name = field_name(path) or '""'  # the empty key, at the top
        raise ApiError(400, f"{name} must be given once, not {times} times (a repeated JSON key)")


def _repeat_at(value: Any, path: list[str | int]) -> tuple[list[str | int], int] | None:
    """Where in `value` the first repeated key is (outermost first), and how often it was given."""
    if isinstance(value, _Repeated):
        return [*path, value.key], value.times
    if isinstance(value, dict | list):
        for key, item in value.items() if isinstance(value, dict) else enumerate(value):
            found = _repeat_at(item, [*path, key])
            if found is not None:
                return found
    return None


def _too_large() -> ApiError:
    return ApiError(413, f"Request body is larger than {MAX_BODY_BYTES} bytes")


def _refuse_deep(value: Any, levels_left: int) -> None:
    if isinstance(value, dict | list):
        if levels_left == 0:
            raise ApiError(400, f"Request body is nested more than {MAX_DEPTH} levels deep")
        for item in value.values() if isinstance(value, dict) else value:
            _refuse_deep(item, levels_left - 1)


def _refuse_big_integers(body: bytes) -> None:
    # The stdlib keeps every digit; the body is valid JSON at most MAX_DEPTH deep (checked above).
    path = _big_integer_at(json.loads(body), [])
    if path is not None:
        raise ApiError(400, f"{field_name(path) or 'request body'} is an integer beyond 64 bits")


def _big_integer_at(value: Any, path: list[str | int]) -> list[str | int] | None:
    """Where in `value` an integer outside the signed 64-bit range is, if anywhere."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if INT64_MIN <= value <= INT64_MAX else path
    if isinstance(value, dict | list):
        for key, item in value.items() if isinstance(value, dict) else enumerate(value):
            found = _big_integer_at(item, [*path, key])
            if found is not None:
                return found
    return None
