"""The emulator's state, and the Python handle tests hold as `app.state.emulator`."""

from __future__ import annotations

import itertools
import logging
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import orjson

from dialnexa_emulator._answers import AnswerCheck, OffSpecAnswerError, answer_check
from dialnexa_emulator._auth import KeyRing
from dialnexa_emulator._calls import call_ids, call_to_place, held_call_json
from dialnexa_emulator._clock import Clock, ClockRangeError, check_in_range, iso, with_text_times
from dialnexa_emulator._config import ConfigError, EmulatorConfig, Workspace
from dialnexa_emulator._control_spec import control_plane
from dialnexa_emulator._errors import ApiError
from dialnexa_emulator._faults import Faults
from dialnexa_emulator._journal import Journal
from dialnexa_emulator._overrides import Overrides
from dialnexa_emulator._ratelimit import RateLimiter
from dialnexa_emulator._seeding import SeedError, seed_calls
from dialnexa_emulator._spec import Spec
from dialnexa_emulator._spec_check import check_spec
from dialnexa_emulator._store import CallRecord, MemoryStore, Store
from dialnexa_emulator.webhooks._delivery import Webhooks

logger = logging.getLogger("dialnexa_emulator")
ControlPlaneAccess = Literal["anywhere", "loopback", "off"]
OffSpecAnswers = Literal["raise", "respond"]

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def served_hosts(bound_host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The Host names a served control plane answers for (`Emulator.control_hosts`): loopback,
    `bound_host`, `extra`; lowercase, IPv6 addresses without brackets, as Host names compare."""
    return LOOPBACK_NAMES | {_bare(bound_host)} | {_bare(name) for name in extra}


def _bare(host: str) -> str:
    return host.strip().lower().removeprefix("[").removesuffix("]")


class Emulator:
    """Everything a request reads or changes, plus the controls `/_emulator/` exposes over HTTP.

    - `reset()`: forget calls (configured seeds come back), restore balances, rate-limit windows,
      faults and overrides, empty the journal, drop webhook deliveries (configured endpoints
      stay), rewind the clock.
    - `clock.advance(seconds)`, `clock.now()`, `set_clock(moment)`, `advance_clock(seconds)`:
      the time calls age by, kept within `_clock.EARLIEST`..`LATEST` (ApiError 400 past them).
    - `faults.add(operation=..., count=..., status=..., ...)`, `faults.armed()`,
      `faults.remove(id)`, `faults.clear()`: inject faults.
    - `overrides.add(operation, status, body=..., headers=..., times=...)`, `overrides.armed()`,
      `overrides.remove(id)`, `overrides.clear()`: answers on demand, checked against the spec.
    - `journal.entries()`, `journal.clear()`, `journal.bodies`: the requests that arrived.
    - `calls(...)`: every call held, as JSON; `seed_calls(entries)`: add calls in the past.
    - `balance(workspace_id)`, `set_balance(workspace_id, amount)`: wallets.
    - `webhooks`: endpoints, deliveries, `flush()`, delivery faults (docs/webhooks.md).
    - `control_plane`: who may use `/_emulator/` over HTTP ("anywhere" in process; the CLI
      narrows it to "loopback"); `control_hosts`: the Host names it answers for (None, any: in
      process no network request reaches it; the CLI sets loopback names, the bound host and
      `--allow-host`); `control_token`: the bearer token it needs, if any (the config's
      `[control_plane] token`, or `--control-token`). control/_guard.py.
    - `answer_check`: every answer is validated against the spec (None: not checked);
      `off_spec_answers`: "raise" an `OffSpecAnswerError` (in process), or "respond" with a 500
      that says what broke and log it (served with `--check-responses`).
    """

    def __init__(self, config: EmulatorConfig, clock: Clock, spec: Spec) -> None:
        check_spec(spec, config)  # SpecError unless the spec allows everything it can say
        self.config = config
        self.clock = clock
        self.spec = spec
        self.control = control_plane(spec)  # the control plane's own description
        self.workspaces: dict[str, Workspace] = {w.id: w for w in config.workspaces}
        keys = [key for w in config.workspaces for key in w.api_keys]
        self.keys = KeyRing(keys)
        secrets = [key.secret for key in keys]
        if config.control_plane.token:
            secrets.append(config.control_plane.token)
        self.journal = Journal(secrets, config.journal.size, bodies=config.journal.bodies)
        self.store: Store = MemoryStore({w.id: w.balance for w in config.workspaces})
        self.faults = Faults(spec.operations)
        self.overrides = Overrides(spec)
        self.rate_limiter = RateLimiter()
        self.webhooks = Webhooks(
            config.workspaces,
            clock,
            on_secret=self.journal.redact,
            check_event=self._check_event,
        )
        self.control_plane: ControlPlaneAccess = "anywhere"
        self.answer_check: AnswerCheck | None = answer_check(spec)
        self.off_spec_answers: OffSpecAnswers = "raise"
        # Worker processes serving the same state file (the CLI's --workers): with more than
        # one, what cannot be shared between them is refused rather than done in one.
        self.workers = 1
        self.control_hosts: frozenset[str] | None = None
        self.control_token: str | None = config.control_plane.token
        self.seed_configured_calls()

    def _check_event(self, event_type: str, body: bytes) -> OffSpecAnswerError | None:
        """A webhook event body the spec does not allow: logged, and (in process) the error
        `webhooks.flush()` raises."""
        if self.answer_check is None:
            return None
        problems = self.answer_check.event_problems(event_type, orjson.loads(body))
        if not problems:
            return None
        error = OffSpecAnswerError(event_type, None, problems)
        logger.error("%s", error)
        return error if self.off_spec_answers == "raise" else None

    def reset(self) -> None:
        self.store.reset()
        self.faults.clear()
        self.overrides.clear()
        self.rate_limiter.reset()
        self.journal.clear()
        self.webhooks.reset()
        self.clock.reset()
        self.seed_configured_calls()

    def seed_configured_calls(self) -> None:
        """Seed the config's `[[calls]]` (ids `call_seed1`, ... so a store that already holds
        them, such as a shared state file, keeps them once); ConfigError if they cannot be."""
        if self.config.calls:
            numbers = itertools.count(1)
            try:
                calls = seed_calls(
                    self.config.calls,
                    self.config,
                    self.clock.now(),
                    lambda: f"call_seed{next(numbers)}",
                )
            except SeedError as exc:
                raise ConfigError(f"{self.config.source}: {exc}") from None
            self.store.seed(calls)

    def seed_calls(self, *entries: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Add calls that happened before now, e.g. `seed_calls({"status": "busy", "count": 50})`
        (entries of the control plane's `SeedCall` shape, `created_at` a datetime or RFC 3339
        text); the calls as `calls()` shows them, oldest first.

        ApiError (400) says what is wrong with an entry.
        """
        if len(entries) == 1 and not isinstance(entries[0], Mapping):
            _deprecated("seed_calls([...]) with a list", "seed_calls(*entries)")
            entries = tuple(entries[0])
        body = {"calls": [with_text_times(entry) for entry in entries]}
        self.control.operations["seedCalls"].check_body(body)
        now = self.clock.now()
        try:
            calls = seed_calls(body["calls"], self.config, now, call_ids.next)
        except SeedError as exc:
            raise ApiError(400, str(exc)) from None
        self.store.seed(calls)
        return [held_call_json(call, now) for call in calls]

    def place_call(
        self, workspace: Workspace, body: Mapping[str, Any], now: datetime
    ) -> CallRecord:
        """createCall on a body of the spec's shape: the call placed, charged and announced
        (ApiError when a rule refuses it, 402 when the wallet cannot pay)."""
        call = call_to_place(workspace, body, now, self.config)
        if not self.store.charge_and_add(call, workspace.call_cost):
            raise ApiError(402, "Insufficient billing wallet balance")
        self.webhooks.call_created(call)
        return call

    def calls(
        self,
        workspace_id: str | None = None,
        *,
        agent_id: str | None = None,
        status: Sequence[str] = (),
        to_phone_number: str | None = None,
    ) -> Iterator[CallRecord]:
        """Every call held (or one workspace's), newest first, filtered as listCalls filters."""
        now = self.clock.now()
        calls = self.store.newest_first(
            workspace_id, agent_id=agent_id, to_phone_number=to_phone_number
        )
        wanted = set(status)
        return (call for call in calls if not wanted or call.status_at(now) in wanted)

    def problem(self) -> str | None:
        """Why the emulator cannot answer as it should right now, or None (health reports it).

        Nothing the emulator accepts leads here; a state file changed under it could.
        """
        try:
            check_in_range(self.clock.now(), "The clock")
        except Exception as exc:
            return f"{exc}; set it with PUT /_emulator/clock or POST /_emulator/reset"
        return None

    def set_clock(self, moment: datetime) -> None:
        """Make it `moment`; ApiError (400) if that is before the newest call was created."""
        if moment.tzinfo is None:
            raise ApiError(400, "now must have a time zone offset")
        try:
            check_in_range(moment, "now")
        except ClockRangeError as exc:
            raise ApiError(400, str(exc)) from None
        newest = next(self.store.newest_first(None), None)
        if newest is not None and moment < newest.created_at:
            raise ApiError(
                400,
                f"The clock cannot go back past the newest call, {newest.id}, created at "
                f"{iso(newest.created_at)}",
            )
        try:
            backwards = moment < self.clock.now()
        except Exception:
            backwards = True
        if backwards:
            self.rate_limiter.reset()  # windows that began "later" would otherwise last longer
        self.clock.set(moment)

    def advance_clock(self, seconds: float) -> None:
        """Move the clock forward; ApiError (400) if that would leave the clock's range."""
        try:
            self.clock.advance(seconds)
        except ValueError as exc:
            raise ApiError(400, str(exc)) from None

    def balance(self, workspace_id: str | None = None) -> Decimal:
        """A workspace's wallet balance (default: the first workspace's)."""
        return self.store.balance(self._workspace(workspace_id).id)

    def set_balance(
        self, amount: Decimal | float | str, *old: Any, workspace_id: str | None = None
    ) -> None:
        """Set a wallet, e.g. to 0 so the next create is a 402 (default: the first workspace's;
        a float is read through its text, so 0.1 is exactly 0.1)."""
        if old:  # 1.x: set_balance(workspace_id, balance)
            _deprecated(
                "set_balance(workspace_id, balance)", "set_balance(amount, workspace_id=...)"
            )
            workspace_id, amount = str(amount), old[0]
        value = Decimal(str(amount))
        if not value.is_finite() or value < 0:
            raise ApiError(400, "balance must be a finite number, not less than 0")
        self.store.set_balance(self._workspace(workspace_id).id, value)

    def _workspace(self, workspace_id: str | None) -> Workspace:
        if workspace_id is None:
            return self.config.workspaces[0]
        workspace = self.workspaces.get(workspace_id)
        if workspace is None:
            raise ApiError(404, f"Workspace {workspace_id} not found")
        return workspace


def _deprecated(old: str, new: str) -> None:
    warnings.warn(
        f"{old} is deprecated and goes in the next minor release; use {new}",
        DeprecationWarning,
        stacklevel=3,
    )
