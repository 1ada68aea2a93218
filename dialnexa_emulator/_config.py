"""The emulator's configuration: workspaces, outcome rules, timing, the request journal and seeded
calls, read from a TOML file.

The file's shape is checked with a JSON Schema (unknown keys are errors, so typos surface), the
rules that span entries (unique ids, owned default numbers, real countries) in code. Every error
names the file and the key.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import phonenumbers

from dialnexa_emulator._agents import Agent
from dialnexa_emulator._auth import ApiKey
from dialnexa_emulator._clock import with_text_times
from dialnexa_emulator._journal import DEFAULT_SIZE
from dialnexa_emulator._lifecycle import OUTCOMES, OutcomeRule, Timing
from dialnexa_emulator._ratelimit import RateLimit
from dialnexa_emulator._telephony import Destination, Telephony
from dialnexa_emulator._validation import E164, Schema, compile_schema

DEFAULT_CONFIG = "default_config.toml"
WEBHOOK_EVENTS = ("call_initiated", "call_ended")
# DialNexa lets each endpoint choose 1-60 s and 0-3 retries; it publishes no defaults.
DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000
DEFAULT_WEBHOOK_RETRIES = 3


class ConfigError(ValueError):
    """A configuration that cannot be used; the message is one line naming file and key."""


@dataclass(frozen=True, slots=True)
class Workspace:
    id: str
    api_keys: tuple[ApiKey, ...]
    agents: Mapping[str, Agent]
    numbers: frozenset[str]
    default_from_number: str
    telephony: Telephony
    balance: Decimal
    call_cost: Decimal
    webhooks: tuple[WebhookConfig, ...] = ()


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """A webhook endpoint: where a workspace's call events are delivered, and how."""

    url: str
    secret: str
    events: frozenset[str] = frozenset(WEBHOOK_EVENTS)
    active: bool = True
    timeout_ms: int = DEFAULT_WEBHOOK_TIMEOUT_MS
    retries: int = DEFAULT_WEBHOOK_RETRIES


@dataclass(frozen=True, slots=True)
class JournalSettings:
    size: int = DEFAULT_SIZE  # requests kept, the oldest dropped first
    bodies: bool = False  # keep request bodies too (metadata may hold personal data)


@dataclass(frozen=True, slots=True)
class ControlPlaneSettings:
    """`[control_plane]`: a token it needs (`Authorization: Bearer ...`), Host names it answers
    for besides loopback and the bound host (both served only; control/_guard.py)."""

    token: str | None = None
    allow_hosts: tuple[str, ...] = ()


# How long a served emulator waits for a client before closing its connection (server/_protocol.py).
DEFAULT_HEADER_TIMEOUT_SEC = 10.0
DEFAULT_BODY_TIMEOUT_SEC = 30.0
DEFAULT_IDLE_TIMEOUT_SEC = 5.0  # uvicorn's own default keep-alive


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """`[server]`: connection timeouts of a served emulator, in seconds. `header_timeout_sec`:
    from connecting, or a request's first byte, to the end of its headers; `body_timeout_sec`:
    from the end of the headers to the end of the body; `idle_timeout_sec`: between an answer and
    the next request on a kept-alive connection."""

    header_timeout_sec: float = DEFAULT_HEADER_TIMEOUT_SEC
    body_timeout_sec: float = DEFAULT_BODY_TIMEOUT_SEC
    idle_timeout_sec: float = DEFAULT_IDLE_TIMEOUT_SEC


@dataclass(frozen=True, slots=True)
class EmulatorConfig:
    workspaces: tuple[Workspace, ...]
    outcomes: tuple[OutcomeRule, ...]
    timing: Timing
    source: str  # the file it came from, for messages
    journal: JournalSettings = JournalSettings()
    # Seeded at start and after every reset: the control plane's `SeedCall` entries.
    calls: tuple[Mapping[str, Any], ...] = field(default=())
    control_plane: ControlPlaneSettings = ControlPlaneSettings()
    server: ServerSettings = ServerSettings()


