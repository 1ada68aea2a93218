"""The contract suite passes against the real emulator and fails, naming the operation and the
check, against servers that deviate from the spec the way real ones do (broken_servers.py).

Each run is narrowed to the operation that deviates, so these stay quick.
"""

from __future__ import annotations

import re

import pytest

from tests.contract.conftest import QUICK, run_suite

ONLY_CREATE = ("--", "-k", "server_honours and POST")
ONLY_GET = ("--", "-k", "server_honours and call_id")
ONLY_LIST = ("--", "-k", "server_honours and not POST and not call_id")
ALL_FLAT = ("--", "-k", "server_honours")
SCENARIOS = ("--", "-k", "Workflow")


def test_the_real_emulator_conforms() -> None:
    run = run_suite(*QUICK)
    assert run.returncode == 0, run.output
    assert "conforms" in run.output
    assert "FAILED" not in run.output
    for part in ("server:", "client:", "client-server:"):
        assert part in run.output  # every part ran and is in the table


@pytest.mark.parametrize(
    ("variant", "selection", "expected"),
    [
        ("undocumented_status", ONLY_GET, [("getCall", "status_code_conformance")]),
        (
            "malformed_calls",
            ALL_FLAT,
            [
                ("createCall", "response_schema_conformance"),
                ("listCalls", "response_schema_conformance"),
            ],
        ),
        ("wrong_content_type", ONLY_CREATE, [("createCall", "content_type_conformance")]),
        ("ignores_auth", ONLY_LIST, [("listCalls", "ignored_auth")]),
        ("accepts_invalid_input", ONLY_CREATE, [("createCall", "negative_data_rejection")]),
        ("server_error", ONLY_LIST, [("listCalls", "not_a_server_error")]),
        ("errors_outside_the_envelope", ONLY_GET, [("getCall", "response_schema_conformance")]),
        (
            "forgetful",
            ONLY_CREATE,
            [
                ("createCall", "created_call_echoes_request"),
                ("createCall", "created_call_is_retrievable"),
                ("createCall", "created_call_is_listed"),
            ],
        ),
        ("status_moves_back", ONLY_CREATE, [("createCall", "created_call_is_retrievable")]),
    ],
)
def test_a_deviating_server_fails_naming_operation_and_check(
    variant: str, selection: tuple[str, ...], expected: list[tuple[str, str]]
) -> None:
    run = run_suite(
        "--app", f"tests.contract.broken_servers:{variant}", "--only", "server", *QUICK, *selection
    )
    assert run.returncode == 1, run.output
    assert "DOES NOT CONFORM" in run.output
    for operation, check in expected:
        assert run.names(operation, check), f"{operation} . {check} not reported:\n{run.output}"
    assert "curl -X" in run.output, "a failure comes with a command that reproduces it"


def test_the_lifecycle_check_catches_a_status_moving_back_in_stateful_runs() -> None:
    run = run_suite(
        "--app",
        "tests.contract.broken_servers:status_moves_back",
        "--only",
        "server",
        *QUICK,
        "--",
        "-k",
        "Workflow",
    )
    assert run.returncode == 1, run.output
    assert "moved back from `initiated` to `created`" in run.output


@pytest.mark.parametrize(
    ("variant", "check", "said"),
    [
        ("webhook_bad_schema", "webhook_schema_conformance", "'agent_id' is a required property"),
        ("webhook_bad_signature", "webhook_signature", "is not the hex HMAC-SHA256"),
        ("webhook_out_of_order", "webhook_lifecycle_order", "events after call_ended"),
    ],
)
def test_deviating_webhook_deliveries_fail_naming_the_check(
    variant: str, check: str, said: str
) -> None:
    run = run_suite("--app", f"tests.contract.broken_servers:{variant}", "--only", "webhooks")
    assert run.returncode == 1, run.output
    assert "DOES NOT CONFORM" in run.output
    failed = re.findall(r"^  (webhook_\w+)\s+FAILED", run.output, flags=re.M)
    assert failed == [check], run.output  # the table names the check, and only that one
    assert said in run.output


