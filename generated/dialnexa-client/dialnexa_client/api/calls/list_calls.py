from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import httpx

from ... import errors
from ...types import UNSET, RawResponse, Response, Unset, with_request_id

if TYPE_CHECKING:
    from ..._client import Client
    from ...client import AuthenticatedClient
    from ...models.call import Call
    from ...models.call_status import CallStatus
    from ...models.error import Error


def _get_kwargs(
    *,
    page: int | Unset = 1,
    limit: int | Unset = 20,
    agent_id: str | Unset = UNSET,
    status: list[CallStatus] | Unset = UNSET,
    to_phone_number: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["page"] = page

    params["limit"] = limit

    params["agent_id"] = agent_id

    json_status: list[str] | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = []
        for status_item_data in status:
            status_item = status_item_data.value
            json_status.append(status_item)

    params["status"] = json_status

    params["to_phone_number"] = to_phone_number

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "GET",
        "url": "/calls",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | list[Call] | None:
    if response.status_code == 200:
        from ...models.call import Call  # noqa: PLC0415

        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in _response_200:
            response_200_item = Call.from_dict(response_200_item_data)

            response_200.append(response_200_item)

        return response_200

    if response.status_code == 400:
        from ...models.error import Error  # noqa: PLC0415

        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        from ...models.error import Error  # noqa: PLC0415

        response_401 = Error.from_dict(response.json())

        return response_401

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | list[Call]]:
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
    *,
    client: AuthenticatedClient | Client,
    page: int | Unset = 1,
    limit: int | Unset = 20,
    agent_id: str | Unset = UNSET,
    status: list[CallStatus] | Unset = UNSET,
    to_phone_number: str | Unset = UNSET,
    timeout: float | httpx.Timeout | None = None,
) -> Response[Error | list[Call]]:
    """List calls

     Returns the calls of the authenticated workspace, newest first, as a bare JSON array with no
    pagination envelope. Page forward with `page` until a page holds fewer than `limit` calls; a
    page past the last one is an empty array (200), not an error. Filters combine with AND; a
    filter given several values matches any of them, and a filtered list holds every call that
    matches, not some. Each call is listed as `getCall` returns it at that moment. Calls are
    kept: a workspace's calls stay listed, and readable with `getCall`, with no retention
    period (DialNexa publishes none, and its list pages through all of a workspace's calls).

    Args:
        page (int | Unset):  Default: 1.
        limit (int | Unset):  Default: 20.
        agent_id (str | Unset): ID of an agent of your workspace.
        status (list[CallStatus] | Unset):
        to_phone_number (str | Unset): A phone number in E.164 form: `+`, the country calling code
            and the national number, up to
            15 digits in all. The pattern is only the outer shape: the server also checks that the
            number is a real, dialable number of its country.
        timeout (float | httpx.Timeout | None): for this call only; default the client's timeout.

    Raises:
        errors.APIConnectionError: no response arrived (errors.APITimeoutError: within the timeout).
        errors.UnexpectedStatus: for an undocumented status, if the client has raise_on_unexpected_status.

    Returns:
        Response[Error | list[Call]]: any status, parsed when documented.
    """

    kwargs = _get_kwargs(
        page=page,
        limit=limit,
        agent_id=agent_id,
        status=status,
        to_phone_number=to_phone_number,
    )

    response = client.request(**kwargs, timeout=timeout)

    return _build_response(client=client, response=response)


def _success(response: Response[Error | list[Call]]) -> list[Call]:
    """The success model of `response`, or the errors.APIStatusError for its status."""
    if response.status_code == 200:
        return cast("list[Call]", response.parsed)
    raise errors.status_error(response, "GET")


def sync_raw(
    *,
    client: AuthenticatedClient | Client,
    page: int | Unset = 1,
    limit: int | Unset = 20,
    agent_id: str | Unset = UNSET,
    status: list[CallStatus] | Unset = UNSET,
    to_phone_number: str | Unset = UNSET,
    timeout: float | httpx.Timeout | None = None,
) -> RawResponse[list[Call]]:
    """As `sync`, but returns the answer as it came, for any status: status_code, headers, elapsed,
    request_id, content; its `.parse()` returns what `sync` returns or raises what `sync` raises.
    Raises only what no answer can give: errors.APIConnectionError (and errors.OutcomeUnknownError
    with it for a request with side effects)."""
    kwargs = _get_kwargs(
        page=page,
        limit=limit,
        agent_id=agent_id,
        status=status,
        to_phone_number=to_phone_number,
    )
    response = client.request(**kwargs, timeout=timeout)
    return RawResponse(response, lambda answer: _success(_build_response(client=client, response=answer)))


