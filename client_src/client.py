import logging
import random
import ssl
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from typing import Any, Protocol, Self

import httpx

from . import __version__, errors

logger = logging.getLogger(__package__)

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


@dataclass(frozen=True, slots=True)
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

    def __post_init__(self) -> None:
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


class _AttemptsLike(Protocol):
    """What the retry loop needs of httpx-retries' `Retry` (as steered by a RetryPolicy)."""

    def increment(self) -> "_AttemptsLike": ...
    def is_exhausted(self) -> bool: ...
    def is_retryable_exception(self, exception: Exception) -> bool: ...
    def is_retryable_status_code(self, status_code: int) -> bool: ...
    def sleep(self, response: httpx.Response | Exception) -> None: ...
    async def asleep(self, response: httpx.Response | Exception) -> None: ...


@cache
def _attempts_class() -> Callable[[RetryPolicy, str], _AttemptsLike]:
    """httpx-retries' `Retry`, steered by a RetryPolicy; httpx-retries is imported on the first retry
    only (a request that succeeds at once never needs it)."""
    from httpx_retries import Retry  # noqa: PLC0415

    class _Attempts(Retry):
        """httpx-retries' retry loop for one request, with every decision taken by a RetryPolicy."""

        def __init__(self, policy: RetryPolicy, method: str, attempts_made: int = 0) -> None:
            super().__init__(total=policy.max_retries, attempts_made=attempts_made)
            self.policy = policy
            self.method = method

        def is_retryable_method(self, method: str) -> bool:
            return True  # the policy decides per outcome

        def is_retryable_status_code(self, status_code: int) -> bool:
            return self.policy.should_retry(self.method, status_code, self.attempts_made + 1)

        def is_retryable_exception(self, exception: Exception) -> bool:
            return self.policy.should_retry(self.method, exception, self.attempts_made + 1)

        def increment(self) -> "_Attempts":
            return _Attempts(self.policy, self.method, self.attempts_made + 1)

        def _delay(self, failed: httpx.Response | Exception) -> float:
            # Called after increment(): attempts_made is the number of the retry about to be made.
            headers = failed.headers if isinstance(failed, httpx.Response) else {}
            seconds = self.policy.delay(self.attempts_made, headers, now=datetime.now(UTC), rand=random.random())
            reason = f"HTTP {failed.status_code}" if isinstance(failed, httpx.Response) else type(failed).__name__
            logger.info(
                "%s failed (%s); retry %d of %d in %.2f s",
                self.method,
                reason,
                self.attempts_made,
                self.policy.max_retries,
                seconds,
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
) -> httpx.Response:
    """httpx-retries' retry loop, entered after a first attempt that `policy` retries: the same
    decisions, waits and log lines as `retry_request` from there on."""
    attempts = _attempts_class()(policy, method)
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
) -> httpx.Response:
    """Async `_retry`."""
    attempts = _attempts_class()(policy, method)
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


