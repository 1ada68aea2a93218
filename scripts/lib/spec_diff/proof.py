"""Prove a verdict with the kit's own tools: the client generated from the old spec, property-tested
against the new spec (hypothesis, with schemathesis generating schema-valid data).

- clients: every response body valid under the new spec parses in the old client (its own
  `_build_response`), and every request the old client builds from inputs valid for it (its own
  request model, `from_dict` then `to_dict`) validates under the new spec;
- servers: every request valid under the new spec validates under the old one; and every
  response body valid under the old spec (what a server that lags the spec sends) validates under
  the new spec and parses in the client generated from it, without a value it reads as unknown;
- webhook receivers: every webhook body valid under the new spec parses in the old client's model;
  every body valid under the old spec (a sender that lags the spec) parses in the new one's.

Only the parts whose resolved schemas differ are exercised: an unchanged part proves nothing new.
Generation is derandomized so a run gives the same verdict every time.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import hashlib
import importlib
import importlib.util
import itertools
import json
import re
import sys
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import jsonschema
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from hypothesis.reporting import with_reporter
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from schemathesis import GenerationMode
from schemathesis.core import NotSet

from spec_diff.changes import Verdict, worst
from spec_diff.operations import operations
from spec_diff.spec import Spec, pointer, resolved

SPEC_URI = "urn:spec-diff:spec"
MAX_BOUNDARIES = 100  # per property: a cap for large schemas; this spec has a few dozen
Values = tuple[st.SearchStrategy[Any], list[Any]]  # generated values, boundary values
BASE_URL = "http://spec-diff.invalid"


@dataclass(frozen=True)
class Counterexample:
    """Data that a part of the old world refuses: who it breaks, where, the value, why."""

    verdict: Verdict
    where: str
    example: str
    problem: str

    def line(self) -> str:
        return f"{self.verdict:<15} {self.where}: {self.problem}; e.g. {self.example}"

    def as_json(self) -> dict[str, str]:
        return {
            "verdict": str(self.verdict),
            "where": self.where,
            "example": self.example,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class Proof:
    counterexamples: list[Counterexample]
    checks: int  # properties tested

    @property
    def verdict(self) -> Verdict:
        return worst(c.verdict for c in self.counterexamples)


class _Refused(Exception):
    def __init__(self, problem: str, example: Any) -> None:
        super().__init__(problem)
        self.problem, self.example = problem, example


def load_client(project_dir: Path) -> ModuleType:
    """The generated package in project_dir, imported under a name of its own so that it lives
    beside the installed dialnexa_client (its imports are all relative)."""
    init = next(project_dir.glob("*/__init__.py"))
    name = "_spec_diff_client_" + hashlib.sha256(str(init).encode()).hexdigest()[:12]
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, init, submodule_search_locations=[str(init.parent)]
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def _endpoint(client: ModuleType, operation_id: str) -> ModuleType | None:
    """The generated module of an operation (`api/<tag>/<snake_case id>.py`)."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", operation_id).lower()
    root = Path(typing.cast(str, client.__file__)).parent
    for path in sorted((root / "api").glob(f"*/{snake}.py")):
        return importlib.import_module(f"{client.__name__}.api.{path.parent.name}.{snake}")
    return None


def _hints(client: ModuleType, function: Any) -> dict[str, Any]:
    """The type hints of a generated function. Its module imports the models for type checkers only
    (they are imported where used), so the names come from the client's `models` package."""
    models = importlib.import_module(f"{client.__name__}.models")
    names = {name: getattr(models, name) for name in getattr(models, "__all__", ())}
    namespace = {**names, **vars(sys.modules[function.__module__])}
    return typing.get_type_hints(function, globalns=namespace)


def _model(client: ModuleType, ref: str) -> Any:
    """The generated model class of a `$ref`'d schema (None when there is none)."""
    if not ref:
        return None
    models = importlib.import_module(f"{client.__name__}.models")
    return getattr(models, ref.rsplit("/", 1)[-1], None)