def sync(
    *,
    client: AuthenticatedClient | Client,
    page: int | Unset = 1,
    limit: int | Unset = 20,
    agent_id: str | Unset = UNSET,
    status: list[CallStatus] | Unset = UNSET,
    to_phone_number: str | Unset = UNSET,
    timeout: float | httpx.Timeout | None = None,
) -> list[Call]:
    """List calls

     Returns the calls of the authenticated workspace, newest first, as a bare JSON array with no
    pagination envelope. Page forward with `page` until a page holds fewer than `limit` calls; a
    page past the last one is an empty array (200), not an error. Filters combine with AND; a
    filter given several values matches any of them, and a filtered list holds every call that
    matches, not some. Each call is listed as `getCall` returns it at that moment. Calls are
    kept: a workspace's calls stay listed, and readable with `getCall`, with no retention
    period (DialNexa publishes none, and its list pages through all of a workspace's calls).

    Args:
        page (int | Unset):  Default: 1.
        limit (int | Unset):  Default: 20.
        agent_id (str | Unset): ID of an agent of your workspace.
        status (list[CallStatus] | Unset):
        to_phone_number (str | Unset): A phone number in E.164 form: `+`, the country calling code
            and the national number, up to
            15 digits in all. The pattern is only the outer shape: the server also checks that the
            number is a real, dialable number of its country.
        timeout (float | httpx.Timeout | None): for this call only; default the client's timeout.

    Raises:
        errors.APIConnectionError: no response arrived (errors.APITimeoutError: within the timeout).
        errors.APIStatusError: for any other status; a subclass per status (errors.RateLimitError, ...)

    Returns:
        list[Call]
    """

    response = sync_detailed(
        client=client,
        page=page,
        limit=limit,
        agent_id=agent_id,
        status=status,
        to_phone_number=to_phone_number,
        timeout=timeout,
    )
    return _success(response)


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    page: int | Unset = 1,
    limit: int | Unset = 20,
    agent_id: str | Unset = UNSET,
    status: list[CallStatus] | Unset = UNSET,
    to_phone_number: str | Unset = UNSET,
    timeout: float | httpx.Timeout | None = None,
) -> Response[Error | list[Call]]:
    """List calls

     Returns the calls of the authenticated workspace, newest first, as a bare JSON array with no
    pagination envelope. Page forward with `page` until a page holds fewer than `limit` calls; a
    page past the last one is an empty array (200), not an error. Filters combine with AND; a
    filter given several values matches any of them, and a filtered list holds every call that
    matches, not some. Each call is listed as `getCall` returns it at that moment. Calls are
    kept: a workspace's calls stay listed, and readable with `getCall`, with no retention
    period (DialNexa publishes none, and its list pages through all of a workspace's calls).

    Args:
        page (int | Unset):  Default: 1.
        limit (int | Unset):  Default: 20.
        agent_id (str | Unset): ID of an agent of your workspace.
        status (list[CallStatus] | Unset):
        to_phone_number (str | Unset): A phone number in E.164 form: `+`, the country calling code
            and the national number, up to
            15 digits in all. The pattern is only the outer shape: the server also checks that the
            number is a real, dialable number of its country.
        timeout (float | httpx.Timeout | None): for this call only; default the client's timeout.

    Raises:
        errors.APIConnectionError: no response arrived (errors.APITimeoutError: within the timeout).
        errors.UnexpectedStatus: for an undocumented status, if the client has raise_on_unexpected_status.

    Returns:
        Response[Error | list[Call]]: any status, parsed when documented.
    """

    kwargs = _get_kwargs(
        page=page,
        limit=limit,
        agent_id=agent_id,
        status=status,
        to_phone_number=to_phone_number,
    )

    response = await client.arequest(**kwargs, timeout=timeout)

    return _build_response(client=client, response=response)


async def asyncio_raw(
    *,
    client: AuthenticatedClient | Client,
    page: int | Unset = 1,
    limit: int | Unset = 20,
    agent_id: str | Unset = UNSET,
    status: list[CallStatus] | Unset = UNSET,
    to_phone_number: str | Unset = UNSET,
    timeout: float | httpx.Timeout | None = None,
) -> RawResponse[list[Call]]:
    """Async `sync_raw`."""
    kwargs = _get_kwargs(
        page=page,
        limit=limit,
        agent_id=agent_id,
        status=status,
        to_phone_number=to_phone_number,
    )
    response = await client.arequest(**kwargs, timeout=timeout)
    return RawResponse(response, lambda answer: _success(_build_response(client=client, response=answer)))


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    page: int | Unset = 1,
    limit: int | Unset = 20,
    agent_id: str | Unset = UNSET,
    status: list[CallStatus] | Unset = UNSET,
    to_phone_number: str | Unset = UNSET,
    timeout: float | httpx.Timeout | None = None,
) -> list[Call]:
    """List calls

     Returns the calls of the authenticated workspace, newest first, as a bare JSON array with no
    pagination envelope. Page forward with `page` until a page holds fewer than `limit` calls; a
    page past the last one is an empty array (200), not an error. Filters combine with AND; a
    filter given several values matches any of them, and a filtered list holds every call that
    matches, not some. Each call is listed as `getCall` returns it at that moment. Calls are
    kept: a workspace's calls stay listed, and readable with `getCall`, with no retention
    period (DialNexa publishes none, and its list pages through all of a workspace's calls).

    Args:
        page (int | Unset):  Default: 1.
        limit (int | Unset):  Default: 20.
        agent_id (str | Unset): ID of an agent of your workspace.
        status (list[CallStatus] | Unset):
        to_phone_number (str | Unset): A phone number in E.164 form: `+`, the country calling code
            and the national number, up to
            15 digits in all. The pattern is only the outer shape: the server also checks that the
            number is a real, dialable number of its country.
        timeout (float | httpx.Timeout | None): for this call only; default the client's timeout.

    Raises:
        errors.APIConnectionError: no response arrived (errors.APITimeoutError: within the timeout).
        errors.APIStatusError: for any other status; a subclass per status (errors.RateLimitError, ...)

    Returns:
        list[Call]
    """

    response = await asyncio_detailed(
        client=client,
        page=page,
        limit=limit,
        agent_id=agent_id,
        status=status,
        to_phone_number=to_phone_number,
        timeout=timeout,
    )
    return _success(response)
