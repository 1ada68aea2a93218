"""The facade's resources: `client.<tag>.<operation>(...)`, one class per tag of the spec (and an
Async twin), one method per operation, each a thin layer over `api.<tag>.<operation>.sync` /
`.asyncio`; see `DialNexa`.
"""

from __future__ import annotations

import builtins  # `list` is a method name below
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import httpx

from .api.calls import create_call, create_call_reconciled, create_call_reconciled_async, get_call, list_calls
from .client import RetryPolicy
from .errors import RateLimitError
from .models.call import Call
from .models.call_status import CallStatus
from .models.create_call_request import CreateCallRequest
from .types import UNSET, RawResponse, Unset

if TYPE_CHECKING:
    from ._facade import AsyncDialNexa, DialNexa
    from .models.metadata import Metadata
    from .polling import PollClock


def _create_call_body(
    body: CreateCallRequest | None,
    agent_id: str | Unset,
    to_phone_number: str | Unset,
    from_phone_number: str | Unset,
    agent_version_number: int | Unset,
    metadata: Metadata | Mapping[str, Any] | Unset,
) -> CreateCallRequest:
    """`body`, or one made of the fields; TypeError for both, or for neither."""
    from .models.metadata import Metadata  # noqa: PLC0415  (only a body made here needs it)

    fields = (
        agent_id,
        to_phone_number,
        from_phone_number,
        agent_version_number,
        metadata,
    )
    if body is not None:
        if not all(isinstance(value, Unset) for value in fields):
            raise TypeError("pass body= or the fields of CreateCallRequest as keyword arguments, not both")
        return body
    if isinstance(agent_id, Unset) or isinstance(to_phone_number, Unset):
        raise TypeError("missing agent_id=, to_phone_number= (or body=CreateCallRequest(...))")
    return CreateCallRequest(
        agent_id=agent_id,
        to_phone_number=to_phone_number,
        from_phone_number=from_phone_number,
        agent_version_number=agent_version_number,
        metadata=metadata if isinstance(metadata, Metadata | Unset) else Metadata.from_dict(metadata),
    )


