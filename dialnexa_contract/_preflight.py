"""Before any test: does the target answer, and does it accept the key? A run that cannot reach
its target, or whose every answer would be a conforming 401, has no verdict to give."""

from __future__ import annotations

import math
from dataclasses import dataclass

import httpx

from dialnexa_contract._gateway import seconds_until_reset
from dialnexa_contract._run_stats import requests_per_run
from dialnexa_contract._settings import current
from dialnexa_contract._target import Target

# Reasons the target may not answer a harmless read with a verdict we can use.
_NOT_THE_API = (
    "answered GET /calls with {status}: is this DialNexa's API (a base URL ending in /v1)?"
)


@dataclass(frozen=True)
class Preflight:
    problem: str | None = None
    unreachable: bool = False
    warning: str | None = None


def preflight(target: Target) -> Preflight:
    """One `GET /calls?limit=1`, a read that changes nothing, through the run's own way out."""
    try:
        with target.sync_http() as http:
            response = http.get("calls", params={"limit": 1})
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        return Preflight(f"could not reach {target.base_url}: {reason}", unreachable=True)
    if response.status_code == 401:
        return Preflight(
            f"{target.base_url} rejected the API key (401 to GET /calls): check "
            "DIALNEXA_API_KEY or --token; nothing was tested"
        )
    if response.status_code in (404, 405):
        return Preflight(
            f"could not reach the API at {target.base_url}: "
            + _NOT_THE_API.format(status=response.status_code),
            unreachable=True,
        )
    return Preflight(warning=_rate_limit_warning(response))


def _rate_limit_warning(response: httpx.Response) -> str | None:
    """Up front, when the target's rate limit makes this run long: how long to expect."""
    try:
        limit = int(response.headers["x-ratelimit-limit"])
    except (KeyError, ValueError):
        return None
    until_reset = seconds_until_reset(response.headers)
    if until_reset is None:
        return None
    window = max(1.0, until_reset)
    needed = requests_per_run(current().max_examples)
    if limit <= 0 or needed <= limit:
        return None
    seconds = math.ceil(needed / limit) * window
    expected = f"{seconds / 60:.0f} min" if seconds >= 120 else f"{seconds:.0f} s"
    return (
        f"the target allows {limit} requests per {window:.0f} s window and a full run at "
        f"--max-examples {current().max_examples} sends about {needed}: expect it to take at "
        f"least {expected}, waiting out the limit (less with --only or -k)"
    )
