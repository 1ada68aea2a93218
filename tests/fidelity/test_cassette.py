"""Cassettes read back as written, and a cassette schemathesis wrote (`--report vcr`) replays."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from dialnexa_emulator.fidelity import (
    Cassette,
    CassetteError,
    Exchange,
    read_cassette,
    replay,
    write_cassette,
)

# As schemathesis' VcrWriter writes one interaction (sanitized headers, no x-dialnexa).
SCHEMATHESIS_CASSETTE = """\
command: 'st run openapi.yaml --url http://127.0.0.1:8000/v1 --report vcr'
recorded_with: 'Schemathesis 4.32.5'
seed: 1234
http_interactions:
- id: '1'
  status: 'SUCCESS'
  metadata: null
  recorded_at: '2024-03-01T10:00:00+00:00'
  checks: []
  request:
    uri: 'http://127.0.0.1:8000/v1/calls?limit=1'
    method: 'GET'
    headers:
      "Authorization":
      - "[Filtered]"
  response:
    status:
      code: '200'
      message: "OK"
    elapsed: '0.002'
    headers:
      "content-type":
      - "application/json"

    body:
      encoding: 'utf-8'
      string: "[]"
    http_version: '1.1'
- id: '2'
  status: 'SUCCESS'
  metadata: null
  recorded_at: '2024-03-01T10:00:01+00:00'
  checks: []
  request:
    uri: 'http://127.0.0.1:8000/v1/calls/call_nothere'
    method: 'GET'
    headers:
      "Authorization":
      - "[Filtered]"
  response:
    status:
      code: '404'
      message: "Not Found"
    elapsed: '0.002'
    headers:
      "content-type":
      - "application/json"

    body:
      encoding: 'utf-8'
      string: '{"statusCode":404,"message":"Call not found","error":"Not Found"}'
    http_version: '1.1'
"""


def test_a_cassette_reads_back_as_written(tmp_path: Path) -> None:
    exchange = Exchange(
        kind="api",
        method="POST",
        uri="https://sandbox.example/v1/calls",
        request_headers={"content-type": ["application/json"]},
        request_body='{"agent_id": "agt_1", "note": "multi\\nline \\u00e9"}',
        status=201,
        reason="Created",
        response_headers={"content-type": ["application/json"]},
        response_body='{"id": "call_1"}',
        offset_sec=12.5,
        recorded_at="2024-03-01T10:00:12.500Z",
        operation="createCall",
        auth="other-key",
        checks=[{"name": "response_conformance", "status": "FAILURE", "message": "x: wrong"}],
        gaps=["createCall 201: field y, which the spec does not declare"],
    )
    path = tmp_path / "c.yaml"
    write_cassette(
        path, Cassette("https://sandbox.example/v1", "2024-03-01T10:00:00.000Z", [exchange])
    )

    read = read_cassette(path)

    assert read.exchanges == [exchange]
    assert (read.target, read.started_at) == (
        "https://sandbox.example/v1",
        "2024-03-01T10:00:00.000Z",
    )
    assert exchange.off_spec == ["x: wrong"]


def test_a_body_that_is_not_utf8_is_kept_byte_for_byte(tmp_path: Path) -> None:
    raw = b'{"agent_id": "\xff\xfe"}'
    exchange = Exchange(
        kind="api",
        method="POST",
        uri="https://sandbox.example/v1/calls",
        request_headers={},
        request_body=base64.b64encode(raw).decode(),
        status=400,
        reason="Bad Request",
        response_headers={},
        response_body=None,
        offset_sec=0,
        request_base64=True,
    )
    path = tmp_path / "c.yaml"
    write_cassette(path, Cassette("https://sandbox.example/v1", "", [exchange]))

    (read,) = read_cassette(path).exchanges

    assert read.request_bytes() == raw
    assert "base64_string" in path.read_text(encoding="utf-8")  # as schemathesis writes bytes


def test_a_schemathesis_cassette_replays(tmp_path: Path) -> None:
    path = tmp_path / "schemathesis.yaml"
    path.write_text(SCHEMATHESIS_CASSETTE, encoding="utf-8")

    result = replay(read_cassette(path))

    assert [c.operation for c in result.comparisons] == ["listCalls", "getCall"]
    assert result.score == 1.0


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("[1, 2]", "not a cassette (no http_interactions)"),
        ("http_interactions: 3", "http_interactions is not a list"),
        ("http_interactions:\n- id: '1'\n", "interaction 1 is not one replay can use"),
        ("a: [", "cannot read the cassette"),
    ],
)
def test_a_file_that_is_not_a_cassette_is_one_line(
    tmp_path: Path, text: str, complaint: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(CassetteError) as refused:
        read_cassette(path)

    assert complaint in str(refused.value)
    assert "\n" not in str(refused.value)
