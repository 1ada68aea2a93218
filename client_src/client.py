"""`Client` and `AuthenticatedClient`, the HTTP layer under every operation: finite timeouts, retries
through httpx-retries steered by a `RetryPolicy` (never re-sending a request that may have arrived
unless it is safe), typed errors for every failure, logging (`DIALNEXA_LOG`) and hooks.
"""

import logging
import os
import random
import ssl
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar, cast

import httpx
from attrs import define, evolve, field, frozen

from . import __version__, errors

logger = logging.getLogger(__package__)

LOG_ENV = "DIALNEXA_LOG"
"""`info`: one line per answer and per retry on the `dialnexa_client` logger; `debug`: also each
request and both sides' headers (the Authorization header redacted). The API key is never logged."""

_LOG_LEVELS = {"info": logging.INFO, "debug": logging.DEBUG}
_REDACTED = {"authorization", "proxy-authorization", "cookie", "set-cookie"}


def setup_logging() -> None:
    """Apply `DIALNEXA_LOG` (`info` or `debug`): set the `dialnexa_client` logger's level and, if
    neither it nor the root logger has a handler, give it one that writes to stderr. Called whenever
    a client is made; anything else in the variable is ignored."""
    level = _LOG_LEVELS.get(os.environ.get(LOG_ENV, "").strip().lower())
    if level is None:
        return
    logger.setLevel(level)
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)


def _shown_headers(headers: httpx.Headers) -> dict[str, str]:
    return {name: "<redacted>" if name.lower() in _REDACTED else value for name, value in headers.items()}


_SEND_KWARGS = ("auth", "follow_redirects")  # for httpx.Client.send, not build_request (as httpx-retries)

USER_AGENT = (
    f"dialnexa-client/{__version__} python/{sys.version_info.major}.{sys.version_info.minor}"
    f" httpx/{'.'.join(httpx.__version__.split('.')[:2])}"
)
"""Sent with every request (unless `headers` set another), so DialNexa can tell which client spoke."""

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
"""30 s to send and to read (DialNexa: enough for POST /calls); 5 s to connect, so that the one
failure a create may be retried after (the request never left) is found quickly."""


def _as_timeout(timeout: float | httpx.Timeout) -> httpx.Timeout:
    return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)


async def _async_sleep(seconds: float) -> None:
    """`asyncio.sleep`, with asyncio imported when first needed rather than with the client."""
    import asyncio  # noqa: PLC0415

    await asyncio.sleep(seconds)


@frozen
class RetryPolicy:
    """Which failed requests are sent again, and how long to wait first.

    - GET (getCall, listCalls): retried after a connection error or timeout and after `statuses`
      (429, 502, 503, 504).
    - Anything else (createCall): retried only when the request provably never left: connection
      refused, DNS failure, connect or pool timeout. DialNexa has no idempotency key, so a create that
      may have arrived is never re-sent; it raises errors.OutcomeUnknownError instead.
    - The wait is the server's Retry-After (seconds or HTTP-date) when valid, else `backoff * 2**(n-1)`
      for retry n, shortened by up to `jitter` (a fraction) at random; never more than `max_delay`.

    `should_retry` and `delay` are pure: the client feeds them to httpx-retries' retry loop.
    `sleep`/`async_sleep` do the waiting; replace them to test without waiting.
    """

    max_retries: int = 2
    backoff: float = 0.5
    max_delay: float = 60.0
    jitter: float = 0.25
    statuses: frozenset[int] = frozenset({429, 502, 503, 504})
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    async_sleep: Callable[[float], Awaitable[None]] = field(default=_async_sleep, repr=False)

    def __attrs_post_init__(self) -> None:
        for name in ("max_retries", "backoff", "max_delay", "jitter"):
            value = getattr(self, name)
            if not isinstance(value, int | float):
                raise TypeError(f"{name} must be a number, not {value!r}")
            if not value >= 0:  # NaN too
                raise ValueError(f"{name} must be >= 0, not {value!r}")
        if not self.jitter <= 1:
            raise ValueError(f"jitter must be <= 1 (a fraction of the wait), not {self.jitter!r}")

    def should_retry(self, method: str, outcome: int | Exception, retry: int) -> bool:
        """Whether to make retry number `retry` (1 for the first) after `outcome`: a status code or the
        exception the request failed with."""
        if retry > self.max_retries:
            return False
        safe = method.upper() in errors.SAFE_METHODS
        if isinstance(outcome, int):
            return safe and outcome in self.statuses
        if isinstance(outcome, errors.NEVER_SENT):
            return True
        return safe and isinstance(outcome, (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError))

    def delay(self, retry: int, headers: Mapping[str, str], *, now: datetime, rand: float) -> float:
        """Seconds to wait before retry number `retry`, given the failed response's headers (empty
        after a transport error), the current time and a random number in [0, 1)."""
        retry_after = errors.parse_retry_after(httpx.Headers(headers).get("retry-after"), now)
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        backoff = min(self.backoff * 2.0 ** min(retry - 1, 64), self.max_delay)
        return backoff * (1 - self.jitter * rand)


