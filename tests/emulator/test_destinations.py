"""Destination rules: enabled countries and prefixes, no destination at all, SIP routes."""

from __future__ import annotations

import httpx
import phonenumbers
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from dialnexa_emulator import Emulator, EmulatorConfig
from dialnexa_emulator._telephony import Destination, Telephony
from tests.emulator.conftest import MINIMAL_REQUEST, error_message, with_default_workspace

ENABLED = {"IN", "US", "GB"}  # the default workspace's destinations
NO_DESTINATION = (
    "No destination countries are enabled for this workspace. "
    "Enable one in Workspace Settings > Telephony Config."
)
PROPERTY = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _examples() -> list[tuple[str, str]]:
    """(country, E.164) for every example number phonenumbers has that belongs to its country."""
    found = set()
    for region in phonenumbers.SUPPORTED_REGIONS:
        for kind in vars(PhoneNumberType).values():
            if not isinstance(kind, int):
                continue
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None and phonenumbers.region_code_for_number(number) == region:
                found.add((region, phonenumbers.format_number(number, PhoneNumberFormat.E164)))
    return sorted(found)


EXAMPLES = _examples()


@st.composite
def valid_numbers(draw: st.DrawFn, countries: set[str], *, inside: bool) -> tuple[str, str]:
    """A valid number of one of `countries` (or of any other country): an example number of
    that country with up to its last three digits redrawn."""
    pool = [e for e in EXAMPLES if (e[0] in countries) == inside]
    country, example = draw(st.sampled_from(pool))
    tail = draw(st.text("0123456789", max_size=3))
    candidate = example[: len(example) - len(tail)] + tail
    number = phonenumbers.parse(candidate)
    assume(phonenumbers.is_valid_number(number))
    assume(phonenumbers.region_code_for_number(number) == country)
    return country, candidate


@PROPERTY
@given(destination=valid_numbers(ENABLED, inside=True))
def test_any_valid_number_of_an_enabled_country_is_accepted(
    api: httpx.Client, emulator: Emulator, destination: tuple[str, str]
) -> None:
    emulator.reset()
    _, number = destination

    response = api.post("/calls", json={**MINIMAL_REQUEST, "to_phone_number": number})

    assert response.status_code == 201, response.text
    assert response.json()["to_phone_number"] == number


@PROPERTY
@given(destination=valid_numbers(ENABLED, inside=False))
def test_any_valid_number_of_another_country_is_403(
    api: httpx.Client, destination: tuple[str, str]
) -> None:
    country, number = destination

    response = api.post("/calls", json={**MINIMAL_REQUEST, "to_phone_number": number})

    assert error_message(response, 403) == (
        "Destination country or network prefix is not enabled for this workspace "
        f"({number}, {country})"
    )


def test_a_country_sharing_a_calling_code_is_not_enabled_with_it(api: httpx.Client) -> None:
    """+1 covers Canada too, +44 Jersey; enabling US and GB enables neither."""
    for number in ("+16135550100", "+447797123456"):
        response = api.post("/calls", json={**MINIMAL_REQUEST, "to_phone_number": number})
        assert response.status_code == 403, number


class TestPrefixes:
    @pytest.fixture
    def config(self) -> EmulatorConfig:
        telephony = Telephony((Destination("GB", ("+4474", "+4475")), Destination("IN")))
        return with_default_workspace(telephony=telephony)

    @pytest.mark.parametrize("number", ["+447400123456", "+447511123456", "+919876543210"])
    def test_numbers_with_an_enabled_prefix_are_accepted(
        self, api: httpx.Client, number: str
    ) -> None:
        response = api.post("/calls", json={**MINIMAL_REQUEST, "to_phone_number": number})

        assert response.status_code == 201

    @pytest.mark.parametrize("number", ["+442079460000", "+447812345678", "+14155550100"])
    def test_other_numbers_are_403(self, api: httpx.Client, number: str) -> None:
        response = api.post("/calls", json={**MINIMAL_REQUEST, "to_phone_number": number})

        message = error_message(response, 403)
        assert isinstance(message, str)
        assert message.startswith("Destination country or network prefix is not enabled")


class TestNoDestination:
    @pytest.fixture
    def config(self) -> EmulatorConfig:
        return with_default_workspace(telephony=Telephony(()))

    def test_every_call_is_403(self, api: httpx.Client) -> None:
        response = api.post("/calls", json=MINIMAL_REQUEST)

        assert error_message(response, 403) == NO_DESTINATION


class TestSip:
    @pytest.fixture
    def config(self) -> EmulatorConfig:
        return with_default_workspace(telephony=Telephony((), sip=True))

    @PROPERTY
    @given(destination=valid_numbers(ENABLED, inside=False))
    def test_sip_routes_skip_the_country_rules(
        self, api: httpx.Client, emulator: Emulator, destination: tuple[str, str]
    ) -> None:
        emulator.reset()
        _, number = destination

        response = api.post("/calls", json={**MINIMAL_REQUEST, "to_phone_number": number})

        assert response.status_code == 201, response.text

    def test_but_not_the_number_format(self, api: httpx.Client) -> None:
        response = api.post("/calls", json={**MINIMAL_REQUEST, "to_phone_number": "+10"})

        assert response.status_code == 400
