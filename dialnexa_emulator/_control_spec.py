"""The control plane's description, `control_plane.yaml`: its contract, served as JSON, and the
validators of its requests (compiled like the API's, so a rule it states is a rule enforced).

It names some of the API's schemas (`openapi.yaml#/components/schemas/...`); they are copied in
from the spec being served, so the control plane checks calls as the API does.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from dialnexa_emulator._spec import Spec, compile_spec

_API_REF = "openapi.yaml#/components/schemas/"
_LOCAL_REF = "#/components/schemas/"


@lru_cache(maxsize=1)
def _own_document() -> dict[str, Any]:
    text = (resources.files("dialnexa_emulator") / "control_plane.yaml").read_text(encoding="utf-8")
    document: dict[str, Any] = yaml.load(text, Loader=yaml.CSafeLoader)
    return document


@lru_cache(maxsize=8)
def control_plane(api: Spec) -> Spec:
    """The control plane's operations, with the schemas of `api` it names (compiled once per
    spec: emulators built from the same spec share it, read-only)."""
    document = copy.deepcopy(_own_document())
    schemas = document["components"]["schemas"]
    wanted = _rewrite_refs(document)
    api_schemas = api.document["components"]["schemas"]
    while wanted:
        name = wanted.pop()
        if name in schemas:
            continue
        schemas[name] = copy.deepcopy(api_schemas[name])
        wanted |= _local_refs(schemas[name])
    return compile_spec(document)


def _rewrite_refs(node: Any) -> set[str]:
    """Point `openapi.yaml#/components/schemas/X` refs at this document's own X; the names."""
    names: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_API_REF):
            name = ref.removeprefix(_API_REF)
            node["$ref"] = _LOCAL_REF + name
            names.add(name)
        for value in node.values():
            names |= _rewrite_refs(value)
    elif isinstance(node, list):
        for item in node:
            names |= _rewrite_refs(item)
    return names


def _local_refs(node: Any) -> set[str]:
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        found = {ref.removeprefix(_LOCAL_REF)} if isinstance(ref, str) else set()
        return found.union(*(_local_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_local_refs(item) for item in node))
    return set()


def seed_call_schema() -> Mapping[str, Any]:
    """A seed entry's schema (`SeedCall`), self-contained, as the packaged spec states it."""
    from dialnexa_emulator._spec import load_spec  # noqa: PLC0415 - the spec is compiled only when a config seeds

    document = control_plane(load_spec()).document
    return {"$ref": "#/components/schemas/SeedCall", "components": document["components"]}
