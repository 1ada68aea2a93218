"""`DialNexa` and `AsyncDialNexa`: the client most code needs.

    client = DialNexa()                # DIALNEXA_API_KEY, DIALNEXA_BASE_URL
    call = client.calls.create(agent_id="agt_abc123", to_phone_number="+919876543210")
    final = client.calls.wait(call.id)

Built on the lower layer: an `AuthenticatedClient` (`client.api_client`) and the functional modules
in `api/`, which keep all their guarantees (typed errors, finite timeouts, retries that never send a
create twice).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from types import TracebackType

    import httpx

    from .client import AuthenticatedClient, RequestHook, ResponseHook, RetryHook, RetryPolicy
    from .resources import AsyncCalls, Calls


API_KEY_ENV = "DIALNEXA_API_KEY"
BASE_URL_ENV = "DIALNEXA_BASE_URL"
DEFAULT_BASE_URL = "https://api.dialnexa.com/v1"
"""The spec's first server."""

_KEEP: Any = object()  # with_options: "as before"

KEY_FORM = "key_id:secret"


def _check_key(key: str) -> None:
    """Refuse a key that cannot be DialNexa's (never showing it): `key_id:secret`, both parts
    non-empty, printable ASCII without spaces."""
    key_id, colon, secret = key.partition(":")
    if not (colon and key_id and secret and key.isascii() and key.isprintable() and " " not in key):
        from .errors import InvalidAPIKeyError  # noqa: PLC0415  (imported when needed)

        what = "has no ':'" if not colon else "has an empty part, a space or a character that is not printable ASCII"
        raise InvalidAPIKeyError(
            f"the DialNexa API key {what}: it must have the form {KEY_FORM} "
            f"(from api_key= or the {API_KEY_ENV} environment variable)"
        )


