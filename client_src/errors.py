"""The exceptions this client raises, and what each failure means for retrying.

    DialNexaError
    ├── APIConnectionError        no HTTP response arrived (the httpx error is the __cause__)
    │   └── APITimeoutError       ... because a timeout expired
    ├── APIStatusError            an error status: status_code, error, messages, retry_after, headers
    │   ├── BadRequestError 400, AuthenticationError 401, PaymentRequiredError 402,
    │   │   PermissionDeniedError 403, NotFoundError 404, RateLimitError 429
    │   ├── ServerError           any status >= 500 (520 included)
    │   └── UnexpectedStatus      a status that is neither the operation's success nor an error
    ├── ResponseValidationError   an answer the client cannot read (a success whose body does not
    │                             match the spec, or cannot be decoded): status_code, headers,
    │                             content, request_id, field
    ├── OutcomeUnknownError       the request may have been acted on; a create may have placed the call
    ├── WaitTimeoutError          calls.wait gave up at its deadline; `.call` is the last call seen
    ├── ReconciliationLimitError  find_created_call looked through max_pages pages and found no end
    ├── MissingAPIKeyError        DialNexa() found no API key (argument or DIALNEXA_API_KEY)
    └── InvalidAPIKeyError        DialNexa() was given a key not of the form key_id:secret

OutcomeUnknownError is only raised for operations with side effects (createCall), always together with
the class that says what failed: ConnectionOutcomeUnknownError, TimeoutOutcomeUnknownError or
ServerOutcomeUnknownError.
"""

import json
import linecache
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from .models.call import Call
    from .models.error import Error
    from .types import Response

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods without side effects: retrying them is harmless and no failure leaves anything to reconcile."""

NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Failures raised before any byte of the request left (refused, DNS, connect or pool timeout)."""

REQUEST_ID_HEADERS = ("x-request-id", "request-id")
"""Response headers that carry the server's id for the request, first found wins."""


