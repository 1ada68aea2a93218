"""Helpers for the client's tests: clients on a scripted transport, and the emulator in process or
served over loopback by uvicorn."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from dialnexa_client import AuthenticatedClient, RetryPolicy
from starlette.applications import Starlette

from dialnexa_emulator import SyncASGITransport, create_app
from tests.serving import served

TOKEN = "kid_demo:sk_demo_secret"
SECRET = "sk_demo_secret"
BASE_URL = "https://api.dialnexa.com/v1"
AGENT = "agt_abc123"
DESTINATION = "+919876543210"
CALL = {
    "id": "call_abc123",
    "to_phone_number": DESTINATION,
    "agent_id": AGENT,
    "agent_version_number": 1,
    "status": "initiated",
    "created_at": "2024-03-01T10:00:00.000Z",
}

Outcome = httpx.Response | Exception
"""What a scripted transport does for one request: answer, or raise (a transport error)."""


class Sleeps(list[float]):
    """Records the waits a RetryPolicy asks for instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.append(seconds)


def policy(sleeps: Sleeps, **changes: Any) -> RetryPolicy:
    return RetryPolicy(sleep=sleeps, async_sleep=sleeps.asleep, **changes)


class Script:
    """A transport (sync and async) that plays outcomes in order and keeps the requests it got."""

    def __init__(self, *outcomes: Outcome | Callable[[httpx.Request], Outcome]) -> None:
        self.outcomes = list(outcomes)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        outcome = self.outcomes.pop(0)
        if callable(outcome) and not isinstance(outcome, httpx.Response | Exception):
            outcome = outcome(request)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def client(self, **kwargs: Any) -> AuthenticatedClient:
        """A client whose sync and async requests both go to this script."""
        transport = httpx.MockTransport(self)
        return AuthenticatedClient(
            base_url=BASE_URL, token=TOKEN, httpx_args={"transport": transport}, **kwargs
        )


def answer(status: int, body: Any = None, **headers: str) -> httpx.Response:
    if body is None:
        return httpx.Response(status, headers=headers)
    if isinstance(body, bytes):
        return httpx.Response(status, content=body, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


def envelope(
    status: int, message: str | list[str] = "boom", error: str = "Error"
) -> dict[str, Any]:
    return {"statusCode": status, "message": message, "error": error}


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


# -- the emulator -------------------------------------------------------------------------------


@pytest.fixture
def emulator_app() -> Starlette:
    return create_app()


class InProcess(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """The emulator app as one transport for both sync and async httpx clients."""

    def __init__(self, app: Starlette) -> None:
        self._sync = SyncASGITransport(app)
        self._async = httpx.ASGITransport(app)
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._sync.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self._async.handle_async_request(request)

    def close(self) -> None:
        self._sync.close()


@pytest.fixture
def in_process(emulator_app: Starlette) -> Iterator[InProcess]:
    transport = InProcess(emulator_app)
    yield transport
    transport.close()


@pytest.fixture
def emulator_client(in_process: InProcess, sleeps: Sleeps) -> AuthenticatedClient:
    """A client of the in-process emulator (sync and async), retries recorded instead of slept."""
    return AuthenticatedClient(
        base_url="http://emulator/v1",
        token=TOKEN,
        retries=policy(sleeps),
        httpx_args={"transport": in_process},
    )


@pytest.fixture
def served_emulator(emulator_app: Starlette) -> Iterator[str]:
    """The emulator served by uvicorn on a free loopback port, for real connection drops and
    timeouts; yields the server's root URL (API under /v1, control plane under /_emulator)."""
    with served(emulator_app) as root:
        yield root
