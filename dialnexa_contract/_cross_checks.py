"""Checks that hold one answer against another, and against the clock.

Each answer can look right on its own while the server contradicts itself: a call that changes
its destination between two reads, a list that drops a match another query shows, a `Z` time that
is local time. These checks keep what the run saw (`_run_state.RUN`) and ask again where they
must. Registered by `schemathesis_hooks` like the others, so `schemathesis run` runs them too.
Every follow-up request goes out as the checked request's caller; each check that sends them has a
per-run cap, so a rate-limited target pays little for them (the docstrings say what is accepted).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, Response

from dialnexa_contract._domain_checks import (
    calls_in,
    follow_up,
    json_body,
    operation_id,
    same_value,
)
from dialnexa_contract._lifecycle import FINAL, transition_error
from dialnexa_contract._prose_checks import LIMIT_MAX, PAGE_MAX, instant, list_default, query_int
from dialnexa_contract._run_state import CREATION_FIELDS, PINNED_FIELDS, RUN, CreatedCall
from dialnexa_contract._spec import load_spec

# Fields that are null while a call is in flight and set once it ends.
END_FIELDS = frozenset({"ended_at", "duration_sec", "transcript"})
# Follow-up budgets per run (per check instance): enough to judge, little against a rate limit.
FOUND_LOOKUPS = 120
LIST_GET_COMPARISONS = 60
FILTER_QUERIES_JUDGED = 8
PAGES_PAST_THE_END = 12
# The unfiltered search for a created call: it is among the newest, so short pages are cheap.
_SEARCH_PAGES = 5
_SEARCH_LIMIT = 20


class _Budget:
    """The requests a check may judge with follow-ups in a run, keyed by the request: one judged
    before (schemathesis replays a failing request to shrink and report it) is judged again, the
    same way, so a spent budget never turns a failure into a pass."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._judged: set[str] = set()

    def allows(self, case: Case[Any]) -> bool:
        key = request_key(case)
        if key in self._judged:
            return True
        if len(self._judged) >= self._size:
            return False
        self._judged.add(key)
        return True


def request_key(case: Case[Any]) -> str:
    return repr((case.operation.label, case.path_parameters, case.query, case.body))


def _unjudgeable(answer: Response | None) -> bool:
    """A follow-up that says nothing of the rule: none sent, throttled, or a server error (other
    checks judge 429s and 5xx where they are the answer to a case)."""
    return answer is None or answer.status_code == 429 or answer.status_code >= 500


def _call_fields() -> frozenset[str]:
    return frozenset(load_spec()["components"]["schemas"]["Call"]["properties"])


def _fail(title: str, problems: list[str]) -> None:
    if problems:
        raise AssertionError(title + ":\n" + "\n".join(problems))


def _records(answer: Response | None) -> list[dict[str, Any]] | None:
    """The call records of a 200 list answer; None for any other answer."""
    if answer is None or answer.status_code != 200:
        return None
    body = json_body(answer)
    if not isinstance(body, list):
        return None
    return [call for call in body if isinstance(call, dict)]


def creation_disagreements(created: CreatedCall, later: dict[str, Any]) -> Iterator[str]:
    """How a later record of a created call differs from what it was created with."""
    for name in CREATION_FIELDS:
        if name not in later:
            continue  # an optional field left out of this record: the schema checks judge it
        now = later[name]
        if name == "metadata":
            before = created.requested.get("metadata")
        elif created.record.get(name) is not None:
            before = created.record[name]
        elif name in PINNED_FIELDS and created.requested.get(name) is not None:
            before = created.requested[name]
        else:
            continue  # not known at creation (a caller ID assigned later): any value
        if not same_value(name, before, now):
            yield f"{name} is {now!r}, it was {before!r} when the call was created"


