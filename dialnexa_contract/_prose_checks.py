"""Checks of the rules openapi.yaml states in prose, which no schema check can see.

Registered by `schemathesis_hooks` like `domain_checks`, so `schemathesis run` runs them too.
Each docstring says the rule, then what the check deliberately accepts: what the spec leaves free
never fails a check. Return values follow schemathesis: True "does not apply", None "passed".
"""

from __future__ import annotations

import http
import itertools
import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, Response

from dialnexa_contract._domain_checks import calls_in, follow_up, json_body, operation_id
from dialnexa_contract._lifecycle import FINAL, IN_FLIGHT
from dialnexa_contract._spec import find_operation, load_spec

# RFC 3339 `date-time`: a full date, `T`, a time, and an offset (`Z` or `+hh:mm`), never local.
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", re.ASCII
)
# The spec: `did_not_pick`, `busy` and `no_answer` never connected; `failed` was never placed.
NEVER_CONNECTED = frozenset({"did_not_pick", "busy", "no_answer", "failed"})
# Reason phrases renamed by RFC 9110 keep their older names too (both are in use).
_OTHER_PHRASES = {
    413: {"Payload Too Large", "Request Entity Too Large"},
    414: {"URI Too Long", "Request-URI Too Long"},
    416: {"Range Not Satisfiable", "Requested Range Not Satisfiable"},
    422: {"Unprocessable Entity", "Unprocessable Content"},
}
_STANDARD_STATUSES = frozenset(http.HTTPStatus)
UNKNOWN_KEY = "Bearer kid_contract_probe:not-a-valid-secret"
AUTH_PROBES_PER_OPERATION = 2
LIMIT_MAX = 200
PAGE_MAX = 1_000_000


def _list_default(name: str) -> int:
    path, method = find_operation("listCalls")
    for parameter in load_spec()["paths"][path][method]["parameters"]:
        if parameter["name"] == name:
            return int(parameter["schema"]["default"])
    raise KeyError(name)


def _listed(case: Case[Any], response: Response) -> list[Any] | None:
    """A successful listCalls page, or None when this is not one to judge."""
    if operation_id(case) != "listCalls" or not 200 <= response.status_code < 300:
        return None
    body = json_body(response)
    return body if isinstance(body, list) else None


def _int(value: object, default: int) -> int | None:
    """A query value as the integer the server read; None when it is not one."""
    if value is None:
        return default
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else None


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str) or not _RFC3339.match(value):
        return None
    try:
        return datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return None


def _fail(title: str, problems: list[str]) -> None:
    if problems:
        raise AssertionError(title + ":\n" + "\n".join(problems))


