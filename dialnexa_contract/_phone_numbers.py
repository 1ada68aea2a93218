"""Phone numbers as the spec means them (`format: e164`): real, dialable numbers of their country.

The spec's pattern `^\\+[1-9][0-9]{1,14}$` is only the outer shape; DialNexa (and the emulator)
also check with phonenumbers that the number exists. Generated requests therefore draw from
phonenumbers' own example numbers, so "schema-valid" means what the server means by it.
"""

from __future__ import annotations

from functools import cache

import phonenumbers
import schemathesis
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

# Destinations enabled in the emulator's default workspace come first: Hypothesis shrinks towards
# the start of a sampled list, so minimal failing examples use a number that can be dialled.
_PREFERRED_REGIONS = ("IN", "US", "GB")
_TYPES = (
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.VOIP,
)


def is_e164(value: object) -> bool:
    """JSON Schema format check for `e164`; values of other types are left to `type`."""
    if not isinstance(value, str):
        return True
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return False
    return (
        phonenumbers.is_valid_number(number)
        and phonenumbers.format_number(number, PhoneNumberFormat.E164) == value
    )


@cache
def example_numbers() -> tuple[str, ...]:
    """Valid E.164 numbers of every region and common number type, preferred regions first."""
    regions = list(_PREFERRED_REGIONS) + sorted(
        set(phonenumbers.SUPPORTED_REGIONS) - set(_PREFERRED_REGIONS)
    )
    numbers: dict[str, None] = {}
    for region in regions:
        for number_type in _TYPES:
            example = phonenumbers.example_number_for_type(region, number_type)
            if example is None:
                continue
            formatted = phonenumbers.format_number(example, PhoneNumberFormat.E164)
            if is_e164(formatted):
                numbers[formatted] = None
    return tuple(numbers)


def e164_numbers() -> st.SearchStrategy[str]:
    return st.sampled_from(example_numbers())


@cache
def register_formats() -> None:
    """Teach schemathesis the spec's `e164` format (once per process)."""
    schemathesis.openapi.format("e164", e164_numbers())
