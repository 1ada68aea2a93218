"""Throughput and latency of createCall and getCall: the emulator, Prism's mock, a bare ASGI app.

All three servers run side by side, each pinned to the server core; wrk, pinned to the other
core, drives one of them at a time with the same connections and duration. Each round rotates
the order of the servers; ratios are taken within a round and reported as medians over rounds.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from operator import attrgetter

import httpx

from benchmarks import _common as c

NAME = "emulator"
PRISM = c.BENCH / "node_modules" / ".bin" / "prism"
BODY = json.dumps(c.CREATE_BODY).encode()


@dataclass(frozen=True)
class Op:
    name: str
    method: str
    status: int  # what a valid request must answer; anything else aborts the run


OPS = (Op("createCall", "POST", 201), Op("getCall", "GET", 200))


@dataclass
class Server:
    name: str
    base_url: str  # the spec's paths (/calls, /calls/{id}) go under it
    resettable: bool = False
    call_id: str = ""
    runs: dict[str, list[c.Load]] = field(default_factory=dict)

    def url(self, op: Op) -> str:
        return f"{self.base_url}/calls" + (f"/{self.call_id}" if op.name == "getCall" else "")


def prepare(server: Server, client: httpx.Client) -> None:
    """Reset the emulator's state, create the call getCall will read, check both answer right."""
    if server.resettable:
        origin = server.base_url.removesuffix("/v1")
        client.post(f"{origin}/_emulator/reset").raise_for_status()
    for op in OPS:
        response = client.request(
            op.method, server.url(op), content=BODY if op.method == "POST" else None
        )
        if response.status_code != op.status:
            raise SystemExit(
                f"error: {server.name} {op.name} answered {response.status_code}: {response.text}"
            )
        server.call_id = response.json()["id"]


def drive(server: Server, op: Op, seconds: float, args: argparse.Namespace) -> c.Load:
    """Load one operation of one server: wrk, or the Python loop in --quick mode."""
    body = BODY if op.method == "POST" else None
    if args.quick:
        return c.python_loop(server.url(op), method=op.method, body=body, seconds=seconds)
    return c.wrk(
        server.url(op), method=op.method, body=body, connections=args.connections, seconds=seconds
    )


def start_servers(stack: ExitStack, quick: bool) -> tuple[list[Server], str]:
    """The servers to compare, and why Prism is left out when it is."""
    port = c.free_port()
    stack.enter_context(c.background(c.emulator_argv(port), port=port))
    servers = [Server("emulator", f"http://127.0.0.1:{port}/v1", resettable=True)]

    port = c.free_port()
    bare: list[c.StrPath] = [sys.executable, "-m", "uvicorn", "benchmarks.bare_app:app"]
    stack.enter_context(c.background([*bare, *c.UVICORN_FLAGS, "--port", str(port)], port=port))
    servers.append(Server("bare ASGI", f"http://127.0.0.1:{port}"))

    if quick:
        return servers, "Prism is not started in --quick mode (too slow to start for a smoke run)."
    if not PRISM.exists():
        print("installing Prism (npm ci in benchmarks/) ...", file=sys.stderr)
        c.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=c.BENCH)
    port = c.free_port()
    # Prism serves the spec's paths at the root: it ignores the /v1 of `servers`.
    prism: list[c.StrPath] = [PRISM, "mock", c.SPEC, "-p", str(port), "-h", "127.0.0.1"]
    stack.enter_context(c.background([*prism, "--errors=false", "-v", "error"], port=port))
    servers.append(Server("Prism", f"http://127.0.0.1:{port}"))
    return servers, ""


def measure(args: argparse.Namespace) -> tuple[list[Server], str]:
    headers = {"Authorization": f"Bearer {c.API_KEY}", "Content-Type": "application/json"}
    with ExitStack() as stack, httpx.Client(headers=headers, timeout=10) as client:
        servers, skipped = start_servers(stack, args.quick)
        for server in servers:  # warm-up: imports, JIT, first-request paths
            prepare(server, client)
            for op in OPS:
                drive(server, op, args.warmup, args)
        for round_no in range(args.rounds):
            shift = round_no % len(servers)
            for server in servers[shift:] + servers[:shift]:
                prepare(server, client)
                for op in OPS:
                    r = drive(server, op, args.duration, args)
                    server.runs.setdefault(op.name, []).append(r)
                    print(
                        f"round {round_no + 1} {server.name:9} {op.name:10} {r.rps:8.0f} req/s "
                        f"p50 {r.p50_ms:6.2f} ms p99 {r.p99_ms:6.2f} ms non-2xx {r.bad_status}",
                        file=sys.stderr,
                    )
    return servers, skipped


def op_table(op: Op, servers: list[Server]) -> str:
    rows = []
    for s in servers:
        runs = s.runs[op.name]
        rows.append(
            (
                s.name,
                f"{c.median(r.rps for r in runs):,.0f}",
                f"{c.median(r.p50_ms for r in runs):.2f}",
                f"{c.median(r.p99_ms for r in runs):.2f}",
                f"{sum(r.bad_status for r in runs)} of {sum(r.requests for r in runs):,}",
                sum(r.socket_errors for r in runs),
            )
        )
    header = ("server", "req/s", "p50 ms", "p99 ms", "non-2xx/3xx", "socket errors")
    return c.table(header, rows)


