"""Load an OpenAPI document, and resolve its local `$ref`s so the rules compare what is on the wire
rather than how the document is arranged (renaming a schema moves no byte)."""

from __future__ import annotations

import copy
from typing import Any

import yaml

Spec = dict[str, Any]


class SpecError(Exception):
    """The document cannot be read or a `$ref` in it points nowhere."""


def parse(text: str, origin: str) -> Spec:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError(f"{origin} is not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise SpecError(f"{origin} is not an OpenAPI document")
    return document


def pointer(document: Spec, ref: str) -> Any:
    if not ref.startswith("#/"):
        raise SpecError(f"only local $refs are supported, not {ref!r}")
    node: Any = document
    for escaped in ref[2:].split("/"):
        part = escaped.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            raise SpecError(f"$ref {ref!r} points nowhere")
        node = node[part]
    return node


class Located(dict[str, Any]):
    """A mapping of a resolved document that remembers where it is written: the JSON pointer of
    the node in the document (for a `$ref`, of its target). Equal to a plain dict with the same
    items, so comparing resolved documents ignores where things are written."""

    pointer: str = ""

    @classmethod
    def at(cls, items: dict[str, Any], where: str) -> Located:
        node = cls(items)
        node.pointer = where
        return node


def escape(part: object) -> str:
    """One JSON pointer token (RFC 6901)."""
    return str(part).replace("~", "~0").replace("/", "~1")


def where(node: Any) -> str:
    """The JSON pointer a node of a resolved document is written at ('' when not known)."""
    return node.pointer if isinstance(node, Located) else ""


def resolved(document: Spec) -> Spec:
    """A copy with every `$ref` replaced by what it points to; siblings of a `$ref` (a
    `description` next to it, as OpenAPI 3.1 allows) override the target's. Every mapping is a
    `Located`, so a finding can name the line it is about."""

    def walk(node: Any, seen: tuple[str, ...], at: str) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                if ref in seen:  # a recursive schema: stop at the second visit
                    return Located.at({"$ref": ref}, at)
                target = walk(copy.deepcopy(pointer(document, ref)), (*seen, ref), ref[1:])
                siblings = {
                    k: walk(v, seen, f"{at}/{escape(k)}") for k, v in node.items() if k != "$ref"
                }
                if not isinstance(target, dict):
                    return target
                return Located.at({**target, **siblings}, where(target))
            return Located.at(
                {key: walk(value, seen, f"{at}/{escape(key)}") for key, value in node.items()}, at
            )
        if isinstance(node, list):
            return [walk(item, seen, f"{at}/{index}") for index, item in enumerate(node)]
        return node

    result: Spec = walk(document, (), "")
    return result
