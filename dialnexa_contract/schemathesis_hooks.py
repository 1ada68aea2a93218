"""Everything schemathesis needs to know about this API beyond openapi.yaml.

Named by `hooks` in schemathesis.toml, so both the suite and a bare `schemathesis run` load it:
the `e164` format (real numbers, not just the pattern's shape), our domain checks, the checks
of the spec's prose rules, the checks across answers and over time, and the check of 429s.
"""

from dialnexa_contract import _cross_checks as cross_checks
from dialnexa_contract import _domain_checks as domain_checks
from dialnexa_contract import _prose_checks as prose_checks
from dialnexa_contract import _rate_limit_answers as rate_limit_answers
from dialnexa_contract import _time_checks as time_checks
from dialnexa_contract._phone_numbers import register_formats

register_formats()

__all__ = ["cross_checks", "domain_checks", "prose_checks", "rate_limit_answers", "time_checks"]