if TYPE_CHECKING:  # a Protocol costs a little to make; only type checkers need it

    class _AttemptsLike(Protocol):
        """What the retry loop needs of httpx-retries' `Retry` (as steered by a RetryPolicy)."""

        url: str

        def increment(self) -> "_AttemptsLike": ...
        def is_exhausted(self) -> bool: ...
        def is_retryable_exception(self, exception: Exception) -> bool: ...
        def is_retryable_status_code(self, status_code: int) -> bool: ...
        def sleep(self, response: httpx.Response | Exception) -> None: ...
        async def asleep(self, response: httpx.Response | Exception) -> None: ...


class RetryEvent:
    """What `on_retry` hooks get, just before the client waits and sends a request again.

    Attributes:
        method, url: the request's.
        retry: the number of the retry about to be made: 1 for the first.
        max_retries: the policy's.
        delay: seconds the client waits first.
        status_code: the status of the answer that is retried, or None after a transport error.
        exception: the transport error that is retried, or None after an answer.
    """

    __slots__ = ("delay", "exception", "max_retries", "method", "retry", "status_code", "url")

    def __init__(  # a plain class, not attrs: made on every import, used only when a retry fires
        self,
        *,
        method: str,
        url: str,
        retry: int,
        max_retries: int,
        delay: float,
        status_code: int | None,
        exception: Exception | None,
    ) -> None:
        self.method = method
        self.url = url
        self.retry = retry
        self.max_retries = max_retries
        self.delay = delay
        self.status_code = status_code
        self.exception = exception

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"RetryEvent({shown})"


RetryHook = Callable[[RetryEvent], None]
RequestHook = Callable[[httpx.Request], None]
ResponseHook = Callable[[httpx.Response], None]


@cache
def _attempts_class() -> "Callable[[RetryPolicy, str, RetryHook | None], _AttemptsLike]":
    """httpx-retries' `Retry`, steered by a RetryPolicy; httpx-retries is imported on the first retry
    only (a request that succeeds at once never needs it)."""
    from httpx_retries import Retry  # noqa: PLC0415

    class _Attempts(Retry):
        """httpx-retries' retry loop for one request, with every decision taken by a RetryPolicy."""

        def __init__(
            self, policy: RetryPolicy, method: str, on_retry: RetryHook | None, attempts_made: int = 0
        ) -> None:
            super().__init__(total=policy.max_retries, attempts_made=attempts_made)
            self.policy = policy
            self.method = method
            self.on_retry = on_retry
            self.url = ""

        def is_retryable_method(self, method: str) -> bool:
            return True  # the policy decides per outcome

        def is_retryable_status_code(self, status_code: int) -> bool:
            return self.policy.should_retry(self.method, status_code, self.attempts_made + 1)

        def is_retryable_exception(self, exception: Exception) -> bool:
            return self.policy.should_retry(self.method, exception, self.attempts_made + 1)

        def increment(self) -> "_Attempts":
            attempts = _Attempts(self.policy, self.method, self.on_retry, self.attempts_made + 1)
            attempts.url = self.url
            return attempts

        def _delay(self, failed: httpx.Response | Exception) -> float:
            # Called after increment(): attempts_made is the number of the retry about to be made.
            headers = failed.headers if isinstance(failed, httpx.Response) else {}
            seconds = self.policy.delay(self.attempts_made, headers, now=datetime.now(UTC), rand=random.random())
            reason = f"HTTP {failed.status_code}" if isinstance(failed, httpx.Response) else type(failed).__name__
            logger.info(
                "%s %s failed (%s); retry %d of %d in %.2f s",
                self.method,
                self.url,
                reason,
                self.attempts_made,
                self.policy.max_retries,
                seconds,
            )
            if self.on_retry is not None:
                self.on_retry(
                    RetryEvent(
                        method=self.method,
                        url=self.url,
                        retry=self.attempts_made,
                        max_retries=self.policy.max_retries,
                        delay=seconds,
                        status_code=failed.status_code if isinstance(failed, httpx.Response) else None,
                        exception=None if isinstance(failed, httpx.Response) else failed,
                    )
                )
            return seconds

        def sleep(self, response: httpx.Response | Exception) -> None:
            self.policy.sleep(self._delay(response))

        async def asleep(self, response: httpx.Response | Exception) -> None:
            await self.policy.async_sleep(self._delay(response))

    return _Attempts


