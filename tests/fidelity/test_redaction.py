"""No key or secret ever reaches a cassette, wherever it travels: in the Authorization header,
another header, the path, the query, a request body, an answer that echoes all of them, a webhook
delivery's body and signature. The target here echoes everything it was sent."""

from __future__ import annotations

import base64
import io
import json
import string
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import yaml
from dialnexa_client.webhooks import sign
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.types import Receive, Scope, Send

from dialnexa_emulator import SyncASGITransport
from dialnexa_emulator._spec import load_spec
from dialnexa_emulator.fidelity import Recorder, RecordOptions

# Visible ASCII a key or secret may hold, quotes and backslashes and URL delimiters included.
# Letters and digits both, as a generated secret has: a plain word ("response") is part of the
# cassette's own vocabulary and could not be told from a leak.
SECRET = st.text(
    alphabet=string.ascii_letters + string.digits + "-_.~+/=!*$&'()@;,%?#[]{}|^`\"\\<>",
    min_size=10,
    max_size=40,
).filter(lambda s: any(c.isdigit() for c in s) and any(c.isalpha() for c in s))
KEY_ID = st.from_regex(r"kid_[a-z0-9]{1,12}", fullmatch=True)


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    """A target that repeats the request in its answer, headers and body."""
    message = await receive()
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
    body = json.dumps(
        {
            "path": scope["path"],
            "query": scope["query_string"].decode("latin-1"),
            "headers": headers,
            "body": message.get("body", b"").decode("utf-8", "replace"),
        }
    ).encode()
    echoed = headers.get("authorization", "").encode("latin-1")
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"x-echo", echoed)],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in (*_strings(key), *_strings(value))]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    return [node] if isinstance(node, str) else []


def _forms(secret: str) -> set[str]:
    return {secret, json.dumps(secret)[1:-1], quote(secret, safe="")}


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    key_id=KEY_ID,
    key_secret=SECRET,
    webhook_secret=SECRET,
    other_secret=SECRET,
    where=st.sets(
        st.sampled_from(["header", "path", "query", "body", "binary", "delivery"]), min_size=1
    ),
    known=st.booleans(),
)
def test_no_secret_reaches_the_cassette(
    tmp_path: Path,
    *,
    key_id: str,
    key_secret: str,
    webhook_secret: str,
    other_secret: str,
    where: set[str],
    known: bool,
) -> None:
    token = f"{key_id}:{key_secret}"
    other = f"kid_other:{other_secret}"  # a key the recorder was not told about
    cassette = tmp_path / f"{abs(hash((token, webhook_secret, other)))}.yaml"
    output = io.StringIO()
    recorder = Recorder(
        RecordOptions(
            target="http://target.test/v1",
            cassette=cassette,
            spec=load_spec(),
            webhook_secret=webhook_secret,
            token=token if known else "",
        ),
        transport=httpx.ASGITransport(echo),
        out=output,
    )
    leaked = [token, key_secret, webhook_secret, other, other_secret]
    with httpx.Client(transport=SyncASGITransport(recorder), base_url="http://recorder") as client:
        for authorization in (token, other):
            headers = {"Authorization": f"Bearer {authorization}"}
            if "header" in where:
                headers["X-Note"] = f"see {key_secret} and {webhook_secret}"
            path = f"/v1/calls/{quote(key_secret, safe='')}" if "path" in where else "/v1/calls"
            params = {"agent_id": key_secret, "status": webhook_secret} if "query" in where else {}
            client.get(path, headers=headers, params=params)
            client.get("/v1/calls", headers=headers)  # recorded, whatever else is refused
            if "body" in where:
                metadata = {"note": f"{key_secret}|{webhook_secret}|{authorization}"}
                client.post(
                    "/v1/calls",
                    headers=headers,
                    json={"agent_id": "agt_1", "to_phone_number": "12", "metadata": metadata},
                )
        if "binary" in where:  # not UTF-8: kept as base64, scrubbed before it is encoded
            client.post("/v1/calls", content=b"\xff\xfe" + key_secret.encode() + b"\x80")
        if "delivery" in where:
            body = json.dumps({"event_type": "call_ended", "note": webhook_secret}).encode()
            client.post(
                "/_fidelity/webhooks",
                content=body,
                headers={"X-DialNexa-Signature": sign(body, webhook_secret)},
            )
    recorder.close()

    text = cassette.read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    assert document["http_interactions"], "nothing was recorded"
    written = [*_strings(document), text, output.getvalue()]
    written += [
        base64.b64decode(item["request"]["body"]["base64_string"]).decode("latin-1")
        for item in document["http_interactions"]
        if "base64_string" in (item["request"].get("body") or {})
    ]
    for secret in leaked:
        for form in _forms(secret):
            assert not any(form in value for value in written), f"{form!r} reached the cassette"
    if "delivery" in where:
        signature = document["http_interactions"][-1]["request"]["headers"]
        assert signature["x-dialnexa-signature"] == ["[redacted]"]
