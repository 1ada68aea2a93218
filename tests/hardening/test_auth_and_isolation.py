"""Auth and isolation: a failed key check tells nothing (not which key ids exist, not by timing),
another workspace's call is indistinguishable from none, and no key is ever logged."""

from __future__ import annotations

import hmac
from collections.abc import Callable

import httpx
import pytest

from dialnexa_emulator import load_config
from dialnexa_emulator._auth import KeyRing
from dialnexa_emulator._errors import ApiError
from tests.hardening import raw_http
from tests.hardening.conftest import CANARY_SECRET, CREATE, FOUR_WORKSPACES, KEYS, bearer
from tests.hardening.emulator_process import EmulatorProcess
from tests.hardening.raw_http import RawResponse

FAILED_AUTHORIZATIONS = {
    "unknown key id": b"Bearer kid_nobody:sk_north_secret",
    "wrong secret": b"Bearer kid_north:sk_wrong",
    "another key's secret": b"Bearer kid_north:sk_east_secret",
    "key id only": b"Bearer kid_north",
    "empty secret": b"Bearer kid_north:",
    "wrong scheme": b"Basic kid_north:sk_north_secret",
    "no scheme": b"kid_north:sk_north_secret",
    "empty": b"",
}


Seen = tuple[int, frozenset[tuple[str, str]], bytes]


def without_date(answer: RawResponse) -> Seen:
    """Everything a client sees, but the clock."""
    # Date and X-Request-Id differ on every answer by design; everything else must not.
    varying = ("date", "x-request-id")
    headers = frozenset((n, v) for n, v in answer.headers.items() if n not in varying)
    return answer.status_code, headers, answer.content


def test_every_failed_key_check_is_the_same_401_byte_for_byte(served: EmulatorProcess) -> None:
    answers = {
        case: without_date(
            raw_http.exchange(
                served.port, raw_http.request("GET", b"/v1/calls", authorization=authorization)
            )
        )
        for case, authorization in FAILED_AUTHORIZATIONS.items()
    }

    assert len(set(answers.values())) == 1, answers
    status, _, body = answers["unknown key id"]
    assert status == 401
    assert (
        body
        == b'{"statusCode":401,"message":"API key is missing or invalid","error":"Unauthorized"}'
    )


def test_another_workspaces_call_is_the_same_404_as_no_call(served: EmulatorProcess) -> None:
    with httpx.Client(base_url=served.api, headers=bearer("north"), timeout=30) as north:
        theirs = north.post("/calls", json=CREATE).json()["id"]
    nobodys = theirs[:5] + "0" * (len(theirs) - 5)  # well-formed, as long, never issued

    def as_east(call_id: str) -> Seen:
        request = raw_http.request(
            "GET", f"/v1/calls/{call_id}".encode(), authorization=f"Bearer {KEYS['east']}".encode()
        )
        return without_date(raw_http.exchange(served.port, request))

    assert as_east(theirs) == as_east(nobodys)
    assert as_east(theirs)[0] == 404
    with httpx.Client(base_url=served.api, headers=bearer("east"), timeout=30) as east:
        assert theirs not in [call["id"] for call in east.get("/calls").json()]


@pytest.mark.parametrize(
    "token",
    [KEYS["north"], "kid_north:sk_wrong", "kid_nobody:sk_north_secret", "kid_n:x", ""],
    ids=["valid", "wrong secret", "unknown id", "short", "empty"],
)
def test_a_key_check_compares_every_key_in_full_whatever_the_token(
    token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Constant time by construction: every key's digest is compared, with hmac.compare_digest,
    to a digest of the same length, for a valid, a wrong and an unknown key alike."""
    keys = KeyRing(key for w in load_config(FOUR_WORKSPACES).workspaces for key in w.api_keys)
    compared: list[tuple[int, int]] = []
    real_compare: Callable[[bytes, bytes], bool] = hmac.compare_digest

    def counting_compare(a: bytes, b: bytes) -> bool:
        compared.append((len(a), len(b)))
        return real_compare(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting_compare)
    try:
        keys.authenticate(f"Bearer {token}")
    except ApiError as error:
        assert error.status == 401

    assert compared == [(32, 32)] * len(KEYS)


def test_keys_are_never_logged() -> None:
    """The banner shows the first workspace's key, on purpose; no other key, right or wrong, and
    no key after the banner, whatever is sent: good, bad and hostile requests. (Requests are not
    logged at all; uvicorn warns about unparsable ones, without their headers.)"""
    wrong = "kid_canary:sk_wrong_guess_5Jm2"
    with EmulatorProcess("--config", FOUR_WORKSPACES) as emulator:
        with httpx.Client(base_url=emulator.api, timeout=30) as client:
            for token in (KEYS["canary"], wrong):
                headers = {"Authorization": f"Bearer {token}"}
                client.post("/calls", json=CREATE, headers=headers)
                client.get("/calls/call_nope", headers=headers)
                client.post("/calls", content=b"{", headers=headers)
                client.get("/calls", headers={**headers, "X-Padding": "a" * 100_000})
        for token in (KEYS["canary"], wrong):
            authorization = f"Bearer {token}".encode()
            raw_http.exchange(  # unparsable: uvicorn logs a warning about it
                emulator.port,
                raw_http.request("GET", b"/v1/calls", b"X-A: \x01", authorization=authorization),
            )
        emulator.stop()

    banner_end = emulator.stdout.index("Press Ctrl+C to stop.")
    after_banner = "\n".join([*emulator.stdout[banner_end + 1 :], *emulator.stderr])
    assert "Invalid HTTP request received" in after_banner  # the log did see these requests
    everything = emulator.output()
    for secret in (CANARY_SECRET, wrong, "sk_east_secret", "sk_west_secret"):
        assert secret not in everything
    for token in KEYS.values():
        assert token.partition(":")[2] not in after_banner