def _retry(
    send: Callable[[httpx.Request], httpx.Response],
    request: httpx.Request,
    method: str,
    policy: RetryPolicy,
    failed: httpx.Response | Exception,
    *,
    on_retry: RetryHook | None = None,
) -> httpx.Response:
    """httpx-retries' retry loop, entered after a first attempt that `policy` retries: the same
    decisions, waits and log lines as `retry_request` from there on."""
    attempts = _attempts_class()(policy, method, on_retry)
    attempts.url = str(request.url)
    request.extensions.setdefault("retry", attempts)
    while True:
        if isinstance(failed, httpx.Response):
            failed.close()
        attempts = attempts.increment()
        attempts.sleep(failed)
        try:
            response = send(request)
        except Exception as exc:
            if attempts.is_exhausted() or not attempts.is_retryable_exception(exc):
                raise
            failed = exc
            continue
        if attempts.is_exhausted() or not attempts.is_retryable_status_code(response.status_code):
            response.extensions["retry"] = attempts
            return response
        failed = response


async def _aretry(
    send: Callable[[httpx.Request], Awaitable[httpx.Response]],
    request: httpx.Request,
    method: str,
    policy: RetryPolicy,
    failed: httpx.Response | Exception,
    *,
    on_retry: RetryHook | None = None,
) -> httpx.Response:
    """Async `_retry`."""
    attempts = _attempts_class()(policy, method, on_retry)
    attempts.url = str(request.url)
    request.extensions.setdefault("retry", attempts)
    while True:
        if isinstance(failed, httpx.Response):
            await failed.aclose()
        attempts = attempts.increment()
        await attempts.asleep(failed)
        try:
            response = await send(request)
        except Exception as exc:
            if attempts.is_exhausted() or not attempts.is_retryable_exception(exc):
                raise
            failed = exc
            continue
        if attempts.is_exhausted() or not attempts.is_retryable_status_code(response.status_code):
            response.extensions["retry"] = attempts
            return response
        failed = response


def _read(response: httpx.Response, start: float) -> None:
    """Read a streamed answer's body; one whose body cannot be decoded (a Content-Encoding it does
    not have) is errors.ResponseValidationError, not an httpx error."""
    try:
        response.read()
    except httpx.DecodingError as exc:
        response.close()
        raise errors.undecodable_body(response, exc) from exc
    response.close()  # read in full already; closing also sets `elapsed`
    _ensure_elapsed(response, start)


async def _aread(response: httpx.Response, start: float) -> None:
    try:
        await response.aread()
    except httpx.DecodingError as exc:
        await response.aclose()
        raise errors.undecodable_body(response, exc) from exc
    await response.aclose()
    _ensure_elapsed(response, start)


def _ensure_elapsed(response: httpx.Response, start: float) -> None:
    """httpx sets `elapsed` when it closes a stream it read; an answer made whole by a transport
    (httpx.MockTransport) has none: measure it here."""
    try:
        response.elapsed  # noqa: B018
    except RuntimeError:
        response.elapsed = timedelta(seconds=time.perf_counter() - start)


T = TypeVar("T")


def _evolve(instance: T, **changes: Any) -> T:
    """attrs.evolve for the attrs classes below, typed through the plain class they share."""
    copy: T = evolve(cast(Any, instance), **changes)
    return copy


