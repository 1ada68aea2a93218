"""`Client`: the client for endpoints without authentication, made on first use (through
`dialnexa_client.client.Client` or `dialnexa_client.Client`); see `AuthenticatedClient`."""

import ssl
from typing import Any

import httpx
from attrs import define, field

from .client import DEFAULT_TIMEOUT, RequestHook, ResponseHook, RetryHook, RetryPolicy, _HTTPClient


@define
class Client(_HTTPClient):
    """A client for the API's unauthenticated endpoints.

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
