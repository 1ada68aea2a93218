"""Before any test: does the target answer, and does it accept the key? A run that cannot reach
its target, or whose every answer would be a conforming 401, has no verdict to give."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import httpx

from contract_tests.run_stats import requests_per_run
from contract_tests.settings import current
from contract_tests.target import Target

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
        reset = float(response.headers["x-ratelimit-reset"])
    except (KeyError, ValueError):
        return None
    window = max(1.0, reset - time.time())
    needed = requests_per_run(current().max_examples)
    if limit <= 0 or needed <= limit:
        return None
    minutes = math.ceil(needed / limit) * window / 60
    return (
        f"the target allows {limit} requests per {window:.0f} s window and this run sends about "
        f"{needed}: expect it to take at least {minutes:.0f} min, waiting out the limit"
    )
