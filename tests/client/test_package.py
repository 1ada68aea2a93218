"""The generated package stands alone, and every template override says why it exists."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "generated" / "dialnexa-client"
DISTRIBUTIONS = {"attrs": "attrs", "httpx": "httpx", "httpx_retries": "httpx-retries"}


def test_every_third_party_import_is_a_declared_dependency() -> None:
    imported: set[str] = set()
    for module in (PROJECT / "dialnexa_client").rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names)
    assert third_party <= DISTRIBUTIONS.keys(), third_party - DISTRIBUTIONS.keys()

    pyproject = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = {re.split(r"[<>=!~ \[]", d)[0] for d in pyproject["project"]["dependencies"]}
    assert {DISTRIBUTIONS[name] for name in third_party} <= declared


def test_each_template_starts_with_its_reason() -> None:
    """Overrides say why they replace the generator's template; extra modules say what they are."""
    templates = sorted((ROOT / "templates").glob("**/*.jinja"))
    assert templates
    for template in templates:
        head = template.read_text(encoding="utf-8")[:400]
        kind = "Extra module" if template.parent.name == "extra" else "Overridden"
        assert re.match(rf"\{{#-? {kind}[^:]*: \S", head), f"{template.name} does not say why"