def load_config(path: str | Path) -> EmulatorConfig:
    """Read and check a config file; ConfigError says what is wrong and where."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc}") from None
    return parse_config(text, source=str(path))


@lru_cache(maxsize=1)
def default_config() -> EmulatorConfig:
    """The embedded default (`dialnexa_emulator/default_config.toml`)."""
    text = (resources.files(__package__) / DEFAULT_CONFIG).read_text(encoding="utf-8")
    return parse_config(text, source=DEFAULT_CONFIG)


def parse_config(text: str, *, source: str) -> EmulatorConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    not_finite = _not_finite(data, "")
    if not_finite is not None:  # TOML has nan and inf; no key of the config means either
        raise ConfigError(f"{source}: {not_finite}")
    failures = _SCHEMA_CHECK.problems(data, root="config")
    if not failures and "calls" in data:
        data["calls"] = [with_text_times(entry) for entry in data["calls"]]
        failures = _seed_check().problems({"calls": data["calls"]}, root="config")
    if failures:
        raise ConfigError(f"{source}: {failures[0]}")
    try:
        return _build(data, source)
    except _Invalid as exc:
        raise ConfigError(f"{source}: {exc}") from None


class _Invalid(Exception):
    pass


def _not_finite(value: Any, where: str) -> str | None:
    """Where a NaN or an infinity is in `value`, said as a problem; None if nowhere."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"{where or 'config'} must be a finite number, not {value}"
    children = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in children:
        found = _not_finite(item, f"{where}.{key}" if isinstance(key, str) else f"{where}[{key}]")
        if found is not None:
            return found.removeprefix(".")
    return None


def _build(data: Mapping[str, Any], source: str) -> EmulatorConfig:
    workspaces = tuple(_workspace(f"workspaces[{i}]", w) for i, w in enumerate(data["workspaces"]))
    _unique("workspaces", [w.id for w in workspaces], "workspace id")
    _unique("workspaces", [k.id for w in workspaces for k in w.api_keys], "API key id")
    outcomes = tuple(_outcome(f"outcomes[{i}]", o) for i, o in enumerate(data.get("outcomes", [])))
    return EmulatorConfig(
        workspaces,
        outcomes,
        Timing(**data.get("lifecycle", {})),
        source,
        JournalSettings(**data.get("journal", {})),
        tuple(data.get("calls", ())),
        _control_plane(data.get("control_plane", {})),
        ServerSettings(**data.get("server", {})),
    )


def _control_plane(data: Mapping[str, Any]) -> ControlPlaneSettings:
    return ControlPlaneSettings(data.get("token"), tuple(data.get("allow_hosts", ())))


@lru_cache(maxsize=1)
def _seed_check() -> Schema:
    from dialnexa_emulator._control_spec import seed_call_schema  # noqa: PLC0415 - needs the spec

    schema = seed_call_schema()
    return compile_schema(
        {
            "type": "object",
            "properties": {"calls": {"type": "array", "items": {"$ref": schema["$ref"]}}},
            "components": schema["components"],
        }
    )


