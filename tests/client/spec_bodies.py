"""Hypothesis strategies for JSON bodies that match a schema of openapi.yaml.

Schemathesis generates request bodies only, from its own JSON Schema engine. So each schema is put
behind a probe operation (POST /_probe/<Name>, request body = `$ref` to the schema) in a copy of the
spec, and the generated request bodies are used as response bodies.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import schemathesis
from hypothesis import strategies as st

from tests.conftest import load_spec

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)
"""Any JSON value."""


@cache
def _probes() -> Any:
    spec = load_spec()
    doc = copy.deepcopy(spec)
    doc["paths"] = {
        f"/_probe/{name}": {
            "post": {
                "operationId": f"probe{name}",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                    },
                },
                "responses": {"200": {"description": "probe"}},
            }
        }
        for name in spec["components"]["schemas"]
    }
    return schemathesis.openapi.from_dict(doc)


def schema_bodies(name: str) -> st.SearchStrategy[Any]:
    """Bodies valid against `#/components/schemas/<name>`."""
    cases: st.SearchStrategy[Any] = _probes()[f"/_probe/{name}"]["POST"].as_strategy()
    return cases.map(lambda case: case.body)


def unknown_fields(known: set[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Fields a future version of the API might add: names the schema does not have, any values."""
    return st.dictionaries(st.text().filter(lambda name: name not in known), JSON, max_size=3)
