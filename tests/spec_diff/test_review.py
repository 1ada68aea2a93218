"""Spec changes shown where people review them: `scripts/spec-diff --markdown` (a pull request
comment) and `--github-annotations` (workflow commands on the changed lines of openapi.yaml)."""

from __future__ import annotations

import functools
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from spec_diff import report, review
from spec_diff.changes import Change, Verdict
from spec_diff.proof import Counterexample, Proof
from spec_diff.spec import escape

from tests.conftest import SPEC_PATH
from tests.spec_diff.conftest import edited
from tests.spec_diff.test_gate import NEXT_MAJOR, RELEASED, SCRIPT, spec_diff, write_spec

SPEC_TEXT = SPEC_PATH.read_text(encoding="utf-8")
CLIENTS, COMPATIBLE = Verdict.BREAKS_CLIENTS, Verdict.COMPATIBLE
ANNOTATION = re.compile(
    r"^::(error|warning|notice) file=([^,:]+)(?:,line=(\d+))?,title=([^:]*)::(.*)$"
)


def pointers(node: Any, at: str = "") -> list[str]:
    """Every JSON pointer of a parsed document."""
    found = [at] if at else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += pointers(value, f"{at}/{escape(key)}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += pointers(value, f"{at}/{index}")
    return found


POINTERS = pointers(yaml.safe_load(SPEC_TEXT))
LINES = review.Lines(SPEC_TEXT)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(POINTERS))
def test_every_pointer_lands_on_the_line_that_writes_it(pointer: str) -> None:
    line = LINES.of(pointer)
    assert line is not None
    text = SPEC_TEXT.splitlines()[line - 1]
    last = pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
    if last.isdigit() and not re.search(rf"(^|\s|'){re.escape(last)}'?:", text):
        assert text.lstrip().startswith("-") or "[" in text, (pointer, text)  # a list item
    else:
        assert re.search(rf"(^|\s|['\"]){re.escape(last)}['\"]?:", text), (pointer, text)


def test_what_no_longer_exists_lands_on_its_nearest_ancestor() -> None:
    lines = review.Lines(SPEC_TEXT)
    properties = lines.of("/components/schemas/Call/properties")
    assert properties is not None
    assert lines.of("/components/schemas/Call/properties/gone") == properties
    assert lines.of("/components/schemas/Call/required/99") == lines.of(
        "/components/schemas/Call/required"
    )
    assert lines.of("") is None
    assert review.Lines("not: [valid").of("/not") is None