def _workspace(where: str, data: Mapping[str, Any]) -> Workspace:
    workspace_id = data["id"]
    numbers = data["numbers"]
    _unique(f"{where}.numbers", numbers, "number")
    default_from = data.get("default_from_number", numbers[0])
    if default_from not in numbers:
        raise _Invalid(f"{where}.default_from_number {default_from} is not one of its numbers")
    agents = [_agent(f"{where}.agents[{i}]", a) for i, a in enumerate(data.get("agents", []))]
    _unique(f"{where}.agents", [a.id for a in agents], "agent id")
    telephony = data.get("telephony", {})
    destinations = []
    for i, destination in enumerate(telephony.get("destinations", [])):
        country = destination["country"]
        if country not in phonenumbers.SUPPORTED_REGIONS:
            raise _Invalid(
                f"{where}.telephony.destinations[{i}].country {country!r} is not a country code "
                "phonenumbers knows (ISO 3166 alpha-2, e.g. IN, US, GB)"
            )
        destinations.append(Destination(country, tuple(destination.get("prefixes", ()))))
    return Workspace(
        id=workspace_id,
        api_keys=tuple(_api_key(workspace_id, key) for key in data["api_keys"]),
        agents={agent.id: agent for agent in agents},
        numbers=frozenset(numbers),
        default_from_number=default_from,
        telephony=Telephony(tuple(destinations), sip=telephony.get("sip", False)),
        balance=_money(data.get("balance", 0)),
        call_cost=_money(data.get("call_cost", 0)),
        webhooks=tuple(
            _webhook(f"{where}.webhooks[{i}]", w) for i, w in enumerate(data.get("webhooks", []))
        ),
    )


def _webhook(where: str, data: Mapping[str, Any]) -> WebhookConfig:
    problem = webhook_url_problem(data["url"])
    if problem is not None:
        raise _Invalid(f"{where}.url {problem}")
    _unique(f"{where}.events", data.get("events", []), "event")
    return WebhookConfig(
        url=data["url"],
        secret=data["secret"],
        events=frozenset(data.get("events", WEBHOOK_EVENTS)),
        active=data.get("active", True),
        timeout_ms=data.get("timeout_ms", DEFAULT_WEBHOOK_TIMEOUT_MS),
        retries=data.get("retries", DEFAULT_WEBHOOK_RETRIES),
    )


