"""examples/webhook-receiver/receiver.py, the receiver docs/webhooks.md shows, served by uvicorn and
sent the emulator's deliveries: genuine ones are acted on and acknowledged, forged ones refused."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest
from dialnexa_client import DialNexa

from dialnexa_emulator import mock_dialnexa
from tests.serving import served

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "webhook-receiver" / "receiver.py"
PAGE = ROOT / "docs" / "webhooks.md"
SECRET = "whsec_example"


def test_the_docs_show_the_example_as_it_is() -> None:
    blocks = re.findall(r"^```python\n(.*?)^```$", PAGE.read_text(encoding="utf-8"), re.S | re.M)
    assert EXAMPLE.read_text(encoding="utf-8") in blocks


def test_the_receiver_acts_on_genuine_deliveries_and_refuses_forged_ones(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DIALNEXA_WEBHOOK_SECRET", SECRET)
    app = runpy.run_path(str(EXAMPLE))["app"]
    with served(app) as root, mock_dialnexa() as emulator:
        emulator.webhooks.add_endpoint(f"{root}/webhooks/dialnexa", SECRET, retries=0)
        emulator.webhooks.add_fault("wrong_signature", event="call_initiated")
        with DialNexa(api_key=emulator.api_key) as client:
            call = client.calls.create(agent_id="agt_abc123", to_phone_number="+919876500002")
        emulator.clock.advance(60)
        emulator.webhooks.flush()

        forged, genuine = emulator.webhooks.deliveries(call_id=call.id)
    assert [a.status_code for a in forged.attempts] == [400]
    assert [a.status_code for a in genuine.attempts] == [204]
    assert capsys.readouterr().out == f"{call.id} ended: hangup, user_busy\n"
