"""Issue 19: the control plane trusts only its own origin. A Host it does not serve, a cross-site
request and a writing request with a body that is not JSON are refused in the envelope, with a
reason; a token can be required. In process any Host is accepted: no network request reaches it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette

from dialnexa_emulator import Emulator, mock_dialnexa
from dialnexa_emulator._config import ControlPlaneSettings, default_config, parse_config
from dialnexa_emulator._emulator import served_hosts
from dialnexa_emulator.app import create_app
from dialnexa_emulator.testing._transport import SyncASGITransport
from tests.emulator.conftest import MINIMAL_REQUEST, api_client, error_message

TOKEN = "team-token-0123456789"
EVIL = "http://evil.example"


@pytest.fixture
def with_a_call(api: httpx.Client, emulator: Emulator) -> Emulator:
    assert api.post("/calls", json=MINIMAL_REQUEST).status_code == 201
    return emulator


def survived(emulator: Emulator) -> bool:
    return len(list(emulator.calls())) == 1


class TestCrossSite:
    @pytest.mark.parametrize(
        "headers",
        [
            {"Origin": EVIL},
            {"Origin": "null"},  # a sandboxed frame, a file:// page
            {"Origin": "http://emulator:8080"},  # another port of the same host
            {"Origin": "https://emulator"},  # another scheme
            {"Sec-Fetch-Site": "cross-site"},
            {"Sec-Fetch-Site": "same-site"},  # another port on 127.0.0.1 is the same site
            {"Origin": "http://emulator", "Sec-Fetch-Site": "same-site"},
        ],
    )
    def test_a_cross_site_reset_is_403_and_calls_survive(
        self, control: httpx.Client, with_a_call: Emulator, headers: dict[str, str]
    ) -> None:
        response = control.post("/reset", headers=headers)

        message = error_message(response, 403)
        assert str(message).startswith("The emulator's control plane refuses a ")
        assert "use it from its own origin" in str(message)
        assert survived(with_a_call)

    def test_reads_from_another_origin_are_refused_too(self, control: httpx.Client) -> None:
        assert control.get("/calls", headers={"Origin": EVIL}).status_code == 403

    @pytest.mark.parametrize(
        "headers",
        [
            {"Origin": "http://emulator"},
            {"Origin": "http://EMULATOR:80"},
            {"Sec-Fetch-Site": "same-origin"},
            {"Sec-Fetch-Site": "none"},  # typed into the address bar
        ],
    )
    def test_its_own_origin_is_welcome(
        self, control: httpx.Client, with_a_call: Emulator, headers: dict[str, str]
    ) -> None:
        assert control.post("/reset", headers=headers).status_code == 204
        assert not survived(with_a_call)


class TestBodies:
    @pytest.mark.parametrize(
        ("content_type", "body"),
        [
            ("application/x-www-form-urlencoded", b"a=b"),  # a plain HTML form
            ("multipart/form-data; boundary=x", b"--x--\r\n"),
            ("text/plain", b"{}"),  # fetch(..., {mode: "no-cors"}) sends JSON this way
            ("text/plain", b""),
        ],
    )
    def test_a_form_reset_is_415_and_calls_survive(
        self, control: httpx.Client, with_a_call: Emulator, content_type: str, body: bytes
    ) -> None:
        response = control.post("/reset", content=body, headers={"Content-Type": content_type})

        media_type = content_type.partition(";")[0]
        assert error_message(response, 415) == (
            "The control plane reads JSON bodies only (Content-Type: application/json), "
            f"not {media_type!r}"
        )
        assert survived(with_a_call)

    def test_a_body_without_a_content_type_is_415(
        self, control: httpx.Client, with_a_call: Emulator
    ) -> None:
        response = control.post("/reset", content=b"x=1")

        assert error_message(response, 415) == (
            "A body sent to the control plane needs Content-Type: application/json"
        )
        assert survived(with_a_call)

    def test_no_body_or_json_is_welcome(self, control: httpx.Client) -> None:
        assert control.post("/reset").status_code == 204
        json_reset = control.post(
            "/reset", content=b"", headers={"Content-Type": "application/json; charset=utf-8"}
        )
        assert json_reset.status_code == 204
        assert control.delete("/faults").status_code == 204


class TestHost:
    @pytest.fixture
    def served(self, emulator: Emulator) -> Emulator:
        """As `dialnexa-emulator --host 127.0.0.1 --allow-host box.lan` sets it."""
        emulator.control_hosts = served_hosts("127.0.0.1", ["Box.LAN"])
        return emulator

    @pytest.mark.parametrize(
        "host",
        [
            "evil.example.com",
            "evil.example.com:8000",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "box.lan.evil",
            "",
        ],
    )
    def test_a_host_it_does_not_serve_is_403(
        self, app: Starlette, served: Emulator, host: str
    ) -> None:
        with raw_client(app) as client:
            response = client.get("/_emulator/health", headers={"Host": host})

        message = error_message(response, 403)
        assert message == (
            f"The emulator's control plane does not answer for Host {host!r}; it answers for "
            "127.0.0.1, ::1, box.lan, localhost (add one with --allow-host)"
        )

    @pytest.mark.parametrize(
        "host",
        ["127.0.0.1:8000", "localhost", "LOCALHOST:1", "[::1]:8000", "127.0.0.2", "box.lan:80"],
    )
    def test_loopback_and_allowed_hosts_are_welcome(
        self, app: Starlette, served: Emulator, host: str
    ) -> None:
        with raw_client(app) as client:
            assert client.get("/_emulator/health", headers={"Host": host}).status_code == 200

    def test_the_api_answers_for_any_host(self, app: Starlette, served: Emulator) -> None:
        with raw_client(app) as client:
            response = client.get("/v1/calls", headers={"Host": "evil.example.com"})
        assert response.status_code == 401  # its keys guard it, not its Host

    def test_in_process_any_host_is_welcome(self, app: Starlette) -> None:
        assert app.state.emulator.control_hosts is None
        with raw_client(app) as client:
            assert client.get("/_emulator/health", headers={"Host": "emulator"}).status_code == 200

    def test_mock_dialnexa_reaches_its_control_plane_at_api_dialnexa_com(self) -> None:
        with mock_dialnexa() as emulator:
            response = httpx.post(f"{emulator.control_url}/reset")
        assert emulator.control_url == "https://api.dialnexa.com/_emulator"
        assert response.status_code == 204


class TestToken:
    @pytest.fixture
    def guarded(self) -> Iterator[Starlette]:
        config = dataclasses.replace(
            default_config(), control_plane=ControlPlaneSettings(token=TOKEN)
        )
        yield create_app(config)

    @pytest.mark.parametrize(
        "authorization",
        [None, "Bearer wrong-token-0123456789", f"Basic {TOKEN}", "Bearer", "Bearer \xfc"],
    )
    def test_without_its_token_it_is_401(
        self, guarded: Starlette, authorization: str | None
    ) -> None:
        headers = {b"authorization": authorization.encode("latin-1")} if authorization else {}
        with api_client(guarded, key=None, base_url="http://emulator/_emulator") as control:
            response = control.post("/reset", headers=headers)

        assert error_message(response, 401) == (
            "The emulator's control plane needs its token: Authorization: Bearer <token> "
            "(--control-token or [control_plane] token)"
        )
        assert response.headers["WWW-Authenticate"].startswith("Bearer ")

    def test_with_it_every_route_answers(self, guarded: Starlette) -> None:
        with api_client(guarded, key=TOKEN, base_url="http://emulator/_emulator") as control:
            assert control.get("/health").status_code == 200
            assert control.post("/reset").status_code == 204

    def test_the_token_never_reaches_the_journal(self, guarded: Starlette) -> None:
        with api_client(guarded) as api:
            api.get("/calls", headers={"X-Debug": TOKEN}, params={"t": TOKEN})
        entries = guarded.state.emulator.journal.entries()
        assert TOKEN not in str(entries)

    def test_the_config_file_sets_it(self) -> None:
        text = (
            '[control_plane]\ntoken = "short"\n[[workspaces]]\nid = "w"\n'
            'numbers = ["+912234567890"]\napi_keys = [{id = "k", secret = "s"}]\n'
        )
        with pytest.raises(ValueError, match=r"t.toml: control_plane.token"):
            parse_config(text, source="t.toml")
        config = parse_config(text.replace('"short"', f'"{TOKEN}"'), source="t.toml")
        assert config.control_plane.token == TOKEN


def raw_client(app: Starlette) -> httpx.Client:
    """A client with no response checks, for answers the control plane's description lacks."""
    return httpx.Client(transport=SyncASGITransport(app), base_url="http://emulator")
