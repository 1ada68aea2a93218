"""What a run is pointed at and how hard it tries, read from the environment.

The environment is the suite's interface, so `pytest dialnexa_contract` and `scripts/contract-test`
(which sets these variables from its options) run exactly the same suite.
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

# The suite's own variable: the client's DIALNEXA_BASE_URL (perhaps production) never retargets it.
BASE_URL = "CONTRACT_BASE_URL"
API_KEY = "DIALNEXA_API_KEY"
EMULATOR = "CONTRACT_EMULATOR"
APP = "CONTRACT_APP"
ALLOW_CALLS = "CONTRACT_ALLOW_CALLS"
DESTINATIONS = "CONTRACT_TO"
AGENT_ID = "CONTRACT_AGENT_ID"
AGENT_VERSION = "CONTRACT_AGENT_VERSION"
FROM_NUMBER = "CONTRACT_FROM"
SEED = "CONTRACT_SEED"
WEBHOOK_URL = "CONTRACT_WEBHOOK_URL"
WEBHOOK_SECRET = "CONTRACT_WEBHOOK_SECRET"  # noqa: S105 - the variable's name
WEBHOOK_PORT = "CONTRACT_WEBHOOK_PORT"
MAX_EXAMPLES = "CONTRACT_MAX_EXAMPLES"

EMBEDDED_APP = "dialnexa_contract._target:embedded_emulator"
# The embedded emulator's demo key and agent (dialnexa_emulator/default_config.toml).
EMBEDDED_API_KEY = "kid_demo:sk_demo_secret"
EMBEDDED_AGENT_ID = "agt_abc123"
DEFAULT_MAX_EXAMPLES = 60


class SettingsError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Settings:
    base_url: str | None
    """A live server to test over HTTP; None tests `app` in process."""
    token: str
    emulator: bool
    """The live target is known to be an emulator, so its control plane may be used."""
    app: str
    """`module:callable` returning the ASGI app to test in process (the emulator by default)."""
    allow_calls: int
    destinations: tuple[str, ...]
    agent_id: str
    agent_version: int | None
    """The agent version allowed calls pin (None: the workspace's latest published)."""
    from_number: str | None
    """The caller ID allowed calls use (None: the workspace's default)."""
    seed: int
    max_examples: int
    webhook_url: str | None = None
    """Where the target delivers webhooks to the suite's receiver (None: a local one's address)."""
    webhook_secret: str = ""
    """The secret of the target's endpoint at `webhook_url`."""
    webhook_port: int = 0
    """The loopback port the receiver listens on (0: the URL's port, else a free one)."""

    @property
    def is_live(self) -> bool:
        return self.base_url is not None

    def describe(self) -> str:
        if self.base_url is not None:
            kind = "an emulator over HTTP" if self.emulator else "live"
            return f"{self.base_url} ({kind}, at most {self.allow_calls} call(s) placed)"
        if self.app == EMBEDDED_APP:
            return "the embedded emulator (in process)"
        return f"{self.app} (in process)"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        base_url = env.get(BASE_URL) or None
        # In process the demo key, whatever key the environment holds for real servers.
        token = (env.get(API_KEY) or "") if base_url else EMBEDDED_API_KEY
        if base_url and not token:
            raise SettingsError(f"a live target needs an API key (--token or {API_KEY})")
        return cls(
            base_url=base_url.rstrip("/") if base_url else None,
            token=token,
            emulator=bool(base_url) and env.get(EMULATOR, "") not in ("", "0"),
            app=env.get(APP) or EMBEDDED_APP,
            allow_calls=_natural(env, ALLOW_CALLS, 0),
            destinations=tuple(
                n.strip() for n in env.get(DESTINATIONS, "").split(",") if n.strip()
            ),
            agent_id=env.get(AGENT_ID) or EMBEDDED_AGENT_ID,
            agent_version=_natural(env, AGENT_VERSION, 0) or None,
            from_number=env.get(FROM_NUMBER) or None,
            seed=_natural(env, SEED, random.randrange(2**32)),  # noqa: S311 - a test seed, not a secret
            max_examples=max(1, _natural(env, MAX_EXAMPLES, DEFAULT_MAX_EXAMPLES)),
            webhook_url=env.get(WEBHOOK_URL) or None,
            webhook_secret=env.get(WEBHOOK_SECRET) or "",
            webhook_port=_natural(env, WEBHOOK_PORT, 0),
        )


def _natural(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name)
    if not value:
        return default
    if not value.isdigit():
        raise SettingsError(f"{name} must be a whole number >= 0, got {value!r}")
    return int(value)


@cache
def current() -> Settings:
    """This process's settings; the seed, when not given, is drawn once and kept for the run."""
    return Settings.from_env(os.environ)
