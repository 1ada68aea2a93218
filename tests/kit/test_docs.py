"""docs/testing-your-code.md shows the example project's real code, so its snippets run."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "testing-your-code.md"
EXAMPLE = ROOT / "examples" / "order-reminders"


def test_every_python_snippet_is_an_excerpt_of_the_example() -> None:
    sources = [path.read_text(encoding="utf-8") for path in EXAMPLE.rglob("*.py")]
    snippets = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.DOTALL)
    assert len(snippets) >= 8
    missing = [s for s in snippets if not any(s in source for source in sources)]
    assert not missing, "not in examples/order-reminders:\n" + "\n---\n".join(missing)
