"""scripts/docs: the HTML reference a person reads, rendered in headless Chromium (installed by
the script when missing), shows every operation and webhook with each of its responses."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, load_spec

sys.path.insert(0, str(ROOT / "scripts" / "lib"))
import render_docs


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs")
    done = subprocess.run(
        [str(ROOT / "scripts" / "docs"), "--check", "--out-dir", str(out)],
        capture_output=True,
        text=True,
        timeout=900,  # the first run on a fresh machine installs chromium
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "every operation and webhook with all its responses is on it" in done.stdout
    return out / "index.html"


def test_the_page_is_self_contained(built: Path) -> None:
    html = built.read_text(encoding="utf-8")
    assert "<script src=" not in html  # Redoc is inlined: the page works offline
    assert "fonts.googleapis.com" not in html


def test_the_check_names_what_the_page_does_not_show(built: Path) -> None:
    spec: dict[str, Any] = copy.deepcopy(load_spec())
    get_call = spec["paths"]["/calls/{call_id}"]["get"]
    get_call["responses"]["418"] = {"description": "not on the page"}
    spec["paths"]["/calls/{call_id}"]["delete"] = {
        "summary": "Cancel a call",
        "responses": {"204": {"description": "cancelled"}},
    }

    text = render_docs.rendered_text(built)

    assert render_docs.missing(text, load_spec()) == []
    assert render_docs.missing(text, spec) == [
        "response 418 of 'Get a call'",
        "operation 'Cancel a call'",
    ]
