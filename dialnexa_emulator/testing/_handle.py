"""`EmulatorHandle`: an emulator in this process, and what a test needs of it."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
from starlette.applications import Starlette

from dialnexa_emulator._calls import call_json
from dialnexa_emulator._clock import Clock
from dialnexa_emulator._emulator import Emulator
from dialnexa_emulator._faults import Faults
from dialnexa_emulator._journal import Journal
from dialnexa_emulator._overrides import DEFAULT, Overrides
from dialnexa_emulator.testing._assertions import (
    _MISSING,
    Expectation,
    check_called,
    check_not_called,
    describe_entry,
    refused,
)
from dialnexa_emulator.testing._transport import AsyncASGITransport, SyncASGITransport
from dialnexa_emulator.testing._waiting import WaitClock
from dialnexa_emulator.webhooks._delivery import Webhooks


class EmulatorHandle:
    """An emulator in this process, and what a test needs of it.

    `base_url` and `api_key` (the first workspace's first key) reach it; `clock`, `faults`,
    `respond()`, `overrides`, `webhooks`, `calls`, `requests`, `seed_calls()`, `set_clock()`,
    `balance()`, `set_balance()` and `reset()` drive and inspect it; `assert_called()` and
    `assert_not_called()` check what reached it; `app` is the ASGI app itself.
    """

    def __init__(self, app: Starlette, base_url: str) -> None:
        self.app = app
        self.base_url = base_url
        self._emulator: Emulator = app.state.emulator
        self._sync_transport: SyncASGITransport | None = None
        self._async_transport = AsyncASGITransport(app)
        self.wait_clock = WaitClock(self._emulator)  # what the client's waits run on
        self._expected: set[int] = set()  # journal ids an assertion matched
        self._acknowledged: set[int] = set()  # refused ids an assertion named the status of

    @property
    def api_key(self) -> str:
        return self._emulator.config.workspaces[0].api_keys[0].token

    @property
    def control_url(self) -> str:
        """Where the control plane (`/_emulator/reset`, `/clock/advance`, `/faults`) answers."""
        return self.base_url.removesuffix(self._emulator.spec.base_path) + "/_emulator"

    @property
    def clock(self) -> Clock:
        return self._emulator.clock

    @property
    def faults(self) -> Faults:
        return self._emulator.faults

    @property
    def webhooks(self) -> Webhooks:
        """Webhook endpoints and deliveries; `webhooks.flush()` waits for what is due."""
        return self._emulator.webhooks

    @property
    def calls(self) -> list[dict[str, Any]]:
        """Every call placed, as getCall returns it now: workspace by workspace, oldest first."""
        emulator, now = self._emulator, self._emulator.clock.now()
        return [
            call_json(call, now)
            for workspace in emulator.config.workspaces
            for call in reversed(list(emulator.store.newest_first(workspace.id)))
        ]

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The request journal: the API requests that arrived, oldest first, never a secret; in
        process with their bodies, and the reason of every answer of 400 or more."""
        return self._emulator.journal.entries()

    @property
    def journal(self) -> Journal:
        """The journal itself: `.clear()`, `.bodies` (on in process) to keep request bodies."""
        return self._emulator.journal

    @property
    def overrides(self) -> Overrides:
        """The armed answers: `.armed()`, `.remove(id)`, `.clear()` (`respond()` adds one)."""
        return self._emulator.overrides

    def respond(
        self,
        operation: str,
        status: int,
        body: Any = DEFAULT,
        headers: Mapping[str, str] | None = None,
        *,
        times: int = 1,
        off_spec: bool = False,
    ) -> dict[str, Any]:
        """Answer the next `times` requests to `operation` (that authenticate) with `status`,
        `body` and `headers`, in place of the emulator's own answer; the answer, completed.

        It must be an answer the spec declares: a status the operation lists, a body valid for it
        (a partial object is completed with the spec's example values; none, the example answer),
        headers valid for it (required ones are filled in). Otherwise `OverrideError` (a
        ValueError) names the rule it breaks, unless `off_spec=True` (a forward-compatibility
        test: any status and body, as given). Nothing in the emulator's state changes.
        """
        override = self._emulator.overrides.add(
            operation, status, body, headers, times=times, off_spec=off_spec
        )
        return override.as_json()

    def assert_called(
        self,
        operation: str | None = None,
        *,
        times: int | None = None,
        json: Any = _MISSING,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        path: str | None = None,
        status: int | None = None,
    ) -> list[dict[str, Any]]:
        """Assert that `times` requests (None: at least one) to `operation` match; those requests.

        `json`: keys the request body has, with these values (nested objects alike; the body may
        have more); `query`, `headers`, `path`, `status` (the answer's): likewise. On failure the
        AssertionError lists the closest requests in the journal and how each differs.
        """
        expectation = Expectation(
            operation, json=json, query=query, headers=headers, path=path, status=status
        )
        matched = check_called(self.requests, expectation, times)
        self._expected.update(entry["id"] for entry in matched)
        if status is not None:
            self._acknowledged.update(entry["id"] for entry in matched)
        return [dict(entry) for entry in matched]

    def assert_not_called(
        self,
        operation: str | None = None,
        *,
        json: Any = _MISSING,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        path: str | None = None,
        status: int | None = None,
    ) -> None:
        """Assert that no request (to `operation`, if given) matches; the same filters as
        `assert_called`."""
        expectation = Expectation(
            operation, json=json, query=query, headers=headers, path=path, status=status
        )
        check_not_called(self.requests, expectation)

    def unexpected_requests(self) -> list[str]:
        """For strict tests: the requests that no assertion matched and no override or fault the
        test armed answered, and those the emulator refused (4xx) unless an assertion named
        their status; one line each, with the reason."""
        lines = []
        for entry in self.requests:
            if refused(entry) and entry["id"] not in self._acknowledged:
                lines.append(f"refused: {describe_entry(entry)}")
            elif not (entry["id"] in self._expected or entry["fault_id"] or entry["override_id"]):
                lines.append(f"not expected: {describe_entry(entry)}")
        return lines

    def seed_calls(self, *entries: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Add calls that happened before now, e.g. `seed_calls({"status": "busy", "count": 50})`
        (the control plane's seed entries); the calls, oldest first."""
        return self._emulator.seed_calls(*entries)

    def set_clock(self, moment: datetime) -> None:
        """Make it `moment`: forward, or back no further than the newest call's creation."""
        self._emulator.set_clock(moment)

    def balance(self, workspace_id: str | None = None) -> Decimal:
        """A workspace's wallet balance (default: the first workspace's)."""
        return self._emulator.balance(workspace_id)

    def set_balance(
        self, amount: Decimal | float | str, *old: str, workspace_id: str | None = None
    ) -> None:
        """Set a wallet, e.g. to 0 so the next create is a 402 (default: the first workspace's)."""
        if old:  # 1.x: set_balance(amount, workspace_id) positionally
            warnings.warn(
                "set_balance(amount, workspace_id) is deprecated and goes in the next minor "
                "release; use set_balance(amount, workspace_id=...)",
                DeprecationWarning,
                stacklevel=2,
            )
            workspace_id = old[0]
        self._emulator.set_balance(amount, workspace_id=workspace_id)

    def reset(self) -> None:
        """Forget every call (configured seeds come back); restore balances, rate-limit windows,
        faults and overrides; empty the journal; rewind the clock."""
        self._emulator.reset()
        self._expected.clear()
        self._acknowledged.clear()

    def _handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._sync_transport is None:
            self._sync_transport = SyncASGITransport(self.app)
        return self._sync_transport.handle_request(request)

    def _close(self) -> None:
        self._emulator.webhooks.close()
        if self._sync_transport is not None:
            self._sync_transport.close()
