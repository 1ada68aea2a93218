"""Everything schemathesis needs to know about this API beyond openapi.yaml.

Named by `hooks` in schemathesis.toml, so both the suite and a bare `schemathesis run` load it:
the `e164` format (real numbers, not just the pattern's shape), our domain checks and the checks
of the spec's prose rules.
"""

from dialnexa_contract import _domain_checks as domain_checks
from dialnexa_contract import _prose_checks as prose_checks
from dialnexa_contract._phone_numbers import register_formats

register_formats()

__all__ = ["domain_checks", "prose_checks"]
