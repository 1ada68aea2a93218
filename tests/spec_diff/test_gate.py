"""The CI gate, `scripts/spec-diff --check`, run the way CI runs it: in a git repository whose
CHANGELOG.md headings mark the releases. Also the report's other forms (--json, --changelog) and
the refusals (no release to compare with)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SPEC_PATH, load_spec
from tests.spec_diff.conftest import edited

SCRIPT = ROOT / "scripts" / "spec-diff"
RELEASED = str(load_spec()["info"]["version"])  # what the temporary repository releases
MAJOR, MINOR = (int(part) for part in RELEASED.split(".")[:2])
NEXT_MAJOR, NEXT_MINOR = f"{MAJOR + 1}.0.0", f"{MAJOR}.{MINOR + 1}.0"
CHANGELOG = f"# Changelog\n\n## {RELEASED}\n\nThe contract.\n\n## 0.9.0\n\nA draft.\n"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    who = ["-c", "user.name=Spec", "-c", "user.email=spec@example.invalid"]
    git(repo, *who, "commit", "-qm", message)


def spec_diff(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], cwd=repo, capture_output=True, text=True, timeout=300, check=False
    )


def write_spec(repo: Path, text: str) -> None:
    (repo / "openapi.yaml").write_text(text, encoding="utf-8")


def make_metadata_required(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["CreateCallRequest"]["required"].append("metadata")


def version(number: str, edit: Any = None) -> Any:
    def apply(doc: dict[str, Any]) -> None:
        if edit is not None:
            edit(doc)
        doc["info"]["version"] = number

    return apply


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose release commit adds the spec and its CHANGELOG.md heading, and a later
    commit changes something else."""
    git(tmp_path, "init", "-q")
    shutil.copyfile(SPEC_PATH, tmp_path / "openapi.yaml")
    (tmp_path / "CHANGELOG.md").write_text(CHANGELOG, encoding="utf-8")
    commit(tmp_path, f"Release {RELEASED}")
    (tmp_path / "README").write_text("a commit after the release\n")
    commit(tmp_path, "Unrelated")
    return tmp_path


def test_breaking_change_without_a_major_bump_fails_with_one_line_and_the_command(
    repo: Path,
) -> None:
    write_spec(repo, edited(make_metadata_required))
    commit(repo, "metadata required")

    done = spec_diff(repo, "--check")

    assert done.returncode == 1, done.stderr
    reason, command = done.stderr.strip().splitlines()
    assert f"breaks existing clients since release {RELEASED}" in reason
    assert f"bump it to at least {NEXT_MAJOR}" in reason
    assert command.strip() == "see what changed: scripts/spec-diff"


def test_the_same_change_with_the_major_bump_and_its_release_passes(repo: Path) -> None:
    write_spec(repo, edited(version(NEXT_MAJOR, make_metadata_required)))
    assert spec_diff(repo, "--check", "--no-proof").returncode == 0  # bumped, not released yet

    with (repo / "CHANGELOG.md").open("a", encoding="utf-8") as changelog:
        changelog.write(f"\n## {NEXT_MAJOR}\n\nmetadata is required.\n")
    commit(repo, f"Release {NEXT_MAJOR}")

    done = spec_diff(repo, "--check")
    assert done.returncode == 0, done.stderr
    assert f"breaks-clients since release {RELEASED}" in done.stdout
    assert f"{RELEASED} -> {NEXT_MAJOR} is enough (a major bump needed)" in done.stdout


def test_a_minor_bump_is_not_enough_for_a_breaking_change(repo: Path) -> None:
    write_spec(repo, edited(version(NEXT_MINOR, make_metadata_required)))
    done = spec_diff(repo, "--check", "--no-proof")
    assert done.returncode == 1
    assert f"bump it to at least {NEXT_MAJOR}" in done.stderr


