"""Answers on demand, checked against the spec: `handle.respond(...)`, the control plane's
`/_emulator/overrides`, and a `Prefer: code=NNN` request header."""

from __future__ import annotations

import httpx
import pytest
from dialnexa_client import DialNexa, errors
from hypothesis import given, settings
from hypothesis import strategies as st

from dialnexa_emulator import EmulatorHandle, OverrideError, mock_dialnexa
from dialnexa_emulator._spec import load_spec

AGENT = "agt_abc123"
PRIYA = "+919876543210"
SPEC = load_spec().document


def declared(operation: str) -> set[int]:
    for item in SPEC["paths"].values():
        for method in ("get", "post"):
            if item.get(method, {}).get("operationId") == operation:
                return {int(s) for s in item[method]["responses"]}
    raise KeyError(operation)


def test_the_next_create_answers_402_then_the_emulator_answers_again(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    answer = dialnexa_emulator.respond("createCall", 402)
    assert answer["body"] == {
        "statusCode": 402,
        "message": "Insufficient billing wallet balance",
        "error": "Payment Required",
    }
    assert [o.id for o in dialnexa_emulator.overrides.armed()] == [answer["id"]]
    with pytest.raises(errors.PaymentRequiredError):
        dialnexa_client.calls.create(agent_id=AGENT, to_phone_number=PRIYA)
    assert dialnexa_emulator.overrides.armed() == []  # consumed
    assert dialnexa_client.calls.create(agent_id=AGENT, to_phone_number=PRIYA).status == "initiated"
    assert len(dialnexa_emulator.calls) == 1  # the override placed nothing
    first, second = dialnexa_emulator.requests
    assert (first["status"], first["override_id"], first["reason"]) == (
        402,
        answer["id"],
        "Insufficient billing wallet balance",
    )
    assert (second["status"], second["override_id"]) == (201, None)


def test_a_partial_body_is_completed_with_the_specs_values(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    dialnexa_emulator.respond("getCall", 200, {"status": "busy"}, times=2)
    for _ in range(2):
        call = dialnexa_client.calls.get("call_abc123")
        assert call.status == "busy"
        assert call.id.startswith("call_")
        assert call.to_phone_number.startswith("+")
    with pytest.raises(errors.NotFoundError):  # the override is spent: no such call
        dialnexa_client.calls.get("call_abc123")


def test_a_chosen_error_body_and_headers(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    dialnexa_emulator.respond("getCall", 404, {"message": "Call was archived"})
    with pytest.raises(errors.NotFoundError) as raised:
        dialnexa_client.calls.get("call_abc123")
    assert "Call was archived" in str(raised.value)
    answer = dialnexa_emulator.respond("listCalls", 429, headers={"Retry-After": "7"})
    assert answer["headers"]["Retry-After"] == "7"
    assert set(answer["headers"]) >= {"X-RateLimit-Limit", "X-RateLimit-Reset"}  # required ones


@pytest.mark.parametrize(
    ("arguments", "rule"),
    [
        (("getCall", 418), "getCall does not declare a 418 answer in the spec (it declares 200,"),
        (("createCall", 200), "createCall does not declare a 200 answer"),
        (("getCall", 200, {"status": "ringing"}), "status must be one of the following values"),
        (("createCall", 201, {"id": "42"}), "id must match"),
        (("getCall", 404, {"statusCode": "404"}), "statusCode"),
        (("getCall", 429, {}, {"Retry-After": "soon"}), "retry-after must be an integer"),
        (("deleteCall", 200), "operation must be one of createCall, getCall, listCalls"),
    ],
)
def test_an_answer_the_spec_does_not_allow_is_refused_at_once_naming_the_rule(
    dialnexa_emulator: EmulatorHandle, arguments: tuple[object, ...], rule: str
) -> None:
    with pytest.raises(OverrideError) as raised:
        dialnexa_emulator.respond(*arguments)  # type: ignore[arg-type]
    assert rule in str(raised.value)
    assert dialnexa_emulator.overrides.armed() == []


@settings(max_examples=40, deadline=None)
@given(
    operation=st.sampled_from(["createCall", "getCall", "listCalls"]),
    status=st.integers(min_value=100, max_value=599),
)
def test_any_declared_status_is_accepted_and_any_other_refused(operation: str, status: int) -> None:
    with mock_dialnexa() as emulator:
        if status in declared(operation):
            answer = emulator.respond(operation, status)
            assert answer["status"] == status
        else:
            with pytest.raises(OverrideError, match="off_spec=True"):
                emulator.respond(operation, status)


def test_off_spec_answers_are_sent_as_given_for_forward_compatibility(
    dialnexa_client: DialNexa, dialnexa_emulator: EmulatorHandle
) -> None:
    dialnexa_emulator.respond(
        "getCall", 200, {"id": "call_1", "status": "on_hold", "future": 1}, off_spec=True
    )
    call = dialnexa_client.calls.get("call_1")  # a status this client does not know yet
    assert call.status.is_final is False
    dialnexa_emulator.respond("getCall", 418, {"teapot": True}, off_spec=True)
    with pytest.raises(errors.APIStatusError) as raised:
        dialnexa_client.calls.get("call_1")
    assert raised.value.status_code == 418


def test_overrides_are_listed_removed_and_reset(dialnexa_emulator: EmulatorHandle) -> None:
    first = dialnexa_emulator.respond("createCall", 503, times=3)
    second = dialnexa_emulator.respond("getCall", 404)
    assert [(o.id, o.remaining) for o in dialnexa_emulator.overrides.armed()] == [
        (first["id"], 3),
        (second["id"], 1),
    ]
    assert dialnexa_emulator.overrides.remove(first["id"])
    assert not dialnexa_emulator.overrides.remove(first["id"])
    dialnexa_emulator.reset()
    assert dialnexa_emulator.overrides.armed() == []


def test_the_control_plane_arms_lists_and_disarms_overrides(
    dialnexa_server: EmulatorHandle,
) -> None:
    control = dialnexa_server.control_url
    refused = httpx.post(f"{control}/overrides", json={"operation": "getCall", "status": 418})
    assert refused.status_code == 400
    assert "does not declare a 418 answer" in refused.json()["message"]
    assert '"off_spec": true' in refused.json()["message"]
    armed = httpx.post(
        f"{control}/overrides",
        json={"operation": "createCall", "status": 402, "times": 2},
    )
    assert armed.status_code == 201
    override = armed.json()
    assert (override["remaining"], override["body"]["statusCode"]) == (2, 402)
    assert httpx.get(f"{control}/overrides").json() == [override]
    headers = {"Authorization": f"Bearer {dialnexa_server.api_key}"}
    create = {"agent_id": AGENT, "to_phone_number": PRIYA}
    answered = httpx.post(f"{dialnexa_server.base_url}/calls", json=create, headers=headers)
    assert answered.status_code == 402
    assert httpx.get(f"{control}/overrides").json()[0]["remaining"] == 1
    assert httpx.delete(f"{control}/overrides/{override['id']}").status_code == 204
    assert httpx.delete(f"{control}/overrides/{override['id']}").status_code == 404
    assert httpx.get(f"{control}/overrides").json() == []
    httpx.post(f"{control}/overrides", json={"operation": "getCall", "status": 404})
    assert httpx.delete(f"{control}/overrides").status_code == 204
    assert httpx.get(f"{control}/overrides").json() == []


@pytest.mark.parametrize("status", [400, 401, 404, 429, 500, 502, 503, 504])
def test_prefer_code_answers_a_declared_status_on_the_served_emulator(
    dialnexa_server: EmulatorHandle, status: int
) -> None:
    headers = {"Authorization": f"Bearer {dialnexa_server.api_key}", "Prefer": f"code={status}"}
    answer = httpx.get(f"{dialnexa_server.base_url}/calls/call_abc123", headers=headers)
    assert answer.status_code == status
    assert answer.json()["statusCode"] == status
    [entry] = dialnexa_server.requests
    assert (entry["override_id"], entry["reason"]) == ("prefer", answer.json()["message"])


def test_prefer_code_for_an_undeclared_status_is_refused_naming_the_rule(
    dialnexa_server: EmulatorHandle,
) -> None:
    headers = {"Authorization": f"Bearer {dialnexa_server.api_key}", "Prefer": "code=402"}
    answer = httpx.get(f"{dialnexa_server.base_url}/calls", headers=headers)
    assert answer.status_code == 400
    assert answer.json()["message"] == (
        "Prefer: code=402 cannot be answered: listCalls does not declare a 402 answer in the "
        "spec (it declares 200, 400, 401, 429, 500, 502, 503, 504)"
    )
    not_a_status = httpx.get(
        f"{dialnexa_server.base_url}/calls", headers={**headers, "Prefer": "code=soon"}
    )
    assert not_a_status.json()["message"] == "Prefer: code=soon is not an HTTP status"


def test_prefer_code_200_answers_the_specs_example(dialnexa_server: EmulatorHandle) -> None:
    headers = {"Authorization": f"Bearer {dialnexa_server.api_key}", "Prefer": "code=200"}
    answer = httpx.get(f"{dialnexa_server.base_url}/calls", headers=headers)
    assert answer.status_code == 200
    assert isinstance(answer.json(), list)
    assert dialnexa_server.calls == []  # nothing was stored


CALL_FIELDS = {
    "status": st.sampled_from(["initiated", "received", "completed", "busy", "failed"]),
    "to_phone_number": st.sampled_from(["+919876543210", "+14155550123"]),
    "agent_id": st.sampled_from(["agt_abc123", "agt_other"]),
    "duration_sec": st.one_of(st.none(), st.integers(min_value=0, max_value=3600)),
    "metadata": st.dictionaries(st.sampled_from(["order_id", "name"]), st.text(max_size=5)),
}


@settings(max_examples=30, deadline=None)
@given(partial=st.fixed_dictionaries({}, optional=CALL_FIELDS))
def test_any_partial_call_is_completed_into_one_the_client_reads(
    partial: dict[str, object],
) -> None:
    with mock_dialnexa() as emulator, DialNexa() as client:
        answer = emulator.respond("getCall", 200, partial)
        assert {k: answer["body"][k] for k in partial} == partial  # what was given is kept
        call = client.calls.get("call_abc123")
        assert call.id.startswith("call_")
        for name, value in partial.items():
            if name != "metadata":
                assert getattr(call, name) == value
