"""The client page (docs/client.md) works as written: its Python blocks run, in order and unchanged,
against the emulator served over loopback. Waits move the emulator's clock instead of sleeping; the
reconciliation blocks run with a create whose connection drops after it took effect."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from dialnexa_client import polling
from dialnexa_client.models import Call

from tests.client.conftest import TOKEN

PAGE = Path(__file__).resolve().parents[2] / "docs" / "client.md"
RECONCILING = ("OutcomeUnknownError", "create_call_reconciled(", "correlation_id=")


def client_blocks() -> list[str]:
    text = PAGE.read_text(encoding="utf-8")
    section = re.search(r"<!-- section: client -->(.*?)<!-- /section: client -->", text, flags=re.S)
    assert section, "docs/client.md has no client section"
    return re.findall(r"^```python\n(.*?)^```$", section.group(1), flags=re.S | re.M)


def test_the_client_section_has_examples_of_everything() -> None:
    code = "\n".join(client_blocks())
    for needle in (
        "DialNexa()",
        "with_options(",
        "client.calls.create(",
        "client.calls.get(",
        "client.calls.list(",
        "client.calls.iter(",
        "client.calls.wait(",
        "create_and_wait(",
        "async with AsyncDialNexa",
        "async for",
        "except errors.",
        "RetryPolicy(",
        "extra_headers=",
        "create_call.sync(",
        "create_call_reconciled(",
        "find_created_call(",
        "FrozenClock",
    ):
        assert needle in code, needle


def tagged(root: str, tag: str) -> list[str]:
    """Ids of the calls whose metadata carries correlation id `tag`."""
    calls = httpx.get(
        f"{root}/v1/calls",
        params={"limit": 200},
        headers={"Authorization": f"Bearer {TOKEN}"},
    ).json()
    return [c["id"] for c in calls if (c.get("metadata") or {}).get("correlation_id") == tag]


def test_the_client_section_runs(
    served_emulator: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DIALNEXA_BASE_URL", f"{served_emulator}/v1")
    monkeypatch.setenv("DIALNEXA_API_KEY", TOKEN)

    def advance_the_emulator(_: object, seconds: float) -> None:
        moved = httpx.post(f"{served_emulator}/_emulator/clock/advance", json={"seconds": seconds})
        assert moved.status_code == 200

    monkeypatch.setattr(polling.SystemClock, "advance", advance_the_emulator)
    namespace: dict[str, Any] = {"__name__": "docs"}
    for block in client_blocks():
        reconciles = any(marker in block for marker in RECONCILING)
        if reconciles:  # make the create's outcome unknown: committed, then the connection drops
            fault = {"operation": "createCall", "count": 1, "drop_after_commit": True}
            assert httpx.post(f"{served_emulator}/_emulator/faults", json=fault).status_code == 201
        exec(compile(block, str(PAGE), "exec"), namespace)
        if reconciles:  # the block ends with the call, and exactly one call carries its tag
            call = namespace["final"] if "create_and_wait" in block else namespace["call"]
            assert isinstance(call, Call)
            tag = call.to_dict()["metadata"]["correlation_id"]
            assert tagged(served_emulator, tag) == [call.id]
    out = capsys.readouterr().out
    assert "404 ['Call not found']" in out
    assert "cancelled" in out  # the async block's call
