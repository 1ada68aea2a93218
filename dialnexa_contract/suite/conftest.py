"""One seed and no saved examples for every property in the suite, however it is started."""

from __future__ import annotations

import tempfile
from pathlib import Path

import hypothesis
import pytest
from hypothesis.configuration import set_hypothesis_home_dir

from dialnexa_contract._settings import current

hypothesis.settings.register_profile(
    "contract",
    max_examples=current().max_examples,
    deadline=None,  # requests share two cores with the generator; timing is not the point
    database=None,  # no `.hypothesis/` litter, and no old failures replayed into a seeded run
    suppress_health_check=[hypothesis.HealthCheck.too_slow, hypothesis.HealthCheck.data_too_large],
)
hypothesis.settings.load_profile("contract")
# Hypothesis keeps caches (constants, unicode tables) even without a database: not in the repo.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "dialnexa-contract-tests" / "hypothesis")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # Before Hypothesis' own plugin reads it: the run's seed drives our properties as well as
    # schemathesis (which gets it through its config), so `--seed N` replays everything.
    if config.getoption("hypothesis_seed", None) is None:
        config.option.hypothesis_seed = current().seed
    config.addinivalue_line(
        "markers", "contract(operation, check): the operation and check a test counts towards"
    )
    config.addinivalue_line(
        "markers", "coverage_verdict: runs after every other test (it judges what they observed)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker("coverage_verdict") is not None)
