"""scripts/regenerate ends with what changed and what to do next: the files, the spec-diff verdict
against the last release in one line, and the bump the CI gate (spec-diff --check) asks for."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import spec_diff
from spec_diff.next_steps import after_regeneration

from tests.conftest import ROOT, SPEC_PATH
from tests.spec_diff.conftest import edited
from tests.spec_diff.test_gate import NEXT_MAJOR, NEXT_MINOR, RELEASED

sys.path.insert(0, str(ROOT / "scripts" / "lib"))
import regenerate


def make_agent_version_required(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["Call"]["required"].append("agent_version_number")


def add_optional_response_field(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["Call"]["properties"]["region"] = {"type": "string"}


def describe(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["Call"]["description"] = "A call record, as DialNexa keeps it."


def bumped(number: str, edit: Any) -> Any:
    def apply(doc: dict[str, Any]) -> None:
        edit(doc)
        doc["info"]["version"] = number

    return apply


@pytest.mark.parametrize(
    ("edit", "verdict", "next_step"),
    [
        (
            make_agent_version_required,
            "breaks-clients",
            f"asks for a major bump and fails now: openapi.yaml changed in a way that breaks "
            f"existing clients since release {RELEASED} but info.version is {RELEASED}: bump it "
            f"to at least {NEXT_MAJOR}",
        ),
        (
            add_optional_response_field,
            "compatible",
            f"asks for a minor bump and fails now: openapi.yaml changed its wire contract "
            f"compatibly since release {RELEASED} but info.version is {RELEASED}: bump it to at "
            f"least {NEXT_MINOR}",
        ),
        (describe, "compatible", "no version bump needed"),
        (
            bumped(NEXT_MAJOR, make_agent_version_required),
            "breaks-clients",
            f"info.version {NEXT_MAJOR} has the major bump the gate asks for (from {RELEASED})",
        ),
    ],
    ids=["breaking", "compatible", "descriptions", "bumped"],
)
def test_the_summary_names_files_verdict_and_bump(
    released: Path, edit: Any, verdict: str, next_step: str
) -> None:
    repo = released
    spec = repo / "openapi.yaml"
    spec.write_text(edited(edit), encoding="utf-8")
    changed = [("changed", "generated/x.py"), ("missing", "generated/y.py"), ("extra", "z.py")]

    lines = after_regeneration(repo, spec, changed).splitlines()

    assert lines[:3] == [
        "  changed  generated/x.py",
        "  added    generated/y.py",
        "  removed  z.py",
    ]
    summary, step = lines[3:]
    assert summary.startswith(f"spec-diff: {verdict} since release {RELEASED} ("), summary
    assert "scripts/spec-diff" in summary
    assert step.startswith("next: ") and next_step in step, step


def test_an_unchanged_spec_is_judged_without_generating_or_proving(
    released: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regenerating the released spec stays fast: nothing to compare, no client, no proof."""
    monkeypatch.setitem(sys.modules, "spec_diff.report", None)  # importing it would fail
    monkeypatch.delattr(spec_diff, "report", raising=False)

    summary, step = after_regeneration(released, released / "openapi.yaml", []).splitlines()

    assert summary.startswith(f"spec-diff: compatible since release {RELEASED} (")
    assert "the spec is the release's, byte for byte" in summary
    assert step.startswith("next: no version bump needed")


def test_without_a_release_the_summary_says_so_and_does_not_fail(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yaml"
    shutil.copyfile(SPEC_PATH, spec)

    lines = after_regeneration(tmp_path, spec, []).splitlines()

    assert lines[0].startswith("spec-diff: no verdict (")
    assert "is not inside a git repository" in lines[0]
    assert lines[1].startswith("next: scripts/spec-diff --base REF")


def remove_final_status(doc: dict[str, Any]) -> None:
    status = doc["components"]["schemas"]["CallStatus"]
    status["enum"].remove("retry_expired")
    status["x-final-values"].remove("retry_expired")


def add_status(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["CallStatus"]["enum"].append("voicemail")


def rename_webhook_field(doc: dict[str, Any]) -> None:
    call = doc["components"]["schemas"]["WebhookCall"]
    call["properties"]["agent"] = call["properties"].pop("agent_id")
    call["required"][call["required"].index("agent_id")] = "agent"


class Regenerated(NamedTuple):
    edit: Any
    changed: str  # a file of the client it changes
    verdict: str
    bump: str


# Issue 21's catalogue, as scripts/regenerate answers it.
REGENERATED = [
    Regenerated(remove_final_status, "models/call_status.py", "breaks-clients", "major"),
    Regenerated(add_status, "models/call_status.py", "breaks-servers", "minor"),
    Regenerated(make_agent_version_required, "models/call.py", "breaks-clients", "major"),
    Regenerated(rename_webhook_field, "models/webhook_call.py", "breaks-clients", "major"),
]


@pytest.mark.parametrize("case", REGENERATED, ids=[r.edit.__name__ for r in REGENERATED])
def test_scripts_regenerate_ends_with_verdict_and_bump(
    released: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    case: Regenerated,
) -> None:
    """Issue 21: retry_expired removed from CallStatus printed only 'N file(s) changed'."""
    repo = released
    edit, changed, verdict, bump = case
    (repo / "openapi.yaml").write_text(edited(edit), encoding="utf-8")
    out = tmp_path_factory.mktemp("client") / "dialnexa-client"
    shutil.copytree(
        ROOT / "generated" / "dialnexa-client", out, ignore=shutil.ignore_patterns("__pycache__")
    )
    monkeypatch.setattr(regenerate, "ROOT", repo)  # the releases are the temporary repository's

    assert regenerate.main(["--spec", str(repo / "openapi.yaml"), "--output", str(out)]) == 0

    first, *files, summary, step = capsys.readouterr().out.splitlines()
    assert first.endswith(f": {len(files)} file(s) changed"), first
    assert f"  changed  {out}/dialnexa_client/{changed}" in files
    assert summary.startswith(f"spec-diff: {verdict} since release {RELEASED}"), summary
    assert f"asks for a {bump} bump" in step, step
    target = NEXT_MAJOR if bump == "major" else NEXT_MINOR
    assert f"bump it to at least {target}" in step, step
