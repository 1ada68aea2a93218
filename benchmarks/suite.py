"""How long the kit's own workflows take: regeneration, the contract run, schemathesis' case rate.

- `scripts/regenerate` wall time, into a temporary directory so the working tree is untouched,
  with the share of it spent bringing .venv in line with uv.lock (sourcing scripts/lib/env.sh).
- `scripts/contract-test` wall time: the default contract run.
- Schemathesis cases per second against the emulator in-process (ASGI, no sockets) and over
  HTTP (the emulator's CLI on the server core), the same derandomized cases in both.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok

from benchmarks import _common as c

NAME = "suite"
REGENERATE = c.ROOT / "scripts" / "regenerate"


def wall(argv: Sequence[c.StrPath], *, check: bool = True) -> tuple[float, int]:
    """Seconds the command took, and its exit status."""
    start = time.perf_counter()
    status = c.run(argv, check=check).returncode
    return time.perf_counter() - start, status


def regenerate_times(rounds: int) -> tuple[list[float], list[float]]:
    """(scripts/regenerate, its environment check alone) seconds, interleaved per round."""
    full, env = [], []
    for _ in range(rounds + 1):  # the first round warms caches and is dropped
        with tempfile.TemporaryDirectory() as tmp:
            full.append(wall([REGENERATE, "--output", Path(tmp) / "dialnexa-client"])[0])
        env.append(wall(["bash", "-c", f"source {c.ROOT / 'scripts/lib/env.sh'}"])[0])
    return full[1:], env[1:]


@dataclass
class CaseRate:
    cases: int
    seconds: float
    failures: Counter[str]  # failed check -> how many cases failed it

    @property
    def per_second(self) -> float:
        return self.cases / self.seconds


def case_rate(configure: Callable[[Any], None], examples: int) -> CaseRate:
    """Generate and run `examples` positive cases per operation, validating every response."""
    schema = schemathesis.openapi.from_path(c.SPEC)
    schema.config.update(headers={"Authorization": f"Bearer {c.API_KEY}"})
    configure(schema)
    cases = 0
    failures: Counter[str] = Counter()
    start = time.perf_counter()
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            raise SystemExit(f"error: schemathesis cannot read an operation: {result.err()}")
        operation = result.ok()

        @settings(
            max_examples=examples,
            database=None,
            deadline=None,
            derandomize=True,  # the same cases in-process and over HTTP
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run_case(case: Any) -> None:
            nonlocal cases
            cases += 1
            try:
                case.call_and_validate()
            except FailureGroup as group:
                failures.update(
                    f"{case.operation.label}: {e}".splitlines()[0] for e in group.exceptions
                )
            except AssertionError as failure:
                failures[f"{case.operation.label}: {failure}".splitlines()[0]] += 1

        run_case()
    return CaseRate(cases, time.perf_counter() - start, failures)


def case_rates(examples: int, rounds: int) -> list[tuple[CaseRate, CaseRate]]:
    """(in-process, over HTTP) per round, the emulator's CLI serving the HTTP side."""
    from dialnexa_emulator import create_app

    def in_process(schema: Any) -> None:
        schema.app = create_app()

    c.pin_self(c.LOAD_CPU)
    port = c.free_port()
    pairs = []
    with c.background(c.emulator_argv(port), port=port):

        def over_http(schema: Any) -> None:
            schema.config.update(base_url=f"http://127.0.0.1:{port}/v1")

        case_rate(in_process, max(1, examples // 10))  # warm-up: imports, first-request paths
        case_rate(over_http, max(1, examples // 10))
        for _ in range(rounds):
            pairs.append((case_rate(in_process, examples), case_rate(over_http, examples)))
    return pairs


@dataclass
class Results:
    regenerate: list[float]
    env: list[float]
    contract: list[tuple[float, int]]  # (seconds, exit status) per round
    contract_argv: list[str]
    rates: list[tuple[CaseRate, CaseRate]]  # (in-process, over HTTP) per round


def report(args: argparse.Namespace, argv: list[str], r: Results) -> str:
    regen = c.median(r.regenerate)
    contract = c.median(seconds for seconds, _ in r.contract)
    statuses = ", ".join(str(status) for _, status in r.contract)
    rows = [
        (
            "`scripts/regenerate` (into a temporary directory; target ≤ 3 s)",
            f"{regen:.2f}",
            c.verdict(regen, 3.0, at_least=False),
        ),
        (
            "of which: `scripts/lib/env.sh` (`uv sync --frozen` check)",
            f"{c.median(r.env):.2f}",
            "—",
        ),
        (f"`{shlex.join(r.contract_argv)}` (exit status: {statuses})", f"{contract:.1f}", "—"),
    ]
    inproc = c.median(a.per_second for a, _ in r.rates)
    http = c.median(b.per_second for _, b in r.rates)
    speedup = c.median(a.per_second / b.per_second for a, b in r.rates)
    failures = sum((a.failures + b.failures for a, b in r.rates), Counter[str]())
    out = [
        c.section_header(
            "Suite and regeneration",
            NAME,
            argv,
            args.quick,
            c.versions(["openapi-python-client", "ruff", "schemathesis", "hypothesis", "uvicorn"]),
        ),
        f"### Wall time (median of {args.rounds} round(s); not pinned to a core)",
        "",
        c.table(("command", "seconds", "target met"), rows),
        "The contract run exits 1 when the suite finds a non-conformance; it still runs in full, "
        "so its time counts. Each run draws a new seed.",
        "",
        f"### Schemathesis cases per second ({args.examples} positive cases per operation, "
        f"all {r.rates[0][0].cases} validated with `case.call_and_validate()`; median of "
        f"{args.rounds} round(s))",
        "",
        f"{c.pinning_note()} In-process: `schema.app = create_app()` (ASGI, no sockets, the app "
        "on the runner's core). Over HTTP: the emulator's CLI on the server core.",
        "",
        c.table(
            ("transport", "cases/s"),
            [
                ("in-process (ASGI)", f"{inproc:.0f}"),
                ("over HTTP (uvicorn)", f"{http:.0f}"),
                ("ratio in-process ÷ HTTP", f"{speedup:.2f}"),
            ],
        ),
        f"Cases that failed a check: {sum(failures.values())} (positive cases against the "
        "emulator should all pass; a failure is a finding for the emulator or the spec, not a "
        "timing issue).",
        "",
    ]
    if failures:
        out.append(c.table(("check failure (first line)", "cases"), failures.most_common(10)))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = c.parser(NAME, __doc__ or "")
    p.add_argument("--rounds", type=int, help="rounds of each measurement (default: 3; --quick: 1)")
    p.add_argument("--examples", type=int, help="cases per operation (default: 200; --quick: 5)")
    args = p.parse_args(argv)
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.examples = args.examples or (5 if args.quick else 200)

    regenerate, env = regenerate_times(args.rounds)
    # --quick keeps the contract run but shrinks it to a few examples per property.
    contract_argv = ["scripts/contract-test", *(["--max-examples", "3"] if args.quick else [])]
    contract_cmd: list[c.StrPath] = [c.ROOT / contract_argv[0], *contract_argv[1:]]
    if not args.quick:
        wall(contract_cmd, check=False)  # warm-up
    contract = [wall(contract_cmd, check=False) for _ in range(args.rounds)]
    rates = case_rates(args.examples, args.rounds)
    results = Results(regenerate, env, contract, contract_argv, rates)
    c.write_section(c.output_path(args), NAME, report(args, argv, results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
