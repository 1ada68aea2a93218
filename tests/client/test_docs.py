"""The client page (docs/client.md) works as written: its Python blocks run, in order and unchanged,
against the emulator served over loopback; the reconciliation blocks run with a dropped create."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from dialnexa_client.models import Call

from tests.client.conftest import TOKEN

README = Path(__file__).resolve().parents[2] / "docs" / "client.md"


def client_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = re.search(r"<!-- section: client -->(.*?)<!-- /section: client -->", text, flags=re.S)
    assert section, "docs/client.md has no client section"
    return re.findall(r"^```python\n(.*?)^```$", section.group(1), flags=re.S | re.M)


def test_the_client_section_has_examples_of_everything() -> None:
    code = "\n".join(client_blocks())
    for needle in (
        "create_call.sync(",
        "asyncio.run(",
        "except errors.",
        "timeout=",
        "RetryPolicy(",
        "create_call_reconciled(",
        "find_created_call(",
    ):
        assert needle in code, needle


def test_the_client_section_runs(
    served_emulator: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DIALNEXA_BASE_URL", f"{served_emulator}/v1")
    monkeypatch.setenv("DIALNEXA_API_KEY", TOKEN)
    namespace: dict[str, Any] = {"__name__": "readme"}
    for block in client_blocks():
        reconciles = "OutcomeUnknownError" in block or "create_call_reconciled" in block
        if reconciles:  # make the create's outcome unknown: committed, then the connection drops
            fault = {"operation": "createCall", "count": 1, "drop_after_commit": True}
            assert httpx.post(f"{served_emulator}/_emulator/faults", json=fault).status_code == 201
        exec(compile(block, str(README), "exec"), namespace)
        if reconciles:  # the block ends with the call, and exactly one call carries its tag
            call = namespace["call"]
            assert isinstance(call, Call)
            tag = call.to_dict()["metadata"]["correlation_id"]
            listed = namespace["list_calls"].sync(client=namespace["client"], limit=200)
            tagged = [
                c.id for c in listed if c.to_dict().get("metadata", {}).get("correlation_id") == tag
            ]
            assert tagged == [call.id]
    assert "404 ['Call not found']" in capsys.readouterr().out
