"""Issue 19: no number a config file may hold makes the API answer a 5xx. TOML has `nan` and
`inf`; before, `balance = nan`, `window_sec = inf` or `created_sec = nan` loaded, and every create
was a 500. Each is refused now in one line naming the key, and whatever loads serves."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialnexa_emulator import ConfigError, FrozenClock, create_app
from dialnexa_emulator._config import parse_config
from tests.emulator.conftest import api_client

TEMPLATE = """
[lifecycle]
created_sec = {created_sec}
initiated_sec = {initiated_sec}
ring_sec = {ring_sec}
talk_sec = {talk_sec}

[server]
header_timeout_sec = {header_timeout_sec}

[[calls]]
count = {count}
every_sec = {every_sec}

[[workspaces]]
id = "w"
balance = {balance}
call_cost = {call_cost}
numbers = ["+912234567890"]
telephony = {{ destinations = [{{ country = "IN" }}] }}
agents = [{{ id = "agt_1", versions = [{{ number = 1 }}] }}]
[[workspaces.api_keys]]
id = "k"
secret = "s"
rate_limit = {{ requests = {requests}, window_sec = {window_sec} }}
"""
SENSIBLE: dict[str, Any] = {
    "created_sec": 0,
    "initiated_sec": 1,
    "ring_sec": 5,
    "talk_sec": 30,
    "header_timeout_sec": 10,
    "count": 2,
    "every_sec": 60,
    "balance": 10,
    "call_cost": 0.5,
    "requests": 100,
    "window_sec": 60,
}
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([0, 1, 86400, 86401, 31622400, 1e308, -0.0, 5e-324]),
)


def toml_number(value: float) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return repr(value)


def serves_without_5xx(text: str) -> None:
    try:
        config = parse_config(text, source="x.toml")
        app = create_app(config, clock=FrozenClock())
    except ConfigError as exc:
        assert str(exc).startswith("x.toml: ")
        assert "\n" not in str(exc)
        return
    with (
        api_client(app, key="k:s") as api,
        api_client(app, key=None, base_url="http://emulator/_emulator") as control,
    ):
        answers = [
            api.post("/calls", json={"agent_id": "agt_1", "to_phone_number": "+919876543210"}),
            api.post("/calls", json={"agent_id": "agt_1", "to_phone_number": "+919876543211"}),
            api.get("/calls"),
            control.post("/clock/advance", json={"seconds": 100}),
            api.get("/calls"),
            control.get("/wallets/w"),
            control.post("/reset"),
        ]
    assert all(answer.status_code < 500 for answer in answers), [a.text for a in answers]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("balance", "nan", "workspaces[0].balance must be a finite number, not nan"),
        ("call_cost", "inf", "workspaces[0].call_cost must be a finite number, not inf"),
        (
            "window_sec",
            "inf",
            "workspaces[0].api_keys[0].rate_limit.window_sec must be a finite number, not inf",
        ),
        ("created_sec", "nan", "lifecycle.created_sec must be a finite number, not nan"),
        ("every_sec", "nan", "calls[0].every_sec must be a finite number, not nan"),
        ("header_timeout_sec", "nan", "server.header_timeout_sec must be a finite number, not nan"),
    ],
)
def test_nan_and_infinity_are_refused_naming_the_key(key: str, value: str, message: str) -> None:
    text = TEMPLATE.format(**{**SENSIBLE, key: value})

    with pytest.raises(ConfigError) as refused:
        parse_config(text, source="x.toml")

    assert str(refused.value) == f"x.toml: {message}"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(sorted(SENSIBLE)), NUMBERS, min_size=1, max_size=4))
def test_no_number_in_the_config_makes_a_5xx(changes: dict[str, float]) -> None:
    values = {**SENSIBLE, **{key: toml_number(value) for key, value in changes.items()}}

    serves_without_5xx(TEMPLATE.format(**values))
