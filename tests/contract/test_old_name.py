"""The suite's 1.x name, `contract_tests`, still loads its hooks for one minor release, and says
what to name instead."""

import subprocess
import sys

from tests.contract.conftest import ROOT

LOAD = (
    "import warnings; warnings.simplefilter('always');"
    "import contract_tests.schemathesis_hooks as hooks; import dialnexa_contract.schemathesis_hooks"
    " as new; assert hooks._hooks is new"
)


def test_the_old_hooks_module_loads_the_new_one_and_warns() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", LOAD], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert "DeprecationWarning" in completed.stderr
    assert 'hooks = "dialnexa_contract.schemathesis_hooks"' in completed.stderr


def test_as_an_error_the_warning_stops_the_old_name() -> None:
    completed = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", "import contract_tests"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode != 0
    assert "dialnexa_contract" in completed.stderr