class CallsWithRawResponse:
    """`client.calls.with_raw_response.<method>(...)`: the calls operations, each returning the
    answer as it came (`types.RawResponse`) for any status: ``status_code``, ``headers``,
    ``elapsed``, ``request_id``, ``content``, and ``parse()``, which returns what the plain method
    returns or raises what it raises. Only a request that got no answer raises at once.
    """

    def __init__(self, owner: DialNexa) -> None:
        self._owner = owner

    def list(
        self,
        *,
        page: int | Unset = 1,
        limit: int | Unset = 20,
        agent_id: str | Unset = UNSET,
        status: Sequence[str] | Unset = UNSET,
        to_phone_number: str | Unset = UNSET,
        timeout: float | httpx.Timeout | None = None,
        retries: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> RawResponse[builtins.list[Call]]:
        """List calls (ListCalls): `api.calls.list_calls.sync_raw`.

        Enum values may be given as plain strings.

        Raises: see `api.calls.list_calls.sync_raw`.
        """
        return list_calls.sync_raw(
            client=self._owner._for_call(retries, extra_headers),
            page=page,
            limit=limit,
            agent_id=agent_id,
            status=status if isinstance(status, Unset) else [CallStatus(v) for v in status],
            to_phone_number=to_phone_number,
            timeout=timeout,
        )

    def create(
        self,
        *,
        body: CreateCallRequest | None = None,
        agent_id: str | Unset = UNSET,
        to_phone_number: str | Unset = UNSET,
        from_phone_number: str | Unset = UNSET,
        agent_version_number: int | Unset = UNSET,
        metadata: Metadata | Mapping[str, Any] | Unset = UNSET,
        timeout: float | httpx.Timeout | None = None,
        retries: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> RawResponse[Call]:
        """Trigger an outbound call (CreateCall): `api.calls.create_call.sync_raw`.

        Pass the body's fields as keyword arguments (models as plain dicts too), or ``body=``.

        Raises: see `api.calls.create_call.sync_raw`.
        """
        return create_call.sync_raw(
            client=self._owner._for_call(retries, extra_headers),
            body=_create_call_body(
                body,
                agent_id,
                to_phone_number,
                from_phone_number,
                agent_version_number,
                metadata,
            ),
            timeout=timeout,
        )

    def get(
        self,
        call_id: str,
        *,
        timeout: float | httpx.Timeout | None = None,
        retries: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> RawResponse[Call]:
        """Get a call (GetCall): `api.calls.get_call.sync_raw`.

        Raises: see `api.calls.get_call.sync_raw`.
        """
        return get_call.sync_raw(
            call_id,
            client=self._owner._for_call(retries, extra_headers),
            timeout=timeout,
        )


class Calls:
    """The calls operations: `client.calls.<method>(...)`.

    Every method takes ``timeout=`` (seconds or an ``httpx.Timeout``, per request attempt; for
    `wait` it is the whole wait, and ``request_timeout=`` the per-request one), ``retries=`` (a
    `RetryPolicy` for this call) and ``extra_headers=`` (added to its requests).
    """

    def __init__(self, owner: DialNexa) -> None:
        self._owner = owner

    @cached_property
    def with_raw_response(self) -> CallsWithRawResponse:
        """The same operations, each returning the answer as it came (see `CallsWithRawResponse`)."""
        return CallsWithRawResponse(self._owner)

    def list(
        self,
        *,
        page: int | Unset = 1,
        limit: int | Unset = 20,
        agent_id: str | Unset = UNSET,
        status: Sequence[str] | Unset = UNSET,
        to_phone_number: str | Unset = UNSET,
        timeout: float | httpx.Timeout | None = None,
        retries: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> builtins.list[Call]:
        """List calls (ListCalls): `api.calls.list_calls.sync`.

        Enum values may be given as plain strings.

        Raises: see `api.calls.list_calls.sync`.
        """
        return list_calls.sync(
            client=self._owner._for_call(retries, extra_headers),
            page=page,
            limit=limit,
            agent_id=agent_id,
            status=status if isinstance(status, Unset) else [CallStatus(v) for v in status],
            to_phone_number=to_phone_number,
            timeout=timeout,
        )

    def iter(
        self,
        *,
        agent_id: str | Unset = UNSET,
        status: Sequence[str] | Unset = UNSET,
        to_phone_number: str | Unset = UNSET,
        page_size: int = 200,
        timeout: float | httpx.Timeout | None = None,
        retries: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Iterator[Call]:
        """Every result of `list`, page after page (200 a page unless ``page_size`` says
        otherwise), in the order the API gives (newest first). Stops at the first page with fewer
        than ``page_size`` items and never asks for a page past it. An item seen on an earlier page
        (shifted by calls created meanwhile) is not yielded twice.
        """
        if not 1 <= page_size <= 200:
            raise ValueError(f"page_size must be between 1 and 200, not {page_size}")
        seen: set[str] = set()
        page = 1
        while True:
            items = self.list(
                page=page,
                limit=page_size,
                agent_id=agent_id,
                status=status,
                to_phone_number=to_phone_number,
                timeout=timeout,
                retries=retries,
                extra_headers=extra_headers,
            )
            for item in items:
                if item.id not in seen:
                    seen.add(item.id)
                    yield item
            if len(items) < page_size:
                return
            page += 1

    def create(
        self,
        *,
        body: CreateCallRequest | None = None,
        agent_id: str | Unset = UNSET,
        to_phone_number: str | Unset = UNSET,
        from_phone_number: str | Unset = UNSET,
        agent_version_number: int | Unset = UNSET,
        metadata: Metadata | Mapping[str, Any] | Unset = UNSET,
        timeout: float | httpx.Timeout | None = None,
        retries: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Call:
        """Trigger an outbound call (CreateCall): `api.calls.create_call.sync`.

        Pass the body's fields as keyword arguments (models as plain dicts too), or ``body=``.

        Raises: see `api.calls.create_call.sync`.
        """
        return create_call.sync(
            client=self._owner._for_call(retries, extra_headers),
            body=_create_call_body(
                body,
                agent_id,
                to_phone_number,
                from_phone_number,
                agent_version_number,
                metadata,
            ),
            timeout=timeout,
        )

    def get(
        self,
        call_id: str,
        *,
        timeout: float | httpx.Timeout | None = None,
        retries: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Call:
        """Get a call (GetCall): `api.calls.get_call.sync`.

        Raises: see `api.calls.get_call.sync`.
        """
        return get_call.sync(
            call_id,
            client=self._owner._for_call(retries, extra_headers),
            timeout=timeout,
        )

    def wait(
        self,
        call_id: str,
        *,
        timeout: float = 600.0,
        poll_interval: float | None = None,
        clock: PollClock | None = None,
        request_timeout: float | httpx.Timeout | None = None,
        retries: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Call:
        """Read the call (getCall) until its status is final (`CallStatus.is_final`), and return it.

        ``timeout``: seconds in all (default 600); after the last read at the deadline,
        errors.WaitTimeoutError carrying the last call seen. ``poll_interval``: seconds between reads
        (default 5, as DialNexa advises; at least 1). A read that fails is retried by the read policy
        (``retries``, default the client's); a 429 that outlasts it is waited out (its Retry-After),
        not raised. ``clock``: a `polling.PollClock` to wait on instead of real time (the emulator's
        FrozenClock; by default the one the client's transport offers, `polling.offered_clock`).
        ``request_timeout``: per read attempt.

        Raises:
            errors.WaitTimeoutError: the deadline passed; `.call` is the last call seen.
            errors.APIStatusError, errors.APIConnectionError: a read failed (after its retries).
        """
        from .polling import Poll, SystemClock, offered_clock, on_clock  # noqa: PLC0415  (only waits need it)

        clock = clock or offered_clock(self._owner.api_client.get_httpx_client())
        poll = Poll(clock or SystemClock(), timeout, poll_interval)
        policy = self._owner.api_client.retries if retries is None else retries
        if clock is not None:
            policy = on_clock(policy, clock)
        while True:
            try:
                call = self.get(call_id, timeout=request_timeout, retries=policy, extra_headers=extra_headers)
            except RateLimitError as exc:
                delay = poll.rate_limited(exc)
            else:
                if call.status.is_final:
                    return call
                delay = poll.in_flight(call)
            poll.clock.advance(delay)

    def create_and_wait(
        self,
        *,
        body: CreateCallRequest | None = None,
        agent_id: str | Unset = UNSET,
        to_phone_number: str | Unset = UNSET,
        from_phone_number: str | Unset = UNSET,
        agent_version_number: int | Unset = UNSET,
        metadata: Metadata | Mapping[str, Any] | Unset = UNSET,
        correlation_id: str | None = None,
        timeout: float = 600.0,
        poll_interval: float | None = None,
        clock: PollClock | None = None,
        request_timeout: float | httpx.Timeout | None = None,
        retries: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Call:
        """`create` once, then `wait` for the call to end; arguments as for those two.

        The create is never sent twice. If its outcome is unknown (errors.OutcomeUnknownError: the
        call may have been placed), that error is raised, unless ``correlation_id`` is given: then the
        call carries it in its metadata and is looked up with listCalls (`create_call_reconciled`),
        and the error is raised only when no such call exists.
        """
        request = _create_call_body(body, agent_id, to_phone_number, from_phone_number, agent_version_number, metadata)
        client = self._owner._for_call(retries, extra_headers)
        if correlation_id is None:
            call = create_call.sync(client=client, body=request, timeout=request_timeout)
        else:
            call = create_call_reconciled(
                client=client, body=request, correlation_id=correlation_id, timeout=request_timeout
            )
        return self.wait(
            call.id,
            timeout=timeout,
            poll_interval=poll_interval,
            clock=clock,
            request_timeout=request_timeout,
            retries=retries,
            extra_headers=extra_headers,
        )


class AsyncCallsWithRawResponse:
    """`client.calls.with_raw_response.<method>(...)`: the calls operations, each returning the
    answer as it came (`types.RawResponse`) for any status: ``status_code``, ``headers``,
    ``elapsed``, ``request_id``, ``content``, and ``parse()``, which returns what the plain method
    returns or raises what it raises. Only a request that got no answer raises at once.
    """

    def __init__(self, owner: AsyncDialNexa) -> None:
        self._owner = owner

    async def list(
        self,
        *,
        page: int | Unset = 1,
        limit: int | Unset = 20,
        agent_id: str | Unset = UNSET,
        status: Sequence[str] | Unset = UNSET,
        to_phone_number: str | Unset = UNSET,
        timeout: float | httpx.Timeout | None = None,
        retries: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> RawResponse[builtins.list[Call]]:
        """List calls (ListCalls): `api.calls.list_calls.asyncio_raw`.

        Enum values may be given as plain strings.

        Raises: see `api.calls.list_calls.asyncio_raw`.
        """
        return await list_calls.asyncio_raw(
            client=self._owner._for_call(retries, extra_headers),
            page=page,
            limit=limit,
            agent_id=agent_id,
            status=status if isinstance(status, Unset) else [CallStatus(v) for v in status],
            to_phone_number=to_phone_number,
            timeout=timeout,
        )

    async def create(
        self,
        *,
        body: CreateCallRequest | None = None,
        agent_id: str | Unset = UNSET,
        to_phone_number: str | Unset = UNSET,
        from_phone_number: str | Unset = UNSET,
        agent_version_number: int | Unset = UNSET,
        metadata: Metadata | Mapping[str, Any] | Unset = UNSET,
        timeout: float | httpx.Timeout | None = None,
        retries: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> RawResponse[Call]:
        """Trigger an outbound call (CreateCall): `api.calls.create_call.asyncio_raw`.

        Pass the body's fields as keyword arguments (models as plain dicts too), or ``body=``.

        Raises: see `api.calls.create_call.asyncio_raw`.
        """
        return await create_call.asyncio_raw(
            client=self._owner._for_call(retries, extra_headers),
            body=_create_call_body(
                body,
                agent_id,
                to_phone_number,
                from_phone_number,
                agent_version_number,
                metadata,
            ),
            timeout=timeout,
        )

    async def get(
        self,
        call_id: str,
        *,
        timeout: float | httpx.Timeout | None = None,
        retries: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> RawResponse[Call]:
        """Get a call (GetCall): `api.calls.get_call.asyncio_raw`.

        Raises: see `api.calls.get_call.asyncio_raw`.
        """
        return await get_call.asyncio_raw(
            call_id,
            client=self._owner._for_call(retries, extra_headers),
            timeout=timeout,
        )


class AsyncCalls:
    """The calls operations, with await: `client.calls.<method>(...)`.

    Every method takes ``timeout=`` (seconds or an ``httpx.Timeout``, per request attempt; for
    `wait` it is the whole wait, and ``request_timeout=`` the per-request one), ``retries=`` (a
    `RetryPolicy` for this call) and ``extra_headers=`` (added to its requests).
    """

    def __init__(self, owner: AsyncDialNexa) -> None:
        self._owner = owner

    @cached_property
    def with_raw_response(self) -> AsyncCallsWithRawResponse:
        """The same operations, each returning the answer as it came (see `AsyncCallsWithRawResponse`)."""
        return AsyncCallsWithRawResponse(self._owner)

    async def list(
        self,
        *,
        page: int | Unset = 1,
        limit: int | Unset = 20,
        agent_id: str | Unset = UNSET,
        status: Sequence[str] | Unset = UNSET,
        to_phone_number: str | Unset = UNSET,
        timeout: float | httpx.Timeout | None = None,
        retries: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> builtins.list[Call]:
        """List calls (ListCalls): `api.calls.list_calls.asyncio`.

        Enum values may be given as plain strings.

        Raises: see `api.calls.list_calls.asyncio`.
        """
        return await list_calls.asyncio(
            client=self._owner._for_call(retries, extra_headers),
            page=page,
            limit=limit,
            agent_id=agent_id,
            status=status if isinstance(status, Unset) else [CallStatus(v) for v in status],
            to_phone_number=to_phone_number,
            timeout=timeout,
        )

    async def iter(
        self,
        *,
        agent_id: str | Unset = UNSET,
        status: Sequence[str] | Unset = UNSET,
        to_phone_number: str | Unset = UNSET,
        page_size: int = 200,
        timeout: float | httpx.Timeout | None = None,
        retries: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[Call]:
        """Every result of `list`, page after page (200 a page unless ``page_size`` says
        otherwise), in the order the API gives (newest first). Stops at the first page with fewer
        than ``page_size`` items and never asks for a page past it. An item seen on an earlier page
        (shifted by calls created meanwhile) is not yielded twice.
        """
        if not 1 <= page_size <= 200:
            raise ValueError(f"page_size must be between 1 and 200, not {page_size}")
        seen: set[str] = set()
        page = 1
        while True:
            items = await self.list(
                page=page,
                limit=page_size,
                agent_id=agent_id,
                status=status,
                to_phone_number=to_phone_number,
                timeout=timeout,
                retries=retries,
                extra_headers=extra_headers,
            )
            for item in items:
                if item.id not in seen:
                    seen.add(item.id)
                    yield item
            if len(items) < page_size:
                return
            page += 1

    async def create(
        self,
        *,
        body: CreateCallRequest | None = None,
        agent_id: str | Unset = UNSET,
        to_phone_number: str | Unset = UNSET,
        from_phone_number: str | Unset = UNSET,
        agent_version_number: int | Unset = UNSET,
        metadata: Metadata | Mapping[str, Any] | Unset = UNSET,
        timeout: float | httpx.Timeout | None = None,
        retries: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Call:
        """Trigger an outbound call (CreateCall): `api.calls.create_call.asyncio`.

        Pass the body's fields as keyword arguments (models as plain dicts too), or ``body=``.

        Raises: see `api.calls.create_call.asyncio`.
        """
        return await create_call.asyncio(
            client=self._owner._for_call(retries, extra_headers),
            body=_create_call_body(
                body,
                agent_id,
                to_phone_number,
                from_phone_number,
                agent_version_number,
                metadata,
            ),
            timeout=timeout,
        )

    async def get(
        self,
        call_id: str,
        *,
        timeout: float | httpx.Timeout | None = None,
        retries: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Call:
        """Get a call (GetCall): `api.calls.get_call.asyncio`.

        Raises: see `api.calls.get_call.asyncio`.
        """
        return await get_call.asyncio(
            call_id,
            client=self._owner._for_call(retries, extra_headers),
            timeout=timeout,
        )

    async def wait(
        self,
        call_id: str,
        *,
        timeout: float = 600.0,
        poll_interval: float | None = None,
        clock: PollClock | None = None,
        request_timeout: float | httpx.Timeout | None = None,
        retries: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Call:
        """Read the call (getCall) until its status is final (`CallStatus.is_final`), and return it.

        ``timeout``: seconds in all (default 600); after the last read at the deadline,
        errors.WaitTimeoutError carrying the last call seen. ``poll_interval``: seconds between reads
        (default 5, as DialNexa advises; at least 1). A read that fails is retried by the read policy
        (``retries``, default the client's); a 429 that outlasts it is waited out (its Retry-After),
        not raised. ``clock``: a `polling.PollClock` to wait on instead of real time (the emulator's
        FrozenClock; by default the one the client's transport offers, `polling.offered_clock`).
        ``request_timeout``: per read attempt.

        Raises:
            errors.WaitTimeoutError: the deadline passed; `.call` is the last call seen.
            errors.APIStatusError, errors.APIConnectionError: a read failed (after its retries).
        """
        from .polling import Poll, SystemClock, async_advance, offered_clock, on_clock  # noqa: PLC0415  (only waits need it)

        clock = clock or offered_clock(self._owner.api_client.get_async_httpx_client())
        poll = Poll(clock or SystemClock(), timeout, poll_interval)
        sleep = async_advance(clock)
        policy = self._owner.api_client.retries if retries is None else retries
        if clock is not None:
            policy = on_clock(policy, clock)
        while True:
            try:
                call = await self.get(call_id, timeout=request_timeout, retries=policy, extra_headers=extra_headers)
            except RateLimitError as exc:
                delay = poll.rate_limited(exc)
            else:
                if call.status.is_final:
                    return call
                delay = poll.in_flight(call)
            await sleep(delay)

    async def create_and_wait(
        self,
        *,
        body: CreateCallRequest | None = None,
        agent_id: str | Unset = UNSET,
        to_phone_number: str | Unset = UNSET,
        from_phone_number: str | Unset = UNSET,
        agent_version_number: int | Unset = UNSET,
        metadata: Metadata | Mapping[str, Any] | Unset = UNSET,
        correlation_id: str | None = None,
        timeout: float = 600.0,
        poll_interval: float | None = None,
        clock: PollClock | None = None,
        request_timeout: float | httpx.Timeout | None = None,
        retries: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Call:
        """`create` once, then `wait` for the call to end; arguments as for those two.

        The create is never sent twice. If its outcome is unknown (errors.OutcomeUnknownError: the
        call may have been placed), that error is raised, unless ``correlation_id`` is given: then the
        call carries it in its metadata and is looked up with listCalls (`create_call_reconciled`),
        and the error is raised only when no such call exists.
        """
        request = _create_call_body(body, agent_id, to_phone_number, from_phone_number, agent_version_number, metadata)
        client = self._owner._for_call(retries, extra_headers)
        if correlation_id is None:
            call = await create_call.asyncio(client=client, body=request, timeout=request_timeout)
        else:
            call = await create_call_reconciled_async(
                client=client, body=request, correlation_id=correlation_id, timeout=request_timeout
            )
        return await self.wait(
            call.id,
            timeout=timeout,
            poll_interval=poll_interval,
            clock=clock,
            request_timeout=request_timeout,
            retries=retries,
            extra_headers=extra_headers,
        )