def targets_table(servers: list[Server]) -> str:
    by_name = {s.name: s for s in servers}
    emulator, bare, prism = by_name["emulator"], by_name["bare ASGI"], by_name.get("Prism")
    rps, p99 = attrgetter("rps"), attrgetter("p99_ms")
    targets: list[tuple[str, str, float, bool, Server | None, Callable[[c.Load], float]]] = [
        ("req/s ÷ Prism's", "≥ 3", 3.0, True, prism, rps),
        ("p99 ÷ Prism's", "≤ 0.33", 1 / 3, False, prism, p99),
        ("req/s ÷ bare ASGI's", "≥ 0.30", 0.30, True, bare, rps),
    ]
    rows = []
    for label, goal, target, at_least, other, metric in targets:
        row = [f"emulator {label}", goal]
        for op in OPS:
            if other is None:
                row.append("not measured (Prism skipped)")
                continue
            pairs = zip(emulator.runs[op.name], other.runs[op.name], strict=True)
            value = c.median(metric(mine) / metric(theirs) for mine, theirs in pairs)
            row.append(f"{value:.2f} ({c.verdict(value, target, at_least=at_least)})")
        rows.append(row)
    return c.table(("ratio", "target", *(op.name for op in OPS)), rows)


def report(args: argparse.Namespace, argv: list[str], servers: list[Server], skipped: str) -> str:
    prism_version = c.tool_version([PRISM, "--version"]) if not args.quick else "not run"
    tools = {
        "wrk": c.tool_version(["wrk", "-v"]).split(" [")[0] if not args.quick else "not run",
        "node": c.tool_version(["node", "--version"]),
        "prism": prism_version,
    }
    packages = ["uvicorn", "starlette", "uvloop", "httptools", "orjson"]
    load = (
        "a sequential Python loop (one connection), not wrk"
        if args.quick
        else f"wrk, 1 thread, {args.connections} connections, {args.duration:g} s per run"
    )
    out = [
        c.section_header(
            "Emulator vs Prism vs bare ASGI", NAME, argv, args.quick, c.versions(packages, tools)
        ),
        f"Load: {load}; {args.rounds} round(s) after a {args.warmup:g} s warm-up per server and "
        f"operation; medians over rounds. {c.pinning_note()} The emulator runs from its CLI (one "
        "worker); the bare app is `benchmarks/bare_app.py` under uvicorn with uvloop, httptools "
        "and no access log; Prism is `prism mock openapi.yaml --errors=false -v error` (static "
        "examples, stateless, any bearer token accepted). Requests carry the demo API key; "
        "createCall sends the minimal valid body; the emulator is reset before each round.",
        "",
    ]
    if skipped:
        out += [f"Skipped: {skipped}", ""]
    errors = sum(
        r.bad_status + r.socket_errors for s in servers for rs in s.runs.values() for r in rs
    )
    if errors:
        out += [f"**Warning: {errors} non-2xx answers or socket errors; see the tables.**", ""]
    for op in OPS:
        path = "POST /calls (valid body)" if op.method == "POST" else "GET /calls/{id}"
        out += [f"### {op.name}: {path}, expecting {op.status}", "", op_table(op, servers)]
    out += ["### Targets (ratios within each round, median over rounds)", ""]
    out.append(targets_table(servers))
    runs = [
        (
            s.name,
            op.name,
            i + 1,
            f"{r.rps:,.0f}",
            f"{r.p50_ms:.2f}",
            f"{r.p99_ms:.2f}",
            r.bad_status,
        )
        for s in servers
        for op in OPS
        for i, r in enumerate(s.runs[op.name])
    ]
    header = ("server", "operation", "round", "req/s", "p50 ms", "p99 ms", "non-2xx")
    out += ["<details><summary>Every run</summary>", "", c.table(header, runs), "</details>"]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = c.parser(NAME, __doc__ or "")
    p.add_argument("--rounds", type=int, help="measured rounds (default: 7; --quick: 1)")
    p.add_argument("--duration", type=float, help="seconds per run (default: 8; --quick: 0.5)")
    p.add_argument(
        "--warmup", type=float, help="warm-up seconds per server and operation (default: 3)"
    )
    p.add_argument("--connections", type=int, default=32, help="wrk connections (default: 32)")
    args = p.parse_args(argv)
    # Many shorter rounds: a round disturbed by other work on the machine moves the median less.
    args.rounds = args.rounds or (1 if args.quick else 7)
    args.duration = args.duration or (0.5 if args.quick else 8.0)
    args.warmup = args.warmup or (0.2 if args.quick else 3.0)
    if not args.quick:
        c.ensure_wrk()
    servers, skipped = measure(args)
    c.write_section(c.output_path(args), NAME, report(args, argv, servers, skipped))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
