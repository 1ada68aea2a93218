"""Seeded calls: history to list, page and filter, over HTTP, in Python and from the config."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from dialnexa_emulator import ConfigError, Emulator, FrozenClock, create_app, load_config
from dialnexa_emulator.server._serving import ServeOptions, build_app
from tests.emulator.conftest import api_client, error_message

DEFAULT_CONFIG = Path(__file__).parents[2] / "dialnexa_emulator" / "default_config.toml"


def seed(control: httpx.Client, *entries: dict[str, Any]) -> list[dict[str, Any]]:
    response = control.post("/calls", json={"calls": list(entries)})
    assert response.status_code == 201, response.text
    calls: list[dict[str, Any]] = response.json()
    return calls


def test_a_thousand_seeded_calls_page_exactly_through_list_calls(
    api: httpx.Client, control: httpx.Client
) -> None:
    seeded = seed(
        control,
        {"count": 600, "created_at": "2024-02-01T00:00:00Z", "every_sec": 60},
        {"count": 400, "status": "busy", "created_at": "2024-02-01T00:00:30Z", "every_sec": 60},
    )
    assert len(seeded) == 1000

    listed: list[dict[str, Any]] = []
    page = 1
    while True:
        batch = api.get("/calls", params={"limit": 200, "page": page}).json()
        listed += batch
        if len(batch) < 200:
            break
        page += 1

    assert page == 6  # five full pages, then an empty one
    assert sorted(c["id"] for c in listed) == sorted(c["id"] for c in seeded)
    times = [c["created_at"] for c in listed]
    assert times == sorted(times, reverse=True)
    assert len(api.get("/calls", params={"status": "busy", "limit": 200}).json()) == 200
    busy = [c for c in listed if c["status"] == "busy"]
    assert len(busy) == 400


def test_a_seeded_call_is_a_real_one(api: httpx.Client, control: httpx.Client) -> None:
    [call] = seed(
        control,
        {
            "status": "completed",
            "created_at": "2024-02-29T12:00:00.250Z",
            "duration_sec": 95,
            "to_phone_number": "+919876543210",
            "agent_version_number": 1,
            "metadata": {"customer_name": "Priya"},
        },
    )

    fetched = api.get(f"/calls/{call['id']}").json()

    assert {k: v for k, v in call.items() if k != "workspace_id"} == fetched
    assert call["workspace_id"] == "default"
    assert fetched["created_at"] == "2024-02-29T12:00:00.250Z"
    assert fetched["duration_sec"] == 95
    assert fetched["ended_at"] == "2024-02-29T12:01:43.250Z"  # 0 + 1 + 2 + 5 s, then 95 s of talk
    assert fetched["agent_version_number"] == 1
    assert fetched["transcript"].startswith("Agent: Hi Priya,")


def test_without_a_time_the_newest_reaches_its_status_now(
    api: httpx.Client, control: httpx.Client
) -> None:
    calls = seed(control, {"count": 3, "every_sec": 10, "status": "failed"})

    assert [c["status"] for c in calls] == ["failed"] * 3
    assert calls[-1]["ended_at"] == "2024-03-01T10:00:00.000Z"
    assert calls[0]["created_at"] == "2024-03-01T09:59:37.000Z"  # 20 s + 3 s earlier


def test_an_in_flight_status_stays_as_seeded(api: httpx.Client, control: httpx.Client) -> None:
    [call] = seed(control, {"status": "received", "created_at": "2024-03-01T09:00:00Z"})

    control.post("/clock/advance", json={"seconds": 3600})

    assert api.get(f"/calls/{call['id']}").json()["status"] == "received"


def test_seeded_calls_cost_nothing(control: httpx.Client, emulator: Emulator) -> None:
    seed(control, {"count": 50})

    assert emulator.balance("default") == 1000000


def test_another_workspaces_calls_stay_there(acme: httpx.Client, control: httpx.Client) -> None:
    seed(control, {"workspace_id": "acme", "count": 2}, {"count": 1})

    assert len(acme.get("/calls").json()) == 2
    assert len(control.get("/calls", params={"workspace_id": "default"}).json()) == 1


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"created_at": "2024-03-01T09:59:30Z"},
            "calls[0]: its last call would be completed only at 2024-03-01T10:00:08.000Z, "
            "after the emulator's clock (2024-03-01T10:00:00.000Z); create them earlier or move "
            "the clock",
        ),
        (
            {"workspace_id": "nope"},
            "calls[0].workspace_id: no workspace nope (there are default, acme)",
        ),
        (
            {"agent_id": "agt_acme_support"},
            "calls[0].agent_id: workspace default has no agent agt_acme_support",
        ),
        (
            {"agent_version_number": 2},
            "calls[0]: Version 2 of agent agt_abc123 is a draft. Publish it before placing a call.",
        ),
        (
            {"from_phone_number": "+14155550199"},
            "calls[0].from_phone_number: +14155550199 is not a workspace number",
        ),
        (
            {"status": "busy", "duration_sec": 5},
            "calls[0].duration_sec only applies to the status completed",
        ),
        ({"status": "ringing"}, "calls[0].status must be one of the following values: created"),
        ({"count": 0}, "calls[0].count must not be less than 1"),
        ({"created_at": "yesterday"}, "calls[0].created_at must be an RFC 3339 date-time"),
        ({"metadata": {"x": {"nested": 1}}}, "calls[0].metadata.x must be a string"),
    ],
)
def test_an_impossible_entry_is_400(
    control: httpx.Client, entry: dict[str, Any], message: str
) -> None:
    response = control.post("/calls", json={"calls": [entry]})

    assert str(error_message(response, 400)).startswith(message)
    assert control.get("/calls").json() == []


def test_the_python_handle_seeds_with_datetimes(emulator: Emulator) -> None:
    calls = emulator.seed_calls(
        {"status": "no_answer", "created_at": datetime(2024, 1, 5, 8, 30, tzinfo=UTC)}
    )

    assert calls[0]["created_at"] == "2024-01-05T08:30:00.000Z"
    assert [c.id for c in emulator.calls(status=["no_answer"])] == [calls[0]["id"]]


def config_with_calls(tmp_path: Path, calls: str) -> Path:
    path = tmp_path / "seeded.toml"
    path.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8") + calls, encoding="utf-8")
    return path


def test_the_config_seeds_at_start_and_after_every_reset(tmp_path: Path) -> None:
    path = config_with_calls(
        tmp_path,
        "\n[[calls]]\nstatus = 'busy'\ncount = 3\ncreated_at = 2024-02-01T00:00:00Z\n"
        "\n[[calls]]\nworkspace_id = 'acme'\n",
    )
    app = create_app(load_config(path), clock=FrozenClock())
    with api_client(app) as client:
        first = [c["id"] for c in client.get("/calls").json()]
        client.post("/calls", json={"agent_id": "agt_abc123", "to_phone_number": "+919876543210"})
        app.state.emulator.reset()
        again = [c["id"] for c in client.get("/calls").json()]

    assert first == again == ["call_seed3", "call_seed2", "call_seed1"]
    assert [c.id for c in app.state.emulator.calls("acme")] == ["call_seed4"]


def test_a_bad_config_seed_names_the_file_and_entry(tmp_path: Path) -> None:
    path = config_with_calls(tmp_path, "\n[[calls]]\nstatus = 'ringing'\n")

    with pytest.raises(ConfigError, match=r"seeded.toml: calls\[0\].status must be one of"):
        load_config(path)


def test_a_config_seed_after_the_clock_is_refused_when_built(tmp_path: Path) -> None:
    path = config_with_calls(tmp_path, "\n[[calls]]\ncreated_at = 2030-01-01T00:00:00Z\n")

    with pytest.raises(ConfigError, match=r"seeded.toml: calls\[0\]: its last call would be"):
        create_app(load_config(path), clock=FrozenClock())


def test_a_shared_state_file_keeps_config_seeds_once_across_workers_and_restarts(
    tmp_path: Path,
) -> None:
    path = config_with_calls(
        tmp_path, "\n[[calls]]\ncount = 2\n\n[[calls]]\nworkspace_id = 'acme'\nstatus = 'busy'\n"
    )
    options = ServeOptions(str(path), str(tmp_path / "state.db"), "anywhere")
    first, second = build_app(options), build_app(options)  # two workers, or a restart
    second.state.emulator.seed_calls({"count": 1, "status": "failed"})

    held = [call.id for call in first.state.emulator.calls()]  # every workspace, from the file

    assert len(held) == 4
    assert {"call_seed1", "call_seed2", "call_seed3"} < set(held)
    assert [c.id for c in first.state.emulator.calls("acme", status=["busy"])] == ["call_seed3"]
    first.state.emulator.reset()
    assert sorted(c.id for c in second.state.emulator.calls()) == [
        "call_seed1",
        "call_seed2",
        "call_seed3",
    ]