class _Facade:
    """What DialNexa and AsyncDialNexa share: configuration, with_options, the lower-level client."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        retries: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        httpx_args: Mapping[str, Any] | None = None,
        http_client: httpx.Client | httpx.AsyncClient | None = None,
        on_request: RequestHook | None = None,
        on_response: ResponseHook | None = None,
        on_retry: RetryHook | None = None,
    ) -> None:
        """Keyword arguments:

        ``api_key``: `key_id:secret`; default: the DIALNEXA_API_KEY environment variable.

        ``base_url``: default: DIALNEXA_BASE_URL, else ``https://api.dialnexa.com/v1``.

        ``timeout``: seconds (or an ``httpx.Timeout``) per request attempt; default 30 s, 5 s to
        connect. Every method also takes ``timeout=`` for one call.

        ``retries``: a `RetryPolicy`; default `RetryPolicy()`: reads retried twice, a create only when
        it never left.

        ``headers``: sent with every request. ``httpx_args``: further arguments for the
        ``httpx.Client`` / ``httpx.AsyncClient`` made here, e.g. ``{"transport": ...}``.

        ``http_client``: an ``httpx.Client`` (``httpx.AsyncClient`` for AsyncDialNexa) of yours to
        send with: its proxies, TLS settings, limits, transport and event hooks apply, and so do
        this client's base URL, key, headers and timeout. It stays yours: closing this client
        leaves it open.

        ``on_request``, ``on_response``, ``on_retry``: hooks (plain functions, also for
        AsyncDialNexa) called with each ``httpx.Request`` before it is sent (every attempt), each
        ``httpx.Response`` once read, and a `client.RetryEvent` before each retry; for metrics and
        tracing. What they raise propagates.

        Raises:
            errors.MissingAPIKeyError: no ``api_key`` and no DIALNEXA_API_KEY.
            errors.InvalidAPIKeyError: the key is not of the form ``key_id:secret``.
            TypeError: ``http_client`` is not the kind of httpx client this class sends with.
        """
        key = os.environ.get(API_KEY_ENV, "") if api_key is None else api_key
        if not key:
            from .errors import MissingAPIKeyError  # noqa: PLC0415  (imported when needed)

            raise MissingAPIKeyError(
                f"no DialNexa API key: pass api_key='key_id:secret' or set the {API_KEY_ENV} environment variable"
            )
        _check_key(key)
        if http_client is not None and type(http_client).__name__ != self._HTTP_CLIENT:
            raise TypeError(
                f"{type(self).__name__} sends with an httpx.{self._HTTP_CLIENT}, not {type(http_client).__name__}"
            )
        self._api_key = key
        self.base_url = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        self.timeout = timeout
        self.retries = retries
        self._headers = dict(headers or {})
        self._httpx_args = dict(httpx_args or {})
        self._http_client = http_client
        self._on_request = on_request
        self._on_response = on_response
        self._on_retry = on_retry
        self._api_client: AuthenticatedClient | None = None

    _HTTP_CLIENT = "Client"

    def with_options(
        self,
        *,
        api_key: str = _KEEP,
        base_url: str = _KEEP,
        timeout: float | httpx.Timeout | None = _KEEP,
        retries: RetryPolicy | None = _KEEP,
        headers: Mapping[str, str] = _KEEP,
        httpx_args: Mapping[str, Any] = _KEEP,
        http_client: httpx.Client | httpx.AsyncClient | None = _KEEP,
        on_request: RequestHook | None = _KEEP,
        on_response: ResponseHook | None = _KEEP,
        on_retry: RetryHook | None = _KEEP,
    ) -> Self:
        """A new client like this one with some options changed (``headers`` are added to this one's).
        It has its own connections and shares nothing mutable with this one (an ``http_client`` of
        yours excepted: both send with it)."""
        return type(self)(
            api_key=self._api_key if api_key is _KEEP else api_key,
            base_url=self.base_url if base_url is _KEEP else base_url,
            timeout=self.timeout if timeout is _KEEP else timeout,
            retries=self.retries if retries is _KEEP else retries,
            headers=self._headers if headers is _KEEP else {**self._headers, **headers},
            httpx_args=self._httpx_args if httpx_args is _KEEP else httpx_args,
            http_client=self._http_client if http_client is _KEEP else http_client,
            on_request=self._on_request if on_request is _KEEP else on_request,
            on_response=self._on_response if on_response is _KEEP else on_response,
            on_retry=self._on_retry if on_retry is _KEEP else on_retry,
        )

    @property
    def api_client(self) -> AuthenticatedClient:
        """The `AuthenticatedClient` underneath, for the functional modules in `api/`
        (``create_call.sync(client=client.api_client, ...)``); made on first use."""
        if self._api_client is None:
            import httpx  # noqa: PLC0415

            from .client import DEFAULT_TIMEOUT, AuthenticatedClient, RetryPolicy  # noqa: PLC0415

            self._api_client = AuthenticatedClient(
                base_url=self.base_url,
                token=self._api_key,
                timeout=DEFAULT_TIMEOUT if self.timeout is None else self.timeout,
                retries=RetryPolicy() if self.retries is None else self.retries,
                headers=dict(self._headers),
                httpx_args=dict(self._httpx_args),
                http_client=self._http_client if isinstance(self._http_client, httpx.Client) else None,
                async_http_client=self._http_client if isinstance(self._http_client, httpx.AsyncClient) else None,
                on_request=self._on_request,
                on_response=self._on_response,
                on_retry=self._on_retry,
            )
        return self._api_client

    def _for_call(self, retries: RetryPolicy | None, extra_headers: Mapping[str, str] | None) -> AuthenticatedClient:
        """The client for one call: this one's, or a view of it with that call's options."""
        if retries is None and not extra_headers:
            return self._api_client or self.api_client
        return self.api_client.with_call_options(retries=retries, headers=extra_headers)

    def __repr__(self) -> str:
        """The base URL and the effective timeout and retry policy (the defaults when none was
        given); the API key never appears."""
        from .client import DEFAULT_TIMEOUT, RetryPolicy  # noqa: PLC0415

        timeout = DEFAULT_TIMEOUT if self.timeout is None else self.timeout
        retries = RetryPolicy() if self.retries is None else self.retries
        return f"{type(self).__name__}(base_url={self.base_url!r}, timeout={timeout!r}, retries={retries!r})"


class DialNexa(_Facade):
    """The DialNexa API, synchronously. Use it as a context manager, or call `close()`, to close its
    connections. See `_Facade.__init__` for the arguments."""

    @cached_property
    def calls(self) -> Calls:
        """The calls operations."""
        from .resources import Calls  # noqa: PLC0415  (brings httpx and the models)

        return Calls(self)

    def close(self) -> None:
        """Close the connections (if any were opened)."""
        if self._api_client is not None:
            self._api_client.close()

    def __enter__(self) -> DialNexa:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncDialNexa(_Facade):
    """The DialNexa API with ``await`` and ``async for``. Use it as an async context manager, or
    call `aclose()`, to close its connections. See `_Facade.__init__` for the arguments."""

    _HTTP_CLIENT = "AsyncClient"

    @cached_property
    def calls(self) -> AsyncCalls:
        """The calls operations."""
        from .resources import AsyncCalls  # noqa: PLC0415  (brings httpx and the models)

        return AsyncCalls(self)

    async def aclose(self) -> None:
        """Close the connections (if any were opened)."""
        if self._api_client is not None:
            await self._api_client.aclose()

    async def __aenter__(self) -> AsyncDialNexa:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