def test_a_compatible_change_needs_a_minor_bump_and_descriptions_need_none(repo: Path) -> None:
    def add_error(doc: dict[str, Any]) -> None:
        doc["paths"]["/calls"]["get"]["responses"]["409"] = {
            "description": "A conflict.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }

    def describe(doc: dict[str, Any]) -> None:
        doc["paths"]["/calls"]["get"]["description"] = "Lists calls, newest first."

    write_spec(repo, edited(add_error))
    done = spec_diff(repo, "--check", "--no-proof")
    assert done.returncode == 1
    assert "changed its wire contract compatibly" in done.stderr
    assert f"bump it to at least {NEXT_MINOR}" in done.stderr

    write_spec(repo, edited(version(NEXT_MINOR, add_error)))
    assert spec_diff(repo, "--check", "--no-proof").returncode == 0

    write_spec(repo, edited(describe))
    done = spec_diff(repo, "--check", "--no-proof")
    assert done.returncode == 0, done.stderr
    assert "(no bump needed)" in done.stdout


def write_client(repo: Path, version: str, api_version: str) -> None:
    """A generated client of its own `version`, generated from info.version `api_version`."""
    client = repo / "generated" / "dialnexa-client"
    (client / "dialnexa_client").mkdir(parents=True, exist_ok=True)
    (client / "pyproject.toml").write_text(f'[project]\nname = "c"\nversion = "{version}"\n')
    init = f'__version__ = "{version}"\n__api_version__ = "{api_version}"\n'
    (client / "dialnexa_client" / "__init__.py").write_text(init)


def test_the_client_must_be_generated_from_info_version(repo: Path) -> None:
    write_client(repo, "7.0.0", RELEASED)
    write_spec(repo, edited(version(NEXT_MAJOR, make_metadata_required)))

    done = spec_diff(repo, "--check", "--no-proof")

    assert done.returncode == 1
    assert f"client is from info.version {RELEASED} but info.version is {NEXT_MAJOR}" in done.stderr
    assert "run scripts/regenerate" in done.stderr


def test_the_clients_own_version_needs_the_bump_the_spec_change_needs(repo: Path) -> None:
    # A release whose client is 3.1.4, generated from it.
    write_spec(repo, edited(version(NEXT_MINOR)))
    write_client(repo, "3.1.4", NEXT_MINOR)
    changelog = (
        f"# Changelog\n\n## {NEXT_MINOR}\n\nNothing.\n\n" + CHANGELOG[len("# Changelog\n\n") :]
    )
    (repo / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
    commit(repo, f"Release {NEXT_MINOR}")
    breaking = f"{MAJOR + 1}.1.0"
    write_spec(repo, edited(version(breaking, make_metadata_required)))
    write_client(repo, "3.2.0", breaking)  # a minor bump of the client for a breaking change

    done = spec_diff(repo, "--check", "--no-proof")

    assert done.returncode == 1, done.stderr
    assert "needs a major bump of the client too, but dialnexa-client is 3.2.0" in done.stderr
    assert "package_version_override" in done.stderr and "at least 4.0.0" in done.stderr

    write_client(repo, "4.0.0", breaking)
    assert spec_diff(repo, "--check", "--no-proof").returncode == 0, done.stderr

    write_spec(repo, edited(version(NEXT_MINOR)))  # nothing changed: any client version will do
    write_client(repo, "3.1.5", NEXT_MINOR)
    assert spec_diff(repo, "--check", "--no-proof").returncode == 0


def test_json_and_changelog_forms_of_the_report(repo: Path) -> None:
    write_spec(repo, edited(make_metadata_required))

    done = spec_diff(repo, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["verdict"] == "breaks-clients"
    assert report["proof_verdict"] == "breaks-clients"
    assert report["base"].startswith(f"release {RELEASED}")
    [change] = [c for c in report["changes"] if c["source"] == "rules"]
    assert change["where"] == "createCall (POST /calls) request body"
    assert change["field"] == "metadata"
    assert change["verdict"] == "breaks-clients"
    assert report["counterexamples"][0]["problem"].endswith("'metadata' is a required property")

    draft = spec_diff(repo, "--changelog", "--no-proof").stdout
    assert draft.startswith(f"## {NEXT_MAJOR}\n\nBreaking for existing clients:\n")
    assert "- createCall (POST /calls) request body: metadata: now required" in draft


def test_without_a_release_to_compare_with_it_says_so(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    shutil.copyfile(SPEC_PATH, tmp_path / "openapi.yaml")
    (tmp_path / "CHANGELOG.md").write_text("# Changelog\n", encoding="utf-8")
    commit(tmp_path, "No release yet")

    done = spec_diff(tmp_path, "--check")
    assert done.returncode == 2
    assert f"no released version before {RELEASED} in CHANGELOG.md" in done.stderr

    done = spec_diff(tmp_path, "--base", "v0.9")
    assert done.returncode == 2
    assert "git ref 'v0.9' does not exist here" in done.stderr
    assert "git fetch --unshallow" in done.stderr


def test_a_shallow_clone_is_refused_rather_than_compared_with_itself(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    shallow = tmp_path_factory.mktemp("clone") / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", repo.as_uri(), str(shallow)],
        check=True,
        capture_output=True,
    )
    done = spec_diff(shallow, "--check")
    assert done.returncode == 2
    assert "shallow clone" in done.stderr
    assert "git fetch --unshallow" in done.stderr


def test_help_names_every_option() -> None:
    done = subprocess.run([str(SCRIPT), "--help"], capture_output=True, text=True, check=True)
    for option in ("--base", "--json", "--changelog", "--check", "--no-proof", "--examples"):
        assert option in done.stdout
