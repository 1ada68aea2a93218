"""Fixtures for the emulator's tests: an app on a frozen clock and clients that check the spec.

Every API response any test receives is checked against openapi.yaml (documented status, body
schema, required headers, DialNexa's timestamp format), so each test also proves conformance.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from dialnexa_emulator import Emulator, EmulatorConfig, FrozenClock, SyncASGITransport, create_app
from dialnexa_emulator import default_config as embedded_default_config
from tests.conftest import load_spec, validator_factory

DEMO_KEY = "kid_demo:sk_demo_secret"
ACME_KEY = "kid_acme:sk_acme_secret"
API = "http://emulator/v1"
MINIMAL_REQUEST: dict[str, Any] = {"agent_id": "agt_abc123", "to_phone_number": "+919876543210"}

SPEC = load_spec()
VALIDATOR_AT = validator_factory(SPEC)
DIALNEXA_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z")
_TEMPLATES = [
    (re.compile("/v1" + re.sub(r"\{[^}]+\}", "[^/]+", path) + r"\Z"), path)
    for path in SPEC["paths"]
]


def _pointer(*tokens: str) -> str:
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)


def _follow(pointer: str) -> tuple[str, dict[str, Any]]:
    node: Any = SPEC
    for token in pointer.lstrip("/").split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    if "$ref" in node:
        return _follow(node["$ref"][1:])
    return pointer, node


def check_against_spec(response: httpx.Response) -> None:
    """Fail unless the API response is one openapi.yaml documents, body and headers."""
    request = response.request
    if not request.url.path.startswith("/v1/") or request.method == "HEAD":
        return  # the control plane is not DialNexa's API; HEAD has no body to check
    response.read()
    body = response.json()
    template = next((t for regex, t in _TEMPLATES if regex.match(request.url.path)), None)
    method = request.method.lower()
    if template is None or method not in SPEC["paths"][template]:
        assert response.status_code in (404, 405), response.text
        assert not list(VALIDATOR_AT("/components/schemas/Error").iter_errors(body))
        return
    operation = _pointer("paths", template, method)
    documented = SPEC["paths"][template][method]["responses"]
    assert str(response.status_code) in documented, f"undocumented {response.status_code}"
    response_pointer, spec_response = _follow(f"{operation}/responses/{response.status_code}")
    schema_pointer = f"{response_pointer}/content/application~1json/schema"
    errors = [e.message for e in VALIDATOR_AT(schema_pointer).iter_errors(body)]
    assert not errors, f"{response.status_code} body breaks the spec: {errors}: {body}"
    for name, header_or_ref in spec_response.get("headers", {}).items():
        header_pointer, header = (
            _follow(header_or_ref["$ref"][1:])
            if "$ref" in header_or_ref
            else (f"{response_pointer}/headers/{_pointer(name)[1:]}", header_or_ref)
        )
        if name not in response.headers:
            assert not header.get("required"), f"required header {name} missing"
            continue
        value: Any = response.headers[name]
        if header["schema"].get("type") == "integer":
            assert value.isdigit(), f"{name} is not an integer: {value}"
            value = int(value)
        errors = [e.message for e in VALIDATOR_AT(f"{header_pointer}/schema").iter_errors(value)]
        assert not errors, f"header {name} breaks the spec: {errors}"
    for call in body if isinstance(body, list) else [body]:
        for field in ("created_at", "ended_at"):
            if isinstance(call, dict) and call.get(field) is not None:
                assert DIALNEXA_TIME.match(call[field]), call[field]


CONTROL_PLANE = create_app().state.emulator.control.document
CONTROL_VALIDATOR_AT = validator_factory(CONTROL_PLANE)
_CONTROL_TEMPLATES = [
    (re.compile("/_emulator" + re.sub(r"\{[^}]+\}", "[^/]+", path) + r"\Z"), path)
    for path in CONTROL_PLANE["paths"]
]


def check_against_control_plane(response: httpx.Response) -> None:
    """Fail unless a control-plane response is one control_plane.yaml documents, with its body."""
    request = response.request
    if not request.url.path.startswith("/_emulator/") or request.method == "HEAD":
        return
    response.read()
    template = next((t for regex, t in _CONTROL_TEMPLATES if regex.match(request.url.path)), None)
    method = request.method.lower()
    if template is None or method not in CONTROL_PLANE["paths"][template]:
        assert response.status_code in (404, 405), response.text
        return
    documented = CONTROL_PLANE["paths"][template][method]["responses"]
    if response.status_code == 404 and "404" not in documented:  # --control-plane off
        assert response.json()["message"].startswith("Cannot ")
        return
    if response.status_code == 500:  # a bug, in the envelope as the description's intro says
        assert response.json() == {**response.json(), "statusCode": 500}
        return
    assert str(response.status_code) in documented, f"undocumented {response.status_code}"
    pointer = _pointer("paths", template, method, "responses", str(response.status_code))
    node = documented[str(response.status_code)]
    if "$ref" in node:
        pointer = node["$ref"][1:]
        node = CONTROL_PLANE["components"]["responses"][pointer.rsplit("/", 1)[1]]
    if "content" not in node:
        assert response.content == b"", response.text
        return
    schema_pointer = f"{pointer}/content/application~1json/schema"
    body = response.json()
    errors = [e.message for e in CONTROL_VALIDATOR_AT(schema_pointer).iter_errors(body)]
    assert not errors, f"{response.status_code} body breaks control_plane.yaml: {errors}: {body}"


def api_client(app: Starlette, key: str | None = DEMO_KEY, base_url: str = API) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(
        transport=SyncASGITransport(app),
        base_url=base_url,
        headers=headers,
        event_hooks={"response": [check_against_spec, check_against_control_plane]},
    )


def error_message(response: httpx.Response, status: int) -> str | list[str]:
    """The message of a DialNexa error envelope with this status."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["statusCode"] == status
    message: str | list[str] = body["message"]
    return message


def with_default_workspace(**changes: Any) -> EmulatorConfig:
    """The embedded config with the `default` workspace changed."""
    config = embedded_default_config()
    first, *others = config.workspaces
    return dataclasses.replace(config, workspaces=(dataclasses.replace(first, **changes), *others))


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def config() -> EmulatorConfig:
    """Override in a test module (or parametrize) to run on another config."""
    return embedded_default_config()


@pytest.fixture
def app(config: EmulatorConfig, clock: FrozenClock) -> Starlette:
    return create_app(config, clock=clock)


@pytest.fixture
def emulator(app: Starlette) -> Emulator:
    handle: Emulator = app.state.emulator
    return handle


@pytest.fixture
def api(app: Starlette) -> Iterator[httpx.Client]:
    with api_client(app) as client:
        yield client


@pytest.fixture
def acme(app: Starlette) -> Iterator[httpx.Client]:
    with api_client(app, ACME_KEY) as client:
        yield client


@pytest.fixture
def control(app: Starlette) -> Iterator[httpx.Client]:
    with api_client(app, key=None, base_url="http://emulator/_emulator") as client:
        yield client
