"""Config files: the embedded default, loading a file, and errors that name file and key."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import phonenumbers
import pytest

from dialnexa_emulator import ConfigError, FrozenClock, create_app, default_config, load_config
from dialnexa_emulator._config import JournalSettings, parse_config
from dialnexa_emulator._lifecycle import Timing
from dialnexa_emulator._telephony import parse_e164
from tests.emulator.conftest import api_client

ROOT = Path(__file__).resolve().parents[2]
PACKAGED_DEFAULT = ROOT / "dialnexa_emulator" / "default_config.toml"

MINIMAL = """
[[workspaces]]
id = "w"
numbers = ["+912234567890"]
[[workspaces.api_keys]]
id = "kid_w"
secret = "sk_w"
"""


def test_the_default_config_has_what_the_docs_promise() -> None:
    config = default_config()
    default, acme = config.workspaces

    assert [k.token for k in default.api_keys] == ["kid_demo:sk_demo_secret"]
    assert [k.token for k in acme.api_keys] == ["kid_acme:sk_acme_secret"]
    agent = default.agents["agt_abc123"]
    assert agent.versions == {1: True, 2: False, 3: True}
    assert "{{customer_name}}" in agent.greeting
    assert default.default_from_number == "+912234567890"
    assert {d.country for d in default.telephony.destinations} >= {"IN", "US", "GB"}
    assert not default.telephony.sip
    assert default.balance >= 1000 * default.call_cost * 100
    assert all(k.rate_limit is None for k in default.api_keys)


def test_the_test_numbers_are_valid_numbers_of_an_enabled_country() -> None:
    config = default_config()
    default = config.workspaces[0]

    for rule in config.outcomes:
        assert rule.number is not None
        number = parse_e164(rule.number)
        assert number is not None, rule.number
        assert default.telephony.refusal(rule.number) is None
        assert phonenumbers.region_code_for_number(number) == "IN"


def test_the_shipped_example_file_is_the_embedded_default() -> None:
    assert load_config(PACKAGED_DEFAULT).workspaces == default_config().workspaces


def test_the_documented_example_config_loads_and_serves(tmp_path: Path) -> None:
    page = (ROOT / "docs" / "emulator.md").read_text(encoding="utf-8")
    section = page.split("<!-- section: emulator -->")[1].split("<!-- /section: emulator -->")[0]
    example = re.search(r"```toml\n(.*?)```", section, re.DOTALL)
    assert example is not None, "docs/emulator.md has no TOML example"
    path = tmp_path / "emulator.toml"
    path.write_text(example.group(1), encoding="utf-8")

    config = load_config(path)

    assert config.workspaces
    app = create_app(config)
    for workspace in config.workspaces:  # each one, the SIP trunk too, can place a call
        [agent_id, *_] = workspace.agents
        with api_client(app, key=workspace.api_keys[0].token) as client:
            body = {"agent_id": agent_id, "to_phone_number": "+919876543210"}
            assert client.post("/calls", json=body).status_code == 201


def test_a_minimal_file_gets_sensible_defaults() -> None:
    config = parse_config(MINIMAL, source="min.toml")

    [workspace] = config.workspaces
    assert workspace.default_from_number == "+912234567890"
    assert workspace.agents == {}
    assert workspace.telephony.destinations == ()
    assert workspace.balance == Decimal(0)
    assert config.timing == Timing()
    assert config.outcomes == ()


def test_the_journal_and_seeds_are_read(tmp_path: Path) -> None:
    text = (
        "[journal]\nsize = 2\nbodies = true\n"
        "[[calls]]\nstatus = 'busy'\ncreated_at = 2024-02-01T09:00:00+05:30\n"
        + PACKAGED_DEFAULT.read_text(encoding="utf-8")
    )

    config = parse_config(text, source="j.toml")

    assert config.journal == JournalSettings(size=2, bodies=True)
    assert config.calls == ({"status": "busy", "created_at": "2024-02-01T09:00:00+05:30"},)
    [call] = create_app(config, clock=FrozenClock()).state.emulator.calls()
    assert call.created_at.isoformat() == "2024-02-01T03:30:00+00:00"


def test_money_is_exact() -> None:
    config = parse_config(
        MINIMAL.replace('id = "w"', 'id = "w"\nbalance = 0.3\ncall_cost = 0.1'), source="m"
    )

    assert config.workspaces[0].balance - 3 * config.workspaces[0].call_cost == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("workspaces = [", "bad.toml: not valid TOML: "),
        ("", "bad.toml: workspaces should not be empty"),
        ("[[workspaces]]\nid = 'w'", "bad.toml: workspaces[0].numbers should not be empty"),
        (
            MINIMAL + "ballance = 3\n",
            "bad.toml: property workspaces[0].api_keys[0].ballance should not exist",
        ),
        (
            MINIMAL.replace('id = "w"', 'id = "w"\nbalance = "lots"'),
            "bad.toml: workspaces[0].balance must be a number",
        ),
        (
            MINIMAL.replace('id = "w"', 'id = "w"\nbalance = -1'),
            "bad.toml: workspaces[0].balance must not be less than 0",
        ),
        (
            MINIMAL.replace("+912234567890", "+10"),
            "bad.toml: workspaces[0].numbers[0] must be a valid phone number: +10 is not",
        ),
        (
            MINIMAL.replace('"kid_w"', '"kid:w"'),
            "bad.toml: workspaces[0].api_keys[0].id must match ^[^\\s:]+$ regular expression",
        ),
        (
            MINIMAL.replace('id = "w"', 'id = "w"\ndefault_from_number = "+14155550123"'),
            "bad.toml: workspaces[0].default_from_number +14155550123 is not one of its numbers",
        ),
        (
            MINIMAL + "[[workspaces.agents]]\nid = 'a'\nversions = []\n",
            "bad.toml: workspaces[0].agents[0].versions should not be empty",
        ),
        (
            MINIMAL + "[[workspaces.agents]]\nid = 'a'\nversions = [{number = 1}, {number = 1}]\n",
            "bad.toml: workspaces[0].agents[0].versions: version number 1 appears twice",
        ),
        (
            MINIMAL + "[workspaces.telephony]\ndestinations = [{country = 'XX'}]\n",
            "bad.toml: workspaces[0].telephony.destinations[0].country 'XX' is not a country",
        ),
        (
            MINIMAL + MINIMAL.replace('id = "w"', 'id = "w2"'),
            "bad.toml: workspaces: API key id kid_w appears twice",
        ),
        (
            MINIMAL + MINIMAL.replace('"kid_w"', '"kid_w2"'),
            "bad.toml: workspaces: workspace id w appears twice",
        ),
        (
            "[[outcomes]]\noutcome = 'busy'\n" + MINIMAL,
            "bad.toml: outcomes[0] needs exactly one of number or prefix",
        ),
        (
            "[[outcomes]]\nprefix = '+91'\noutcome = 'ringing'\n" + MINIMAL,
            "bad.toml: outcomes[0].outcome must be one of the following values: completed, ",
        ),
        (
            "[[outcomes]]\nprefix = '+91'\noutcome = 'busy'\ntalk_sec = 3\n" + MINIMAL,
            "bad.toml: outcomes[0].talk_sec only applies to the outcome completed",
        ),
        (
            "[lifecycle]\nring_sec = -1\n" + MINIMAL,
            "bad.toml: lifecycle.ring_sec must not be less than 0",
        ),
        ("[journal]\nsize = 0\n" + MINIMAL, "bad.toml: journal.size must not be less than 1"),
        (
            "[[calls]]\ncreated_at = 2024-02-01T09:00:00\n" + MINIMAL,  # no offset
            "bad.toml: calls[0].created_at must be an RFC 3339 date-time",
        ),
    ],
)
def test_bad_configs_say_what_and_where_in_one_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(text, source="bad.toml")

    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_an_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing\.toml: cannot read the config file"):
        load_config(tmp_path / "missing.toml")


def test_prefix_outcome_rules_match_by_prefix() -> None:
    text = "[[outcomes]]\nprefix = '+9198765'\noutcome = 'busy'\n" + MINIMAL.replace(
        "[[workspaces.api_keys]]",
        "[workspaces.telephony]\ndestinations = [{country = 'IN'}]\n"
        "[[workspaces.agents]]\nid = 'agt'\nversions = [{number = 1}]\n[[workspaces.api_keys]]",
    )
    app = create_app(parse_config(text, source="prefix.toml"))

    with api_client(app, key="kid_w:sk_w") as client:
        busy = client.post("/calls", json={"agent_id": "agt", "to_phone_number": "+919876512345"})
        other = client.post("/calls", json={"agent_id": "agt", "to_phone_number": "+918123456789"})
    app.state.emulator.clock.advance(3600)
    with api_client(app, key="kid_w:sk_w") as client:
        statuses = [client.get(f"/calls/{r.json()['id']}").json()["status"] for r in (busy, other)]

    assert statuses == ["busy", "completed"]
