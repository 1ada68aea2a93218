"""A catalogue of spec edits on temporary copies, each with what the emulator, the contract suite,
spec-diff and scripts/regenerate answer: the spec decides what the emulator may say, and every
tool says so when an edit parts them.

The emulator and the suite are asked in process (the suite's embedded target, its coverage
verdict); one edit also goes through a real `scripts/contract-test --spec` run, and each through
`scripts/regenerate --spec` into a copy of the client (subprocesses, the slow part: all but one
in the slow tier).
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from dialnexa_contract import _coverage as coverage
from dialnexa_contract._spec import SPEC_FILE
from dialnexa_contract._target import EMBEDDED_BASE_URL, embedded_emulator
from dialnexa_emulator import OffSpecAnswerError, SpecError, SyncASGITransport
from tests.conftest import ROOT, SPEC_PATH
from tests.contract.conftest import run_suite

sys.path.insert(0, str(ROOT / "scripts" / "lib"))
from spec_diff import operations, report
from spec_diff.changes import Verdict
from spec_diff.spec import resolved

Document = dict[str, Any]
AUTH = {"Authorization": "Bearer kid_demo:sk_demo_secret"}
CREATE = {"agent_id": "agt_abc123", "to_phone_number": "+919876543210"}


def schemas(document: Document) -> Document:
    found: Document = document["components"]["schemas"]
    return found


def remove_a_status_it_produces(document: Document) -> None:
    schemas(document)["CallStatus"]["enum"].remove("retry_expired")
    schemas(document)["CallStatus"]["x-final-values"].remove("retry_expired")


def add_a_status_it_never_produces(document: Document) -> None:
    schemas(document)["CallStatus"]["enum"].append("voicemail")


def require_a_field_it_does_not_always_send(document: Document) -> None:
    """`ended_at` is null until the call ends: required and never null, the fresh call breaks it."""
    call = schemas(document)["Call"]
    call["required"].append("ended_at")
    call["properties"]["ended_at"]["type"] = "string"


def require_agent_version_number(document: Document) -> None:
    schemas(document)["Call"]["required"].append("agent_version_number")


def rename_a_webhook_field(document: Document) -> None:
    call = schemas(document)["WebhookCall"]
    call["properties"]["to_phone"] = call["properties"].pop("to_number")
    call["required"] = ["to_phone" if name == "to_number" else name for name in call["required"]]


@dataclass(frozen=True)
class Case:
    edit: Callable[[Document], None]
    emulator: str | None  # the line the emulator refuses to start with (after the file name)
    suite: Callable[[Path, Document], None]  # asserts the suite's answer
    spec_diff: Verdict  # the rules' verdict
    spec_diff_says: str
    regenerate: tuple[Verdict, str]  # the verdict regenerate prints, and the bump it asks for


def refuses_like_the_emulator(path: Path, document: Document) -> None:
    """The suite's embedded target is the emulator serving the copy: it cannot start."""
    with pytest.raises(SpecError, match=re.escape(str(path))):
        embedded_emulator()


def reports_it_never_produced(path: Path, document: Document) -> None:
    """The suite's coverage names what the spec declares and the target never produces."""
    with _target() as (api, control):
        vocabulary = control.get("/_emulator/vocabulary").json()
        assert api.post("/calls", json=CREATE).status_code == 201
    verdict = coverage.verdict(coverage.producible(vocabulary), document, vocabulary)
    assert verdict.never_produced() == {
        "call statuses": ["voicemail"],
        "hangup reasons": verdict.never_produced()["hangup reasons"],
    }
    assert "    call statuses: voicemail" in verdict.lines()
    assert verdict.missing() == {}


def catches_the_answer(path: Path, document: Document) -> None:
    """The first create through the suite's target raises, naming operation, field and rule."""
    with _target() as (api, _), pytest.raises(OffSpecAnswerError) as raised:
        api.post("/calls", json=CREATE)
    assert raised.value.problems == [
        f"{path}: createCall 201: ended_at: None is not of type 'string' "
        "(type, #/components/schemas/Call/properties/ended_at/type)"
    ]


def every_answer_conforms(path: Path, document: Document) -> None:
    """The emulator always sends `agent_version_number`: its answers still validate."""
    with _target() as (api, control):
        call = api.post("/calls", json=CREATE).json()
        control.post("/_emulator/clock/advance", json={"seconds": 600})
        assert api.get(f"/calls/{call['id']}").json()["agent_version_number"] == 3
        assert api.get("/calls").status_code == 200


class _target:
    """The suite's embedded target (the emulator serving the copy, observed), as clients."""

    def __enter__(self) -> tuple[httpx.Client, httpx.Client]:
        app = coverage.ObservingApp(embedded_emulator(), "/v1", {"paths": {}})
        transport = SyncASGITransport(app)
        self.api = httpx.Client(transport=transport, base_url=EMBEDDED_BASE_URL, headers=AUTH)
        self.control = httpx.Client(transport=transport, base_url="http://127.0.0.1:8000")
        return self.api, self.control

    def __exit__(self, *exc: object) -> None:
        self.api.close()
        self.control.close()


