"""Issue 19: a key given twice in a JSON object is a 400 naming it, at any depth, on the API and
the control plane alike (a repeated query parameter is refused the same way); before, the last
one won silently."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialnexa_emulator import Emulator
from dialnexa_emulator._errors import ApiError
from dialnexa_emulator._validation import field_name
from dialnexa_emulator.web._body import parse_json
from tests.emulator.conftest import MINIMAL_REQUEST, error_message

Path = list[str | int]

_KEYS = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.sampled_from(['":', '", "a": 1', "\\", '{"x": 1, "x": 2}']),  # strings that look like keys
)
JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=20,
)
OBJECTS = st.dictionaries(_KEYS, JSON, min_size=1, max_size=5)


def objects_in(value: Any, path: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Every non-empty object in `value`, with its path."""
    found: list[tuple[Path, dict[str, Any]]] = []
    if isinstance(value, dict):
        if value:
            found.append((path, value))
        for key, item in value.items():
            found += objects_in(item, [*path, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += objects_in(item, [*path, index])
    return found


def dumped(value: Any, target: Path | None, key: str, extra: Any, escaped: bool) -> str:
    """`value` as JSON text; the object at `target` gets a second member named `key`, its name
    written with \\u escapes when `escaped` (the same key to a JSON parser)."""
    if isinstance(value, dict):
        members = [
            f"{json.dumps(k)}: {dumped(v, _below(target, k), key, extra, escaped)}"
            for k, v in value.items()
        ]
        if target == []:
            name = "".join(f"\\u{ord(c):04x}" for c in key) if escaped and key.isascii() else key
            spelled = f'"{name}"' if escaped and key.isascii() else json.dumps(key)
            members.insert(len(members) // 2 + 1, f"{spelled}: {json.dumps(extra)}")
        return "{" + ", ".join(members) + "}"
    if isinstance(value, list):
        return (
            "["
            + ", ".join(
                dumped(v, _below(target, i), key, extra, escaped) for i, v in enumerate(value)
            )
            + "]"
        )
    return json.dumps(value)


def _below(target: Path | None, step: str | int) -> Path | None:
    if target and target[0] == step:
        return target[1:]
    return None


@settings(deadline=None)  # CPU-bound and tiny; a busy machine must not fail it
@given(OBJECTS)
def test_a_body_without_repeats_reads_as_it_is(value: dict[str, Any]) -> None:
    assert parse_json(json.dumps(value).encode()) == value


@settings(deadline=None)
@given(OBJECTS, st.data(), JSON, st.booleans())
def test_a_repeated_key_at_any_depth_is_a_400_naming_it(
    value: dict[str, Any], data: st.DataObject, extra: Any, escaped: bool
) -> None:
    path, target = data.draw(st.sampled_from(objects_in(value, [])))
    key = data.draw(st.sampled_from(sorted(target)))
    body = dumped(value, path, key, extra, escaped).encode()

    with pytest.raises(ApiError) as refused:
        parse_json(body)

    assert refused.value.status == 400
    message = str(refused.value.message)
    # The first repeat in the document is reported; a repeat in `value` itself cannot exist.
    name = field_name([*path, key]) or '""'
    assert message == f"{name} must be given once, not 2 times (a repeated JSON key)"


def test_create_call_refuses_a_repeated_number_and_places_nothing(
    api: httpx.Client, emulator: Emulator
) -> None:
    body = (
        '{"agent_id": "agt_abc123", "to_phone_number": "+919876543210",'
        ' "to_phone_number": "+14155550100"}'
    )

    response = api.post("/calls", content=body, headers={"Content-Type": "application/json"})

    assert error_message(response, 400) == (
        "to_phone_number must be given once, not 2 times (a repeated JSON key)"
    )
    assert list(emulator.calls()) == []


def test_a_repeat_inside_metadata_is_named_by_its_path(api: httpx.Client) -> None:
    body = json.dumps(MINIMAL_REQUEST)[:-1] + ', "metadata": {"a": 1, "b": 2, "a": 3}}'

    response = api.post("/calls", content=body, headers={"Content-Type": "application/json"})

    assert error_message(response, 400) == (
        "metadata.a must be given once, not 2 times (a repeated JSON key)"
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        (
            "PUT",
            "/clock",
            '{"now": "2024-03-01T10:00:00Z", "now": "9999-12-31T23:59:59Z"}',
            "now must be given once, not 2 times",
        ),
        (
            "POST",
            "/calls",
            '{"calls": [{"status": "busy", "status": "completed"}]}',
            "calls[0].status must be given once, not 2 times",
        ),
    ],
)
def test_the_control_plane_refuses_repeats_too(
    control: httpx.Client, method: str, path: str, body: str, message: str
) -> None:
    response = control.request(
        method, path, content=body, headers={"Content-Type": "application/json"}
    )

    assert str(error_message(response, 400)).startswith(message)
