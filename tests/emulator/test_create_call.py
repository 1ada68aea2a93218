"""createCall: the seed's request works as is; agent, version, caller ID and wallet rules."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from dialnexa_emulator import Emulator, EmulatorConfig
from dialnexa_emulator._agents import Agent
from tests.emulator.conftest import MINIMAL_REQUEST, error_message, with_default_workspace
from tests.seed import SEED_REQUEST


def test_the_seed_request_creates_an_initiated_call(api: httpx.Client) -> None:
    response = api.post("/calls", json=SEED_REQUEST)

    assert response.status_code == 201
    call = response.json()
    assert call["id"].startswith("call_")
    assert call["status"] == "initiated"
    assert call["created_at"] == "2024-03-01T10:00:00.000Z"  # the frozen clock's start
    for field in ("agent_id", "to_phone_number", "from_phone_number", "agent_version_number"):
        assert call[field] == SEED_REQUEST[field]
    assert call["metadata"] == SEED_REQUEST["metadata"]
    assert (call["ended_at"], call["duration_sec"], call["transcript"]) == (None, None, None)


def test_only_the_required_fields_use_latest_published_version_and_default_number(
    api: httpx.Client,
) -> None:
    call = api.post("/calls", json=MINIMAL_REQUEST).json()

    assert call["agent_version_number"] == 3  # versions 1 and 3 are published, 2 is a draft
    assert call["from_phone_number"] == "+912234567890"
    assert call["metadata"] == {}


def test_created_call_is_stored_and_ids_are_unique(api: httpx.Client) -> None:
    ids = {api.post("/calls", json=MINIMAL_REQUEST).json()["id"] for _ in range(20)}

    assert len(ids) == 20
    for call_id in ids:
        assert api.get(f"/calls/{call_id}").json()["id"] == call_id


def test_an_older_published_version_can_be_pinned(api: httpx.Client) -> None:
    call = api.post("/calls", json={**MINIMAL_REQUEST, "agent_version_number": 1}).json()

    assert call["agent_version_number"] == 1


def test_an_integer_valued_float_version_is_an_integer(api: httpx.Client) -> None:
    """JSON Schema's integer includes 3.0, and schemathesis sends it as valid data (P7)."""
    response = api.post("/calls", json={**MINIMAL_REQUEST, "agent_version_number": 3.0})

    assert response.status_code == 201
    assert response.content.count(b'"agent_version_number":3,') == 1


def test_unknown_agent_is_404(api: httpx.Client) -> None:
    response = api.post("/calls", json={**MINIMAL_REQUEST, "agent_id": "agt_unknown"})

    assert error_message(response, 404) == "Agent agt_unknown not found"


def test_unknown_version_is_404_listing_published_versions(api: httpx.Client) -> None:
    response = api.post("/calls", json={**MINIMAL_REQUEST, "agent_version_number": 9})

    assert (
        error_message(response, 404)
        == "Agent agt_abc123 has no version 9. Published versions: 1, 3."
    )


def test_draft_version_is_400(api: httpx.Client) -> None:
    response = api.post("/calls", json={**MINIMAL_REQUEST, "agent_version_number": 2})

    assert error_message(response, 400) == (
        "Version 2 of agent agt_abc123 is a draft. Publish it before placing a call."
    )


class TestAgentWithoutPublishedVersion:
    @pytest.fixture
    def config(self) -> EmulatorConfig:
        drafts_only = Agent("agt_draft", "Drafts", "Hi", {1: False, 2: False})
        return with_default_workspace(agents={"agt_draft": drafts_only})

    def test_is_400_when_no_version_is_pinned(self, api: httpx.Client) -> None:
        response = api.post("/calls", json={**MINIMAL_REQUEST, "agent_id": "agt_draft"})

        assert error_message(response, 400) == (
            "Agent agt_draft has no published version. Publish one before placing a call."
        )

    def test_unknown_version_lists_no_published_versions(self, api: httpx.Client) -> None:
        request = {**MINIMAL_REQUEST, "agent_id": "agt_draft", "agent_version_number": 7}

        response = api.post("/calls", json=request)

        assert error_message(response, 404) == (
            "Agent agt_draft has no version 7. Published versions: none."
        )


def test_caller_id_must_be_owned(api: httpx.Client) -> None:
    response = api.post("/calls", json={**MINIMAL_REQUEST, "from_phone_number": "+912234567899"})

    assert error_message(response, 404) == "Phone number +912234567899 not found in this workspace"


def test_any_owned_number_is_a_valid_caller_id(api: httpx.Client) -> None:
    call = api.post("/calls", json={**MINIMAL_REQUEST, "from_phone_number": "+14155550123"}).json()

    assert call["from_phone_number"] == "+14155550123"


class TestWallet:
    @pytest.fixture
    def config(self) -> EmulatorConfig:
        return with_default_workspace(balance=Decimal("2.5"), call_cost=Decimal("1.25"))

    def test_each_call_debits_its_cost_until_the_balance_cannot_pay(
        self, api: httpx.Client, emulator: Emulator
    ) -> None:
        assert api.post("/calls", json=MINIMAL_REQUEST).status_code == 201
        assert emulator.store.balance("default") == Decimal("1.25")
        assert api.post("/calls", json=MINIMAL_REQUEST).status_code == 201

        refused = api.post("/calls", json=MINIMAL_REQUEST)

        assert error_message(refused, 402) == "Insufficient billing wallet balance"
        assert emulator.store.balance("default") == 0
        assert len(api.get("/calls").json()) == 2  # the refused call was not stored

    def test_refused_requests_cost_nothing(self, api: httpx.Client, emulator: Emulator) -> None:
        api.post("/calls", json={**MINIMAL_REQUEST, "to_phone_number": "+33612345678"})  # 403
        api.post("/calls", json={**MINIMAL_REQUEST, "agent_version_number": 2})  # 400

        assert emulator.store.balance("default") == Decimal("2.5")

    def test_workspaces_have_their_own_wallets(self, api: httpx.Client, acme: httpx.Client) -> None:
        api.post("/calls", json=MINIMAL_REQUEST)
        api.post("/calls", json=MINIMAL_REQUEST)
        assert api.post("/calls", json=MINIMAL_REQUEST).status_code == 402

        acme_call = {"agent_id": "agt_acme_support", "to_phone_number": "+447400123456"}
        assert acme.post("/calls", json=acme_call).status_code == 201
