"""Deprecated alias of `dialnexa_contract`, kept for one minor release."""

import warnings

warnings.warn(
    "the package 'contract_tests' is now 'dialnexa_contract'; "
    'set hooks = "dialnexa_contract.schemathesis_hooks" in schemathesis.toml',
    DeprecationWarning,
    stacklevel=2,
)