@pytest.mark.parametrize(
    ("variant", "selection", "operation", "check", "detail"),
    [
        ("list_oldest_first", ONLY_LIST, "listCalls", "list_newest_first", "comes after the older"),
        ("list_ignores_agent_filter", ONLY_LIST, "listCalls", "list_filters_match", "has agent_id"),
        (
            "list_ignores_destination_filter",
            ONLY_LIST,
            "listCalls",
            "list_filters_match",
            "has to_phone_number",
        ),
        (
            "list_ignores_repeated_status",
            ONLY_LIST,
            "listCalls",
            "list_filters_match",
            "has status",
        ),
        ("list_filters_with_or", ONLY_LIST, "listCalls", "list_filters_match", "the filter asked"),
        ("list_overfills_pages", ONLY_LIST, "listCalls", "list_page_within_limit", "with limit="),
        ("list_pages_skip_a_call", ONLY_LIST, "listCalls", "list_pages_continue", "lack"),
        ("list_pages_repeat_a_call", ONLY_LIST, "listCalls", "list_pages_continue", "and page"),
        # Two checks see it; whichever the run's steps reach first reports it ("a|b": either).
        (
            "get_returns_the_newest_call",
            SCENARIOS,
            "getCall|createCall",
            "get_returns_the_asked_call|CreatedCallsCanBeFound",
            "returned the call|CreatedCallsCanBeFound",
        ),
        (
            "envelope_status_code_always_400",
            ONLY_GET,
            "getCall",
            "error_envelope_matches_status",
            "statusCode is 400, the HTTP status 4",
        ),
        (
            "envelope_error_not_the_reason_phrase",
            ONLY_GET,
            "getCall",
            "error_envelope_matches_status",
            "Allowed', not 'Method Not Allowed' for 405",
        ),
        (
            "ended_at_in_flight",
            ONLY_LIST,
            "listCalls",
            "end_of_call_fields_agree",
            "ended_at is set while the call is in flight",
        ),
        (
            "final_without_ended_at",
            ONLY_LIST,
            "listCalls",
            "end_of_call_fields_agree",
            "but ended_at is not set",
        ),
        (
            "ended_before_created",
            ONLY_LIST,
            "listCalls",
            "end_of_call_fields_agree",
            "is before created_at",
        ),
        (
            "duration_before_the_end",
            ONLY_LIST,
            "listCalls",
            "end_of_call_fields_agree",
            "duration_sec is set while the call is in flight",
        ),
        (
            "never_connected_with_a_duration",
            ONLY_LIST,
            "listCalls",
            "end_of_call_fields_agree",
            "duration_sec is 5 for a call that never connected",
        ),
        (
            "local_date_times",
            ONLY_LIST,
            "listCalls",
            "end_of_call_fields_agree",
            "is not an RFC 3339 date-time with an offset",
        ),
    ],
)
def test_a_server_breaking_a_prose_rule_fails_its_check(
    variant: str, selection: tuple[str, ...], operation: str, check: str, detail: str
) -> None:
    run = run_suite(
        "--app", f"tests.contract.broken_servers:{variant}", "--only", "server", *QUICK, *selection
    )
    assert run.returncode == 1, run.output
    pairs = list(zip(operation.split("|"), check.split("|"), detail.split("|"), strict=True))
    reported = [(o, c, d) for o, c, d in pairs if run.names(o, c)]
    assert reported, f"{operation} . {check} not reported:\n{run.output}"
    assert all(d in run.output for _, _, d in reported), run.output


def test_only_the_prose_check_catches_a_403_for_an_invalid_key() -> None:
    """Schemathesis' ignored_auth takes a 403 as auth enforced; the spec says 401."""
    run = run_suite(
        "--app",
        "tests.contract.broken_servers:create_refuses_unknown_keys_with_403",
        "--only",
        "server",
        *QUICK,
        *ONLY_CREATE,
    )
    assert run.returncode == 1, run.output
    assert run.names("createCall", "MissingOrInvalidKeyIs401"), run.output
    assert "with an unknown key: 403, not 401" in run.output
    assert not run.names("createCall", "ignored_auth"), run.output


@pytest.mark.parametrize(
    "variant",
    [
        "faithful",
        "extra_fields",
        "other_messages",
        "sparse_records",
        "never_connected_without_a_duration",
        "other_offsets",
        "same_minute_any_order",
    ],
)
def test_a_server_using_only_the_specs_freedoms_conforms(variant: str) -> None:
    run = run_suite("--app", f"tests.contract.broken_servers:{variant}", "--only", "server", *QUICK)
    assert run.returncode == 0, run.output
    assert "conforms" in run.output
