"""Server vs spec: schemathesis drives every operation through every phase, then follows the
createCall -> getCall link statefully, with every built-in check and our domain checks."""

from __future__ import annotations

from typing import Any

import hypothesis
from schemathesis import Case

from dialnexa_contract._call_guard import UNDIALABLE, CallGuard, is_create, is_valid_create
from dialnexa_contract._run_stats import STATS, calls_per_run
from dialnexa_contract._server_schema import load_server_schema
from dialnexa_contract._settings import current
from dialnexa_contract._target import current_target

TARGET = current_target()
schema = load_server_schema(TARGET)

# Seconds the emulator's clock moves before each request: enough for calls to walk their whole
# lifecycle within a scenario, so the lifecycle check sees statuses change.
TICK_SEC = 3.0


def may_send(case: Case[Any]) -> bool:
    """Whether the case may go to the target; against a live one, aims creates at `--to`.

    A create with a schema-valid body places a call (whatever else of the request schemathesis
    made negative: a server may wrongly let a bad header or query through), so it goes out only
    while the `--allow-calls` budget lasts, to a `--to` destination, with the run's agent,
    `--agent-version` and `--from` (else the workspace's defaults). A create whose body breaks a
    rule goes to a `--to` destination with the run's agent, version and caller ID as well, where
    that keeps the rule broken, so that only that rule can explain a refusal; the gateway's guard
    charges it to the budget only if the server wrongly accepts it. Any other create is kept off
    the `--to` numbers and the guard keeps it from dialling anyone.
    """
    body: Any = case.body
    if not is_create(case.method, case.formatted_path) or not isinstance(body, dict):
        return True
    if not is_valid_create(body):
        if TARGET.guard is not None:
            _aim_probe(body, TARGET.guard)
        return True
    if TARGET.guard is not None and not TARGET.guard.aim(body):
        STATS.add("creates_held")
        return False
    STATS.add("calls_placed")
    if TARGET.is_live:
        for name, value in _run_values(body["to_phone_number"]).items():
            _set(body, name, value)
    return True


def _run_values(destination: str) -> dict[str, Any]:
    """The fields an allowed call takes from the run (None: left out, the workspace's default)."""
    settings = current()
    return {
        "to_phone_number": destination,
        "agent_id": settings.agent_id,
        "agent_version_number": settings.agent_version,
        "from_phone_number": settings.from_number,
    }


def _set(body: dict[str, Any], name: str, value: Any) -> None:
    if value is None:
        body.pop(name, None)
    else:
        body[name] = value


def _aim_probe(body: dict[str, Any], guard: CallGuard) -> None:
    destination = guard.probe_destination()
    if destination is None:
        if body.get("to_phone_number") in current().destinations:
            body["to_phone_number"] = UNDIALABLE
        return
    for name, value in _run_values(destination).items():
        aimed = dict(body)
        _set(aimed, name, value)
        if not is_valid_create(aimed):  # the rule under test still broken: take the run's value
            _set(body, name, value)


@schema.parametrize()
def test_server_honours_spec(case: Case[Any]) -> None:
    if not may_send(case):
        return
    if not TARGET.is_live:
        TARGET.advance_clock(TICK_SEC)
    case.call_and_validate()


class ServerWorkflow(schema.as_state_machine()):  # type: ignore[misc]
    """Scenarios of linked calls (create, then get what was created, ...)."""

    def setup(self) -> None:
        # Every scenario starts from an empty emulator, so replaying one gives the same answers
        # (with calls left over, listCalls' answers - and so the links to follow - would vary).
        TARGET.reset()

    def before_call(self, case: Case[Any]) -> None:
        # A create the budget cannot pay for ends the scenario here; it is not a failure.
        hypothesis.assume(may_send(case))
        if not TARGET.is_live:
            TARGET.advance_clock(TICK_SEC)


# ServerWorkflow.TestCase is a unittest class Hypothesis builds at run time, out of mypy's sight.
class TestServerWorkflow(ServerWorkflow.TestCase):  # type: ignore[misc, name-defined]
    # The pytest plugin leaves scenario settings to us: the run's count, the toml's length.
    settings = hypothesis.settings(
        max_examples=current().max_examples,
        stateful_step_count=schema.config.phases.stateful.max_steps,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )

    def setUp(self) -> None:
        if not TARGET.can_place_calls:
            self.skipTest(
                "every scenario starts with a create and the --allow-calls budget is spent"
                f" (a full run needs about --allow-calls {calls_per_run(current().max_examples)})"
            )
