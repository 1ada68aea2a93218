"""Deprecated alias of `dialnexa_contract.schemathesis_hooks`, for schemathesis.toml files that
still name `contract_tests.schemathesis_hooks`: loads the same formats and checks."""

from dialnexa_contract import schemathesis_hooks as _hooks

__all__ = ["_hooks"]
