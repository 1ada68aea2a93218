"""Phone-number rules: what is a valid E.164 number, and which destinations a workspace may dial."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberFormat
from phonenumbers.phonenumberutil import PhoneNumberType


@lru_cache(maxsize=8192)
def parse_e164(value: str) -> PhoneNumber | None:
    """The number `value` denotes, or None unless it is a valid number written in canonical E.164.

    The canonical round trip rejects spellings phonenumbers would tolerate (a trailing newline, a
    national trunk prefix after the country code), which the spec's `+digits` shape does not allow.
    """
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.format_number(number, PhoneNumberFormat.E164) != value:
        return None
    return number


def is_e164(value: object) -> bool:
    """JSON Schema format check for `format: e164`; other types are left to `type`."""
    return not isinstance(value, str) or parse_e164(value) is not None


def region_of(number: PhoneNumber) -> str:
    """ISO 3166 code of the number's country ("001" for non-geographic numbers)."""
    return phonenumbers.region_code_for_number(number) or "ZZ"


@lru_cache(maxsize=8192)
def _region_of_e164(value: str) -> str:
    number = parse_e164(value)
    return region_of(number) if number is not None else "ZZ"


@dataclass(frozen=True, slots=True)
class Destination:
    """A country a workspace may call, optionally only numbers starting with one of `prefixes`."""

    country: str
    prefixes: tuple[str, ...] = ()

    def allows(self, e164: str) -> bool:
        return not self.prefixes or e164.startswith(self.prefixes)


@dataclass(frozen=True, slots=True)
class Telephony:
    """A workspace's telephony configuration.

    With `sip` on, calls go out over the workspace's SIP trunk and DialNexa skips the destination
    country and prefix rules, which only govern its own (non-SIP) routes.
    """

    destinations: tuple[Destination, ...]
    sip: bool = False

    def example_destination(self) -> str | None:
        """A mobile number the workspace may call (of its first country that has one)."""
        for destination in self.destinations:
            number = phonenumbers.example_number_for_type(
                destination.country, PhoneNumberType.MOBILE
            )
            if number is not None:
                return phonenumbers.format_number(number, PhoneNumberFormat.E164)
        return None

    def refusal(self, e164: str) -> str | None:
        """Why a call to `e164` (already valid) is forbidden, or None when it may be placed."""
        if self.sip:
            return None
        if not self.destinations:
            return (
                "No destination countries are enabled for this workspace. "
                "Enable one in Workspace Settings > Telephony Config."
            )
        region = _region_of_e164(e164)
        if any(d.country == region and d.allows(e164) for d in self.destinations):
            return None
        return (
            "Destination country or network prefix is not enabled for this workspace "
            f"({e164}, {region})"
        )


# Countries tried, in order, for a number a workspace may not call.
_OTHER_COUNTRIES = ("DE", "FR", "JP", "BR", "AU", "ZA", "IN", "US", "GB")


def forbidden_destination(telephony: Telephony) -> str | None:
    """A valid mobile number `telephony` refuses (a 403), or None when it allows every one."""
    for country in _OTHER_COUNTRIES:
        number = phonenumbers.example_number_for_type(country, PhoneNumberType.MOBILE)
        if number is not None:
            e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
            if telephony.refusal(e164) is not None:
                return e164
    return None
