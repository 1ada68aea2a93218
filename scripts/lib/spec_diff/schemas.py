"""Rules for one JSON Schema against its new version, knowing who writes the data and who reads it.

Narrowing (a new required field, an enum value removed, a tighter bound or pattern, a type
removed) refuses values the writer used to send; loosening accepts values the reader never
expected. For a request the client writes and the server reads, so narrowing breaks existing
clients and loosening breaks existing (older) servers. For a response, or a webhook body, the
server writes and the client (the webhook receiver) reads: loosening breaks existing clients, and
narrowing breaks servers that lag the spec: they still send what it now refuses, and a client
generated from it raises on (or misreads) their answers. An enum value removed from a response
also breaks existing clients that rely on it: the new server never sends it.

Two loosenings of a response are compatible for this client by design: it keeps fields it does
not know (`additional_properties`) and enum values it does not know (`is_known` False).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import Any

from spec_diff.changes import Change, Verdict
from spec_diff.spec import escape
from spec_diff.spec import where as written_at

DOC_KEYWORDS = frozenset(
    {"description", "summary", "title", "example", "examples", "$comment", "externalDocs"}
)
UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
COMPOSITIONS = ("allOf", "anyOf", "oneOf")
HANDLED = frozenset(
    {
        *DOC_KEYWORDS,
        *UPPER_BOUNDS,
        *LOWER_BOUNDS,
        *COMPOSITIONS,
        "type",
        "enum",
        "const",
        "pattern",
        "format",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "propertyNames",
        "default",
        "deprecated",
        "$ref",
    }
)


class Flow(enum.Enum):
    """Who writes the data a schema describes."""

    REQUEST = "request"  # the client writes, the server reads
    RESPONSE = "response"  # the server writes, the client reads

    @property
    def writer(self) -> str:
        return "clients" if self is Flow.REQUEST else "servers"

    @property
    def reader(self) -> str:
        return "servers" if self is Flow.REQUEST else "clients"


def narrowed(flow: Flow) -> Verdict:
    """The verdict for a schema that now refuses some values it accepted: a request breaks
    existing clients; a response breaks servers that lag the spec (clients generated from it
    break against them)."""
    return Verdict.BREAKS_CLIENTS if flow is Flow.REQUEST else Verdict.BREAKS_SERVERS


def loosened(flow: Flow) -> Verdict:
    """The verdict for a schema that now accepts some values it refused."""
    return Verdict.BREAKS_SERVERS if flow is Flow.REQUEST else Verdict.BREAKS_CLIENTS


def narrow_why(flow: Flow) -> str:
    if flow is Flow.REQUEST:
        return "existing clients may send values the new server refuses"
    return (
        "servers that lag the spec may still send values it now refuses, and a client generated "
        "from this spec may raise on them or misread them"
    )


def loose_why(flow: Flow) -> str:
    if flow is Flow.REQUEST:
        return "new clients may send values older servers refuse"
    return "existing clients may receive values they do not expect"


def types_of(schema: dict[str, Any]) -> set[str] | None:
    """The JSON types a schema allows (None: any). `integer` counts as part of `number`."""
    declared = schema.get("type")
    if declared is None:
        return None
    found = {declared} if isinstance(declared, str) else set(declared)
    if "number" in found:
        found.add("integer")
    return found


def compare(old: Any, new: Any, where: str, flow: Flow, field: str = "") -> Iterator[Change]:
    """Every change from schema `old` to `new`, classified for data flowing as `flow`."""
    base = written_at(new) or written_at(old)
    if not isinstance(old, dict) or not isinstance(new, dict):
        if old != new:
            message = "schema replaced; " + narrow_why(flow)
            yield Change(narrowed(flow), where, field, message, pointer=base)
        return

    def change(verdict: Verdict, message: str, keyword: str = "") -> Change:
        located = f"{base}/{keyword}" if base and keyword else base
        return Change(verdict, where, field, message, pointer=located)

    yield from _types(old, new, flow, change)
    yield from _enum(old, new, flow, change)
    yield from _bounds(old, new, flow, change)
    yield from _formats(old, new, flow, change)
    yield from _object(old, new, where, flow, field)
    for keyword, suffix in (("items", "[]"), ("propertyNames", "(name)")):
        if keyword in old and keyword in new:
            yield from compare(old[keyword], new[keyword], where, flow, field + suffix)
        elif keyword in old or keyword in new:
            verdict = loosened(flow) if keyword in old else narrowed(flow)
            state = "removed" if keyword in old else "added"
            yield change(verdict, f"{keyword} {state}", keyword)
    for keyword in COMPOSITIONS:
        before, after = old.get(keyword, []), new.get(keyword, [])
        if len(before) == len(after):
            for index, (a, b) in enumerate(zip(before, after, strict=True)):
                yield from compare(a, b, where, flow, f"{field}({keyword}[{index}])")
        else:
            yield change(
                Verdict.BREAKS_CLIENTS,
                f"{keyword} changed from {len(before)} to {len(after)} alternatives; "
                f"{narrow_why(flow)}, and {loose_why(flow)}",
                keyword,
            )
    for keyword in sorted(DOC_KEYWORDS):
        if old.get(keyword) != new.get(keyword):
            located = change(Verdict.COMPATIBLE, "", escape(keyword)).pointer
            message = f"{keyword} changed"
            yield Change(Verdict.COMPATIBLE, where, field, message, docs_only=True, pointer=located)
    for keyword in sorted((old.keys() | new.keys()) - HANDLED):
        if old.get(keyword) != new.get(keyword):
            message = f"{keyword} changed (no rule for it; see the proof)"
            yield change(Verdict.COMPATIBLE, message, escape(keyword))


def _formats(old: dict[str, Any], new: dict[str, Any], flow: Flow, change: Any) -> Iterator[Change]:
    """pattern, format, default and deprecated: keywords about the form of one value."""
    for keyword in ("pattern", "format"):
        before, after = old.get(keyword), new.get(keyword)
        if before == after:
            continue
        if before is None:
            message = f"{keyword} {after!r} added; " + narrow_why(flow)
            yield change(narrowed(flow), message, keyword)
        elif after is None:
            message = f"{keyword} {before!r} removed; " + loose_why(flow)
            yield change(loosened(flow), message, keyword)
        else:  # whether one pattern includes the other is not decidable here: both ways
            verdict = Verdict.BREAKS_CLIENTS
            yield change(
                verdict,
                f"{keyword} changed from {before!r} to {after!r}; "
                f"{narrow_why(flow)}, and {loose_why(flow)}",
                keyword,
            )
    if old.get("default") != new.get("default"):
        if flow is Flow.REQUEST:
            yield change(
                Verdict.BREAKS_CLIENTS,
                f"default changed from {old.get('default')!r} to {new.get('default')!r}; "
                "clients that leave the value out get different behaviour from the new server",
                "default",
            )
        else:
            message = "default changed (informational in a response)"
            yield change(Verdict.COMPATIBLE, message, "default")
    if old.get("deprecated") != new.get("deprecated"):
        message = f"deprecated is now {bool(new.get('deprecated'))}"
        yield change(Verdict.COMPATIBLE, message, "deprecated")


def _types(old: dict[str, Any], new: dict[str, Any], flow: Flow, change: Any) -> Iterator[Change]:
    before, after = types_of(old), types_of(new)
    if before == after:
        return
    added = (after or {"any"}) - (before or {"any"}) if before is not None else set()
    removed = (before or {"any"}) - (after or {"any"}) if after is not None else set()
    if added == {"null"} and not removed:
        yield change(loosened(flow), "may now be null; " + loose_why(flow), "type")
        return
    if added:
        message = f"type now also allows {sorted(added)}; " + loose_why(flow)
        yield change(loosened(flow), message, "type")
    if removed:
        message = f"type no longer allows {sorted(removed)}; " + narrow_why(flow)
        yield change(narrowed(flow), message, "type")


def _enum(old: dict[str, Any], new: dict[str, Any], flow: Flow, change: Any) -> Iterator[Change]:
    def values(schema: dict[str, Any]) -> list[Any] | None:
        if "const" in schema:
            return [schema["const"]]
        listed = schema.get("enum")
        return list(listed) if isinstance(listed, list) else None

    before, after = values(old), values(new)
    if before == after:
        return
    keyword = "const" if "const" in new or ("const" in old and "enum" not in new) else "enum"
    if before is None or after is None:
        verdict = narrowed(flow) if before is None else loosened(flow)
        yield change(verdict, "enum " + ("added" if before is None else "removed"), keyword)
        return
    added = [v for v in after if v not in before]
    removed = [v for v in before if v not in after]
    if added:
        if flow is Flow.RESPONSE:
            yield change(
                Verdict.COMPATIBLE,
                f"enum value(s) {added} added; existing clients keep an unknown value "
                "(is_known False): code that handles every value should expect new ones",
                keyword,
            )
        else:
            message = f"enum value(s) {added} added; " + loose_why(flow)
            yield change(loosened(flow), message, keyword)
    if removed and flow is Flow.RESPONSE:
        yield change(Verdict.BREAKS_CLIENTS, _removed_from_response(old, removed), keyword)
    elif removed:
        message = f"enum value(s) {removed} removed; " + narrow_why(flow)
        yield change(narrowed(flow), message, keyword)


def _removed_from_response(old: dict[str, Any], removed: list[Any]) -> str:
    """Why an enum value removed from a response breaks both sides: code relying on it never gets
    it again, and a client generated from the new spec misreads servers that still send it."""
    message = (
        f"enum value(s) {removed} removed; code that relies on it (matches it, waits for it) "
        "never gets it from the new server, and servers that lag the spec still send it: a client "
        "generated from this spec reads it as an unknown value (is_known False)"
    )
    final = [v for v in removed if v in (old.get("x-final-values") or [])]
    if final:
        message += (
            f"; {final} was final (x-final-values) and is not final to that client: waiting for "
            "such a call to end never ends"
        )
    return message


def _bounds(old: dict[str, Any], new: dict[str, Any], flow: Flow, change: Any) -> Iterator[Change]:
    for keyword in (*UPPER_BOUNDS, *LOWER_BOUNDS):
        before, after = old.get(keyword), new.get(keyword)
        if before == after:
            continue
        upper = keyword in UPPER_BOUNDS
        if before is None or after is None:
            tighter = before is None
        else:
            tighter = after < before if upper else after > before
        verdict = narrowed(flow) if tighter else loosened(flow)
        why = narrow_why(flow) if tighter else loose_why(flow)
        yield change(verdict, f"{keyword} changed from {before} to {after}; {why}", keyword)


def _object(
    old: dict[str, Any], new: dict[str, Any], where: str, flow: Flow, field: str
) -> Iterator[Change]:
    fields = _Fields(old, new, where, flow, field)
    yield from fields.added()
    yield from fields.removed()
    yield from fields.kept()
    yield from fields.additional()


class _Fields:
    """The properties of an object schema against their new version."""

    def __init__(
        self, old: dict[str, Any], new: dict[str, Any], where: str, flow: Flow, field: str
    ) -> None:
        self.old, self.new, self.where, self.flow, self.field = old, new, where, flow, field
        self.old_props: dict[str, Any] = old.get("properties", {})
        self.new_props: dict[str, Any] = new.get("properties", {})
        self.old_required = set(old.get("required", []))
        self.new_required = set(new.get("required", []))
        self.closed_before = old.get("additionalProperties") is False
        self.closed_after = new.get("additionalProperties") is False

    def at(self, name: str) -> str:
        return f"{self.field}.{name}" if self.field else name

    def located(self, schema: dict[str, Any], *parts: str) -> str:
        base = written_at(schema)
        return "/".join([base, *(escape(p) for p in parts)]) if base else ""

    def found(self, verdict: Verdict, name: str, message: str, pointer: str) -> Change:
        return Change(verdict, self.where, self.at(name), message, pointer=pointer)

    def added(self) -> Iterator[Change]:
        flow = self.flow
        for name in sorted(self.new_props.keys() - self.old_props.keys()):
            pointer = self.located(self.new, "properties", name)
            if name in self.new_required:
                if flow is Flow.REQUEST:
                    verdict = Verdict.BREAKS_CLIENTS
                    why = (
                        "existing clients do not send it and the new server refuses their requests"
                    )
                else:
                    verdict = Verdict.BREAKS_SERVERS
                    why = (
                        "a client generated from this spec raises on answers from servers that "
                        "omit it (servers that lag the spec do); existing clients keep it as an "
                        "unknown field"
                    )
                yield self.found(verdict, name, f"new required field; {why}", pointer)
            elif flow is Flow.REQUEST and self.closed_before:
                yield self.found(
                    Verdict.BREAKS_SERVERS,
                    name,
                    "new optional field; older servers refuse unknown properties "
                    "(additionalProperties: false) when a new client sends it",
                    pointer,
                )
            else:
                reader = "servers" if flow is Flow.REQUEST else "clients"
                message = f"new optional field; existing {reader} accept and ignore unknown fields"
                yield self.found(Verdict.COMPATIBLE, name, message, pointer)

    def removed(self) -> Iterator[Change]:
        for name in sorted(self.old_props.keys() - self.new_props.keys()):
            pointer = self.located(self.old, "properties", name)
            if self.flow is Flow.REQUEST:
                message = "field removed; existing clients still send it and the new server " + (
                    "refuses it" if self.closed_after else "ignores it"
                )
                yield self.found(Verdict.BREAKS_CLIENTS, name, message, pointer)
            elif name in self.old_required:
                message = "required field removed; existing clients fail to parse a body without it"
                yield self.found(Verdict.BREAKS_CLIENTS, name, message, pointer)
            else:
                message = "optional field removed; existing clients already handle its absence"
                yield self.found(Verdict.COMPATIBLE, name, message, pointer)

    def kept(self) -> Iterator[Change]:
        flow = self.flow
        for name in sorted(self.old_props.keys() & self.new_props.keys()):
            if name in self.new_required - self.old_required:
                index = list(self.new.get("required", [])).index(name)
                pointer = self.located(self.new, "required", str(index))
                if flow is Flow.REQUEST:
                    why = "existing clients may leave it out and the new server refuses that"
                else:
                    why = (
                        "a client generated from this spec raises on answers from servers that "
                        "omit it (servers that lag the spec may); existing clients are unaffected"
                    )
                yield self.found(narrowed(flow), name, "now required; " + why, pointer)
            elif name in self.old_required - self.new_required:
                why = (
                    "new clients may leave it out and older servers refuse that"
                    if flow is Flow.REQUEST
                    else "existing clients fail to parse a body without it"
                )
                parts = ("required",) if "required" in self.new else ()
                pointer = self.located(self.new, *parts)
                yield self.found(loosened(flow), name, "no longer required; " + why, pointer)
            old, new = self.old_props[name], self.new_props[name]
            yield from compare(old, new, self.where, flow, self.at(name))

    def additional(self) -> Iterator[Change]:
        flow = self.flow
        before, after = self.old.get("additionalProperties"), self.new.get("additionalProperties")
        if isinstance(before, dict) and isinstance(after, dict):
            yield from compare(before, after, self.where, flow, self.at("*"))
        elif before != after:
            if self.closed_after:
                verdict, why = narrowed(flow), "unknown properties are now refused; "
                why += narrow_why(flow)
            elif self.closed_before:
                verdict, why = loosened(flow), "unknown properties are now allowed; "
                why += loose_why(flow)
            else:
                verdict, why = Verdict.BREAKS_CLIENTS, "additionalProperties changed; "
                why += f"{narrow_why(flow)}, and {loose_why(flow)}"
            parts = ("additionalProperties",) if after is not None else ()
            pointer = self.located(self.new, *parts)
            yield Change(verdict, self.where, self.field, why, pointer=pointer)
