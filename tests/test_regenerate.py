"""scripts/regenerate: reproducible, precise about staleness, carries spec changes through."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from jinja2 import TemplateError

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts" / "lib"))
import regenerate

COMMITTED = ROOT / "generated" / "dialnexa-client"


def test_committed_client_is_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert regenerate.main(["--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_check_names_every_stale_file_and_regenerate_repairs_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "dialnexa-client"
    shutil.copytree(COMMITTED, copy, ignore=shutil.ignore_patterns(*regenerate.IGNORED))
    (copy / "dialnexa_client" / "models" / "call.py").write_text("# edited by hand\n")
    (copy / "dialnexa_client" / "models" / "error.py").unlink()
    (copy / "dialnexa_client" / "stray.py").write_text("x = 1\n")

    assert regenerate.main(["--check", "--output", str(copy)]) == 1
    report = capsys.readouterr().err
    assert "changed" in report and "models/call.py" in report
    assert "missing" in report and "models/error.py" in report
    assert "extra" in report and "stray.py" in report

    assert regenerate.main(["--output", str(copy)]) == 0
    assert "3 file(s) changed" in capsys.readouterr().out
    assert regenerate.main(["--check", "--output", str(copy)]) == 0
    # A second run changes nothing.
    assert regenerate.main(["--output", str(copy)]) == 0
    assert "0 file(s) changed" in capsys.readouterr().out


def test_a_spec_change_reaches_the_client(tmp_path: Path) -> None:
    """What a spec maintainer does: add an optional field, regenerate, use it."""
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    spec["components"]["schemas"]["CreateCallRequest"]["properties"]["campaign_tag"] = {
        "type": "string",
        "description": "A label for reporting.",
    }
    edited = tmp_path / "openapi.yaml"
    edited.write_text(yaml.safe_dump(spec, sort_keys=False))
    out = tmp_path / "client"

    assert regenerate.main(["--spec", str(edited), "--output", str(out)]) == 0
    program = textwrap.dedent(
        """
        from dialnexa_client.models import CreateCallRequest
        request = CreateCallRequest(
            agent_id="agt_abc123", to_phone_number="+919876543210", campaign_tag="spring"
        )
        assert request.to_dict()["campaign_tag"] == "spring", request.to_dict()
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=out,  # the fresh package shadows the installed one
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    assert regenerate.main(["--check", "--output", str(COMMITTED), "--spec", str(edited)]) == 1


def test_missing_spec_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        regenerate.main(["--check", "--spec", str(tmp_path / "nope.yaml")])
    assert exit_info.value.code == 2
    assert "no such spec file" in capsys.readouterr().err


def test_shell_entry_point_works_without_an_activated_venv() -> None:
    """scripts/check-generated finds ruff and the generator itself (no venv on PATH)."""
    venv_bin = str(ROOT / ".venv" / "bin")
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != venv_bin)
    result = subprocess.run(
        [str(ROOT / "scripts" / "check-generated")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "up to date" in result.stdout


def test_client_src_is_copied_as_it_is(tmp_path: Path) -> None:
    """The client's plain Python reaches the package byte for byte (already formatted as the
    generated package formats it), and nothing else of client_src/ does."""
    fresh = regenerate.generate(regenerate.SPEC, regenerate.CONFIG, tmp_path)
    sources = [p for p in regenerate.SOURCES.rglob("*.py") if "__pycache__" not in p.parts]
    assert len(sources) >= 5
    for source in sources:
        copied = fresh / "dialnexa_client" / source.relative_to(regenerate.SOURCES)
        assert copied.read_bytes() == source.read_bytes(), source
    assert (
        not list(fresh.rglob("ruff.toml"))
        and not (fresh / "dialnexa_client" / "README.md").exists()
    )


def test_a_model_template_that_lost_its_anchor_stops_generation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """templates/model.py.jinja wraps the generator's own template at `def to_dict`; if an upgrade
    of the generator moved that, generation fails loudly instead of writing models without it."""
    templates = tmp_path / "templates"
    shutil.copytree(regenerate.TEMPLATES, templates)
    model = templates / "model.py.jinja"
    model.write_text(model.read_text().replace("def to_dict(self)", "def to_json(self)"))
    monkeypatch.setattr(regenerate, "TEMPLATES", templates)
    monkeypatch.setattr(regenerate, "EXTRA", templates / "extra")

    with pytest.raises(TemplateError, match="no `def to_dict` anchor"):
        regenerate.generate(regenerate.SPEC, regenerate.CONFIG, tmp_path / "out")
