"""The reconciliation recipe's parts: tagging a create, and paging listCalls to find it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from dialnexa_client import errors
from dialnexa_client.api.calls import CORRELATION_KEY, correlated, find_created_call
from dialnexa_client.models import CreateCallRequest, Metadata
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.client.conftest import AGENT, CALL, DESTINATION, Script

BODY = CreateCallRequest(agent_id=AGENT, to_phone_number=DESTINATION)
PAGE = 200


def test_correlated_adds_the_value_and_keeps_the_rest() -> None:
    body = CreateCallRequest(
        agent_id=AGENT,
        to_phone_number=DESTINATION,
        metadata=Metadata.from_dict({"customer_name": "Priya"}),
    )
    tagged = correlated(body, "order-1")
    assert tagged.to_dict()["metadata"] == {"customer_name": "Priya", CORRELATION_KEY: "order-1"}
    assert body.to_dict()["metadata"] == {"customer_name": "Priya"}  # a copy; the original is kept
    assert correlated(BODY, "x", key="ref").to_dict()["metadata"] == {"ref": "x"}


def test_an_untagged_request_cannot_be_looked_up() -> None:
    with pytest.raises(ValueError, match="no correlation value"):
        find_created_call(client=Script().client(), body=BODY)


def listing(calls: list[dict[str, Any]]) -> Script:
    """A listCalls server over `calls` (newest first), as many pages as asked for."""

    def page(request: httpx.Request) -> httpx.Response:
        assert request.url.params["agent_id"] == AGENT
        assert request.url.params["to_phone_number"] == DESTINATION
        number, limit = int(request.url.params["page"]), int(request.url.params["limit"])
        return httpx.Response(200, json=calls[(number - 1) * limit : number * limit])

    return Script(*[page] * 20)


@settings(max_examples=25, deadline=None)
@given(total=st.integers(0, 3 * PAGE + 5), data=st.data())
def test_find_created_call_pages_until_it_finds_the_call_or_the_end(
    total: int, data: st.DataObject
) -> None:
    target = data.draw(st.none() | st.integers(0, total - 1) if total else st.none())
    calls = [
        {
            **CALL,
            "id": f"call_{i}",
            "metadata": {CORRELATION_KEY: "mine" if i == target else f"o{i}"},
        }
        for i in range(total)
    ]
    script = listing(calls)

    found = find_created_call(client=script.client(), body=correlated(BODY, "mine"))

    if target is None:
        assert found is None
        assert len(script.requests) == total // PAGE + 1  # up to the first short page
    else:
        assert found is not None and found.id == f"call_{target}"
        assert len(script.requests) == target // PAGE + 1


def test_find_created_call_refuses_to_guess_past_max_pages() -> None:
    calls = [{**CALL, "id": f"call_{i}"} for i in range(2 * PAGE)]
    with pytest.raises(errors.ReconciliationLimitError, match="max_pages") as caught:
        find_created_call(
            client=listing(calls).client(), body=correlated(BODY, "mine"), max_pages=2
        )
    assert isinstance(caught.value, LookupError)  # as before 2.0.0
