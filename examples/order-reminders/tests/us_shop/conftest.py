"""Every test in this directory runs against the US-only shop's config."""

from pathlib import Path

import pytest


@pytest.fixture
def dialnexa_config() -> Path:
    return Path(__file__).parents[1] / "shop.toml"
