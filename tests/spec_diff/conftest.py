"""Shared by the spec-diff tests: the released spec, edits of it, one client generated from it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, SPEC_PATH

sys.path.insert(0, str(ROOT / "scripts" / "lib"))
from spec_diff import clients

Edit = Callable[[dict[str, Any]], None]


def edited(edit: Edit, text: str | None = None) -> str:
    """openapi.yaml (or `text`) with `edit` applied to its parsed document, as YAML again."""
    document = yaml.safe_load(text if text is not None else SPEC_PATH.read_text(encoding="utf-8"))
    edit(document)
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


@pytest.fixture(scope="session")
def base_client() -> Path:
    """The client generated from openapi.yaml as it is, shared by every comparison against it."""
    return clients.client_for(SPEC_PATH.read_text(encoding="utf-8"))


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    who = ["-c", "user.name=Spec", "-c", "user.email=spec@example.invalid"]
    git(repo, *who, "commit", "-qm", message)


@pytest.fixture
def released(tmp_path: Path) -> Path:
    """A git repository whose first commit releases openapi.yaml as it is (its CHANGELOG.md
    heading), and a later commit changes something else."""
    version = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))["info"]["version"]
    git(tmp_path, "init", "-q")
    shutil.copyfile(SPEC_PATH, tmp_path / "openapi.yaml")
    changelog = f"# Changelog\n\n## {version}\n\nThe contract.\n"
    (tmp_path / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
    commit(tmp_path, f"Release {version}")
    (tmp_path / "README").write_text("a commit after the release\n")
    commit(tmp_path, "Unrelated")
    return tmp_path