@dataclass(slots=True)
class Client:
    """A client for the API's unauthenticated endpoints.

    Keyword arguments:

        ``base_url``: the API's base URL, e.g. ``https://api.dialnexa.com/v1``.

        ``timeout``: seconds (or an ``httpx.Timeout``) per request attempt; default `DEFAULT_TIMEOUT`
        (30 s, 5 s to connect). Every operation also takes ``timeout=`` for one call.

        ``retries``: a `RetryPolicy`; by default reads are retried twice and a create only when it
        never left.

        ``cookies``, ``headers``, ``verify_ssl``, ``follow_redirects``: as for ``httpx.Client``.

        ``httpx_args``: further arguments for ``httpx.Client`` and ``httpx.AsyncClient``, e.g.
        ``{"transport": ...}``.

        ``raise_on_unexpected_status``: see the attribute.
    """

    base_url: str
    raise_on_unexpected_status: bool = field(default=False, kw_only=True)
    """Whether the `*_detailed` functions raise errors.UnexpectedStatus for a status the spec does not
    document for the operation (by default they return it with `parsed=None`)."""
    # Read when the httpx client is made (on first use): change them with the `with_*` methods.
    cookies: dict[str, str] = field(default_factory=dict, kw_only=True)
    headers: dict[str, str] = field(default_factory=dict, kw_only=True)
    # A factory: dataclasses take an unhashable default (httpx.Timeout) for a mutable one.
    timeout: float | httpx.Timeout = field(default_factory=lambda: DEFAULT_TIMEOUT, kw_only=True)
    verify_ssl: str | bool | ssl.SSLContext = field(default=True, kw_only=True)
    follow_redirects: bool = field(default=False, kw_only=True)
    httpx_args: dict[str, Any] = field(default_factory=dict, kw_only=True)
    retries: RetryPolicy = field(default_factory=RetryPolicy, kw_only=True)
    """When failed requests are sent again; `RetryPolicy(max_retries=0)` turns retries off."""
    _client: httpx.Client | None = field(default=None, init=False)
    _async_client: httpx.AsyncClient | None = field(default=None, init=False)
    _parent: "Client | None" = field(default=None, init=False)  # set on views: whose connections
    _call_headers: dict[str, str] = field(default_factory=dict, init=False)  # added to each request of a view

    def with_headers(self, headers: dict[str, str]) -> "Client":
        """A new client like this one with additional headers (this one is left unchanged)."""
        return replace(self, headers={**self.headers, **headers})

    def with_cookies(self, cookies: dict[str, str]) -> "Client":
        """A new client like this one with additional cookies (this one is left unchanged)."""
        return replace(self, cookies={**self.cookies, **cookies})

    def with_timeout(self, timeout: float | httpx.Timeout) -> "Client":
        """A new client like this one with another timeout (this one is left unchanged). For a single
        call, pass ``timeout=`` to the operation instead."""
        return replace(self, timeout=timeout)

    def with_call_options(
        self, *, retries: RetryPolicy | None = None, headers: Mapping[str, str] | None = None
    ) -> "Client":
        """A view of this client for some calls: the same connections (this client's), another retry
        policy and/or headers added to every request. The view owns no connections: closing it
        closes nothing, and it stops working once this client is closed."""
        view = replace(self, retries=self.retries if retries is None else retries)
        view._parent = self._parent or self
        view._call_headers = {**self._call_headers, **(headers or {})}
        return view

    def close(self) -> None:
        """Close the httpx.Client's connections, if one was made (a view closes nothing)."""
        if self._parent is None and self._client is not None:
            self._client.close()

    async def aclose(self) -> None:
        """Close the httpx.AsyncClient's connections, if one was made (a view closes nothing)."""
        if self._parent is None and self._async_client is not None:
            await self._async_client.aclose()

    def set_httpx_client(self, client: httpx.Client) -> Self:
        """Use this httpx.Client; it replaces base_url, cookies, headers (the token too) and timeout."""
        self._client = client
        return self

    def get_httpx_client(self) -> httpx.Client:
        """The underlying httpx.Client, constructed on first use."""
        if self._parent is not None:
            return self._parent.get_httpx_client()
        if self._client is None:
            self._client = httpx.Client(
                base_url=self.base_url,
                cookies=self.cookies,
                headers={"User-Agent": USER_AGENT, **self.headers},
                timeout=self.timeout,
                verify=self.verify_ssl,
                follow_redirects=self.follow_redirects,
                **self.httpx_args,
            )
        return self._client

    def request(
        self, method: str, url: str, *, timeout: float | httpx.Timeout | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send a request with this client's retry policy; ``kwargs`` go to ``httpx.Client.build_request``.

        Raises:
            errors.APIConnectionError: no response arrived (see errors.connection_error).
        """
        if timeout is not None:
            kwargs["timeout"] = _as_timeout(timeout)
        if self._call_headers:
            kwargs["headers"] = {**kwargs.get("headers", {}), **self._call_headers}
        client = self.get_httpx_client()
        send_kwargs = {name: kwargs.pop(name) for name in _SEND_KWARGS if name in kwargs}
        request = client.build_request(method, url, **kwargs)

        def send(request: httpx.Request) -> httpx.Response:
            return client.send(request, **send_kwargs)

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
            return _retry(send, request, method, self.retries, failed)
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
        """Use this httpx.AsyncClient; it replaces base_url, cookies, headers (the token too) and timeout."""
        self._async_client = async_client
        return self

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        """The underlying httpx.AsyncClient, constructed on first use."""
        if self._parent is not None:
            return self._parent.get_async_httpx_client()
        if self._async_client is None:
            self._async_client = httpx.AsyncClient(
                base_url=self.base_url,
                cookies=self.cookies,
                headers={"User-Agent": USER_AGENT, **self.headers},
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
        if self._call_headers:
            kwargs["headers"] = {**kwargs.get("headers", {}), **self._call_headers}
        client = self.get_async_httpx_client()
        send_kwargs = {name: kwargs.pop(name) for name in _SEND_KWARGS if name in kwargs}
        request = client.build_request(method, url, **kwargs)

        async def send(request: httpx.Request) -> httpx.Response:
            return await client.send(request, **send_kwargs)

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
            return await _aretry(send, request, method, self.retries, failed)
        except httpx.TransportError as exc:
            raise errors.connection_error(exc, method) from exc

    async def __aenter__(self) -> Self:
        """Enter a context manager for underlying httpx.AsyncClient—you cannot enter twice (see httpx docs)"""
        await self.get_async_httpx_client().__aenter__()
        return self

    async def __aexit__(self, *args: Any, **kwargs: Any) -> None:
        """Exit a context manager for underlying httpx.AsyncClient (see httpx docs)"""
        await self.get_async_httpx_client().__aexit__(*args, **kwargs)


@dataclass(slots=True)
class AuthenticatedClient:
    """A client that authenticates every request with ``token`` (kept out of repr()).

    Keyword arguments:

        ``base_url``: the API's base URL, e.g. ``https://api.dialnexa.com/v1``.

        ``timeout``: seconds (or an ``httpx.Timeout``) per request attempt; default `DEFAULT_TIMEOUT`
        (30 s, 5 s to connect). Every operation also takes ``timeout=`` for one call.

        ``retries``: a `RetryPolicy`; by default reads are retried twice and a create only when it
        never left.

        ``cookies``, ``headers``, ``verify_ssl``, ``follow_redirects``: as for ``httpx.Client``.

        ``httpx_args``: further arguments for ``httpx.Client`` and ``httpx.AsyncClient``, e.g.
        ``{"transport": ...}``.

        ``raise_on_unexpected_status``: see the attribute.
    """

    base_url: str
    raise_on_unexpected_status: bool = field(default=False, kw_only=True)
    """Whether the `*_detailed` functions raise errors.UnexpectedStatus for a status the spec does not
    document for the operation (by default they return it with `parsed=None`)."""
    # Read when the httpx client is made (on first use): change them with the `with_*` methods.
    cookies: dict[str, str] = field(default_factory=dict, kw_only=True)
    headers: dict[str, str] = field(default_factory=dict, kw_only=True)
    # A factory: dataclasses take an unhashable default (httpx.Timeout) for a mutable one.
    timeout: float | httpx.Timeout = field(default_factory=lambda: DEFAULT_TIMEOUT, kw_only=True)
    verify_ssl: str | bool | ssl.SSLContext = field(default=True, kw_only=True)
    follow_redirects: bool = field(default=False, kw_only=True)
    httpx_args: dict[str, Any] = field(default_factory=dict, kw_only=True)
    retries: RetryPolicy = field(default_factory=RetryPolicy, kw_only=True)
    """When failed requests are sent again; `RetryPolicy(max_retries=0)` turns retries off."""
    _client: httpx.Client | None = field(default=None, init=False)
    _async_client: httpx.AsyncClient | None = field(default=None, init=False)
    _parent: "AuthenticatedClient | None" = field(default=None, init=False)  # set on views: whose connections
    _call_headers: dict[str, str] = field(default_factory=dict, init=False)  # added to each request of a view

    token: str = field(repr=False)
    """The API key, `key_id:secret`."""
    prefix: str = "Bearer"
    """The prefix to use for the Authorization header"""
    auth_header_name: str = "Authorization"
    """The name of the Authorization header"""

    def with_headers(self, headers: dict[str, str]) -> "AuthenticatedClient":
        """A new client like this one with additional headers (this one is left unchanged)."""
        return replace(self, headers={**self.headers, **headers})

    def with_cookies(self, cookies: dict[str, str]) -> "AuthenticatedClient":
        """A new client like this one with additional cookies (this one is left unchanged)."""
        return replace(self, cookies={**self.cookies, **cookies})

    def with_timeout(self, timeout: float | httpx.Timeout) -> "AuthenticatedClient":
        """A new client like this one with another timeout (this one is left unchanged). For a single
        call, pass ``timeout=`` to the operation instead."""
        return replace(self, timeout=timeout)

    def with_call_options(
        self, *, retries: RetryPolicy | None = None, headers: Mapping[str, str] | None = None
    ) -> "AuthenticatedClient":
        """A view of this client for some calls: the same connections (this client's), another retry
        policy and/or headers added to every request. The view owns no connections: closing it
        closes nothing, and it stops working once this client is closed."""
        view = replace(self, retries=self.retries if retries is None else retries)
        view._parent = self._parent or self
        view._call_headers = {**self._call_headers, **(headers or {})}
        return view

    def close(self) -> None:
        """Close the httpx.Client's connections, if one was made (a view closes nothing)."""
        if self._parent is None and self._client is not None:
            self._client.close()

    async def aclose(self) -> None:
        """Close the httpx.AsyncClient's connections, if one was made (a view closes nothing)."""
        if self._parent is None and self._async_client is not None:
            await self._async_client.aclose()

    def set_httpx_client(self, client: httpx.Client) -> Self:
        """Use this httpx.Client; it replaces base_url, cookies, headers (the token too) and timeout."""
        self._client = client
        return self

    def get_httpx_client(self) -> httpx.Client:
        """The underlying httpx.Client, constructed on first use."""
        if self._parent is not None:
            return self._parent.get_httpx_client()
        if self._client is None:
            self._client = httpx.Client(
                base_url=self.base_url,
                cookies=self.cookies,
                headers={
                    "User-Agent": USER_AGENT,
                    **self.headers,
                    self.auth_header_name: f"{self.prefix} {self.token}" if self.prefix else self.token,
                },
                timeout=self.timeout,
                verify=self.verify_ssl,
                follow_redirects=self.follow_redirects,
                **self.httpx_args,
            )
        return self._client

    def request(
        self, method: str, url: str, *, timeout: float | httpx.Timeout | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send a request with this client's retry policy; ``kwargs`` go to ``httpx.Client.build_request``.

        Raises:
            errors.APIConnectionError: no response arrived (see errors.connection_error).
        """
        if timeout is not None:
            kwargs["timeout"] = _as_timeout(timeout)
        if self._call_headers:
            kwargs["headers"] = {**kwargs.get("headers", {}), **self._call_headers}
        client = self.get_httpx_client()
        send_kwargs = {name: kwargs.pop(name) for name in _SEND_KWARGS if name in kwargs}
        request = client.build_request(method, url, **kwargs)

        def send(request: httpx.Request) -> httpx.Response:
            return client.send(request, **send_kwargs)

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
            return _retry(send, request, method, self.retries, failed)
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
        """Use this httpx.AsyncClient; it replaces base_url, cookies, headers (the token too) and timeout."""
        self._async_client = async_client
        return self

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        """The underlying httpx.AsyncClient, constructed on first use."""
        if self._parent is not None:
            return self._parent.get_async_httpx_client()
        if self._async_client is None:
            self._async_client = httpx.AsyncClient(
                base_url=self.base_url,
                cookies=self.cookies,
                headers={
                    "User-Agent": USER_AGENT,
                    **self.headers,
                    self.auth_header_name: f"{self.prefix} {self.token}" if self.prefix else self.token,
                },
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
        if self._call_headers:
            kwargs["headers"] = {**kwargs.get("headers", {}), **self._call_headers}
        client = self.get_async_httpx_client()
        send_kwargs = {name: kwargs.pop(name) for name in _SEND_KWARGS if name in kwargs}
        request = client.build_request(method, url, **kwargs)

        async def send(request: httpx.Request) -> httpx.Response:
            return await client.send(request, **send_kwargs)

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
            return await _aretry(send, request, method, self.retries, failed)
        except httpx.TransportError as exc:
            raise errors.connection_error(exc, method) from exc

    async def __aenter__(self) -> Self:
        """Enter a context manager for underlying httpx.AsyncClient—you cannot enter twice (see httpx docs)"""
        await self.get_async_httpx_client().__aenter__()
        return self

    async def __aexit__(self, *args: Any, **kwargs: Any) -> None:
        """Exit a context manager for underlying httpx.AsyncClient (see httpx docs)"""
        await self.get_async_httpx_client().__aexit__(*args, **kwargs)
