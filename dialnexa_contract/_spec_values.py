"""Hypothesis strategies for values that validate against any schema of the spec.

Schemathesis' generator knows OpenAPI 3.1 and our `e164` format, but only generates requests.
So each schema of interest becomes the request body of a synthetic operation in a copy of the
spec, and its positive bodies are the values.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode

from dialnexa_contract._phone_numbers import register_formats
from dialnexa_contract._spec import load_spec


@cache
def _values_schema(json_pointer: str) -> schemathesis.BaseSchema:
    document = copy.deepcopy(load_spec())
    document["paths"] = {
        "/values": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": f"#{json_pointer}"}}},
                },
                "responses": {"default": {"description": "unused"}},
            }
        },
        # The pointer may lead into the original paths, so keep them reachable.
        **{f"/original{path}": item for path, item in load_spec()["paths"].items()},
    }
    document.pop("security", None)
    return schemathesis.openapi.from_dict(document, config=schemathesis.Config())


def values_at(json_pointer: str) -> st.SearchStrategy[Any]:
    """Schema-valid JSON values for the schema at `json_pointer` in openapi.yaml."""
    register_formats()
    operation = _values_schema(json_pointer.replace("/paths/", "/paths/~1original", 1))
    return (
        operation["/values"]["POST"]
        .as_strategy(GenerationMode.POSITIVE)
        .map(lambda case: case.body)
    )


def object_of(pointers: dict[str, str]) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts holding any subset of the named values, each valid for its own schema."""
    return st.fixed_dictionaries({}, optional={name: values_at(p) for name, p in pointers.items()})