def _validator(spec: Spec, schema: Any) -> jsonschema.protocols.Validator:
    registry: Registry[Any] = Registry().with_resource(
        SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT202012)
    )

    def rebase(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: (f"{SPEC_URI}{v}" if k == "$ref" and isinstance(v, str) else rebase(v))
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [rebase(item) for item in node]
        return node

    return jsonschema.Draft202012Validator(rebase(schema), registry=registry)


def _problem(validator: jsonschema.protocols.Validator, value: Any) -> str | None:
    error = jsonschema.exceptions.best_match(validator.iter_errors(value))
    if error is None:
        return None
    place = "/".join(str(p) for p in error.absolute_path)
    return f"{error.message}" + (f" (at {place})" if place else "")


def _probes(spec: Spec, schemas: dict[str, Any]) -> Any:
    """A copy of the spec whose only operations take each schema as their request body, so that
    schemathesis (which generates requests) generates values for any schema of the spec."""
    document = copy.deepcopy(spec)
    document.pop("webhooks", None)
    document["paths"] = {
        f"/probe/{index}": {
            "post": {
                "requestBody": {"required": True, "content": {"application/json": {"schema": s}}},
                "responses": {"200": {"description": "probe"}},
            }
        }
        for index, s in enumerate(schemas.values())
    }
    loaded = schemathesis.openapi.from_dict(document)
    probes = {key: loaded[f"/probe/{index}"]["POST"] for index, key in enumerate(schemas)}
    return {
        key: (probe.as_strategy().map(lambda case: case.body), [c.body for c in _boundaries(probe)])
        for key, probe in probes.items()
    }


def _boundaries(operation: Any) -> list[Any]:
    """Schemathesis' coverage cases of an operation (valid ones only): each bound, length and
    enum value at its edge, the schema's examples."""
    schema = operation.schema
    config = schema.config.generation_for(operation=operation, phase="coverage")
    cases = schema.iter_coverage_cases(
        operation, generation_modes=[GenerationMode.POSITIVE], generation_config=config
    )
    return list(itertools.islice(cases, MAX_BOUNDARIES))


def _json_schema(part: dict[str, Any] | None) -> Any:
    if not part:
        return None
    return part.get("content", {}).get("application/json", {}).get("schema")


def _example(value: Any) -> str:
    text = json.dumps(value, default=str, sort_keys=True)
    return text if len(text) <= 300 else text[:297] + "..."


class Prover:
    """One proof: the old client and both specs, and the counterexamples found so far."""

    def __init__(
        self,
        old: Spec,
        new: Spec,
        old_client: Path,
        max_examples: int,
        new_client: Path | None = None,
    ) -> None:
        self.old, self.new = old, new
        self.old_resolved, self.new_resolved = resolved(old), resolved(new)
        self.client = load_client(old_client)
        self.new_client = load_client(new_client) if new_client is not None else None
        self.raw_before, self.raw_after = operations(old), operations(new)
        self.settings = settings(
            max_examples=max_examples,
            derandomize=True,
            database=None,
            deadline=None,
            verbosity=Verbosity.quiet,
            print_blob=False,
            report_multiple_bugs=False,
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        # Whole response bodies of the old spec shrink slowly (a minute for a pattern change);
        # the problem already names the field and the value, so those are not shrunk.
        self.unshrunk = settings(self.settings, phases=[Phase.explicit, Phase.generate])
        self.found: list[Counterexample] = []
        self.checks = 0

    def holds(
        self,
        verdict: Verdict,
        where: str,
        values: Values,
        check: Callable[[Any], str | None],
        *,
        show: Callable[[Any], Any] = lambda value: value,
        shrink: bool = True,
    ) -> None:
        """Test `check` (returns a problem or None) on the boundary values, then on generated
        ones; record the first (for generated values, unless `shrink` is False: minimal)
        counterexample, as `show` renders it. Boundaries catch what a bounded random sample may
        miss (a maximum lowered by 1)."""
        self.checks += 1
        generated, boundaries = values
        for value in boundaries:
            problem = check(value)
            if problem:
                example = _example(show(value))
                self.found.append(Counterexample(verdict, where, example, problem))
                return

        @(self.settings if shrink else self.unshrunk)
        @given(generated)
        def prop(value: Any) -> None:
            problem = check(value)
            if problem:
                raise _Refused(problem, show(value))

        try:
            with with_reporter(lambda _message: None):
                prop()
        except _Refused as refused:
            self.found.append(
                Counterexample(verdict, where, _example(refused.example), refused.problem)
            )

    def run(self) -> Proof:
        before, after = operations(self.old_resolved), operations(self.new_resolved)
        raw_before, raw_after = self.raw_before, self.raw_after
        for key in sorted(before.keys() - after.keys()):
            if not key.startswith("webhook "):
                label = before[key][0]
                problem = "the old client's function for it has no operation in the new spec"
                self.found.append(Counterexample(Verdict.BREAKS_CLIENTS, label, key, problem))
        bodies: dict[tuple[str, str], Any] = {}
        lagging: dict[tuple[str, str], Any] = {}  # what servers that lag the spec send
        for key in sorted(before.keys() & after.keys()):
            (label, old_op), (_, new_op) = before[key], after[key]
            raw_old, raw_new = raw_before[key][1], raw_after[key][1]
            if not key.startswith("webhook ") and (
                old_op.get("parameters"),
                old_op.get("requestBody"),
            ) != (new_op.get("parameters"), new_op.get("requestBody")):
                self._requests(key, label, raw_old, raw_new)
            for part, (new_body, old_body) in self._changed_bodies(key, old_op, new_op).items():
                bodies[(key, part)] = new_body
                if old_body is not None:
                    lagging[(key, part)] = old_body
        if bodies:
            strategies = _probes(self.new, {f"{k[0]}|{k[1]}": s for k, s in bodies.items()})
            for key, status in bodies:
                values = strategies[f"{key}|{status}"]
                if status == "webhook":
                    self._webhook(raw_before[key][1], raw_after[key][0], values)
                else:
                    self._response(key, after[key][0], int(status), raw_before[key][1], values)
        if lagging and self.new_client is not None:
            strategies = _probes(self.old, {f"{k[0]}|{k[1]}": s for k, s in lagging.items()})
            for key, status in lagging:
                values = strategies[f"{key}|{status}"]
                self._lagging(key, after[key][0], status, raw_after[key][1], values)
        return Proof(self.found, self.checks)

    def _changed_bodies(
        self, key: str, old_op: dict[str, Any], new_op: dict[str, Any]
    ) -> dict[str, tuple[Any, Any]]:
        """The bodies a server writes (a response by status, or 'webhook') whose resolved schema
        changed: {part: (the new spec's raw schema, the old spec's or None)}."""
        raw_old, raw_new = self.raw_before[key][1], self.raw_after[key][1]
        if key.startswith("webhook "):
            if _json_schema(old_op.get("requestBody")) == _json_schema(new_op.get("requestBody")):
                return {}
            new_body = _json_schema(_deref(self.new, raw_new.get("requestBody")))
            old_body = _json_schema(_deref(self.old, raw_old.get("requestBody")))
            return {"webhook": (new_body, old_body)}
        found = {}
        for status in _changed_responses(old_op, new_op):
            new_body = _json_schema(_deref(self.new, raw_new["responses"][status]))
            old_response = raw_old.get("responses", {}).get(status)
            old_body = _json_schema(_deref(self.old, old_response)) if old_response else None
            found[status] = (new_body, old_body)
        return found

    def _lagging(
        self, key: str, label: str, status: str, new_op: dict[str, Any], values: Values
    ) -> None:
        """A server (or webhook sender) that lags the spec sends what the old spec allows: the
        new spec must allow it too, and the client generated from the new spec must read it."""
        assert self.new_client is not None
        webhook = status == "webhook"
        part = new_op.get("requestBody") if webhook else new_op["responses"][status]
        conforms = _validator(self.new, _json_schema(_deref(self.new, part)) or {})
        reader: Callable[[Any], Any] | None
        if webhook:
            ref = (_json_schema(_deref(self.new, part)) or {}).get("$ref", "")
            model = _model(self.new_client, ref)
            reader = model.from_dict if model is not None else None
            who, where = "a receiver generated from this spec", f"{label} body"
        else:
            module = _endpoint(self.new_client, new_op.get("operationId", ""))
            reader = _reader(module, self.new_client, key, int(status)) if module else None
            who, where = "a client generated from this spec", f"{label} response {status}"

        def read(body: Any) -> str | None:
            if reader is not None:
                try:
                    parsed = reader(body)
                except Exception as exc:  # any failure to parse is the finding
                    return f"{who} raises on it: {type(exc).__name__}: {exc}"
                unknown = sorted(set(_unknown_values(parsed)))
                if unknown:
                    return f"{who} reads {', '.join(map(repr, unknown))} as an unknown value"
            problem = _problem(conforms, body)
            return f"the new spec refuses it: {problem}" if problem else None

        where += " from a server that lags the spec"
        self.holds(Verdict.BREAKS_SERVERS, where, values, read, shrink=False)

    def _response(
        self, key: str, label: str, status: int, old_op: dict[str, Any], values: Values
    ) -> None:
        module = _endpoint(self.client, old_op.get("operationId", ""))
        if module is None:
            return
        read = _reader(module, self.client, key, status)

        def parses(body: Any) -> str | None:
            try:
                read(body)
            except Exception as exc:  # any failure to parse is the finding
                return f"the old client cannot parse it: {type(exc).__name__}: {exc}"
            return None

        self.holds(Verdict.BREAKS_CLIENTS, f"{label} response {status}", values, parses)

    def _webhook(self, old_op: dict[str, Any], label: str, values: Values) -> None:
        schema = _json_schema(_deref(self.old, old_op.get("requestBody"))) or {}
        ref = schema.get("$ref", "")
        model = _model(self.client, ref)
        if model is None:
            return

        def parses(body: Any) -> str | None:
            try:
                model.from_dict(body)
            except Exception as exc:  # any failure to parse is the finding
                return (
                    f"a receiver using the old client cannot parse it: {type(exc).__name__}: {exc}"
                )
            return None

        self.holds(Verdict.BREAKS_CLIENTS, f"{label} body", values, parses)

    def _requests(
        self, key: str, label: str, old_op: dict[str, Any], new_op: dict[str, Any]
    ) -> None:
        method, path = key.split(" ", 1)
        old_cases = schemathesis.openapi.from_dict(_only(self.old, path, method))[path][method]
        new_cases = schemathesis.openapi.from_dict(_only(self.new, path, method))[path][method]
        module = _endpoint(self.client, old_op.get("operationId", ""))
        hints = _hints(self.client, module._get_kwargs) if module is not None else {}
        model = hints.get("body")
        build = getattr(model, "from_dict", None)

        def old_client_request(case: Any) -> str | None:
            body = _body(case)
            if build is not None and isinstance(body, dict):
                body = build(body).to_dict()  # what the old client puts on the wire
            return self._accepted(self.new, new_op, case, body, "the new server refuses it")

        def new_client_request(case: Any) -> str | None:
            return self._accepted(self.old, old_op, case, _body(case), "an older server refuses it")

        self.holds(
            Verdict.BREAKS_CLIENTS,
            f"{label} request from an existing client",
            (old_cases.as_strategy(), _boundaries(old_cases)),
            old_client_request,
            show=_request,
        )
        self.holds(
            Verdict.BREAKS_SERVERS,
            f"{label} request from a new client",
            (new_cases.as_strategy(), _boundaries(new_cases)),
            new_client_request,
            show=_request,
        )

    def _accepted(
        self, spec: Spec, operation: dict[str, Any], case: Any, body: Any, refused: str
    ) -> str | None:
        """Why the operation of `spec` refuses the request of `case` (None: it accepts it)."""
        sent = {
            "path": case.path_parameters or {},
            "query": case.query or {},
            "header": case.headers or {},
        }
        declared = {(p["in"], p["name"]): p for p in _parameters(spec, operation)}
        for (place, name), parameter in declared.items():
            values = sent.get(place, {})
            if name not in values:
                if parameter.get("required"):
                    return f"{refused}: {place} parameter {name!r} is required and missing"
                continue
            schema = parameter.get("schema", {})
            value = _from_wire(spec, values[name], schema)
            problem = _problem(_validator(spec, schema), value)
            if problem:
                return f"{refused}: {place} parameter {name!r}: {problem}"
        for place in ("path", "query"):
            for name in sent[place]:
                if (place, name) not in declared:
                    return f"{refused}: unknown {place} parameter {name!r}"
        schema = _json_schema(_deref(spec, operation.get("requestBody")))
        if schema is None:
            return None if body is None else f"{refused}: it takes no request body"
        if body is None:
            required = (_deref(spec, operation.get("requestBody")) or {}).get("required")
            return f"{refused}: the request body is required" if required else None
        problem = _problem(_validator(spec, schema), body)
        return f"{refused}: {problem}" if problem else None


def _reader(module: ModuleType, client: ModuleType, key: str, status: int) -> Callable[[Any], Any]:
    """A body as the generated client reads it from an answer of `status` (its own
    `_build_response`): the parsed value, or the exception it raises."""
    method, path = key.split(" ", 1)
    http = client.Client(base_url=BASE_URL)

    def read(body: Any) -> Any:
        request = httpx.Request(method, BASE_URL + path)
        response = httpx.Response(status, json=body, request=request)
        return module._build_response(client=http, response=response).parsed

    return read


def _unknown_values(parsed: Any) -> Iterator[str]:
    """The enum values a generated client kept without knowing them (`is_known` False)."""
    if isinstance(parsed, enum.Enum):
        if getattr(parsed, "is_known", True) is False:
            yield str(parsed.value)
    elif dataclasses.is_dataclass(parsed) and not isinstance(parsed, type):
        for field in dataclasses.fields(parsed):
            yield from _unknown_values(getattr(parsed, field.name))
    elif hasattr(parsed, "__attrs_attrs__"):
        for attribute in parsed.__attrs_attrs__:
            yield from _unknown_values(getattr(parsed, attribute.name))
    elif isinstance(parsed, list | tuple):
        for item in parsed:
            yield from _unknown_values(item)
    elif isinstance(parsed, dict):
        for item in parsed.values():
            yield from _unknown_values(item)


def _from_wire(spec: Spec, value: Any, schema: Any) -> Any:
    """A parameter value as a server reads it: the text of a query, path or header value
    converted to the integer, number or boolean its schema declares (one value of an array
    parameter is a list of one)."""
    schema = _deref(spec, schema) or {}
    declared = schema.get("type", [])
    types = {declared} if isinstance(declared, str) else set(declared)
    if "array" in types:
        items = schema.get("items", {})
        values = value if isinstance(value, list) else [value]
        return [_from_wire(spec, item, items) for item in values]
    if not isinstance(value, str):
        return value
    for name, parse in (("integer", int), ("number", float)):
        if name in types:
            try:
                return parse(value)
            except ValueError:
                pass
    if "boolean" in types and value in ("true", "false"):
        return value == "true"
    return value


def _changed_responses(old: dict[str, Any], new: dict[str, Any]) -> Iterator[str]:
    """The statuses whose JSON body is new or differs (resolved) from the old operation's."""
    for status, response in new.get("responses", {}).items():
        schema = _json_schema(response)
        old_schema = _json_schema(old.get("responses", {}).get(status))
        if str(status).isdigit() and schema is not None and schema != old_schema:
            yield status


def _body(case: Any) -> Any:
    return None if isinstance(case.body, NotSet) else case.body


def _request(case: Any) -> dict[str, Any]:
    """The parts of a generated request that the spec describes, for a counterexample."""
    parts = {"path": case.path_parameters, "query": case.query, "body": _body(case)}
    return {name: value for name, value in parts.items() if value}


def _deref(spec: Spec, node: Any) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and len(node) == 1:
        node = pointer(spec, node["$ref"])
    return node


def _parameters(spec: Spec, operation: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for parameter in operation.get("parameters", []):
        yield _deref(spec, parameter)


def _only(spec: Spec, path: str, method: str) -> Spec:
    """The spec with one operation only, for schemathesis to generate its requests."""
    document = copy.deepcopy(spec)
    document.pop("webhooks", None)
    item = spec["paths"][path]
    document["paths"] = {
        path: {k: v for k, v in item.items() if k in (method.lower(), "parameters")}
    }
    return document


def prove(
    old: Spec, new: Spec, old_client: Path, max_examples: int = 25, new_client: Path | None = None
) -> Proof:
    """Property-test the old client and the old spec against the new spec, and (given the client
    generated from the new spec) that client against servers that lag the spec."""
    return Prover(old, new, old_client, max_examples, new_client).run()
