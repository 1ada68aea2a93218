from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.call import Call
from ...models.create_call_request import CreateCallRequest
from ...models.error import Error
from ...types import Response


def _get_kwargs(
    *,
    body: CreateCallRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/calls",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Call | Error | None:
    if response.status_code == 201:
        response_201 = Call.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 402:
        response_402 = Error.from_dict(response.json())

        return response_402

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 413:
        response_413 = Error.from_dict(response.json())

        return response_413

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Call | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateCallRequest,
) -> Response[Call | Error]:
    """Trigger an outbound call

     Starts one outbound call from the given agent to `to_phone_number`. The call starts ringing
    right away and the agent speaks once the recipient answers. Use it for single, immediate
    calls: a follow-up after a form submission, a verification call, click-to-call from a CRM.

    `to_phone_number` must be a valid international number in E.164 form, otherwise the request
    fails with 400. For non-SIP routes the destination country and prefix must also be enabled
    in the workspace's telephony configuration: an unsupported country or prefix, or a
    workspace with no destination enabled at all, fails with 403.

    Values in `metadata` become dynamic variables of the agent's prompt, referenced there as
    `{{variable_name}}`.

    The response is the new call record; poll it with `getCall` using its `id`.

    Args:
        body (CreateCallRequest): What to call, with which agent. Unknown properties are rejected.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Call | Error]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: CreateCallRequest,
) -> Call | Error | None:
    """Trigger an outbound call

     Starts one outbound call from the given agent to `to_phone_number`. The call starts ringing
    right away and the agent speaks once the recipient answers. Use it for single, immediate
    calls: a follow-up after a form submission, a verification call, click-to-call from a CRM.

    `to_phone_number` must be a valid international number in E.164 form, otherwise the request
    fails with 400. For non-SIP routes the destination country and prefix must also be enabled
    in the workspace's telephony configuration: an unsupported country or prefix, or a
    workspace with no destination enabled at all, fails with 403.

    Values in `metadata` become dynamic variables of the agent's prompt, referenced there as
    `{{variable_name}}`.

    The response is the new call record; poll it with `getCall` using its `id`.

    Args:
        body (CreateCallRequest): What to call, with which agent. Unknown properties are rejected.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Call | Error
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateCallRequest,
) -> Response[Call | Error]:
    """Trigger an outbound call

     Starts one outbound call from the given agent to `to_phone_number`. The call starts ringing
    right away and the agent speaks once the recipient answers. Use it for single, immediate
    calls: a follow-up after a form submission, a verification call, click-to-call from a CRM.

    `to_phone_number` must be a valid international number in E.164 form, otherwise the request
    fails with 400. For non-SIP routes the destination country and prefix must also be enabled
    in the workspace's telephony configuration: an unsupported country or prefix, or a
    workspace with no destination enabled at all, fails with 403.

    Values in `metadata` become dynamic variables of the agent's prompt, referenced there as
    `{{variable_name}}`.

    The response is the new call record; poll it with `getCall` using its `id`.

    Args:
        body (CreateCallRequest): What to call, with which agent. Unknown properties are rejected.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Call | Error]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: CreateCallRequest,
) -> Call | Error | None:
    """Trigger an outbound call

     Starts one outbound call from the given agent to `to_phone_number`. The call starts ringing
    right away and the agent speaks once the recipient answers. Use it for single, immediate
    calls: a follow-up after a form submission, a verification call, click-to-call from a CRM.

    `to_phone_number` must be a valid international number in E.164 form, otherwise the request
    fails with 400. For non-SIP routes the destination country and prefix must also be enabled
    in the workspace's telephony configuration: an unsupported country or prefix, or a
    workspace with no destination enabled at all, fails with 403.

    Values in `metadata` become dynamic variables of the agent's prompt, referenced there as
    `{{variable_name}}`.

    The response is the new call record; poll it with `getCall` using its `id`.

    Args:
        body (CreateCallRequest): What to call, with which agent. Unknown properties are rejected.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Call | Error
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