def make_agent_version_required(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["Call"]["required"].append("agent_version_number")


def remove_hangup_reason(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["HangupReason"]["enum"].remove("user_busy")


def both(doc: dict[str, Any]) -> None:
    make_agent_version_required(doc)
    remove_hangup_reason(doc)
    doc["components"]["schemas"]["Call"]["description"] = "A call | as kept."


@functools.cache
def compared(base_client: Path) -> tuple[report.Report, str]:
    new = edited(both)
    return report.compare(SPEC_TEXT, new, base="release", old_client=base_client), new


def line_of(text: str, pattern: str, after: str) -> int:
    """The 1-based line of the first line matching `pattern` after the first matching `after`."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if re.search(after, line))
    return next(i for i in range(start, len(lines)) if re.search(pattern, lines[i])) + 1


def test_annotations_go_on_the_changed_lines_by_verdict(base_client: Path) -> None:
    result, new = compared(base_client)

    found = [ANNOTATION.match(line) for line in review.github_annotations(result, new).splitlines()]

    assert all(found), found
    by_line = {(m[1], int(m[3])): m for m in found if m and m[3]}
    required = line_of(new, r"^\s*- agent_version_number$", r"^    Call:$")
    warning = by_line[("warning", required)]
    assert warning[2] == "openapi.yaml"
    assert warning[4] == "spec-diff%3A breaks-servers"
    body = warning[5].replace("%0A", "\n")
    assert "raises on answers from servers that omit it" in body
    for operation in ("createCall", "getCall", "listCalls"):  # one annotation, three places
        assert operation in body
    enum = line_of(new, r"^\s*enum:$", r"^    HangupReason:$")
    error = by_line[("error", enum)]
    assert "['user_busy'] removed" in error[5]
    assert "%0A" in error[5] and "\n" not in error[5]  # hangup_reason and disconnection_reason
    # The Python API has no line in the spec: it is annotated on the file.
    assert any(m and m[1] == "error" and m[3] is None and "Python API" in m[5] for m in found)
    # Descriptions are left out; errors come first.
    assert "description changed" not in review.github_annotations(result, new)
    levels = [m[1] for m in found if m]
    assert levels == sorted(levels, key=["error", "warning", "notice"].index)


def test_annotation_text_is_escaped_for_workflow_commands() -> None:
    assert review._escape_data("50% a\nb\r") == "50%25 a%0Ab%0D"
    assert review._escape_property("a:b,c") == "a%3Ab%2Cc"


@pytest.mark.slow  # generates and proves the old and the new client
def test_markdown_has_the_verdict_the_changes_by_verdict_and_the_proof(base_client: Path) -> None:
    result, _ = compared(base_client)

    text = review.markdown(result, "Version: needs a **major** bump.")

    assert text.startswith("### spec-diff: **breaks-clients**\n")
    assert "rules: **breaks-clients**, proof: **breaks-servers**" in text
    assert "Version: needs a **major** bump." in text
    assert text.index("#### Breaks existing clients") < text.index(
        "#### Breaks servers that lag the spec"
    )
    assert (
        "| getCall (GET /calls/{call_id}) response 200: agent_version_number | now required; a "
        "client generated from this spec raises on answers from servers that omit it"
    ) in text
    assert "<summary>Proof: " in text
    assert "field 'agent_version_number' does not match the spec (missing)" in text
    assert "> Rules and proof disagree" in text
    assert "<summary>Documentation only (3, no bump needed)</summary>" in text
    for row in (line for line in text.splitlines() if line.startswith("| ")):
        assert row.endswith(" |")
        assert len(re.split(r"(?<!\\)\|", row)) == 4, row  # two cells, "|" escaped


@pytest.mark.slow  # a temporary repository, two regenerations and the proof
def test_the_cli_writes_markdown_and_annotations(released: Path) -> None:
    repo = released
    write_spec(repo, edited(make_agent_version_required))

    done = spec_diff(repo, "--markdown", "--no-proof")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("### spec-diff: **breaks-clients**")
    assert f"bump it to at least {NEXT_MAJOR}" in done.stdout
    assert f"against release {RELEASED}" in done.stdout

    done = spec_diff(repo, "--github-annotations", "--no-proof")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert all(ANNOTATION.match(line) for line in lines), lines
    assert any(line.startswith("::warning file=openapi.yaml,line=") for line in lines)

    other = repo / "specs" / "next.yaml"
    other.parent.mkdir()
    other.write_text(edited(make_agent_version_required), encoding="utf-8")
    done = spec_diff(repo, "--github-annotations", "--no-proof", "--spec", str(other))
    assert "::warning file=specs/next.yaml,line=" in done.stdout


def test_review_forms_exclude_each_other_and_are_in_the_help() -> None:
    done = subprocess.run([str(SCRIPT), "--help"], capture_output=True, text=True, check=True)
    assert "--markdown" in done.stdout and "--github-annotations" in done.stdout
    done = subprocess.run(
        [str(SCRIPT), "--markdown", "--json"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "not allowed with argument" in done.stderr


def test_cells_stay_cells_and_a_missing_rule_shows_its_counterexample() -> None:
    """A constructed report: a message with `|`, a newline and a backtick; the proof worse than
    the rules (a rule is missing), which the annotations show on the file."""
    change = Change(
        COMPATIBLE, "op (GET /x) response 200", "a", "one | two\nthree `x`", pointer="/info"
    )
    found = Counterexample(CLIENTS, "op (GET /x) response 200", '{"a": "`"}', "cannot parse | it")
    result = report.Report("base", "1.0.0", "1.1.0", [change], [], Proof([found], 1))

    text = review.markdown(result)
    assert "| op (GET /x) response 200: a | one \\| two three 'x' |" in text
    assert 'cannot parse \\| it; e.g. `{"a": "\'"}`' in text

    lines = review.github_annotations(result, SPEC_TEXT).splitlines()
    info = review.Lines(SPEC_TEXT).of("/info")
    assert lines == [
        "::error file=openapi.yaml,title=spec-diff%3A breaks-clients::cannot parse | it "
        "(op (GET /x) response 200)",
        f"::notice file=openapi.yaml,line={info},title=spec-diff%3A compatible::a: one | "
        "two%0Athree `x` (op (GET /x) response 200)",
    ]