def request_id_of(headers: Mapping[str, str]) -> str | None:
    """The server's id for the request (`X-Request-Id`, else `Request-Id`), or None."""
    from .types import _request_id  # noqa: PLC0415  (types is loaded by then; errors stays import-light)

    return _request_id(headers)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP-date), or None if absent or invalid."""
    value = (value or "").strip()
    if value.isascii() and value.replace(".", "", 1).isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:  # RFC 9110 dates are GMT
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


class DialNexaError(Exception):
    """Base of every exception this client raises."""


class OutcomeUnknownError(DialNexaError):
    """The server may or may not have acted on the request: a create may have placed the call.

    DialNexa has no idempotency key, so never send the request again blindly: look the call up first
    (`dialnexa_client.api.calls.find_created_call`).
    """


class APIConnectionError(DialNexaError):
    """No HTTP response arrived: the connection failed or was dropped. The httpx error is the __cause__."""


class APITimeoutError(APIConnectionError):
    """No HTTP response arrived within the timeout."""


class ConnectionOutcomeUnknownError(APIConnectionError, OutcomeUnknownError):
    """The connection failed after the request may have reached the server."""


class TimeoutOutcomeUnknownError(APITimeoutError, OutcomeUnknownError):
    """The request was sent, but no response arrived within the timeout."""


class APIStatusError(DialNexaError):
    """The server answered with a status the operation does not return on success.

    Attributes:
        status_code: the HTTP status, any integer (520 and 499 included).
        error: DialNexa's envelope `{statusCode, message, error}`, or None when the body is not one
            (a proxy's error page, say).
        messages: the envelope's message(s) as a list; empty without an envelope.
        retry_after: seconds the server asked to wait (Retry-After, seconds or HTTP-date), or None.
        request_id: the server's id for the request (`X-Request-Id` or `Request-Id`), or None; quote
            it when asking DialNexa about a failure.
        headers: the response headers.
        content: the raw response body.
    """

    def __init__(self, status_code: int, content: bytes, headers: Mapping[str, str] | None = None) -> None:
        self.status_code = status_code
        self.content = content
        self.headers: Mapping[str, str] = httpx.Headers(headers)
        self.error = _envelope(content)
        message = self.error.message if self.error else []
        self.messages = [str(m) for m in message] if isinstance(message, list) else [str(message)]
        self.retry_after = parse_retry_after(self.headers.get("retry-after"), datetime.now(UTC))
        self.request_id = request_id_of(self.headers)
        if self.error:
            detail = f"{self.error.error}: {'; '.join(self.messages)}"
        else:
            detail = content[:200].decode(errors="replace") or "(empty body)"
        if self.request_id:
            detail += f" (request id {self.request_id})"
        super().__init__(f"HTTP {status_code} {detail}")


class BadRequestError(APIStatusError):
    """400: the request is malformed or breaks a rule; sending it again will not help."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, malformed or unknown."""


class PaymentRequiredError(APIStatusError):
    """402: the workspace's wallet cannot pay for the call."""


class PermissionDeniedError(APIStatusError):
    """403: not allowed, e.g. the destination country is not enabled for the workspace."""


class NotFoundError(APIStatusError):
    """404: the call, agent, agent version or caller-ID number does not exist in the workspace."""


class RateLimitError(APIStatusError):
    """429: too many requests with this key; wait `retry_after` seconds."""


class ServerError(APIStatusError):
    """Any status >= 500, including non-standard ones such as 520."""


class ServerOutcomeUnknownError(ServerError, OutcomeUnknownError):
    """A status >= 500 for a request with side effects: it may have been carried out anyway."""


class UnexpectedStatus(APIStatusError):
    """A status that is neither the operation's success nor an error (e.g. 299 or 302).

    Also raised by the `*_detailed` functions for any undocumented status when the client was built
    with `raise_on_unexpected_status=True`.
    """


class WaitTimeoutError(DialNexaError):
    """`calls.wait` reached its deadline before the call reached a final status.

    Attributes:
        call: the last call seen (its status is not final).
        timeout: the deadline, in seconds.
    """

    def __init__(self, call: "Call", timeout: float) -> None:
        self.call = call
        self.timeout = timeout
        super().__init__(f"call {call.id} is still {call.status.value} after {timeout:g} s")


class MissingAPIKeyError(DialNexaError):
    """No API key: pass `api_key=` or set the DIALNEXA_API_KEY environment variable."""


class ReconciliationLimitError(DialNexaError, LookupError):
    """`find_created_call` went through `max_pages` full pages without a match or an end: raise
    `max_pages`, or narrow the search. (A LookupError too, as it was before 2.0.0.)"""


class InvalidAPIKeyError(DialNexaError, ValueError):
    """The API key is not of the form `key_id:secret` (the message never shows the key)."""


class ResponseValidationError(DialNexaError):
    """The server answered, but the client cannot read the answer: a success status whose body is not
    what the spec says (a field missing or of the wrong type, not JSON at all: a proxy's HTML page),
    or a body that cannot be decoded. For a create, the call was placed all the same.

    Attributes:
        status_code: the HTTP status.
        headers: the response headers.
        content: the raw response body (empty when it could not be decoded).
        request_id: the server's id for the request (`X-Request-Id` or `Request-Id`), or None.
        field: where the body went wrong, e.g. `created_at` or `metadata.priority`; None when the
            body as a whole is wrong (not JSON, not an object) or it could not be told.
        reason: what went wrong there. The exception that failed is the __cause__.
    """

    def __init__(
        self,
        status_code: int,
        content: bytes,
        headers: Mapping[str, str] | None = None,
        *,
        field: str | None = None,
        reason: str = "",
    ) -> None:
        self.status_code = status_code
        self.content = content
        self.headers: Mapping[str, str] = httpx.Headers(headers)
        self.request_id = request_id_of(self.headers)
        self.field = field
        self.reason = reason
        where = f"field {field!r}" if field else "the body"
        detail = f"HTTP {status_code}: {where} does not match the spec ({reason})"
        if self.request_id:
            detail += f" (request id {self.request_id})"
        super().__init__(detail)


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}


