"""Rules for the whole document: operations, parameters, request bodies, responses, headers,
security, and the webhooks DialNexa sends.

A webhook is an operation with the roles swapped: DialNexa writes its body and the receiver
parses it, so its parameters and body are compared as a response is (the receiver is the
"client" a change can break) and the receiver's answer as a request is.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator
from typing import Any

from spec_diff.changes import Change, Verdict
from spec_diff.schemas import DOC_KEYWORDS, Flow, compare
from spec_diff.spec import Located, Spec, escape
from spec_diff.spec import where as written_at

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
JSON = "application/json"


def operations(spec: Spec) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every operation by a stable key ('POST /calls', 'webhook call_ended POST'), with a label
    for messages and the operation (path-level parameters merged in)."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for section, prefix in (("paths", ""), ("webhooks", "webhook ")):
        for path, item in (spec.get(section) or {}).items():
            shared = item.get("parameters", [])
            for method in METHODS:
                if method in item:
                    operation = Located.at(dict(item[method]), written_at(item[method]))
                    own = {_parameter_key(p) for p in operation.get("parameters", [])}
                    inherited = [p for p in shared if _parameter_key(p) not in own]
                    operation["parameters"] = [*inherited, *operation.get("parameters", [])]
                    key = f"{prefix}{method.upper()} {path}"
                    label = f"{operation.get('operationId', key)} ({key})"
                    found[key] = (label, operation)
    return found


def _parameter_key(parameter: dict[str, Any]) -> tuple[str, str]:
    """(in, name), or ('$ref', target) for a parameter not resolved yet."""
    if "$ref" in parameter:
        return ("$ref", parameter["$ref"])
    return (parameter["in"], parameter["name"])


def is_webhook(key: str) -> bool:
    return key.startswith("webhook ")


def located(changes: Iterable[Change], *nodes: Any) -> Iterator[Change]:
    """The changes, each without a pointer of its own given the first known one of `nodes` (the
    new version of what changed first, then the old one)."""
    pointer = next((written_at(n) for n in nodes if written_at(n)), "")
    for change in changes:
        yield (
            change
            if change.pointer or not pointer
            else dataclasses.replace(change, pointer=pointer)
        )


def diff(old: Spec, new: Spec) -> Iterator[Change]:
    """Every change from resolved spec `old` to resolved spec `new`."""
    for key in ("title", "summary", "description", "contact", "license", "termsOfService"):
        if old.get("info", {}).get(key) != new.get("info", {}).get(key):
            where = f"/info/{key}"
            yield Change(Verdict.COMPATIBLE, "info", key, "changed", docs_only=True, pointer=where)
    if old.get("servers") != new.get("servers"):
        message = "server URLs changed"
        yield Change(Verdict.COMPATIBLE, "servers", "", message, docs_only=True, pointer="/servers")
    if old.get("tags") != new.get("tags"):
        yield Change(
            Verdict.COMPATIBLE, "tags", "", "tags changed", docs_only=True, pointer="/tags"
        )
    old_schemes = old.get("components", {}).get("securitySchemes")
    if old_schemes != new.get("components", {}).get("securitySchemes"):
        yield Change(
            Verdict.BREAKS_CLIENTS,
            "components.securitySchemes",
            "",
            "authentication schemes changed; existing clients authenticate the old way",
            pointer="/components/securitySchemes",
        )
    before, after = operations(old), operations(new)
    for key in sorted(before.keys() - after.keys()):
        label = before[key][0]
        who = (
            "receivers stop getting this event"
            if is_webhook(key)
            else ("existing clients calling it get an error")
        )
        pointer = written_at(before[key][1])
        message = f"operation removed; {who}"
        yield Change(Verdict.BREAKS_CLIENTS, label, "", message, pointer=pointer)
    for key in sorted(after.keys() - before.keys()):
        pointer = written_at(after[key][1])
        yield Change(Verdict.COMPATIBLE, after[key][0], "", "operation added", pointer=pointer)
    for key in sorted(before.keys() & after.keys()):
        (label, old_op), (_, new_op) = before[key], after[key]
        sent, answered = (
            (Flow.RESPONSE, Flow.REQUEST)
            if is_webhook(key)
            else (
                Flow.REQUEST,
                Flow.RESPONSE,
            )
        )
        changes = _operation(
            label, old_op, new_op, old_spec=old, new_spec=new, sent=sent, answered=answered
        )
        changes = located(changes, new_op, old_op)
        yield from (map(in_webhook_words, changes) if is_webhook(key) else changes)


# In a webhook DialNexa plays the server and the receiver the client, in both directions: the
# rules speak of clients and servers, a webhook's findings of receivers and senders.
WEBHOOK_WORDS = [
    (re.compile(r"\banswers from servers\b"), "deliveries from senders"),
    (re.compile(r"\bclients\b"), "receivers"),
    (re.compile(r"\bclient\b"), "receiver"),
    (re.compile(r"\bservers\b"), "senders"),
    (re.compile(r"\bserver\b"), "sender"),
]


def in_webhook_words(change: Change) -> Change:
    message = change.message
    for word, replacement in WEBHOOK_WORDS:
        message = word.sub(replacement, message)
    return dataclasses.replace(change, message=message)


def _operation(
    label: str,
    old: dict[str, Any],
    new: dict[str, Any],
    *,
    old_spec: Spec,
    new_spec: Spec,
    sent: Flow,
    answered: Flow,
) -> Iterator[Change]:
    for key in sorted(DOC_KEYWORDS | {"tags"}):
        if old.get(key) != new.get(key):
            yield Change(Verdict.COMPATIBLE, label, "", f"{key} changed", docs_only=True)
    if old.get("operationId") != new.get("operationId"):
        yield Change(
            Verdict.COMPATIBLE,
            label,
            "",
            f"operationId changed from {old.get('operationId')!r} to {new.get('operationId')!r} "
            "(the wire is the same; the generated function is renamed)",
        )
    if old.get("deprecated") != new.get("deprecated"):
        yield Change(Verdict.COMPATIBLE, label, "", f"deprecated is now {new.get('deprecated')}")
    old_security = old.get("security", old_spec.get("security"))
    if old_security != new.get("security", new_spec.get("security")):
        yield Change(
            Verdict.BREAKS_CLIENTS,
            label,
            "security",
            "authentication requirements changed; existing clients may be refused",
        )
    yield from _parameters(label, old.get("parameters", []), new.get("parameters", []), sent)
    yield from _request_body(label, old.get("requestBody"), new.get("requestBody"), sent)
    yield from _responses(label, old.get("responses", {}), new.get("responses", {}), answered)


def _parameters(
    label: str, old: list[dict[str, Any]], new: list[dict[str, Any]], flow: Flow
) -> Iterator[Change]:
    before = {(p["in"], p["name"]): p for p in old}
    after = {(p["in"], p["name"]): p for p in new}
    for place, name in sorted(before.keys() - after.keys()):
        where = f"{label} {place} parameter {name}"
        pointer = written_at(before[(place, name)])
        if flow is Flow.REQUEST:
            message = "removed; existing clients still send it and the new server may refuse it"
            yield Change(Verdict.BREAKS_CLIENTS, where, "", message, pointer=pointer)
        elif before[(place, name)].get("required"):
            message = "required parameter removed; existing receivers that read it fail"
            yield Change(Verdict.BREAKS_CLIENTS, where, "", message, pointer=pointer)
        else:
            message = "optional parameter removed"
            yield Change(Verdict.COMPATIBLE, where, "", message, pointer=pointer)
    for place, name in sorted(after.keys() - before.keys()):
        where = f"{label} {place} parameter {name}"
        required = bool(after[(place, name)].get("required"))
        pointer = written_at(after[(place, name)])
        if flow is Flow.RESPONSE and required:
            message = (
                "new required parameter; senders that lag the spec do not send it, and a "
                "receiver generated from this spec that reads it fails"
            )
            yield Change(Verdict.BREAKS_SERVERS, where, "", message, pointer=pointer)
        elif flow is Flow.RESPONSE:
            message = "added; existing receivers ignore it"
            yield Change(Verdict.COMPATIBLE, where, "", message, pointer=pointer)
        elif required:
            message = "new required parameter; existing clients do not send it"
            yield Change(Verdict.BREAKS_CLIENTS, where, "", message, pointer=pointer)
        else:
            message = (
                "new optional parameter; an older server does not know it and refuses or "
                "ignores it when a new client sends it"
            )
            yield Change(Verdict.BREAKS_SERVERS, where, "", message, pointer=pointer)
    for key in sorted(before.keys() & after.keys()):
        a, b = before[key], after[key]
        where = f"{label} {key[0]} parameter {key[1]}"
        yield from located(_parameter(where, a, b, flow), b, a)


def _parameter(where: str, a: dict[str, Any], b: dict[str, Any], flow: Flow) -> Iterator[Change]:
    if bool(a.get("required")) != bool(b.get("required")):
        if b.get("required"):
            message = "now required" + (
                ""
                if flow is Flow.REQUEST
                else "; senders that lag the spec may leave it out, and a receiver generated "
                "from this spec that reads it fails"
            )
            yield Change(narrowed_parameter(flow), where, "", message)
        else:
            verdict = Verdict.BREAKS_SERVERS if flow is Flow.REQUEST else Verdict.BREAKS_CLIENTS
            yield Change(verdict, where, "", "no longer required")
    for key_word in ("style", "explode", "allowEmptyValue", "allowReserved", "content"):
        if a.get(key_word) != b.get(key_word):
            message = f"{key_word} changed; the value is written differently on the wire"
            yield Change(Verdict.BREAKS_CLIENTS, where, "", message)
    for key_word in ("description", "example", "examples", "deprecated"):
        if a.get(key_word) != b.get(key_word):
            yield Change(Verdict.COMPATIBLE, where, "", f"{key_word} changed", docs_only=True)
    yield from compare(a.get("schema", {}), b.get("schema", {}), where, flow)


def narrowed_parameter(flow: Flow) -> Verdict:
    """A parameter made required: existing clients of a request break; for a webhook (written by
    DialNexa), senders that lag the spec do."""
    return Verdict.BREAKS_CLIENTS if flow is Flow.REQUEST else Verdict.BREAKS_SERVERS


def _content(where: str, old: dict[str, Any], new: dict[str, Any], flow: Flow) -> Iterator[Change]:
    before, after = old.get("content", {}), new.get("content", {})
    for media in sorted(before.keys() - after.keys()):
        verdict = Verdict.BREAKS_CLIENTS
        yield Change(verdict, where, "", f"media type {media} removed")
    for media in sorted(after.keys() - before.keys()):
        verdict = Verdict.BREAKS_CLIENTS if flow is Flow.RESPONSE else Verdict.COMPATIBLE
        yield Change(verdict, where, "", f"media type {media} added")
    for media in sorted(before.keys() & after.keys()):
        a, b = before[media], after[media]
        for key_word in ("example", "examples"):
            if a.get(key_word) != b.get(key_word):
                yield Change(Verdict.COMPATIBLE, where, "", f"{key_word} changed", docs_only=True)
        yield from compare(a.get("schema", {}), b.get("schema", {}), where, flow)


def _request_body(
    label: str, old: dict[str, Any] | None, new: dict[str, Any] | None, flow: Flow
) -> Iterator[Change]:
    where = f"{label} {'body' if flow is Flow.RESPONSE else 'request body'}"
    if old is None and new is None:
        return
    if old is None or new is None:
        verdict = Verdict.BREAKS_CLIENTS
        pointer = written_at(new) or written_at(old)
        message = "added" if old is None else "removed"
        yield Change(verdict, where, "", message, pointer=pointer)
        return
    if bool(old.get("required")) != bool(new.get("required")):
        if new.get("required"):
            verdict = narrowed_parameter(flow)
        else:
            verdict = Verdict.BREAKS_SERVERS if flow is Flow.REQUEST else Verdict.BREAKS_CLIENTS
        yield Change(verdict, where, "", "required is now " + str(bool(new.get("required"))))
    if old.get("description") != new.get("description"):
        yield Change(Verdict.COMPATIBLE, where, "", "description changed", docs_only=True)
    yield from located(_content(where, old, new, flow), new, old)


def _responses(
    label: str, old: dict[str, Any], new: dict[str, Any], flow: Flow
) -> Iterator[Change]:
    for status in sorted(old.keys() - new.keys()):
        where = f"{label} response {status}"
        pointer = f"{written_at(old)}/{escape(status)}" if written_at(old) else ""
        if str(status).startswith("2") and flow is Flow.RESPONSE:
            message = "success response removed; existing clients do not expect what replaces it"
            yield Change(Verdict.BREAKS_CLIENTS, where, "", message, pointer=pointer)
        else:
            message = "response no longer documented"
            yield Change(Verdict.COMPATIBLE, where, "", message, pointer=pointer)
    yield from located(_new_responses(label, old, new, flow), new)
    for status in sorted(old.keys() & new.keys()):
        where = f"{label} response {status}"
        pointer = f"{written_at(new)}/{escape(status)}" if written_at(new) else ""
        changes = _response(where, old[status], new[status], flow)
        yield from located(changes, Located.at({}, pointer), new[status])


def _new_responses(
    label: str, old: dict[str, Any], new: dict[str, Any], flow: Flow
) -> Iterator[Change]:
    for status in sorted(new.keys() - old.keys()):
        where = f"{label} response {status}"
        pointer = f"{written_at(new)}/{escape(status)}" if written_at(new) else ""
        if str(status).startswith("2") and flow is Flow.RESPONSE:
            message = "new success response; existing clients do not parse it"
            verdict = Verdict.BREAKS_CLIENTS
        elif flow is Flow.RESPONSE:
            message = "response documented; existing clients already take any error status"
            verdict = Verdict.COMPATIBLE
        else:
            message = "new answer documented; DialNexa treats any non-2xx answer as a failure"
            verdict = Verdict.COMPATIBLE
        yield Change(verdict, where, "", message, pointer=pointer)


def _response(where: str, a: dict[str, Any], b: dict[str, Any], flow: Flow) -> Iterator[Change]:
    if a.get("description") != b.get("description"):
        yield Change(Verdict.COMPATIBLE, where, "", "description changed", docs_only=True)
    headers_a, headers_b = a.get("headers", {}), b.get("headers", {})
    for name in sorted(headers_a.keys() - headers_b.keys()):
        verdict = Verdict.BREAKS_CLIENTS if flow is Flow.RESPONSE else Verdict.BREAKS_SERVERS
        yield Change(verdict, where, f"header {name}", "removed; readers of it get nothing")
    for name in sorted(headers_b.keys() - headers_a.keys()):
        pointer = written_at(headers_b[name])
        yield Change(Verdict.COMPATIBLE, where, f"header {name}", "added", pointer=pointer)
    for name in sorted(headers_a.keys() & headers_b.keys()):
        ha, hb = headers_a[name], headers_b[name]
        if ha.get("description") != hb.get("description"):
            message = "description changed"
            pointer = written_at(hb)
            yield Change(
                Verdict.COMPATIBLE,
                where,
                f"header {name}",
                message,
                docs_only=True,
                pointer=pointer,
            )
        yield from compare(
            ha.get("schema", {}), hb.get("schema", {}), where, flow, f"header {name}"
        )
    if a.get("links") != b.get("links"):
        yield Change(Verdict.COMPATIBLE, where, "links", "changed")
    yield from _content(where, a, b, flow)
