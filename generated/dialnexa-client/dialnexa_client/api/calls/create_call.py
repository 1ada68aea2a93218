from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import httpx

from ... import errors
from ...types import RawResponse, Response, with_request_id

if TYPE_CHECKING:
    from ..._client import Client
    from ...client import AuthenticatedClient
    from ...models.call import Call
    from ...models.create_call_request import CreateCallRequest
    from ...models.error import Error


def _get_kwargs(
    *,
    body: CreateCallRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "POST",
        "url": "/calls",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Call | Error | None:
    if response.status_code == 201:
        from ...models.call import Call  # noqa: PLC0415

        response_201 = Call.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        from ...models.error import Error  # noqa: PLC0415

        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        from ...models.error import Error  # noqa: PLC0415

        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 402:
        from ...models.error import Error  # noqa: PLC0415

        response_402 = Error.from_dict(response.json())

        return response_402

    if response.status_code == 403:
        from ...models.error import Error  # noqa: PLC0415

        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        from ...models.error import Error  # noqa: PLC0415

        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 413:
        from ...models.error import Error  # noqa: PLC0415

        response_413 = Error.from_dict(response.json())

        return response_413

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
    *,
    client: AuthenticatedClient | Client,
    body: CreateCallRequest,
    timeout: float | httpx.Timeout | None = None,
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
        timeout (float | httpx.Timeout | None): for this call only; default the client's timeout.

    Raises:
        errors.APIConnectionError: no response arrived (errors.APITimeoutError: within the timeout).
        errors.OutcomeUnknownError: also, when the request may have reached the server; look it up
            before sending it again.
        errors.UnexpectedStatus: for an undocumented status, if the client has raise_on_unexpected_status.

    Returns:
        Response[Call | Error]: any status, parsed when documented.
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.request(**kwargs, timeout=timeout)

    return _build_response(client=client, response=response)


def _success(response: Response[Call | Error]) -> Call:
    """The success model of `response`, or the errors.APIStatusError for its status."""
    if response.status_code == 201:
        return cast("Call", response.parsed)
    raise errors.status_error(response, "POST")


def sync_raw(
    *,
    client: AuthenticatedClient | Client,
    body: CreateCallRequest,
    timeout: float | httpx.Timeout | None = None,
) -> RawResponse[Call]:
    """As `sync`, but returns the answer as it came, for any status: status_code, headers, elapsed,
    request_id, content; its `.parse()` returns what `sync` returns or raises what `sync` raises.
    Raises only what no answer can give: errors.APIConnectionError (and errors.OutcomeUnknownError
    with it for a request with side effects)."""
    kwargs = _get_kwargs(
        body=body,
    )
    response = client.request(**kwargs, timeout=timeout)
    return RawResponse(response, lambda answer: _success(_build_response(client=client, response=answer)))


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: CreateCallRequest,
    timeout: float | httpx.Timeout | None = None,
) -> Call:
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
        timeout (float | httpx.Timeout | None): for this call only; default the client's timeout.

    Raises:
        errors.APIConnectionError: no response arrived (errors.APITimeoutError: within the timeout).
        errors.OutcomeUnknownError: also, when the request may have reached the server; look it up
            before sending it again.
        errors.APIStatusError: for any other status; a subclass per status (errors.RateLimitError, ...)
            and errors.ServerOutcomeUnknownError for a status >= 500.

    Returns:
        Call
    """

    response = sync_detailed(
        client=client,
        body=body,
        timeout=timeout,
    )
    return _success(response)


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateCallRequest,
    timeout: float | httpx.Timeout | None = None,
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
        timeout (float | httpx.Timeout | None): for this call only; default the client's timeout.

    Raises:
        errors.APIConnectionError: no response arrived (errors.APITimeoutError: within the timeout).
        errors.OutcomeUnknownError: also, when the request may have reached the server; look it up
            before sending it again.
        errors.UnexpectedStatus: for an undocumented status, if the client has raise_on_unexpected_status.

    Returns:
        Response[Call | Error]: any status, parsed when documented.
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.arequest(**kwargs, timeout=timeout)

    return _build_response(client=client, response=response)


async def asyncio_raw(
    *,
    client: AuthenticatedClient | Client,
    body: CreateCallRequest,
    timeout: float | httpx.Timeout | None = None,
) -> RawResponse[Call]:
    """Async `sync_raw`."""
    kwargs = _get_kwargs(
        body=body,
    )
    response = await client.arequest(**kwargs, timeout=timeout)
    return RawResponse(response, lambda answer: _success(_build_response(client=client, response=answer)))


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: CreateCallRequest,
    timeout: float | httpx.Timeout | None = None,
) -> Call:
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
        timeout (float | httpx.Timeout | None): for this call only; default the client's timeout.

    Raises:
        errors.APIConnectionError: no response arrived (errors.APITimeoutError: within the timeout).
        errors.OutcomeUnknownError: also, when the request may have reached the server; look it up
            before sending it again.
        errors.APIStatusError: for any other status; a subclass per status (errors.RateLimitError, ...)
            and errors.ServerOutcomeUnknownError for a status >= 500.

    Returns:
        Call
    """

    response = await asyncio_detailed(
        client=client,
        body=body,
        timeout=timeout,
    )
    return _success(response)
