"""Shared by the spec-diff tests: the released spec, edits of it, one client generated from it."""

from __future__ import annotations

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
