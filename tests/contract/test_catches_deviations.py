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
ONLY_LIST = ("--", "-k", "server_honours and GET and not call_id")
ALL_FLAT = ("--", "-k", "server_honours")


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
        ("webhook_duplicate_call_ended", "webhook_lifecycle_order", "2 call_ended, not one"),
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
