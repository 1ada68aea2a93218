from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...types import RawResponse, Response, with_request_id

if TYPE_CHECKING:
    from ..._client import Client
    from ...client import AuthenticatedClient
    from ...models.call import Call
    from ...models.error import Error


def _get_kwargs(
    call_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "GET",
        "url": "/calls/{call_id}".format(
            call_id=quote(str(call_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Call | Error | None:
    if response.status_code == 200:
        from ...models.call import Call  # noqa: PLC0415

        response_200 = Call.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        from ...models.error import Error  # noqa: PLC0415

        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        from ...models.error import Error  # noqa: PLC0415

        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        from ...models.error import Error  # noqa: PLC0415

        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 429:
        from ...models.error import Error  # noqa: PLC0415

        response_429 = Error.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        from ...models.error import Error  # noqa: PLC0415

        response_500 = Error.from_dict(response.json())

        return response_500

    if response.status_code == 502:
        from ...models.error import Error  # noqa: PLC0415

        response_502 = Error.from_dict(response.json())

        return response_502

    if response.status_code == 503:
        from ...models.error import Error  # noqa: PLC0415

        response_503 = Error.from_dict(response.json())

        return response_503

    if response.status_code == 504:
        from ...models.error import Error  # noqa: PLC0415

        response_504 = Error.from_dict(response.json())

        return response_504

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content, response.headers)
    return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Call | Error]:
    try:
        parsed = with_request_id(_parse_response(client=client, response=response), response.headers)
    except errors.DialNexaError:
        raise
    except Exception as exc:  # whatever a parser meets in a body that is not what the spec says
        if response.status_code < 400:
            raise errors.response_validation_error(response, exc) from exc
        parsed = None  # not DialNexa's envelope (a proxy's error page, say); the status still counts
    return Response(
        status_code=response.status_code,
        content=response.content,
        headers=response.headers,
        parsed=parsed,
    )


def sync_detailed(
    call_id: str,
    *,
    client: AuthenticatedClient | Client,
    timeout: float | httpx.Timeout | None = None,
) -> Response[Call | Error]:
    """Get a call

     Returns the current record of one call: its status and, once the call has ended, `ended_at`,
    `duration_sec` and the transcript. Prefer webhooks to polling; when polling, wait 5 to 10
    seconds between requests. A call of another workspace is reported as not found. What a call
    was created with (agent, agent version, caller ID, destination, metadata, `created_at`)
    never changes; a created call stays readable (calls are kept, see `listCalls`).

    Args:
        call_id (str): ID of a call, `call_` followed by letters and digits.
        timeout (float | httpx.Timeout | None): for this call only; default the client's timeout.

    Raises:
        errors.APIConnectionError: no response arrived (errors.APITimeoutError: within the timeout).
        errors.UnexpectedStatus: for an undocumented status, if the client has raise_on_unexpected_status.

    Returns:
        Response[Call | Error]: any status, parsed when documented.
    """

    kwargs = _get_kwargs(
        call_id=call_id,
    )

    response = client.request(**kwargs, timeout=timeout)

    return _build_response(client=client, response=response)


def _success(response: Response[Call | Error]) -> Call:
    """The success model of `response`, or the errors.APIStatusError for its status."""
    if response.status_code == 200:
        return cast("Call", response.parsed)
    raise errors.status_error(response, "GET")


def sync_raw(
    call_id: str,
    *,
    client: AuthenticatedClient | Client,
    timeout: float | httpx.Timeout | None = None,
) -> RawResponse[Call]:
    """As `sync`, but returns the answer as it came, for any status: status_code, headers, elapsed,
    request_id, content; its `.parse()` returns what `sync` returns or raises what `sync` raises.
    Raises only what no answer can give: errors.APIConnectionError (and errors.OutcomeUnknownError
    with it for a request with side effects)."""
    kwargs = _get_kwargs(
        call_id=call_id,
    )
    response = client.request(**kwargs, timeout=timeout)
    return RawResponse(response, lambda answer: _success(_build_response(client=client, response=answer)))


def sync(
    call_id: str,
    *,
    client: AuthenticatedClient | Client,
    timeout: float | httpx.Timeout | None = None,
) -> Call:
    """Get a call

     Returns the current record of one call: its status and, once the call has ended, `ended_at`,
    `duration_sec` and the transcript. Prefer webhooks to polling; when polling, wait 5 to 10
    seconds between requests. A call of another workspace is reported as not found. What a call
    was created with (agent, agent version, caller ID, destination, metadata, `created_at`)
    never changes; a created call stays readable (calls are kept, see `listCalls`).

    Args:
        call_id (str): ID of a call, `call_` followed by letters and digits.
        timeout (float | httpx.Timeout | None): for this call only; default the client's timeout.

    Raises:
        errors.APIConnectionError: no response arrived (errors.APITimeoutError: within the timeout).
        errors.APIStatusError: for any other status; a subclass per status (errors.RateLimitError, ...)

    Returns:
        Call
    """

    response = sync_detailed(
        call_id=call_id,
        client=client,
        timeout=timeout,
    )
    return _success(response)


async def asyncio_detailed(
    call_id: str,
    *,
    client: AuthenticatedClient | Client,
    timeout: float | httpx.Timeout | None = None,
) -> Response[Call | Error]:
    """Get a call

     Returns the current record of one call: its status and, once the call has ended, `ended_at`,
    `duration_sec` and the transcript. Prefer webhooks to polling; when polling, wait 5 to 10
    seconds between requests. A call of another workspace is reported as not found. What a call
    was created with (agent, agent version, caller ID, destination, metadata, `created_at`)
    never changes; a created call stays readable (calls are kept, see `listCalls`).

    Args:
        call_id (str): ID of a call, `call_` followed by letters and digits.
        timeout (float | httpx.Timeout | None): for this call only; default the client's timeout.

    Raises:
        errors.APIConnectionError: no response arrived (errors.APITimeoutError: within the timeout).
        errors.UnexpectedStatus: for an undocumented status, if the client has raise_on_unexpected_status.

    Returns:
        Response[Call | Error]: any status, parsed when documented.
    """

    kwargs = _get_kwargs(
        call_id=call_id,
    )

    response = await client.arequest(**kwargs, timeout=timeout)

    return _build_response(client=client, response=response)


async def asyncio_raw(
    call_id: str,
    *,
    client: AuthenticatedClient | Client,
    timeout: float | httpx.Timeout | None = None,
) -> RawResponse[Call]:
    """Async `sync_raw`."""
    kwargs = _get_kwargs(
        call_id=call_id,
    )
    response = await client.arequest(**kwargs, timeout=timeout)
    return RawResponse(response, lambda answer: _success(_build_response(client=client, response=answer)))


async def asyncio(
    call_id: str,
    *,
    client: AuthenticatedClient | Client,
    timeout: float | httpx.Timeout | None = None,
) -> Call:
    """Get a call

     Returns the current record of one call: its status and, once the call has ended, `ended_at`,
    `duration_sec` and the transcript. Prefer webhooks to polling; when polling, wait 5 to 10
    seconds between requests. A call of another workspace is reported as not found. What a call
    was created with (agent, agent version, caller ID, destination, metadata, `created_at`)
    never changes; a created call stays readable (calls are kept, see `listCalls`).

    Args:
        call_id (str): ID of a call, `call_` followed by letters and digits.
        timeout (float | httpx.Timeout | None): for this call only; default the client's timeout.

    Raises:
        errors.APIConnectionError: no response arrived (errors.APITimeoutError: within the timeout).
        errors.APIStatusError: for any other status; a subclass per status (errors.RateLimitError, ...)

    Returns:
        Call
    """

    response = await asyncio_detailed(
        call_id=call_id,
        client=client,
        timeout=timeout,
    )
    return _success(response)
