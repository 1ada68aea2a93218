"""A pytest plugin that breaks the run itself, to show how scripts/contract-test reports that."""

from __future__ import annotations

import pytest


def pytest_collection_finish(session: pytest.Session) -> None:
    raise RuntimeError("the suite itself broke")
