"""The rules across answers and over time: each is caught by its check on a server that breaks
only it (cross_servers.py), servers using only the freedoms they keep free pass, and the faithful
emulator passes on real time, in process and over HTTP, whatever the seed.
"""

from __future__ import annotations

import re

import pytest

from tests.contract.conftest import QUICK, run_suite
from tests.contract.test_live_verdicts import DEMO_KEY, limited_emulator, run_against
from tests.serving import served

ONLY_CREATE = ("--", "-k", "server_honours and POST")
ONLY_GET = ("--", "-k", "server_honours and call_id")
ONLY_LIST = ("--", "-k", "server_honours and not POST and not call_id")
FLAT = ("--", "-k", "server_honours")


def _app(name: str) -> tuple[str, str]:
    return "--app", f"tests.contract.cross_servers:{name}"


@pytest.mark.parametrize(
    ("variant", "selection", "operation", "check", "detail"),
    [
        (
            "forgets_metadata_once_ended",
            FLAT,
            "listCalls",
            "calls_keep_what_they_were_created_with",
            "metadata is {}, it was",
        ),
        (
            "list_rounds_created_at_down",
            ONLY_LIST,
            "listCalls",
            "ListAgreesWithGet",
            "created_at: listCalls says",
        ),
        (
            "unfiltered_list_lags",
            ONLY_CREATE,
            "createCall",
            "CreatedCallsCanBeFound",
            "an unfiltered listCalls made after the create does not show it",
        ),
        (
            "forgets_calls_after_a_minute",
            ONLY_CREATE,
            "createCall",
            "CreatedCallsCanBeFound",
            "a created call stays readable",
        ),
        (
            "status_filter_takes_the_first_value",
            ONLY_LIST,
            "listCalls",
            "ListFiltersReturnEveryMatch",
            "which it matches",
        ),
        (
            "combined_filters_take_the_first_status",
            ONLY_LIST,
            "listCalls",
            "ListFiltersReturnEveryMatch",
            "& agent_id=",
        ),
        ("local_time_labelled_utc", ONLY_CREATE, "createCall", "times_are_utc", "not UTC?"),
        (
            "duration_longer_than_the_call",
            ONLY_LIST,
            "listCalls",
            "duration_fits_the_call",
            "is longer than the call's",
        ),
        (
            "page_past_the_end_is_400",
            ONLY_LIST,
            "listCalls",
            "PagePastTheEndIsEmpty",
            "not 200 with []",
        ),
    ],
)
def test_a_server_contradicting_itself_fails_the_rules_check(
    variant: str, selection: tuple[str, ...], operation: str, check: str, detail: str
) -> None:
    run = run_suite(*_app(variant), "--only", "server", *QUICK, *selection)
    assert run.returncode == 1, run.output
    assert run.names(operation, check), f"{operation} . {check} not reported:\n{run.output}"
    assert detail in run.output, run.output


@pytest.mark.parametrize("seed", ["7", "8", "9"])
def test_the_emulator_on_real_time_conforms_in_repeated_runs(seed: str) -> None:
    run = run_suite(*_app("real_time"), "--seed", seed, "--max-examples", "5")
    assert run.returncode == 0, run.output
    assert "FAILED" not in run.output


def test_calls_placed_by_other_clients_meanwhile_are_free() -> None:
    run = run_suite(*_app("other_clients_place_calls"), "--only", "server", *QUICK)
    assert run.returncode == 0, run.output


def test_the_emulator_on_real_time_over_http_conforms() -> None:
    """Served, calls move in real time between the suite's requests (nobody moves the clock)."""
    from tests.contract.cross_servers import real_time

    run = run_against(real_time(), "--only", "server")
    assert run.returncode == 0, run.output


@pytest.mark.parametrize(
    ("variant", "check", "said"),
    [
        ("webhook_second_call_ended_differs", "webhook_lifecycle_order", "2 call_ended, not one"),
        ("webhook_ghost_events", "webhook_agrees_with_getCall", "a call getCall does not find"),
        (
            "webhook_initiated_before_created",
            "webhook_agrees_with_getCall",
            "before created_at",
        ),
    ],
)
def test_deliveries_disagreeing_with_the_server_fail(variant: str, check: str, said: str) -> None:
    run = run_suite(*_app(variant), "--only", "webhooks")
    assert run.returncode == 1, run.output
    failed = re.findall(r"^  (webhook_\w+)\s+FAILED", run.output, flags=re.M)
    assert failed == [check], run.output
    assert said in run.output


@pytest.mark.parametrize(
    "variant",
    ["webhook_identical_redelivery", "webhook_other_clients_calls", "webhook_new_event_type"],
)
def test_deliveries_using_only_freedoms_pass(variant: str) -> None:
    run = run_suite(*_app(variant), "--only", "webhooks")
    assert run.returncode == 0, run.output


def test_a_429_without_the_headers_the_spec_requires_is_a_failure_not_a_wait() -> None:
    """The gateway waits out only the 429 the spec describes; this server's 429s lack Retry-After
    and the X-RateLimit-* headers (its other answers too), so the checks get them and say so."""

    class Bare429:
        def __init__(self) -> None:
            self.app = limited_emulator(requests=20, window_sec=60)

        async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
            async def strip(message):  # type: ignore[no-untyped-def]
                if message["type"] == "http.response.start":
                    message = {
                        **message,
                        "headers": [
                            (k, v)
                            for k, v in message["headers"]
                            if not k.startswith((b"x-ratelimit", b"retry-after"))
                        ],
                    }
                await send(message)

            await self.app(scope, receive, strip)

    with served(Bare429()) as root:
        run = run_suite(
            "--base-url", f"{root}/v1", *QUICK, "--only", "server", *ONLY_LIST, env=DEMO_KEY
        )
    assert run.returncode == 1, run.output
    assert run.names("listCalls", "too_many_requests_as_specified"), run.output
    assert "no retry-after header, which the spec requires on a 429" in run.output
    judged = re.search(
        r"(\d+) other 429\(s\) judged by the checks; ([\d.]+)s spent waiting", run.output
    )
    assert judged and int(judged[1]) > 0 and float(judged[2]) == 0, run.output
