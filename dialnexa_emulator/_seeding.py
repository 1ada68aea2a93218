"""Seeded calls: calls that happened before a test began, many at once, with chosen statuses and
times. Entries have the control plane's `SeedCall` shape (checked before they get here); what
depends on the config (workspaces, agents, numbers) and on the clock is checked here."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from dialnexa_emulator._calls import new_call
from dialnexa_emulator._clock import (
    EARLIEST,
    ClockRangeError,
    allowed_range,
    check_in_range,
    iso,
    parse_iso,
)
from dialnexa_emulator._errors import ApiError
from dialnexa_emulator._lifecycle import plan_reaching

if TYPE_CHECKING:
    from dialnexa_emulator._config import EmulatorConfig, Workspace
    from dialnexa_emulator._store import CallRecord

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class SeedError(ValueError):
    """An entry that cannot be seeded; the message names it (`calls[2]`)."""


def seed_calls(
    entries: Sequence[Mapping[str, Any]],
    config: EmulatorConfig,
    now: datetime,
    new_id: Callable[[], str],
) -> list[CallRecord]:
    """The calls `entries` describe, oldest first within each entry; SeedError if one cannot be."""
    calls: list[CallRecord] = []
    for i, entry in enumerate(entries):
        calls += _calls_of(f"calls[{i}]", entry, config, now, new_id)
    return calls


def _calls_of(
    where: str,
    entry: Mapping[str, Any],
    config: EmulatorConfig,
    now: datetime,
    new_id: Callable[[], str],
) -> list[CallRecord]:
    workspace = _workspace(where, entry, config)
    agent_id = entry.get("agent_id", next(iter(workspace.agents), None))
    if agent_id is None:
        raise SeedError(f"{where}: workspace {workspace.id} has no agent to place calls with")
    agent = workspace.agents.get(agent_id)
    if agent is None:
        raise SeedError(f"{where}.agent_id: workspace {workspace.id} has no agent {agent_id}")
    requested = entry.get("agent_version_number")
    try:
        version = agent.version_for(None if requested is None else int(requested))
    except ApiError as error:
        raise SeedError(f"{where}: {error.message}") from None
    to_number = entry.get("to_phone_number", workspace.telephony.example_destination())
    if to_number is None:
        raise SeedError(f"{where}.to_phone_number: workspace {workspace.id} enables no country")
    from_number = entry.get("from_phone_number", workspace.default_from_number)
    if from_number not in workspace.numbers:
        raise SeedError(f"{where}.from_phone_number: {from_number} is not a workspace number")
    status = entry.get("status", "completed")
    if "duration_sec" in entry and status != "completed":
        raise SeedError(f"{where}.duration_sec only applies to the status completed")
    talk_sec = int(entry.get("duration_sec", config.timing.talk_sec))
    count = int(entry.get("count", 1))
    every = timedelta(milliseconds=round(entry.get("every_sec", 60) * 1000))

    # How long after its creation a call reaches `status`, and its entry's last call after its
    # first. Compared as spans: a datetime past either end of its range would be an OverflowError.
    reached_after = plan_reaching(status, _EPOCH, talk_sec, config.timing).timeline[-1][0] - _EPOCH
    span = (count - 1) * every + reached_after
    if "created_at" in entry:
        try:
            field = f"{where}.created_at"
            first = check_in_range(parse_iso(entry["created_at"], field), field)
        except ClockRangeError as exc:
            raise SeedError(str(exc)) from None
    elif span > now - EARLIEST:
        raise SeedError(
            f"{where}: its first call would be created before {iso(EARLIEST)} (the emulator's "
            f"clock stays {allowed_range()}); seed fewer calls, closer together"
        )
    else:
        first = now - span
    first = first.replace(microsecond=first.microsecond // 1000 * 1000)  # DialNexa's precision
    if span > now - first:
        last = iso(first + span) if span <= datetime.max.replace(tzinfo=UTC) - first else "9999"
        raise SeedError(
            f"{where}: its last call would be {status} only at {last}, after the "
            f"emulator's clock ({iso(now)}); create them earlier or move the clock"
        )

    metadata = entry.get("metadata", {})
    return [
        new_call(
            new_id(),
            workspace=workspace,
            agent=agent,
            version=version,
            to_phone_number=to_number,
            from_phone_number=from_number,
            metadata=metadata,
            plan=plan_reaching(status, first + n * every, talk_sec, config.timing),
        )
        for n in range(count)
    ]


def _workspace(where: str, entry: Mapping[str, Any], config: EmulatorConfig) -> Workspace:
    workspace_id = entry.get("workspace_id")
    if workspace_id is None:
        return config.workspaces[0]
    for workspace in config.workspaces:
        if workspace.id == workspace_id:
            return workspace
    known = ", ".join(w.id for w in config.workspaces)
    raise SeedError(f"{where}.workspace_id: no workspace {workspace_id} (there are {known})")
