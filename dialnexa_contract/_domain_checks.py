"""Checks of DialNexa's own rules, run next to schemathesis' built-in ones on every response.

Registered by `schemathesis_hooks`, so the suite and `schemathesis run` both run them. Each raises
AssertionError (which schemathesis reports under the check's name) with what was expected.
Schemathesis' convention for the return value: True means "does not apply here" (not counted),
None means "passed".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, Response

from dialnexa_contract._lifecycle import transition_error

# listCalls pages the created call is looked for in; newest come first, so it is on page one
# unless the server misorders, and a misordered server still gets this many pages of slack.
_LIST_PAGES = 5
_LIST_LIMIT = 200
# Compared as instants: `...00.000Z` and `...00+00:00` are the same moment.
_DATE_TIME_FIELDS = frozenset({"created_at", "ended_at"})


def operation_id(case: Case[Any]) -> str | None:
    operation_id = case.operation.definition.raw.get("operationId")
    return operation_id if isinstance(operation_id, str) else None


def json_body(response: Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _created_call(case: Case[Any], response: Response) -> dict[str, Any] | None:
    """The call a successful createCall returned, or None when this is not one to judge."""
    if operation_id(case) != "createCall" or response.status_code != 201:
        return None
    body = json_body(response)
    if not isinstance(body, dict) or not isinstance(case.body, dict):
        return None  # the schema checks report a malformed body
    return body


def _same(name: str, left: object, right: object) -> bool:
    if name == "metadata":  # optional: absent and empty say the same
        return (left or {}) == (right or {})
    if name in _DATE_TIME_FIELDS and isinstance(left, str) and isinstance(right, str):
        try:
            return datetime.fromisoformat(left) == datetime.fromisoformat(right)
        except ValueError:
            pass  # not a date-time: compared as written (the schema checks say why)
    return left == right


def _differences(
    expected: dict[str, Any], actual: dict[str, Any], fields: tuple[str, ...]
) -> list[str]:
    return [
        f"  {name}: expected {expected.get(name)!r}, got {actual.get(name)!r}"
        for name in fields
        if not _same(name, expected.get(name), actual.get(name))
    ]


def follow_up(
    case: Case[Any], response: Response, operation_id: str, **parts: Any
) -> Response | None:
    """Send another operation as the checked request's caller; None if it carried no credentials."""
    authorization = response.request.headers.get("Authorization")
    if not authorization:
        return None
    operation = case.operation.schema.find_operation_by_id(operation_id)
    answer: Response = operation.Case(headers={"Authorization": authorization}, **parts).call()
    return answer


@schemathesis.check
def created_call_echoes_request(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> bool | None:
    """A created call carries the `agent_id`, `to_phone_number` and `metadata` it was sent, and
    the `agent_version_number` and `from_phone_number` it was sent, if any.

    Deliberately accepted: a record without `agent_version_number` or `from_phone_number` (or with
    a null caller ID), which the spec allows (DialNexa's own examples omit them); any value of the
    two when the request left them out (the workspace's defaults apply); absent and empty
    `metadata` as the same.
    """
    created = _created_call(case, response)
    if created is None:
        return True
    assert isinstance(case.body, dict)
    differences = _differences(case.body, created, ("agent_id", "to_phone_number", "metadata"))
    pinned = [
        name
        for name in ("agent_version_number", "from_phone_number")
        if case.body.get(name) is not None and created.get(name) is not None
    ]
    differences += _differences(case.body, created, tuple(pinned))
    if differences:
        raise AssertionError(
            "The created call does not echo the request:\n" + "\n".join(differences)
        )
    return None


@schemathesis.check
def created_call_is_retrievable(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> bool | None:
    """getCall with the new id returns the same call, at the same or a later lifecycle status."""
    created = _created_call(case, response)
    if created is None or not isinstance(created.get("id"), str):
        return True
    fetched = follow_up(case, response, "getCall", path_parameters={"call_id": created["id"]})
    if fetched is None:
        return True
    if fetched.status_code != 200:
        raise AssertionError(
            f"getCall for the call just created (`{created['id']}`) answered "
            f"{fetched.status_code}, not 200"
        )
    body = json_body(fetched)
    if not isinstance(body, dict):
        raise AssertionError(f"getCall for `{created['id']}` did not return a JSON object")
    fields = ("id", "agent_id", "to_phone_number", "created_at", "metadata")
    problems = _differences(created, body, fields)
    moved = transition_error(str(created.get("status")), str(body.get("status")))
    if moved:
        problems.append(f"  status: {moved}")
    if problems:
        raise AssertionError(
            "getCall returned a different call than createCall created:\n" + "\n".join(problems)
        )
    return None


@schemathesis.check
def created_call_is_listed(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """listCalls, filtered by the new call's agent and destination, includes it."""
    created = _created_call(case, response)
    if created is None or not isinstance(created.get("id"), str):
        return True
    query = {
        "agent_id": created.get("agent_id"),
        "to_phone_number": created.get("to_phone_number"),
        "limit": _LIST_LIMIT,
    }
    for page in range(1, _LIST_PAGES + 1):
        listed = follow_up(case, response, "listCalls", query={**query, "page": page})
        if listed is None:
            return True
        calls = json_body(listed)
        if listed.status_code != 200 or not isinstance(calls, list):
            raise AssertionError(
                f"listCalls (page {page}, filtered by agent and destination) answered "
                f"{listed.status_code} while looking for the call just created"
            )
        if any(isinstance(call, dict) and call.get("id") == created["id"] for call in calls):
            return None
        if len(calls) < _LIST_LIMIT:
            break
    raise AssertionError(
        f"listCalls filtered by agent_id={query['agent_id']!r} and "
        f"to_phone_number={query['to_phone_number']!r} does not include the call just "
        f"created (`{created['id']}`)"
    )


def calls_in(case: Case[Any], response: Response) -> Iterator[dict[str, Any]]:
    """The call records of a successful createCall, getCall or listCalls answer."""
    if operation_id(case) not in {"createCall", "getCall", "listCalls"}:
        return
    if not 200 <= response.status_code < 300:
        return
    body = json_body(response)
    for call in body if isinstance(body, list) else [body]:
        if (
            isinstance(call, dict)
            and isinstance(call.get("id"), str)
            and isinstance(call.get("status"), str)
        ):
            yield call


@schemathesis.check
class CallStatusMovesForward:
    """Across the whole run, no call is seen to move back or to leave a final status."""

    def __init__(self) -> None:
        self._last_seen: dict[str, str] = {}

    def after_response(self, ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
        calls = list(calls_in(case, response))
        if not calls:
            return True
        problems = []
        for call in calls:
            before = self._last_seen.get(call["id"])
            moved = transition_error(before, call["status"]) if before else None
            if moved:
                problems.append(f"  call `{call['id']}`: {moved}")
            else:
                self._last_seen[call["id"]] = call["status"]
        if problems:
            raise AssertionError("A call moved against its lifecycle:\n" + "\n".join(problems))
        return None
