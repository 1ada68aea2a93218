"""The request journal: what arrived, read and cleared over HTTP and in Python, never a secret."""

from __future__ import annotations

import dataclasses
import json
import string
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialnexa_emulator import Emulator, FrozenClock, SyncASGITransport, create_app
from dialnexa_emulator import default_config as embedded_default_config
from dialnexa_emulator._auth import ApiKey
from dialnexa_emulator._config import JournalSettings
from tests.emulator.conftest import MINIMAL_REQUEST, api_client


def test_each_api_request_is_recorded_with_who_what_and_how_it_went(
    api: httpx.Client, control: httpx.Client
) -> None:
    answers = [api.post("/calls", json=MINIMAL_REQUEST)]
    answers.append(api.get(f"/calls/{answers[0].json()['id']}", params={"x": "1"}))
    answers.append(api.get("/calls", headers={"Authorization": "Bearer kid_demo:wrong"}))

    created, fetched, refused = entries = control.get("/requests").json()

    assert created["method"] == "POST"
    assert created["path"] == "/v1/calls"
    assert created["operation"] == "createCall"
    assert created["status"] == 201
    assert (created["workspace_id"], created["key_id"]) == ("default", "kid_demo")
    assert created["at"] == "2024-03-01T10:00:00.000Z"
    assert created["duration_ms"] >= 0
    assert created["headers"]["content-type"] == "application/json"
    assert created["headers"]["authorization"] == "[redacted]"
    assert "body" not in created
    assert (fetched["operation"], fetched["query"], fetched["status"]) == ("getCall", "x=1", 200)
    assert (refused["status"], refused["workspace_id"], refused["key_id"]) == (401, None, None)
    assert created["id"] < fetched["id"] < refused["id"]
    # Every answer carries the id it is kept under, each its own.
    assert [e["request_id"] for e in entries] == [a.headers["x-request-id"] for a in answers]
    assert len({e["request_id"] for e in entries}) == 3


def test_unknown_paths_are_recorded_but_not_the_control_plane(
    api: httpx.Client, control: httpx.Client
) -> None:
    forgotten = api.get("http://emulator/calls")  # the base path forgotten
    api.delete("/calls")
    control.get("/clock")
    control.get("/nowhere")

    entries = control.get("/requests").json()
    assert forgotten.headers["x-request-id"] == entries[0]["request_id"]

    assert [(e["path"], e["method"], e["status"], e["operation"]) for e in entries] == [
        ("/calls", "GET", 404, None),
        ("/v1/calls", "DELETE", 405, None),
    ]


def test_it_is_filtered_by_operation_and_cleared(api: httpx.Client, control: httpx.Client) -> None:
    api.post("/calls", json=MINIMAL_REQUEST)
    api.get("/calls")

    only_lists = control.get("/requests", params={"operation": "listCalls"}).json()
    cleared = control.delete("/requests")

    assert [e["operation"] for e in only_lists] == ["listCalls"]
    assert cleared.status_code == 204
    assert control.get("/requests").json() == []


def test_the_injected_fault_is_named(api: httpx.Client, control: httpx.Client) -> None:
    fault_id = control.post("/faults", json={"status": 503}).json()["id"]
    api.get("/calls")

    [entry] = control.get("/requests").json()

    assert (entry["status"], entry["fault_id"]) == (503, fault_id)


def test_reset_empties_it(api: httpx.Client, control: httpx.Client) -> None:
    api.get("/calls")

    control.post("/reset")

    assert control.get("/requests").json() == []


def test_it_keeps_only_the_last_size_requests(api: httpx.Client) -> None:
    config = dataclasses.replace(embedded_default_config(), journal=JournalSettings(size=3))
    app = create_app(config, clock=FrozenClock())
    with api_client(app) as client:
        for page in range(1, 6):
            client.get("/calls", params={"page": page})

    entries = app.state.emulator.journal.entries()

    assert [e["query"] for e in entries] == ["page=3", "page=4", "page=5"]
    assert [e["id"] for e in entries] == [3, 4, 5]


def test_bodies_are_kept_only_when_asked(api: httpx.Client, emulator: Emulator) -> None:
    emulator.journal.bodies = True

    api.post("/calls", json={**MINIMAL_REQUEST, "metadata": {"customer_name": "Priya"}})

    [entry] = emulator.journal.entries()
    assert json.loads(entry["body"])["metadata"] == {"customer_name": "Priya"}


SECRETS = st.text(string.ascii_letters + string.digits + "_-.~", min_size=12, max_size=40)
KEY_IDS = st.text(string.ascii_lowercase, min_size=3, max_size=10).map(lambda s: f"kid_{s}")
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), st.text(max_size=30))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    key_id=KEY_IDS,
    secret=SECRETS,
    presented=st.sampled_from(["right", "wrong secret", "secret alone", "lower-case bearer"]),
    metadata=st.dictionaries(st.from_regex(r"[a-z_]{1,10}", fullmatch=True), JSON_SCALARS),
    secret_in=st.sets(st.sampled_from(["metadata", "path", "query", "header"])),
    bodies=st.booleans(),
)
def test_the_journal_never_holds_a_secret(
    *,
    key_id: str,
    secret: str,
    presented: str,
    metadata: dict[str, Any],
    secret_in: set[str],
    bodies: bool,
) -> None:
    """Whatever key is presented however, and wherever else its secret appears in a request."""
    config = embedded_default_config()
    default = dataclasses.replace(
        config.workspaces[0], api_keys=(ApiKey(key_id, secret, "default"),)
    )
    config = dataclasses.replace(
        config,
        workspaces=(default, *config.workspaces[1:]),
        journal=JournalSettings(bodies=bodies),
    )
    app = create_app(config, clock=FrozenClock())
    authorization = {
        "right": f"Bearer {key_id}:{secret}",
        "wrong secret": f"Bearer {key_id}:{secret[::-1]}x",
        "secret alone": secret,
        "lower-case bearer": f"bearer {key_id}:{secret}",
    }[presented]
    if "metadata" in secret_in:
        metadata = {**metadata, "note": f"key {secret} here"}
    headers = {"Authorization": authorization}
    if "header" in secret_in:
        headers["X-Debug"] = f"token={key_id}:{secret}"
    transport = SyncASGITransport(app)
    with httpx.Client(
        transport=transport, base_url="http://emulator/v1", headers=headers
    ) as client:
        client.post("/calls", json={**MINIMAL_REQUEST, "metadata": metadata})
        client.get(
            f"/calls/call_{secret if 'path' in secret_in else 'abc'}",
            params={"agent_id": secret} if "query" in secret_in else {},
        )
        client.get("/calls")
    transport.close()

    journal = json.dumps(app.state.emulator.journal.entries())

    assert secret not in journal
    assert (
        secret[::-1] not in journal
    )  # a wrong secret, presented, is kept no more than a right one
    assert len(app.state.emulator.journal.entries()) == 3