RETRY_EXPIRED = (
    "#/components/schemas/CallStatus/enum lacks 'retry_expired', which the emulator produces "
    "(test number +919876500006) (and 1 more)"
)
TO_PHONE = (
    "#/components/schemas/WebhookCall/required lists 'to_phone', which the emulator's "
    "call_initiated event does not always send (any other number) (and 3 more)"
)

CATALOGUE = [
    Case(
        remove_a_status_it_produces,
        RETRY_EXPIRED,
        refuses_like_the_emulator,
        Verdict.BREAKS_CLIENTS,
        "enum value(s) ['retry_expired'] removed",
        (Verdict.BREAKS_CLIENTS, "major"),
    ),
    Case(
        add_a_status_it_never_produces,
        None,
        reports_it_never_produced,
        Verdict.BREAKS_SERVERS,
        "enum value(s) ['voicemail'] added",
        (Verdict.BREAKS_SERVERS, "minor"),
    ),
    Case(
        require_a_field_it_does_not_always_send,
        None,
        catches_the_answer,
        Verdict.BREAKS_SERVERS,
        "ended_at: now required; a client generated from this spec raises on answers from "
        "servers that omit it",
        (Verdict.BREAKS_CLIENTS, "major"),  # the Python API's constructor moved
    ),
    Case(
        require_agent_version_number,
        None,
        every_answer_conforms,
        Verdict.BREAKS_SERVERS,
        "agent_version_number: now required; a client generated from this spec raises on "
        "answers from servers that omit it",
        (Verdict.BREAKS_CLIENTS, "major"),
    ),
    Case(
        rename_a_webhook_field,
        TO_PHONE,
        refuses_like_the_emulator,
        Verdict.BREAKS_CLIENTS,
        "payload.call.to_number: required field removed",
        (Verdict.BREAKS_CLIENTS, "major"),
    ),
]
IDS = [case.edit.__name__ for case in CATALOGUE]
BASE = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


def edited_copy(tmp_path: Path, case: Case) -> tuple[Path, Document]:
    document = copy.deepcopy(BASE)
    case.edit(document)
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path, document


@pytest.mark.parametrize("case", CATALOGUE, ids=IDS)
def test_the_emulator_and_the_suite_answer(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, document = edited_copy(tmp_path, case)
    monkeypatch.setenv(SPEC_FILE, str(path))

    if case.emulator is None:
        embedded_emulator()  # starts
    else:
        with pytest.raises(SpecError) as refused:
            embedded_emulator()
        assert str(refused.value) == f"{path}: {case.emulator}"
    case.suite(path, document)


@pytest.mark.parametrize("case", CATALOGUE, ids=IDS)
def test_spec_diff_answers(case: Case) -> None:
    document = copy.deepcopy(BASE)
    case.edit(document)
    wire = list(operations.diff(resolved(BASE), resolved(document)))
    result = report.Report("openapi.yaml", "1.2.0", "1.2.0", wire, [], None)

    assert result.rules_verdict is case.spec_diff, report.text(result)
    assert case.spec_diff_says in report.text(result)


# Each regeneration runs spec-diff's proof too (some seconds): one case in the quick tier.
REGENERATE = [
    pytest.param(case, marks=() if case is CATALOGUE[3] else pytest.mark.slow, id=name)
    for case, name in zip(CATALOGUE, IDS, strict=True)
]


@pytest.mark.parametrize("case", REGENERATE)
def test_regenerate_answers(case: Case, tmp_path: Path) -> None:
    path, _ = edited_copy(tmp_path, case)
    client = tmp_path / "dialnexa-client"
    shutil.copytree(ROOT / "generated" / "dialnexa-client", client)

    run = subprocess.run(
        [ROOT / "scripts" / "regenerate", "--spec", path, "--output", client],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert run.returncode == 0, run.stderr
    changed = re.search(r": (\d+) file\(s\) changed", run.stdout)
    assert changed is not None and int(changed.group(1)) > 0, run.stdout
    verdict, bump = case.regenerate
    assert f"\nspec-diff: {verdict} since release " in run.stdout, run.stdout
    assert f"\nnext: the gate (scripts/spec-diff --check) asks for a {bump} bump" in run.stdout


@pytest.mark.slow
def test_the_default_run_catches_a_field_it_does_not_always_send(tmp_path: Path) -> None:
    """A real `scripts/contract-test --spec` run (server part, few examples) fails, naming it."""
    path, _ = edited_copy(tmp_path, CATALOGUE[2])

    run = run_suite("--spec", str(path), "--only", "server", "--max-examples", "2", "--seed", "7")

    assert run.returncode == 1, run.output
    assert (
        "OffSpecAnswerError: the emulator's 201 answer to createCall breaks the spec" in run.output
    )
    assert "createCall 201: ended_at: None is not of type 'string'" in run.output
    assert "DOES NOT CONFORM" in run.output
