"""The server under test, as one ASGI app whatever it is: the emulator in process, or a live server
behind `LiveGateway`. Schemathesis and the generated client both reach it through that app.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette
from starlette.types import ASGIApp

from dialnexa_contract._call_guard import CallGuard
from dialnexa_contract._coverage import ObservingApp
from dialnexa_contract._gateway import LiveGateway
from dialnexa_contract._run_state import RUN
from dialnexa_contract._settings import Settings, current
from dialnexa_contract._spec import SPEC_FILE, load_spec
from dialnexa_emulator import FrozenClock, SyncASGITransport, create_app

# Where `dialnexa-emulator` serves by default, so the curl a failure prints runs against it as is
# (after putting the demo key in). In process, the host is only a name.
EMBEDDED_BASE_URL = "http://127.0.0.1:8000/v1"
REQUEST_TIMEOUT = 10.0
# Against a live target the gateway times each attempt out after REQUEST_TIMEOUT; what reaches
# it may also wait out the rate limit (up to an hour a wait), which is no reason to give up.
PACED_REQUEST_TIMEOUT = 24 * 3600.0
CONTROL_TIMEOUT = 180.0  # a webhook flush waits for receivers (each endpoint times out by 60 s)


def embedded_emulator() -> Starlette:
    """The default target: the emulator with a clock that only moves when the suite moves it,
    so a seed replays the same call timelines, serving the run's spec (`--spec`)."""
    return create_app(clock=FrozenClock(), spec=os.environ.get(SPEC_FILE) or None)


@dataclass
class Target:
    settings: Settings
    app: ASGIApp
    base_url: str
    guard: CallGuard | None = None
    _has_control_plane: bool | None = field(default=None, init=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Target:
        if settings.base_url is not None:
            guard = CallGuard(allow_calls=settings.allow_calls, destinations=settings.destinations)
            gateway = LiveGateway(
                settings.base_url, guard, token=settings.token, timeout=REQUEST_TIMEOUT
            )
            observed = ObservingApp(gateway, urlsplit(settings.base_url).path, load_spec())
            return cls(settings, observed, settings.base_url, guard)
        module_name, _, attribute = settings.app.partition(":")
        factory = getattr(importlib.import_module(module_name), attribute)
        observed = ObservingApp(factory(), urlsplit(EMBEDDED_BASE_URL).path, load_spec())
        target = cls(settings, observed, EMBEDDED_BASE_URL)
        emulator = target._emulator()
        if emulator is not None:  # the checks of times read the target's own clock
            RUN.target_clock = emulator.clock.now
        return target

    @property
    def is_live(self) -> bool:
        return self.guard is not None

    @property
    def request_timeout(self) -> float:
        """How long a request to `app` may take: the gateway's pacing included, when live."""
        return PACED_REQUEST_TIMEOUT if self.is_live else REQUEST_TIMEOUT

    @property
    def can_place_calls(self) -> bool:
        return self.guard is None or self.guard.can_place

    def advance_clock(self, seconds: float) -> bool:
        """Move the server's clock, if it is an emulator; False for servers without one.

        Over HTTP only when the run was told the target is an emulator (`--emulator`): a live
        server is sent nothing but the spec's requests.
        """
        emulator = self._emulator()
        if emulator is not None:
            emulator.clock.advance(seconds)
            return True
        if not (self.is_live and self.settings.emulator) or self._has_control_plane is False:
            return False
        parts = urlsplit(self.base_url)
        response = httpx.post(
            f"{parts.scheme}://{parts.netloc}/_emulator/clock/advance",
            json={"seconds": seconds},
            timeout=REQUEST_TIMEOUT,
        )
        self._has_control_plane = response.is_success
        if response.is_success:
            RUN.moved_clock(seconds)
        return response.is_success

    def reset(self) -> None:
        """Forget every call, if the server is the emulator in process. A live server, even an
        emulator, is never wiped: others may be using it."""
        emulator = self._emulator()
        if emulator is not None:
            emulator.reset()
            RUN.forget_calls()

    def control_plane(self) -> httpx.Client | None:
        """A client of the emulator's `/_emulator/` routes: in process, or over HTTP when the run
        was told the target is an emulator (`--emulator`); None for any other server."""
        parts = urlsplit(self.base_url)
        base_url = f"{parts.scheme}://{parts.netloc}/_emulator"
        if self._emulator() is not None:
            transport = SyncASGITransport(self.app)
            return httpx.Client(transport=transport, base_url=base_url, timeout=CONTROL_TIMEOUT)
        if self.is_live and self.settings.emulator:
            return httpx.Client(base_url=base_url, timeout=CONTROL_TIMEOUT)
        return None

    def _emulator(self) -> Any:
        return getattr(getattr(self.app, "state", None), "emulator", None)

    def sync_http(self, token: str | None = None) -> httpx.Client:
        return httpx.Client(
            transport=SyncASGITransport(self.app),
            base_url=self.base_url,
            headers=self._auth(token),
            timeout=self.request_timeout,
        )

    def async_http(self, token: str | None = None) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(self.app),
            base_url=self.base_url,
            headers=self._auth(token),
            timeout=self.request_timeout,
        )

    def _auth(self, token: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.settings.token}"}


@cache
def current_target() -> Target:
    return Target.from_settings(current())