@schemathesis.check
def calls_keep_what_they_were_created_with(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> bool | None:
    """Whenever getCall or listCalls shows a call the run created, its agent, pinned agent
    version, caller ID, destination, metadata and creation time are what they were at creation
    (what the 201 said; what the create asked, for fields the 201 left out).

    Deliberately accepted: a record that leaves an optional field out; a caller ID or version the
    201 did not give and the create did not pin, appearing later with any value; absent and empty
    `metadata` as the same; one instant written with another offset or precision.
    """
    if operation_id(case) == "createCall":
        body = json_body(response)
        ok = response.status_code == 201 and isinstance(body, dict)
        if ok and isinstance(case.body, dict) and isinstance(body.get("id"), str):
            RUN.created_call(case.body, body)
        return True
    created = [call for call in calls_in(case, response) if call["id"] in RUN.created]
    if not created:
        return True
    problems = [
        f"  `{call['id']}`: {problem}"
        for call in created
        for problem in creation_disagreements(RUN.created[call["id"]], call)
    ]
    _fail("A call is not what it was created as", problems)
    return None


def _find_unfiltered(case: Case[Any], response: Response, call: dict[str, Any]) -> str | None:
    """Why an unfiltered listCalls does not show the call; None when it does (or cannot say)."""
    created = instant(call.get("created_at"))
    for page in range(1, _SEARCH_PAGES + 1):
        answer = follow_up(
            case, response, "listCalls", query={"page": page, "limit": _SEARCH_LIMIT}
        )
        records = _records(answer)
        if records is None:
            return None  # no credentials, or an answer the list checks judge
        if any(record.get("id") == call["id"] for record in records):
            return None
        oldest = instant(records[-1].get("created_at")) if records else None
        if len(records) < _SEARCH_LIMIT or (created and oldest and oldest < created):
            break
    return "an unfiltered listCalls made after the create does not show it"


@schemathesis.check
class CreatedCallsCanBeFound:
    """A call the run created can be found: an unfiltered listCalls made after the create shows
    it, and it stays readable for the run (each create also reads the oldest call the run created
    again, and finds it with what it was created with).

    Deliberately accepted: the call on any of the first pages (other clients of the workspace may
    create calls meanwhile); the list's other calls, in any state; nothing is asked of calls the
    target was told to forget (the embedded emulator between scenarios).
    """

    def __init__(self) -> None:
        self._budget = _Budget(FOUND_LOOKUPS)

    def after_response(self, ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
        body = json_body(response)
        if (
            operation_id(case) != "createCall"
            or response.status_code != 201
            or not isinstance(body, dict)
            or not isinstance(body.get("id"), str)
            or not self._budget.allows(case)
        ):
            return True
        problems = []
        missing = _find_unfiltered(case, response, body)
        if missing:
            problems.append(f"  `{body['id']}` (just created): {missing}")
        earlier = RUN.oldest_created(but=body["id"])
        if earlier is not None:
            answer = follow_up(case, response, "getCall", path_parameters={"call_id": earlier.id})
            judged = answer if answer is not None and not _unjudgeable(answer) else None
            record = json_body(judged) if judged is not None else None
            if judged is not None and judged.status_code != 200:
                problems.append(
                    f"  `{earlier.id}` (created earlier in the run): getCall answered "
                    f"{judged.status_code}; a created call stays readable"
                )
            elif isinstance(record, dict):
                problems += [
                    f"  `{earlier.id}` (created earlier in the run): {problem}"
                    for problem in creation_disagreements(earlier, record)
                ]
        _fail("A call the run created cannot be found as created", problems)
        return None


def _list_vs_get(listed: dict[str, Any], got: dict[str, Any]) -> Iterator[str]:
    moved = transition_error(str(listed.get("status")), str(got.get("status")))
    if moved:
        yield f"status: listCalls said `{listed.get('status')}`, getCall then said: {moved}"
    ended_meanwhile = listed.get("status") not in FINAL and got.get("status") in FINAL
    for name in sorted(_call_fields() - {"status"}):
        if name not in listed or name not in got:
            continue  # a field one of them leaves out: nothing to compare
        if name in END_FIELDS and ended_meanwhile:
            continue
        if not same_value(name, listed[name], got[name]):
            yield f"{name}: listCalls says {listed[name]!r}, getCall {got[name]!r}"


@schemathesis.check
class ListAgreesWithGet:
    """What listCalls returns for a call is what getCall returns for it right after: each listed
    page has one of its calls fetched and compared field by field.

    Deliberately accepted: the status moving forward between the two answers (a call moves on
    its own), and the end-of-call fields appearing when it ended meanwhile; a field only one of
    the two answers gives; fields the spec does not name (they "should be ignored"); instants
    written differently.
    """

    def __init__(self) -> None:
        self._budget = _Budget(LIST_GET_COMPARISONS)

    def after_response(self, ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
        records = _records(response) if operation_id(case) == "listCalls" else None
        if not records or not self._budget.allows(case):
            return True
        # One call per page, the same one whenever the same request is judged again.
        listed = records[zlib.crc32(request_key(case).encode()) % len(records)]
        if not isinstance(listed.get("id"), str):
            return True
        answer = follow_up(case, response, "getCall", path_parameters={"call_id": listed["id"]})
        if answer is None or _unjudgeable(answer):
            return True
        got = json_body(answer)
        if answer.status_code != 200 or not isinstance(got, dict):
            raise AssertionError(
                f"listCalls lists `{listed['id']}`, and getCall for it answered "
                f"{answer.status_code}"
            )
        _fail(
            f"listCalls and getCall disagree on `{listed['id']}`", list(_list_vs_get(listed, got))
        )
        return None


def _filters(query: dict[str, Any]) -> dict[str, Any]:
    """The answered query's filters, as the spec reads them; {} when one is not a valid value."""
    filters: dict[str, Any] = {}
    for name in ("agent_id", "to_phone_number"):
        if isinstance(query.get(name), str):
            filters[name] = query[name]
        elif name in query:
            return {}
    statuses = query.get("status")
    statuses = [statuses] if isinstance(statuses, str) else statuses
    if isinstance(statuses, list) and statuses and all(isinstance(s, str) for s in statuses):
        filters["status"] = list(dict.fromkeys(statuses))
    elif statuses is not None:
        return {}
    return filters


def _matches(call: dict[str, Any], filters: dict[str, Any]) -> bool:
    return all(
        call.get(name) in value if name == "status" else call.get(name) == value
        for name, value in filters.items()
    )


def _describe(filters: dict[str, Any]) -> str:
    return " & ".join(
        f"{name}={'|'.join(value) if isinstance(value, list) else value}"
        for name, value in filters.items()
    )


@schemathesis.check
class ListFiltersReturnEveryMatch:
    """A filter returns every matching call, not a subset: a filter given several values (`status`
    repeated) returns the calls of each value, and filters combined with AND return every call
    that matches them all. Judged with calls whose status cannot change: the newest calls are
    listed first, unfiltered; then the filtered query, and every call of the first listing in a
    final status that matches the filters must be in the second when it is a complete (short)
    page. Besides the answered query, two of its own are judged the same way: the final statuses
    seen, repeated, and those with the agent and destination of one such call (whose status is
    given last, so a server reading only the first value leaves it out).

    Deliberately accepted: calls still in flight (they may leave the filter in between); calls
    older than the newest 200; a filtered answer of a full page (it may go on).
    """

    def __init__(self) -> None:
        self._budget = _Budget(FILTER_QUERIES_JUDGED)

    def after_response(self, ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
        filters = _filters(dict(case.query or {})) if operation_id(case) == "listCalls" else {}
        if response.status_code != 200 or not filters or not self._budget.allows(case):
            return True
        newest = _records(follow_up(case, response, "listCalls", query={"limit": LIMIT_MAX}))
        if newest is None:
            return True
        known = [call for call in newest if call.get("status") in FINAL]
        queries = [filters]
        statuses = sorted({str(call["status"]) for call in known})
        if len(statuses) > 1:
            queries.append({"status": statuses})
            sample = known[0]
            last = [s for s in statuses if s != sample["status"]] + [str(sample["status"])]
            keys = ("agent_id", "to_phone_number")
            queries.append({"status": last, **{k: sample.get(k) for k in keys}})
        problems = [p for query in queries for p in self._missing(case, response, query, known)]
        _fail("listCalls' filters leave out matching calls", problems)
        return None

    @staticmethod
    def _missing(
        case: Case[Any],
        response: Response,
        filters: dict[str, Any],
        known: list[dict[str, Any]],
    ) -> list[str]:
        query = {**filters, "limit": LIMIT_MAX}
        answer = _records(follow_up(case, response, "listCalls", query=query))
        if answer is None or len(answer) >= LIMIT_MAX:
            return []
        returned = {call.get("id") for call in answer}
        return [
            f"  {_describe(filters)} lacks `{call['id']}` ({call.get('status')}, agent "
            f"{call.get('agent_id')}, to {call.get('to_phone_number')}), which it matches"
            for call in known
            if _matches(call, filters) and call.get("id") not in returned
        ]


@schemathesis.check
class PagePastTheEndIsEmpty:
    """After the last page of listCalls (fewer than `limit` calls), the next page is an empty
    array with 200, not an error and not more calls.

    Deliberately accepted: calls on that next page when the list moved meanwhile (the last page
    is read again after it, and nothing is judged if it changed).
    """

    def __init__(self) -> None:
        self._budget = _Budget(PAGES_PAST_THE_END)

    def after_response(self, ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
        records = _records(response) if operation_id(case) == "listCalls" else None
        query = dict(case.query or {})
        page = query_int(query.get("page"), list_default("page"))
        limit = query_int(query.get("limit"), list_default("limit"))
        if (
            records is None
            or page is None
            or limit is None
            or not 1 <= page < PAGE_MAX
            or not 1 <= limit <= LIMIT_MAX
            or len(records) >= limit
            or not self._budget.allows(case)
        ):
            return True
        answer = follow_up(case, response, "listCalls", query={**query, "page": page + 1})
        if answer is None or _unjudgeable(answer):
            return True
        following = _records(answer)
        if following is None:
            raise AssertionError(
                f"listCalls page {page + 1}, past the last page {page}, answered "
                f"{answer.status_code}, not 200 with []"
            )
        again = _records(follow_up(case, response, "listCalls", query=query))
        if following and again == records:
            ids = [call.get("id") for call in following]
            raise AssertionError(
                f"listCalls page {page} has {len(records)} of {limit} calls (the last page), "
                f"yet page {page + 1} holds {ids}"
            )
        return None
