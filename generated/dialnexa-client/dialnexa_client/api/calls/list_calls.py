from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.call import Call
from ...models.call_status import CallStatus
from ...models.error import Error
from ...types import UNSET, Response, Unset


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
        "method": "get",
        "url": "/calls",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | list[Call] | None:
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in _response_200:
            response_200_item = Call.from_dict(response_200_item_data)

            response_200.append(response_200_item)

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = Error.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | list[Call]]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    page: int | Unset = 1,
    limit: int | Unset = 20,
    agent_id: str | Unset = UNSET,
    status: list[CallStatus] | Unset = UNSET,
    to_phone_number: str | Unset = UNSET,
) -> Response[Error | list[Call]]:
    """List calls

     Returns the calls of the authenticated workspace, newest first, as a bare JSON array with no
    pagination envelope. Page forward with `page` until a page holds fewer than `limit` calls.
    Filters combine with AND; a filter given several values matches any of them.

    Args:
        page (int | Unset):  Default: 1.
        limit (int | Unset):  Default: 20.
        agent_id (str | Unset): ID of an agent of your workspace.
        status (list[CallStatus] | Unset):
        to_phone_number (str | Unset): A phone number in E.164 form: `+`, the country calling code
            and the national number, up to
            15 digits in all. The pattern is only the outer shape: the server also checks that the
            number is a real, dialable number of its country.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | list[Call]]
    """

    kwargs = _get_kwargs(
        page=page,
        limit=limit,
        agent_id=agent_id,
        status=status,
        to_phone_number=to_phone_number,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    page: int | Unset = 1,
    limit: int | Unset = 20,
    agent_id: str | Unset = UNSET,
    status: list[CallStatus] | Unset = UNSET,
    to_phone_number: str | Unset = UNSET,
) -> Error | list[Call] | None:
    """List calls

     Returns the calls of the authenticated workspace, newest first, as a bare JSON array with no
    pagination envelope. Page forward with `page` until a page holds fewer than `limit` calls.
    Filters combine with AND; a filter given several values matches any of them.

    Args:
        page (int | Unset):  Default: 1.
        limit (int | Unset):  Default: 20.
        agent_id (str | Unset): ID of an agent of your workspace.
        status (list[CallStatus] | Unset):
        to_phone_number (str | Unset): A phone number in E.164 form: `+`, the country calling code
            and the national number, up to
            15 digits in all. The pattern is only the outer shape: the server also checks that the
            number is a real, dialable number of its country.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | list[Call]
    """

    return sync_detailed(
        client=client,
        page=page,
        limit=limit,
        agent_id=agent_id,
        status=status,
        to_phone_number=to_phone_number,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    page: int | Unset = 1,
    limit: int | Unset = 20,
    agent_id: str | Unset = UNSET,
    status: list[CallStatus] | Unset = UNSET,
    to_phone_number: str | Unset = UNSET,
) -> Response[Error | list[Call]]:
    """List calls

     Returns the calls of the authenticated workspace, newest first, as a bare JSON array with no
    pagination envelope. Page forward with `page` until a page holds fewer than `limit` calls.
    Filters combine with AND; a filter given several values matches any of them.

    Args:
        page (int | Unset):  Default: 1.
        limit (int | Unset):  Default: 20.
        agent_id (str | Unset): ID of an agent of your workspace.
        status (list[CallStatus] | Unset):
        to_phone_number (str | Unset): A phone number in E.164 form: `+`, the country calling code
            and the national number, up to
            15 digits in all. The pattern is only the outer shape: the server also checks that the
            number is a real, dialable number of its country.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | list[Call]]
    """

    kwargs = _get_kwargs(
        page=page,
        limit=limit,
        agent_id=agent_id,
        status=status,
        to_phone_number=to_phone_number,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    page: int | Unset = 1,
    limit: int | Unset = 20,
    agent_id: str | Unset = UNSET,
    status: list[CallStatus] | Unset = UNSET,
    to_phone_number: str | Unset = UNSET,
) -> Error | list[Call] | None:
    """List calls

     Returns the calls of the authenticated workspace, newest first, as a bare JSON array with no
    pagination envelope. Page forward with `page` until a page holds fewer than `limit` calls.
    Filters combine with AND; a filter given several values matches any of them.

    Args:
        page (int | Unset):  Default: 1.
        limit (int | Unset):  Default: 20.
        agent_id (str | Unset): ID of an agent of your workspace.
        status (list[CallStatus] | Unset):
        to_phone_number (str | Unset): A phone number in E.164 form: `+`, the country calling code
            and the national number, up to
            15 digits in all. The pattern is only the outer shape: the server also checks that the
            number is a real, dialable number of its country.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | list[Call]
    """

    return (
        await asyncio_detailed(
            client=client,
            page=page,
            limit=limit,
            agent_id=agent_id,
            status=status,
            to_phone_number=to_phone_number,
        )
    ).parsed
