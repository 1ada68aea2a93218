"""The plugin's own refusals, and its clean-up, seen as a user's pytest run sees them."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_a_config_file_that_cannot_be_used_fails_the_test_in_one_line(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.dialnexa(config="missing.toml")
        def test_it(dialnexa_emulator):
            pass

        @pytest.mark.dialnexa(config="missing.toml")
        def test_served(dialnexa_server):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*missing.toml: cannot read the config file*"])
    result.stdout.no_fnmatch_line("*Traceback*")
    result.stdout.no_fnmatch_line("*dialnexa_emulator/_config.py*")


def test_a_misused_marker_says_how_to_write_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.dialnexa("shop.toml")
        def test_it(dialnexa_client):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ['*use the marker as @pytest.mark.dialnexa(config="file.toml", strict=True)*']
    )


def test_httpx_is_patched_only_while_a_test_holds_the_emulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        ORIGINAL = httpx.HTTPTransport.handle_request

        def test_holds_it(dialnexa_emulator):
            assert httpx.HTTPTransport.handle_request is not ORIGINAL

        def test_after_it():
            assert httpx.HTTPTransport.handle_request is ORIGINAL
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_the_webhook_receiver_fixture_collects_each_tests_deliveries(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("number", ["+919876543210", "+919876500002"])
        def test_call_ended_arrives(
            dialnexa_client, dialnexa_emulator, dialnexa_webhook_receiver, number
        ):
            assert dialnexa_webhook_receiver.deliveries == []  # nothing from the test before
            call = dialnexa_client.calls.create(agent_id="agt_abc123", to_phone_number=number)
            dialnexa_emulator.clock.advance(60)
            dialnexa_emulator.webhooks.flush()
            [ended] = dialnexa_webhook_receiver.events("call_ended")
            assert ended.call["id"] == call.id
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