def _envelope(content: bytes) -> "Error | None":
    from .models.error import Error  # noqa: PLC0415  (see the top of this file)

    try:
        body = json.loads(content)
        return Error.from_dict(body) if isinstance(body, dict) else None
    except Exception:  # anything the parser meets in a body that is not the envelope (RecursionError too)
        return None


_POP = re.compile(r'\bd\.pop\(\s*"((?:[^"\\]|\\.)*)"')


def _key_at(frame_code: Any, lineno: int) -> str | None:
    """The JSON key a generated `from_dict` was reading at `lineno`: the nearest `d.pop("key"...)`
    at or above that line within the function."""
    lines = linecache.getlines(frame_code.co_filename)
    for number in range(min(lineno, len(lines)), frame_code.co_firstlineno - 1, -1):
        if match := _POP.search(lines[number - 1]):
            return match.group(1)
    return None


def _failing_field(traceback: TracebackType | None) -> str | None:
    """The path of the field a model's `from_dict` failed on (`metadata.priority`), read from the
    traceback: each `from_dict` of this package's models on the way names the key it was reading."""
    models = f"{__package__}.models."
    path: list[str] = []
    while traceback is not None:
        frame = traceback.tb_frame
        in_model = str(frame.f_globals.get("__name__", "")).startswith(models)
        if in_model and frame.f_code.co_name == "from_dict" and (key := _key_at(frame.f_code, traceback.tb_lineno)):
            path.append(key)
        traceback = traceback.tb_next
    return ".".join(path) or None


def response_validation_error(response: "Response[Any] | httpx.Response", exc: Exception) -> ResponseValidationError:
    """The exception for an answer whose body the operation could not parse; raise it `from exc`."""
    field = _failing_field(exc.__traceback__)
    missing = isinstance(exc, KeyError) and field is not None and exc.args[:1] == (field.rsplit(".", 1)[-1],)
    reason = "missing" if missing else f"{type(exc).__name__}: {exc}"[:300]
    return ResponseValidationError(response.status_code, response.content, response.headers, field=field, reason=reason)


def undecodable_body(response: httpx.Response, exc: httpx.DecodingError) -> ResponseValidationError:
    """The exception for an answer whose body cannot be decoded (its Content-Encoding is wrong)."""
    reason = f"cannot be decoded as its Content-Encoding says: {exc}"[:300]
    return ResponseValidationError(response.status_code, b"", response.headers, reason=reason)


def status_error(response: "Response[Any]", method: str) -> APIStatusError:
    """The exception for a response that is not the operation's success."""
    code = response.status_code
    if code >= 500:
        cls: type[APIStatusError] = ServerError if method.upper() in SAFE_METHODS else ServerOutcomeUnknownError
    elif code >= 400:
        cls = _BY_STATUS.get(code, APIStatusError)
    else:
        cls = UnexpectedStatus
    return cls(code, response.content, response.headers)


def connection_error(exc: httpx.TransportError, method: str) -> APIConnectionError:
    """The exception for a request that got no response; raise it `from exc`."""
    timed_out = isinstance(exc, httpx.TimeoutException)
    if method.upper() in SAFE_METHODS or isinstance(exc, NEVER_SENT):
        cls: type[APIConnectionError] = APITimeoutError if timed_out else APIConnectionError
        return cls(f"{method.upper()} failed, no response: {type(exc).__name__}: {exc}")
    cls = TimeoutOutcomeUnknownError if timed_out else ConnectionOutcomeUnknownError
    return cls(
        f"{method.upper()} may have reached the server, but no response arrived ({type(exc).__name__}: {exc})."
        " Its outcome is unknown: look it up before sending it again."
    )


__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConnectionOutcomeUnknownError",
    "DialNexaError",
    "InvalidAPIKeyError",
    "MissingAPIKeyError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "ReconciliationLimitError",
    "ResponseValidationError",
    "ServerError",
    "ServerOutcomeUnknownError",
    "TimeoutOutcomeUnknownError",
    "UnexpectedStatus",
    "WaitTimeoutError",
]
