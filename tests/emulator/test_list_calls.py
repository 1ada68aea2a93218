"""listCalls (order, pages, filters) and the wall between workspaces."""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialnexa_emulator import Emulator, FrozenClock
from tests.emulator.conftest import MINIMAL_REQUEST

ACME_REQUEST = {"agent_id": "agt_acme_support", "to_phone_number": "+447400123456"}


def create(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = api.post("/calls", json={**MINIMAL_REQUEST, **fields})
    assert response.status_code == 201, response.text
    call: dict[str, Any] = response.json()
    return call


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [call["id"] for call in response.json()]


def test_newest_first_with_creation_order_breaking_ties(
    api: httpx.Client, clock: FrozenClock
) -> None:
    first = create(api)["id"]
    clock.advance(5)
    same_instant = [create(api)["id"] for _ in range(3)]  # the frozen clock does not move
    clock.advance(5)
    last = create(api)["id"]

    assert ids(api.get("/calls")) == [last, *reversed(same_instant), first]


def test_an_empty_workspace_lists_nothing(api: httpx.Client) -> None:
    assert api.get("/calls").json() == []


def test_default_page_size_is_20(api: httpx.Client) -> None:
    for _ in range(25):
        create(api)

    assert len(ids(api.get("/calls"))) == 20
    assert len(ids(api.get("/calls", params={"page": 2}))) == 5
    assert ids(api.get("/calls", params={"page": 3})) == []


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(total=st.integers(0, 45), limit=st.integers(1, 200))
def test_pages_partition_the_list_exactly(
    api: httpx.Client, emulator: Emulator, total: int, limit: int
) -> None:
    emulator.reset()
    created = [create(api)["id"] for _ in range(total)]

    pages = []
    page = 1
    while True:
        pages.append(ids(api.get("/calls", params={"page": page, "limit": limit})))
        if len(pages[-1]) < limit:
            break
        page += 1

    assert [call_id for chunk in pages for call_id in chunk] == created[::-1]
    assert all(len(chunk) == limit for chunk in pages[:-1])


def test_filter_by_agent_and_destination(api: httpx.Client) -> None:
    india = create(api)["id"]
    us = create(api, to_phone_number="+14155550100")["id"]

    assert ids(api.get("/calls", params={"to_phone_number": "+14155550100"})) == [us]
    assert ids(api.get("/calls", params={"agent_id": "agt_abc123"})) == [us, india]
    assert ids(api.get("/calls", params={"agent_id": "agt_other"})) == []


def test_filter_by_several_statuses_reads_them_at_the_current_time(
    api: httpx.Client, clock: FrozenClock
) -> None:
    busy = create(api, to_phone_number="+919876500002")["id"]  # ends at 8 s
    failed = create(api, to_phone_number="+919876500004")["id"]  # ends at 3 s
    completed = create(api)["id"]  # ends at 38 s
    clock.advance(10)

    finished = api.get("/calls", params=[("status", "busy"), ("status", "failed")])
    in_flight = api.get("/calls", params={"status": "received"})

    assert ids(finished) == [failed, busy]
    assert ids(in_flight) == [completed]
    assert ids(api.get("/calls", params={"status": "completed"})) == []


def test_filters_combine_with_and(api: httpx.Client) -> None:
    create(api, to_phone_number="+919876500002")
    create(api, to_phone_number="+14155550100")

    response = api.get("/calls", params={"status": "initiated", "to_phone_number": "+919876500002"})

    assert len(ids(response)) == 1
    assert (
        ids(api.get("/calls", params={"status": "busy", "to_phone_number": "+919876500002"})) == []
    )


def test_filtering_and_paging_compose(api: httpx.Client) -> None:
    us = [create(api, to_phone_number="+14155550100")["id"] for _ in range(3)]
    for _ in range(3):
        create(api)

    params: dict[str, str | int] = {"to_phone_number": "+14155550100", "limit": 2}
    pages = ids(api.get("/calls", params=params)) + ids(
        api.get("/calls", params={**params, "page": 2})
    )

    assert pages == us[::-1]


class TestIsolation:
    def test_another_workspaces_call_is_not_found(
        self, api: httpx.Client, acme: httpx.Client
    ) -> None:
        call_id = create(api)["id"]

        response = acme.get(f"/calls/{call_id}")

        assert response.status_code == 404
        assert response.json()["message"] == "Call not found"

    def test_lists_show_only_their_own_workspace(
        self, api: httpx.Client, acme: httpx.Client
    ) -> None:
        mine = create(api)["id"]
        theirs = acme.post("/calls", json=ACME_REQUEST).json()["id"]

        assert ids(api.get("/calls")) == [mine]
        assert ids(acme.get("/calls")) == [theirs]
        assert ids(acme.get("/calls", params={"agent_id": "agt_abc123"})) == []

    def test_agents_and_numbers_belong_to_their_workspace(self, acme: httpx.Client) -> None:
        agent = acme.post("/calls", json=MINIMAL_REQUEST)
        number = acme.post("/calls", json={**ACME_REQUEST, "from_phone_number": "+912234567890"})

        assert agent.status_code == 404
        assert number.json()["message"] == "Phone number +912234567890 not found in this workspace"

    def test_telephony_config_is_per_workspace(self, api: httpx.Client, acme: httpx.Client) -> None:
        us_number = "+14155550100"  # the default workspace enables the US, acme does not

        assert (
            acme.post("/calls", json={**ACME_REQUEST, "to_phone_number": us_number}).status_code
            == 403
        )
        assert create(api, to_phone_number=us_number)["status"] == "initiated"
