"""docs/fidelity.md works as written: its Python block replays a committed cassette."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from dialnexa_emulator.fidelity import write_cassette
from tests.fidelity.harness import recording, typical_session

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "fidelity.md"


def test_the_python_block_replays_a_cassette(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (block,) = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    with recording(tmp_path / "recording") as session:
        typical_session(session)
        cassette = session.cassette()
    (tmp_path / "fidelity").mkdir()
    write_cassette(tmp_path / "fidelity" / "sandbox.yaml", cassette)
    shutil.copy(
        ROOT / "dialnexa_emulator" / "default_config.toml", tmp_path / "fidelity" / "sandbox.toml"
    )
    monkeypatch.chdir(tmp_path)

    exec(compile(block, str(PAGE), "exec"), {})

    assert capsys.readouterr().out.startswith("## Emulator fidelity\n\n**100.0%**")


def test_the_page_is_linked_from_the_readme() -> None:
    assert "(docs/fidelity.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