class _HTTPClient:
    """What `Client` and `AuthenticatedClient` share: every method (the fields are each class's own,
    as in the generator's client). Not an attrs class: it costs nothing to make."""

    # What the methods use; each attrs class below declares them as fields.
    base_url: str
    raise_on_unexpected_status: bool
    cookies: dict[str, str]
    headers: dict[str, str]
    timeout: float | httpx.Timeout
    verify_ssl: str | bool | ssl.SSLContext
    follow_redirects: bool
    httpx_args: dict[str, Any]
    retries: RetryPolicy
    http_client: httpx.Client | None
    async_http_client: httpx.AsyncClient | None
    on_request: RequestHook | None
    on_response: ResponseHook | None
    on_retry: RetryHook | None
    _client: httpx.Client | None
    _async_client: httpx.AsyncClient | None
    _parent: "_HTTPClient | None"
    _call_headers: dict[str, str]

    def __attrs_post_init__(self) -> None:
        setup_logging()

    def _default_headers(self) -> dict[str, str]:
        """The headers of every request: the User-Agent, then `headers`."""
        return {"User-Agent": USER_AGENT, **self.headers}

    def with_headers(self, headers: dict[str, str]) -> Self:
        """A new client like this one with additional headers (this one is left unchanged)."""
        return _evolve(self, headers={**self.headers, **headers})

    def with_cookies(self, cookies: dict[str, str]) -> Self:
        """A new client like this one with additional cookies (this one is left unchanged)."""
        return _evolve(self, cookies={**self.cookies, **cookies})

    def with_timeout(self, timeout: float | httpx.Timeout) -> Self:
        """A new client like this one with another timeout (this one is left unchanged). For a single
        call, pass ``timeout=`` to the operation instead."""
        return _evolve(self, timeout=timeout)

    def with_call_options(
        self, *, retries: RetryPolicy | None = None, headers: Mapping[str, str] | None = None
    ) -> Self:
        """A view of this client for some calls: the same connections (this client's), another retry
        policy and/or headers added to every request. The view owns no connections: closing it
        closes nothing, and it stops working once this client is closed."""
        view = _evolve(self, retries=self.retries if retries is None else retries)
        view._parent = self._parent or self
        view._call_headers = {**self._call_headers, **(headers or {})}
        return view

    def close(self) -> None:
        """Close the httpx.Client's connections, if one was made here (a view closes nothing, nor
        does anything close an ``http_client`` of yours)."""
        if self._parent is None and self._client is not None:
            self._client.close()

    async def aclose(self) -> None:
        """Close the httpx.AsyncClient's connections, if one was made here (see `close`)."""
        if self._parent is None and self._async_client is not None:
            await self._async_client.aclose()

    def set_httpx_client(self, client: httpx.Client) -> Self:
        """Use this httpx.Client as it is; it replaces base_url, cookies, headers (the token too) and
        timeout. To keep them, pass ``http_client=`` instead."""
        self._client = client
        return self

    def get_httpx_client(self) -> httpx.Client:
        """The underlying httpx.Client: ``http_client``, or one made on first use."""
        if self._parent is not None:
            return self._parent.get_httpx_client()
        if self._client is None:
            if self.http_client is not None:
                return self.http_client
            self._client = httpx.Client(
                base_url=self.base_url,
                cookies=self.cookies,
                headers=self._default_headers(),
                timeout=self.timeout,
                verify=self.verify_ssl,
                follow_redirects=self.follow_redirects,
                **self.httpx_args,
            )
        return self._client

    def _request_kwargs(self, url: str, foreign: bool, kwargs: dict[str, Any]) -> str:
        """Complete `kwargs` for build_request and return the URL. A client of the caller's
        (``http_client``) knows none of this client's settings: each request carries them."""
        if self._call_headers:
            kwargs["headers"] = {**kwargs.get("headers", {}), **self._call_headers}
        if not foreign:
            return url
        kwargs["headers"] = {**self._default_headers(), **kwargs.get("headers", {})}
        kwargs.setdefault("timeout", _as_timeout(self.timeout))
        if self.cookies:
            kwargs["cookies"] = {**self.cookies, **kwargs.get("cookies", {})}
        return f"{self.base_url.rstrip('/')}/{url.lstrip('/')}"

    def _sent(self, request: httpx.Request) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("request: %s %s headers=%s", request.method, request.url, _shown_headers(request.headers))
        if self.on_request is not None:
            self.on_request(request)

    def _answered(self, response: httpx.Response) -> None:
        if logger.isEnabledFor(logging.INFO):
            request = response.request
            request_id = errors.request_id_of(response.headers)
            logger.info(
                "%s %s -> %d in %.0f ms%s",
                request.method,
                request.url,
                response.status_code,
                response.elapsed.total_seconds() * 1000,
                f" (request id {request_id})" if request_id else "",
            )
            logger.debug("response headers=%s", _shown_headers(response.headers))
        if self.on_response is not None:
            self.on_response(response)

    def request(
        self, method: str, url: str, *, timeout: float | httpx.Timeout | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send a request with this client's retry policy; ``kwargs`` go to ``httpx.Client.build_request``.

        Raises:
            errors.APIConnectionError: no response arrived (see errors.connection_error).
            errors.ResponseValidationError: an answer whose body cannot be decoded.
        """
        if timeout is not None:
            kwargs["timeout"] = _as_timeout(timeout)
        client = self.get_httpx_client()
        url = self._request_kwargs(url, client is self.http_client, kwargs)
        send_kwargs = {name: kwargs.pop(name) for name in _SEND_KWARGS if name in kwargs}
        request = client.build_request(method, url, **kwargs)

        def send(request: httpx.Request) -> httpx.Response:
            self._sent(request)
            start = time.perf_counter()
            response = client.send(request, stream=True, **send_kwargs)
            _read(response, start)
            self._answered(response)
            return response

        # The first attempt goes straight out; the retry loop starts only if the policy retries it.
        failed: httpx.Response | Exception
        try:
            try:
                response = send(request)
            except Exception as exc:
                if not self.retries.should_retry(method, exc, 1):
                    raise
                failed = exc
            else:
                if not self.retries.should_retry(method, response.status_code, 1):
                    return response
                failed = response
            return _retry(send, request, method, self.retries, failed, on_retry=self.on_retry)
        except httpx.TransportError as exc:
            raise errors.connection_error(exc, method) from exc

    def __enter__(self) -> Self:
        """Enter a context manager for self.client—you cannot enter twice (see httpx docs)"""
        self.get_httpx_client().__enter__()
        return self

    def __exit__(self, *args: Any, **kwargs: Any) -> None:
        """Exit a context manager for internal httpx.Client (see httpx docs)"""
        self.get_httpx_client().__exit__(*args, **kwargs)

    def set_async_httpx_client(self, async_client: httpx.AsyncClient) -> Self:
        """Use this httpx.AsyncClient as it is; it replaces base_url, cookies, headers (the token too)
        and timeout. To keep them, pass ``async_http_client=`` instead."""
        self._async_client = async_client
        return self

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        """The underlying httpx.AsyncClient: ``async_http_client``, or one made on first use."""
        if self._parent is not None:
            return self._parent.get_async_httpx_client()
        if self._async_client is None:
            if self.async_http_client is not None:
                return self.async_http_client
            self._async_client = httpx.AsyncClient(
                base_url=self.base_url,
                cookies=self.cookies,
                headers=self._default_headers(),
                timeout=self.timeout,
                verify=self.verify_ssl,
                follow_redirects=self.follow_redirects,
                **self.httpx_args,
            )
        return self._async_client

    async def arequest(
        self, method: str, url: str, *, timeout: float | httpx.Timeout | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Async `request`."""
        if timeout is not None:
            kwargs["timeout"] = _as_timeout(timeout)
        client = self.get_async_httpx_client()
        url = self._request_kwargs(url, client is self.async_http_client, kwargs)
        send_kwargs = {name: kwargs.pop(name) for name in _SEND_KWARGS if name in kwargs}
        request = client.build_request(method, url, **kwargs)

        async def send(request: httpx.Request) -> httpx.Response:
            self._sent(request)
            start = time.perf_counter()
            response = await client.send(request, stream=True, **send_kwargs)
            await _aread(response, start)
            self._answered(response)
            return response

        failed: httpx.Response | Exception
        try:
            try:
                response = await send(request)
            except Exception as exc:
                if not self.retries.should_retry(method, exc, 1):
                    raise
                failed = exc
            else:
                if not self.retries.should_retry(method, response.status_code, 1):
                    return response
                failed = response
            return await _aretry(send, request, method, self.retries, failed, on_retry=self.on_retry)
        except httpx.TransportError as exc:
            raise errors.connection_error(exc, method) from exc

    async def __aenter__(self) -> Self:
        """Enter a context manager for underlying httpx.AsyncClient—you cannot enter twice (see httpx docs)"""
        await self.get_async_httpx_client().__aenter__()
        return self

    async def __aexit__(self, *args: Any, **kwargs: Any) -> None:
        """Exit a context manager for underlying httpx.AsyncClient (see httpx docs)"""
        await self.get_async_httpx_client().__aexit__(*args, **kwargs)


@define
class AuthenticatedClient(_HTTPClient):
    """A client that authenticates every request with ``token`` (kept out of repr()).

    Keyword arguments:

        ``base_url``: the API's base URL, e.g. ``https://api.dialnexa.com/v1``.

        ``timeout``: seconds (or an ``httpx.Timeout``) per request attempt; default `DEFAULT_TIMEOUT`
        (30 s, 5 s to connect). Every operation also takes ``timeout=`` for one call.

        ``retries``: a `RetryPolicy`; by default reads are retried twice and a create only when it
        never left.

        ``cookies``, ``headers``, ``verify_ssl``, ``follow_redirects``: as for ``httpx.Client``.

        ``httpx_args``: further arguments for the ``httpx.Client`` and ``httpx.AsyncClient`` this
        client makes, e.g. ``{"transport": ...}``.

        ``http_client``, ``async_http_client``: an ``httpx.Client`` / ``httpx.AsyncClient`` of yours
        (proxies, mTLS, limits, a transport, event hooks) to send with instead of one made here;
        ``base_url``, the headers (the token), cookies and ``timeout`` still apply to every request.
        It is yours: this client never closes it.

        ``on_request``, ``on_response``, ``on_retry``: hooks called with each ``httpx.Request``
        before it is sent (every attempt), each ``httpx.Response`` once its body is read, and a
        `RetryEvent` before each retry. What they raise propagates.

        ``raise_on_unexpected_status``: see the attribute.
    """

    base_url: str
    raise_on_unexpected_status: bool = field(default=False, kw_only=True)
    """Whether the `*_detailed` functions raise errors.UnexpectedStatus for a status the spec does not
    document for the operation (by default they return it with `parsed=None`)."""
    # Read when the httpx client is made (on first use): change them with the `with_*` methods.
    cookies: dict[str, str] = field(factory=dict, kw_only=True)
    headers: dict[str, str] = field(factory=dict, kw_only=True)
    timeout: float | httpx.Timeout = field(default=DEFAULT_TIMEOUT, kw_only=True)
    verify_ssl: str | bool | ssl.SSLContext = field(default=True, kw_only=True)
    follow_redirects: bool = field(default=False, kw_only=True)
    httpx_args: dict[str, Any] = field(factory=dict, kw_only=True)
    retries: RetryPolicy = field(factory=RetryPolicy, kw_only=True)
    """When failed requests are sent again; `RetryPolicy(max_retries=0)` turns retries off."""
    http_client: httpx.Client | None = field(default=None, kw_only=True, repr=False)
    async_http_client: httpx.AsyncClient | None = field(default=None, kw_only=True, repr=False)
    on_request: RequestHook | None = field(default=None, kw_only=True, repr=False)
    on_response: ResponseHook | None = field(default=None, kw_only=True, repr=False)
    on_retry: RetryHook | None = field(default=None, kw_only=True, repr=False)
    _client: httpx.Client | None = field(default=None, init=False, repr=False)
    _async_client: httpx.AsyncClient | None = field(default=None, init=False, repr=False)
    _parent: "_HTTPClient | None" = field(default=None, init=False, repr=False)  # set on views: whose connections
    _call_headers: dict[str, str] = field(factory=dict, init=False, repr=False)  # added to each request of a view

    token: str = field(repr=False)
    """The API key, `key_id:secret`."""
    prefix: str = "Bearer"
    """The prefix to use for the Authorization header"""
    auth_header_name: str = "Authorization"
    """The name of the Authorization header"""

    def _default_headers(self) -> dict[str, str]:
        auth = f"{self.prefix} {self.token}" if self.prefix else self.token
        return {**super()._default_headers(), self.auth_header_name: auth}


if TYPE_CHECKING:
    from ._client import Client as Client  # noqa: PLC0414  (re-exported for type checkers)
else:

    def __getattr__(name: str) -> Any:
        # `Client` (for endpoints without authentication; DialNexa has none) is made on first use:
        # an attrs class costs a little to make, and the facade never needs it.
        if name == "Client":
            from ._client import Client  # noqa: PLC0415

            return Client
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
