"""Contains some shared types for properties, and what every model and result has in common."""

from collections.abc import Callable, Mapping, MutableMapping
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Generic, Literal, TypeVar

from attrs import define, fields

if TYPE_CHECKING:
    from datetime import timedelta

    import httpx


class Unset:
    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Unset = Unset()

# The types that `httpx.Client(files=)` can accept, copied from that library.
FileContent = IO[bytes] | bytes | str
FileTypes = (
    # (filename, file (or bytes), content_type)
    tuple[str | None, FileContent, str | None]
    # (filename, file (or bytes), content_type, headers)
    | tuple[str | None, FileContent, str | None, Mapping[str, str]]
)
RequestFiles = list[tuple[str, FileTypes]]


T = TypeVar("T")

_REQUEST_ID_HEADERS = ("x-request-id", "request-id")  # as errors.REQUEST_ID_HEADERS (not imported: cheap)


def _request_id(headers: Mapping[str, str]) -> str | None:
    """The server's id for the request (`X-Request-Id`, else `Request-Id`), or None. On every answer:
    an httpx.Headers is scanned once, raw (its lookups decode every header each time)."""
    raw: list[tuple[bytes, bytes]] | None = getattr(headers, "raw", None)
    if raw is None:
        return next((headers[h] for h in _REQUEST_ID_HEADERS if h in headers), None)
    fallback = None
    for name, value in raw:
        lowered = name.lower()
        if lowered == b"x-request-id":
            return value.decode("latin-1")
        if lowered == b"request-id" and fallback is None:
            fallback = value.decode("latin-1")
    return fallback


@define
class Response(Generic[T]):
    """A response from an endpoint"""

    status_code: int
    """Any integer status: proxies send non-standard ones (520, 499) that `http.HTTPStatus` rejects."""
    content: bytes
    headers: MutableMapping[str, str]
    parsed: T | None

    @property
    def request_id(self) -> str | None:
        """The server's id for the request (`X-Request-Id`, else `Request-Id`), or None."""
        return _request_id(self.headers)


class RawResponse(Generic[T]):
    """An answer as it came, before the client reads it as a model: `client.calls.with_raw_response
    .get(...)` and the operations' `sync_raw` / `asyncio_raw` return one for any status.

    `parse()` returns what the plain method returns (the model) or raises what it raises
    (errors.APIStatusError and its subclasses, errors.ResponseValidationError); it parses once.
    """

    def __init__(self, http_response: "httpx.Response", parse: "Callable[[httpx.Response], T]") -> None:
        self.http_response = http_response
        """The `httpx.Response`, its body already read."""
        self._parse = parse
        self._parsed: tuple[T] | None = None

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> "httpx.Headers":
        return self.http_response.headers

    @property
    def content(self) -> bytes:
        return self.http_response.content

    @property
    def elapsed(self) -> "timedelta":
        """From sending the request to reading the last byte of the answer (its last attempt)."""
        return self.http_response.elapsed

    @property
    def request_id(self) -> str | None:
        """The server's id for the request (`X-Request-Id`, else `Request-Id`), or None."""
        return _request_id(self.headers)

    def parse(self) -> T:
        if self._parsed is None:
            self._parsed = (self._parse(self.http_response),)
        return self._parsed[0]

    def __repr__(self) -> str:
        request = self.http_response.request
        return f"<RawResponse {request.method} {request.url.path} -> {self.status_code}>"


def with_request_id(parsed: T, headers: Mapping[str, str]) -> T:
    """`parsed` (a model, or a list of models), each model's `request_id` set from `headers`."""
    request_id = _request_id(headers)
    if request_id is not None:
        for item in parsed if isinstance(parsed, list) else (parsed,):
            if hasattr(type(item), "__attrs_attrs__") and hasattr(item, "request_id"):
                item.request_id = request_id
    return parsed


def set_fields_repr(self: Any) -> str:
    """A model's repr: the fields that are set (not UNSET), and the additional properties when there
    are some; the request id is left out."""
    shown = []
    for attribute in fields(type(self)):
        value = getattr(self, attribute.name)
        if attribute.name == "additional_properties":
            if value:
                shown.append(f"additional_properties={value!r}")
        elif attribute.name != "request_id" and not isinstance(value, Unset):
            shown.append(f"{attribute.name}={value!r}")
    return f"{type(self).__name__}({', '.join(shown)})"


def _make_file_class() -> type:
    @define
    class File:
        """Contains information for file uploads"""

        payload: BinaryIO
        file_name: str | None = None
        mime_type: str | None = None

        def to_tuple(self) -> FileTypes:
            """Return a tuple representation that httpx will accept for multipart/form-data"""
            return self.file_name, self.payload, self.mime_type

    File.__module__ = __name__
    return File


if TYPE_CHECKING:

    @define
    class File:
        """Contains information for file uploads"""

        payload: BinaryIO
        file_name: str | None = None
        mime_type: str | None = None

        def to_tuple(self) -> FileTypes: ...

else:

    def __getattr__(name: str) -> Any:
        # `File` is made on first use: only multipart bodies need it, and an attrs class costs
        # a little to make on every import.
        if name != "File":
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        globals()["File"] = cls = _make_file_class()
        return cls


__all__ = ["UNSET", "File", "FileTypes", "RawResponse", "RequestFiles", "Response", "Unset"]
