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


def resolved(document: Spec) -> Spec:
    """A copy with every `$ref` replaced by what it points to; siblings of a `$ref` (a
    `description` next to it, as OpenAPI 3.1 allows) override the target's."""

    def walk(node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                if ref in seen:  # a recursive schema: stop at the second visit
                    return {"$ref": ref}
                target = walk(copy.deepcopy(pointer(document, ref)), (*seen, ref))
                siblings = {k: walk(v, seen) for k, v in node.items() if k != "$ref"}
                return {**target, **siblings} if isinstance(target, dict) else target
            return {key: walk(value, seen) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item, seen) for item in node]
        return node

    result: Spec = walk(document, ())
    return result