def webhook_url_problem(url: str) -> str | None:
    """Why `url` cannot receive webhooks (said after the key), or None when it can."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        return f"{url!r} is not a URL: {exc}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{url!r} is not an http:// or https:// URL with a host"
    return None


def _api_key(workspace_id: str, data: Mapping[str, Any]) -> ApiKey:
    limit = data.get("rate_limit")
    rate_limit = RateLimit(limit["requests"], limit["window_sec"]) if limit else None
    return ApiKey(data["id"], data["secret"], workspace_id, rate_limit)


def _agent(where: str, data: Mapping[str, Any]) -> Agent:
    numbers = [version["number"] for version in data["versions"]]
    _unique(f"{where}.versions", numbers, "version number")
    versions = {v["number"]: v.get("published", True) for v in data["versions"]}
    return Agent(data["id"], data.get("name", data["id"]), data.get("greeting", ""), versions)


def _outcome(where: str, data: Mapping[str, Any]) -> OutcomeRule:
    if ("number" in data) == ("prefix" in data):
        raise _Invalid(f"{where} needs exactly one of number or prefix")
    if "talk_sec" in data and data["outcome"] != "completed":
        raise _Invalid(f"{where}.talk_sec only applies to the outcome completed")
    return OutcomeRule(**data)


def _unique(where: str, values: list[Any], what: str) -> None:
    seen = set()
    for value in values:
        if value in seen:
            raise _Invalid(f"{where}: {what} {value} appears twice")
        seen.add(value)


def _money(value: float) -> Decimal:
    # Through str, so 0.1 in the file is exactly 0.1, not the binary float's expansion.
    return Decimal(str(value))


_E164 = {"type": "string", "format": E164, "pattern": r"^\+[1-9][0-9]{1,14}$"}
_ID = {"type": "string", "pattern": r"^[^\s:]+$"}
_SECONDS = {"type": "number", "minimum": 0, "maximum": 86400}


def _table(properties: Mapping[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": dict(properties),
        "required": list(required),
        "additionalProperties": False,
    }


def _array(items: Mapping[str, Any], min_items: int = 0) -> dict[str, Any]:
    return {"type": "array", "items": dict(items), "minItems": min_items}


WEBHOOK_FIELDS: dict[str, Any] = {
    "url": {"type": "string", "minLength": 1},
    "secret": {"type": "string", "minLength": 1},
    "events": _array({"enum": list(WEBHOOK_EVENTS)}, min_items=1),
    "active": {"type": "boolean"},
    "timeout_ms": {"type": "integer", "minimum": 1000, "maximum": 60000},
    "retries": {"type": "integer", "minimum": 0, "maximum": 3},
}
_WEBHOOK = _table(WEBHOOK_FIELDS, required=("url", "secret"))

_TIMEOUT = {"type": "number", "exclusiveMinimum": 0, "maximum": 3600}
_SCHEMA = _table(
    {
        "control_plane": _table(
            {
                "token": {"type": "string", "pattern": r"^[!-~]{16,}$"},
                "allow_hosts": _array({"type": "string", "pattern": r"^[A-Za-z0-9.:\[\]_-]+$"}),
            }
        ),
        "server": _table(
            {
                "header_timeout_sec": _TIMEOUT,
                "body_timeout_sec": _TIMEOUT,
                "idle_timeout_sec": _TIMEOUT,
            }
        ),
        "journal": _table(
            {
                "size": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
                "bodies": {"type": "boolean"},
            }
        ),
        "calls": {"type": "array"},  # each entry checked against the control plane's SeedCall
        "lifecycle": _table(
            {
                "created_sec": _SECONDS,
                "initiated_sec": _SECONDS,
                "sent_sec": _SECONDS,
                "ring_sec": _SECONDS,
                "talk_sec": {"type": "integer", "minimum": 0, "maximum": 86400},
            }
        ),
        "outcomes": _array(
            _table(
                {
                    "number": _E164,
                    "prefix": {"type": "string", "pattern": r"^\+[0-9]{0,15}$"},
                    "outcome": {"enum": list(OUTCOMES)},
                    "talk_sec": {"type": "integer", "minimum": 0, "maximum": 86400},
                    "description": {"type": "string"},
                },
                required=("outcome",),
            )
        ),
        "workspaces": _array(
            _table(
                {
                    "id": _ID,
                    "balance": {"type": "number", "minimum": 0},
                    "call_cost": {"type": "number", "minimum": 0},
                    "numbers": _array(_E164, min_items=1),
                    "default_from_number": _E164,
                    "telephony": _table(
                        {
                            "sip": {"type": "boolean"},
                            "destinations": _array(
                                _table(
                                    {
                                        "country": {"type": "string"},
                                        "prefixes": _array(
                                            {"type": "string", "pattern": r"^\+[0-9]{1,15}$"}
                                        ),
                                    },
                                    required=("country",),
                                )
                            ),
                        }
                    ),
                    "api_keys": _array(
                        _table(
                            {
                                "id": _ID,
                                "secret": {"type": "string", "pattern": r"^\S+$"},
                                "rate_limit": _table(
                                    {
                                        "requests": {"type": "integer", "minimum": 1},
                                        "window_sec": {
                                            "type": "number",
                                            "exclusiveMinimum": 0,
                                            "maximum": 31622400,  # a year
                                        },
                                    },
                                    required=("requests", "window_sec"),
                                ),
                            },
                            required=("id", "secret"),
                        ),
                        min_items=1,
                    ),
                    "webhooks": _array(_WEBHOOK),
                    "agents": _array(
                        _table(
                            {
                                "id": _ID,
                                "name": {"type": "string"},
                                "greeting": {"type": "string"},
                                "versions": _array(
                                    _table(
                                        {
                                            "number": {"type": "integer", "minimum": 1},
                                            "published": {"type": "boolean"},
                                        },
                                        required=("number",),
                                    ),
                                    min_items=1,
                                ),
                            },
                            required=("id", "versions"),
                        )
                    ),
                },
                required=("id", "numbers", "api_keys"),
            ),
            min_items=1,
        ),
    },
    required=("workspaces",),
)
_SCHEMA_CHECK = compile_schema(_SCHEMA)