@schemathesis.check
def list_newest_first(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """listCalls returns calls newest first: no call was created after the one before it.

    Deliberately accepted: calls created at the same instant, in any order; instants written with
    any offset or precision (compared as instants); records whose `created_at` is missing or not
    a date-time (the schema checks report those).
    """
    calls = _listed(case, response)
    if calls is None:
        return True
    stamped: list[tuple[Any, datetime]] = []
    for call in calls:
        at = _instant(call.get("created_at")) if isinstance(call, dict) else None
        if at is not None:
            stamped.append((call.get("id"), at))
    problems = [
        f"  `{later_id}` ({later}) comes after the older `{earlier_id}` ({earlier})"
        for (earlier_id, earlier), (later_id, later) in itertools.pairwise(stamped)
        if later > earlier
    ]
    _fail("listCalls is not newest first", problems)
    return None


def _filters(query: dict[str, Any]) -> Iterator[tuple[str, set[str]]]:
    """(field, values it may have) per filter of the request that the server can have applied."""
    for name in ("agent_id", "to_phone_number"):
        if isinstance(query.get(name), str):
            yield name, {query[name]}
    statuses = query.get("status")
    if isinstance(statuses, str):
        statuses = [statuses]
    if isinstance(statuses, list) and statuses and all(isinstance(s, str) for s in statuses):
        yield "status", set(statuses)


@schemathesis.check
def list_filters_match(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Every call listCalls returns matches every filter sent: `agent_id`, `to_phone_number`, and
    `status` (any of its values); filters combine with AND.

    Deliberately accepted: any number of matching calls, none included (which calls exist is the
    server's); records missing a filtered field count as not matching only when it is present.
    """
    calls = _listed(case, response)
    filters = list(_filters(dict(case.query or {})))
    if calls is None or not filters:
        return True
    problems = [
        f"  `{call.get('id')}` has {name} {call.get(name)!r}, the filter asked for "
        + " or ".join(repr(value) for value in sorted(allowed))
        for call in calls
        if isinstance(call, dict)
        for name, allowed in filters
        if name in call and call[name] not in allowed
    ]
    _fail("listCalls returned calls its filters exclude", problems)
    return None


@schemathesis.check
def list_page_within_limit(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """A listCalls page never holds more than `limit` calls (20 when no `limit` is sent).

    Deliberately accepted: any shorter page, an empty one included.
    """
    calls = _listed(case, response)
    limit = _int((case.query or {}).get("limit"), _list_default("limit"))
    if calls is None or limit is None:
        return True
    if len(calls) > limit:
        raise AssertionError(f"listCalls returned {len(calls)} calls with limit={limit}")
    return None


def _ids(answer: Response | None) -> list[Any] | None:
    body = json_body(answer) if answer is not None and answer.status_code == 200 else None
    if not isinstance(body, list):
        return None
    return [call.get("id") if isinstance(call, dict) else call for call in body]


@schemathesis.check
def list_pages_continue(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """After a full listCalls page, the next page continues it: no call repeats, and pages `p`
    and `p+1` of `limit` calls are page `(p+1)/2` of `2*limit` calls (no call skipped).

    Deliberately accepted: any list that changed meanwhile (a call was created between the
    requests: the page is fetched again last, and if it differs nothing is judged); a last page
    (fewer than `limit` calls), after which nothing must follow; the two pages holding the wider
    page's calls in another order (calls created at the same instant may come in any order).
    """
    calls = _listed(case, response)
    query = dict(case.query or {})
    page = _int(query.get("page"), _list_default("page"))
    limit = _int(query.get("limit"), _list_default("limit"))
    if calls is None or page is None or limit is None or len(calls) != limit or page >= PAGE_MAX:
        return True
    ids = _ids(response)
    following = _ids(follow_up(case, response, "listCalls", query={**query, "page": page + 1}))
    if ids is None or following is None:
        return True  # no credentials to follow up with, or an answer other checks judge
    combined = None
    if page % 2 == 1 and 2 * limit <= LIMIT_MAX:
        wider = {**query, "page": (page + 1) // 2, "limit": 2 * limit}
        combined = _ids(follow_up(case, response, "listCalls", query=wider))
    if _ids(follow_up(case, response, "listCalls", query=query)) != ids:
        return True  # the list moved under us
    problems = [
        f"  `{call_id}` is on page {page} and page {page + 1}"
        for call_id in ids
        if call_id in following
    ]
    if combined is not None and sorted(map(repr, combined)) != sorted(map(repr, ids + following)):
        missing = [call_id for call_id in combined if call_id not in ids + following]
        extra = [call_id for call_id in ids + following if call_id not in combined]
        problems.append(
            f"  pages {page} and {page + 1} of {limit} lack {missing} and hold {extra}, "
            f"unlike page {(page + 1) // 2} of {2 * limit}"
        )
    _fail("listCalls' pages do not continue each other", problems)
    return None


@schemathesis.check
def get_returns_the_asked_call(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> bool | None:
    """getCall returns the call whose id was asked.

    Deliberately accepted: nothing else is compared here (created_call_is_retrievable compares a
    created call's fields).
    """
    if operation_id(case) != "getCall" or response.status_code != 200:
        return True
    body = json_body(response)
    asked = (case.path_parameters or {}).get("call_id")
    if not isinstance(body, dict) or not isinstance(asked, str):
        return True
    if body.get("id") != asked:
        raise AssertionError(f"getCall for `{asked}` returned the call `{body.get('id')}`")
    return None


@schemathesis.check
def error_envelope_matches_status(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> bool | None:
    """An error envelope's `statusCode` is the HTTP status, and `error` its reason phrase.

    Deliberately accepted: any `message`; both the RFC 9110 phrase and the older one where the
    RFC renamed it (413, 414, 416, 422); bodies that are not an envelope (the schema checks
    report those).
    """
    if response.status_code < 400:
        return True
    body = json_body(response)
    if not isinstance(body, dict) or not {"statusCode", "error"} <= body.keys():
        return True
    status = response.status_code
    problems = []
    if body["statusCode"] != status:
        problems.append(f"  statusCode is {body['statusCode']!r}, the HTTP status {status}")
    phrases = set(_OTHER_PHRASES.get(status, ()))
    if status in _STANDARD_STATUSES:
        phrases.add(http.HTTPStatus(status).phrase)
    if phrases and body["error"] not in phrases:
        expected = " or ".join(repr(p) for p in sorted(phrases))
        problems.append(f"  error is {body['error']!r}, not {expected} for {status}")
    _fail("The error envelope does not match the response", problems)
    return None


@schemathesis.check
class MissingOrInvalidKeyIs401:
    """A missing or invalid key is a 401, on every operation: the first successful answers of each
    operation are followed by the same request without a key, and with an unknown one.

    Deliberately accepted: any body with the 401 (the envelope has its own checks); checking the
    key before or after the body, since the probes repeat a request that succeeded. (Against a
    live target a create without the run's key is a probe the call guard sends as it is while the
    budget has a call to spare, else with an undialable destination: only then must the key be
    checked first, as DialNexa and the emulator do.)
    """

    def __init__(self) -> None:
        self._probed: Counter[str] = Counter()

    def after_response(self, ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
        operation = operation_id(case)
        if (
            operation is None
            or not 200 <= response.status_code < 300
            or not response.request.headers.get("Authorization")
            or self._probed[operation] >= AUTH_PROBES_PER_OPERATION
        ):
            return True
        self._probed[operation] += 1
        problems = []
        for label, headers in (
            ("without a key", {}),
            ("with an unknown key", {"Authorization": UNKNOWN_KEY}),
        ):
            probe = case.operation.Case(
                path_parameters=case.path_parameters,
                query=case.query,
                body=case.body,
                media_type=case.media_type,
                headers=headers,
            )
            answer = probe.call()
            if answer.status_code != 401:
                problems.append(f"  {label}: {answer.status_code}, not 401")
        _fail(f"{operation} does not answer a missing or invalid key with 401", problems)
        return None


def _end_of_call_problems(call: dict[str, Any]) -> Iterator[str]:
    status = call["status"]
    for name in ("created_at", "ended_at"):
        value = call.get(name)
        if isinstance(value, str) and _instant(value) is None:
            yield f"{name} {value!r} is not an RFC 3339 date-time with an offset"
    ended, created = _instant(call.get("ended_at")), _instant(call.get("created_at"))
    if ended is not None and created is not None and ended < created:
        yield f"ended_at {call['ended_at']} is before created_at {call['created_at']}"
    if status in FINAL and call.get("ended_at") is None:
        yield f"status is final (`{status}`) but ended_at is not set"
    if status in IN_FLIGHT:
        for name in ("ended_at", "duration_sec", "transcript"):
            if call.get(name) is not None:
                yield f"{name} is set while the call is in flight (`{status}`)"
    if status in NEVER_CONNECTED:
        if call.get("duration_sec") not in (None, 0):
            duration = call["duration_sec"]
            yield f"duration_sec is {duration} for a call that never connected (`{status}`)"
        if call.get("transcript") is not None:
            yield f"a call that never connected (`{status}`) has a transcript"


@schemathesis.check
def end_of_call_fields_agree(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """End-of-call fields agree with the status: `ended_at` is set exactly when the status is
    final, and not before `created_at`; `duration_sec` and `transcript` only once the call ended;
    `duration_sec` 0 (or null) and no transcript for a call that never connected (`did_not_pick`,
    `busy`, `no_answer`, `failed`); `created_at` and `ended_at` are RFC 3339 date-times with an
    offset.

    Deliberately accepted: absent and null as the same; a final call without `duration_sec` or
    `transcript`; any duration for `completed`, `cancelled` and `retry_expired` (the spec does not
    say whether they connected); any offset, `Z` or lowercase `t`/`z`, any fraction of a second;
    statuses the spec does not list yet (new values may be added) are judged on dates alone.
    """
    calls = list(calls_in(case, response))
    if not calls:
        return True
    problems = [
        f"  call `{call['id']}`: {problem}"
        for call in calls
        for problem in _end_of_call_problems(call)
    ]
    _fail("End-of-call fields disagree with the status", problems)
    return None
