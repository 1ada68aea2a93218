"""A 429 is an answer too, and the time the suite spends pacing itself is nobody's response time.

The gateway waits out a 429 only when it is the answer the spec describes (`TooManyRequests`:
its headers and the error envelope); any other 429 goes to the checks like any answer, and
`too_many_requests_as_specified` says what it lacks. The gateway also tells schemathesis how long
the target took to answer (the last attempt alone, no waiting), through a header of its own that
`_upstream_time_only` reads back into the response's `elapsed` and removes, so `max_response_time`
judges the server, not the pacing.
"""

from __future__ import annotations

import http
from collections.abc import Mapping
from functools import cache
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, HookContext, Response

from dialnexa_contract._domain_checks import json_body
from dialnexa_contract._spec import load_spec, pointer, validator_at

UPSTREAM_ELAPSED = "x-dialnexa-contract-upstream-elapsed"
# Read only when the suite's own gateway wrote it (it strips the header from what a target sends).
_GATEWAY = {"in_use": False}
_REASON = http.HTTPStatus.TOO_MANY_REQUESTS.phrase


@cache
def required_headers() -> dict[str, dict[str, Any]]:
    """The headers the spec requires on a 429 (`components/responses/TooManyRequests`), by
    lowercase name, with their schemas."""
    components = load_spec().get("components", {})
    response = components.get("responses", {}).get("TooManyRequests", {})
    found = {}
    for name, given in response.get("headers", {}).items():
        ref = given.get("$ref")
        header = components.get("headers", {}).get(ref.rsplit("/", 1)[-1], {}) if ref else given
        if header.get("required"):
            found[name.lower()] = header.get("schema", {})
    return found


def _header_problem(name: str, value: str | None, schema: dict[str, Any]) -> str | None:
    if value is None:
        return f"no {name} header, which the spec requires on a 429"
    if schema.get("type") == "integer":
        number = int(value) if value.strip().isascii() and value.strip().isdigit() else None
        if number is None or number < schema.get("minimum", 0):
            return f"{name} is {value!r}, not a whole number >= {schema.get('minimum', 0)}"
    return None


def rate_limited_problems(headers: Mapping[str, str], body: object) -> list[str]:
    """What a 429 lacks to be the answer the spec describes; [] when it is that answer."""
    lowered = {name.lower(): value for name, value in headers.items()}
    problems = [
        problem
        for name, schema in required_headers().items()
        if (problem := _header_problem(name, lowered.get(name), schema)) is not None
    ]
    envelope = validator_at(pointer("components", "schemas", "Error"))
    if not envelope.is_valid(body):
        problems.append(f"the body {body!r:.200} is not the error envelope")
    elif isinstance(body, dict) and (body["statusCode"] != 429 or body["error"] != _REASON):
        problems.append(f"the envelope says {body['statusCode']} {body['error']!r}")
    return problems


@schemathesis.check
def too_many_requests_as_specified(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> bool | None:
    """A 429 carries what the spec requires: `Retry-After` and the `X-RateLimit-*` headers, as
    whole numbers, and the error envelope saying 429 Too Many Requests.

    Deliberately accepted: any `message`; headers in any case; other headers besides. (Against a
    server over HTTP the suite waits out a 429 that has them, and judges only one that does not.)
    """
    if response.status_code != 429:
        return True
    headers = {name: values[0] for name, values in response.headers.items() if values}
    problems = rate_limited_problems(headers, json_body(response))
    if problems:
        raise AssertionError(
            "A 429 is not the answer the spec describes:\n"
            + "\n".join(f"  {problem}" for problem in problems)
        )
    return None


def gateway_in_use() -> None:
    _GATEWAY["in_use"] = True


def _upstream_time_only(context: HookContext, case: Case[Any], response: Response) -> None:
    """The response time the target took, not the suite's waiting: the gateway's own measure."""
    headers = getattr(response, "headers", None)
    if not _GATEWAY["in_use"] or not isinstance(headers, dict):
        return
    for name in [name for name in headers if name.lower() == UPSTREAM_ELAPSED]:
        values = headers.pop(name)
        try:
            response.elapsed = float(values[0])
        except (IndexError, TypeError, ValueError):
            continue


schemathesis.hook("after_call")(_upstream_time_only)
