"""What webhook delivery costs the API: createCall throughput and latency with no endpoint, and
with one endpoint whose receiver is down (connection refused), hangs (never answers), answers
500, answers slowly, or answers at once; and the emulator's memory after the failing load.

The emulator (one worker, in memory) is pinned to the server core; wrk and the receiver to the
other. Each round runs every receiver once, in a rotating order, after a reset; throughput is
compared with the no-endpoint run of the same round (target: at least 90% of it).
"""

from __future__ import annotations

import json
import sys
import time
from contextlib import ExitStack

import httpx

from benchmarks import _common as c
from benchmarks._load import rss_mb, thread_cpu_sec
from benchmarks._receiver import MODES

NAME = "webhooks"
BODY = json.dumps(c.CREATE_BODY).encode()
RECEIVERS = ("none", "down", *MODES)
SETTLE_SEC = 15  # after the load, memory is read this often


def _endpoint(control: httpx.Client, receiver: str, ports: dict[str, int]) -> None:
    control.post("/reset").raise_for_status()
    if receiver == "none":
        return
    port = ports[receiver] if receiver != "down" else c.free_port()  # nothing listens there
    url = f"http://127.0.0.1:{port}/hook"
    control.post("/webhooks/endpoints", json={"url": url, "secret": "s"}).raise_for_status()


def _warm_up(control: httpx.Client, url: str, ports: dict[str, int]) -> None:
    """The delivery thread starts, and imports httpx, on first use (seconds of CPU where bytecode
    is not cached): done before anything is measured."""
    _endpoint(control, "ok", ports)
    headers = {"Authorization": f"Bearer {c.API_KEY}", "Content-Type": "application/json"}
    for _ in range(20):
        httpx.post(url, content=BODY, headers=headers).raise_for_status()
    control.post("/webhooks/flush").raise_for_status()


def _watch_memory(pid: int, minutes: float, quick: bool) -> list[tuple[str, float]]:
    """RSS every SETTLE_SEC after the load: every event of it comes due (a call ends ~40 s after
    it was created), then its retries (31 s more) are spent, as fast as the receiver answers."""
    found = []
    for after in range(1, 1 + round(minutes * 60 / SETTLE_SEC)):
        time.sleep(0.25 if quick else SETTLE_SEC)
        found.append((f"{after * SETTLE_SEC} s later", rss_mb([pid])))
    return found


def _drive(url: str, seconds: float, connections: int, quick: bool) -> c.Load:
    if quick:
        return c.python_loop(url, method="POST", body=BODY, seconds=seconds)
    return c.wrk(url, method="POST", body=BODY, connections=connections, seconds=seconds)


def main(argv: list[str] | None = None) -> int:
    p = c.parser(NAME, __doc__ or "")
    p.add_argument("--rounds", type=int, default=3, help="(default: %(default)s)")
    p.add_argument(
        "--duration", type=float, default=8, help="seconds per run (default: %(default)s)"
    )
    p.add_argument(
        "--connections", type=int, default=32, help="wrk connections (default: %(default)s)"
    )
    p.add_argument(
        "--settle",
        type=float,
        default=4,
        help="minutes memory is watched after the last load (default: %(default)s)",
    )
    args = p.parse_args(argv)
    if args.quick:
        args.rounds, args.duration, args.settle = 1, 1, 0.5
    else:
        c.ensure_wrk()
    c.pin_self(c.LOAD_CPU)
    port = c.free_port()
    ports = {mode: c.free_port() for mode in MODES}
    runs: dict[str, list[c.Load]] = {r: [] for r in RECEIVERS}
    # Per create, ms of CPU: the API (the server's main thread) and delivery (its other threads).
    api_cpu: dict[str, list[float]] = {r: [] for r in RECEIVERS}
    delivery_cpu: dict[str, list[float]] = {r: [] for r in RECEIVERS}
    memory: list[tuple[str, float]] = []
    with ExitStack() as stack:
        emulator = stack.enter_context(c.background(c.emulator_argv(port), port=port))
        for mode in MODES:
            receiver_argv = [sys.executable, "-m", "benchmarks._receiver", mode, str(ports[mode])]
            stack.enter_context(c.background(receiver_argv, port=ports[mode], cpu=c.LOAD_CPU))
        control = httpx.Client(base_url=f"http://127.0.0.1:{port}/_emulator", timeout=30)
        url = f"http://127.0.0.1:{port}/v1/calls"
        memory.append(("at start", rss_mb([emulator.pid])))
        _warm_up(control, url, ports)
        for round_no in range(args.rounds):
            shift = round_no % len(RECEIVERS)
            for receiver in RECEIVERS[shift:] + RECEIVERS[:shift]:
                _endpoint(control, receiver, ports)
                api_before, delivery_before = thread_cpu_sec(emulator.pid)
                load = _drive(url, args.duration, args.connections, args.quick)
                runs[receiver].append(load)
                api_after, delivery_after = thread_cpu_sec(emulator.pid)
                creates = max(load.requests, 1)
                api_cpu[receiver].append((api_after - api_before) * 1e3 / creates)
                delivery_cpu[receiver].append((delivery_after - delivery_before) * 1e3 / creates)
                print(
                    f"round {round_no + 1} {receiver:5} {load.rps:8.0f} req/s p50 "
                    f"{load.p50_ms:6.2f} ms p99 {load.p99_ms:6.2f} ms "
                    f"cpu/create api {api_cpu[receiver][-1]:.3f} ms "
                    f"delivery {delivery_cpu[receiver][-1]:.3f} ms",
                    file=sys.stderr,
                )
        # Memory under the worst case the issue saw: a receiver answering 500.
        _endpoint(control, "error", ports)
        _drive(url, args.duration, args.connections, args.quick)
        memory.append(("end of a load with a 500 receiver", rss_mb([emulator.pid])))
        memory += _watch_memory(emulator.pid, args.settle, args.quick)
        deliveries = control.get("/webhooks/deliveries").json()
        dropped = sum(
            1
            for d in deliveries
            if (d["attempts"] or [{}])[0].get("error", "")
            and str(d["attempts"][0]["error"]).startswith("not ")
        )
        kept = len(deliveries)
    rows = []
    for receiver in RECEIVERS:
        ratios = [
            run.rps / base.rps for run, base in zip(runs[receiver], runs["none"], strict=True)
        ]
        ratio = c.median(ratios)
        # What delivery costs the API: the delivery thread's CPU against the API thread's, in
        # the same run (the API's own part of delivery is one deque append per create).
        costs = [
            delivery / api
            for api, delivery in zip(api_cpu[receiver], delivery_cpu[receiver], strict=True)
        ]
        cost = c.median(costs)
        rows.append(
            [
                receiver,
                f"{c.median(r.rps for r in runs[receiver]):,.0f}",
                f"{c.median(r.p50_ms for r in runs[receiver]):.2f}",
                f"{c.median(r.p99_ms for r in runs[receiver]):.2f}",
                sum(r.bad_status + r.socket_errors for r in runs[receiver]),
                f"{ratio:.2f}",
                f"{c.median(api_cpu[receiver]):.3f}",
                f"{c.median(delivery_cpu[receiver]):.4f}",
                f"{100 * cost:.1f}%"
                + ("" if receiver == "none" else f" ({c.verdict(cost, 0.1, at_least=False)})"),
            ]
        )
    body = [
        c.section_header(
            "Webhook delivery vs createCall",
            NAME,
            argv if argv is not None else sys.argv[1:],
            args.quick,
            c.versions(
                ["uvicorn", "starlette", "httpx"],
                {"wrk": "not run" if args.quick else c.tool_version(["wrk", "-v"]).split(" [")[0]},
            ),
        ),
        f"{args.rounds} round(s) of {args.duration:g} s per receiver, {args.connections} wrk "
        f"connections, createCall with the minimal body; the emulator reset before each run. "
        f"{c.pinning_note()} The machine was shared with other work while measuring (load "
        "average near 10 on 2 cores), so req/s and latencies swing with what else ran and are "
        "shown for reference only. What delivery costs the API is measured on CPU clocks, from "
        "/proc: the delivery thread's CPU as a share of the API thread's (the server's main "
        "thread) in the same run, median over rounds; the API's own part of delivery is one "
        "deque append per create. A busy API's throughput is bounded by the CPU it gets, so "
        "this share is what delivery takes from createCall throughput; time the API waits for "
        "the GIL while the delivery thread holds it is not CPU and shows only in req/s.\n",
        c.table(
            [
                "receiver",
                "req/s",
                "p50 ms",
                "p99 ms",
                "errors",
                "req/s ÷ no endpoint's",
                "API CPU ms / create",
                "delivery CPU ms / create",
                "cost to the API (≤ 10%)",
            ],
            rows,
        ),
        "Memory of the emulator process (RSS):\n",
        c.table(["when", "MB"], [[when, f"{mb:.1f}"] for when, mb in memory]),
        f"After the 500-receiver load the control plane listed {kept:,} deliveries (the log "
        f"keeps 10,000), {dropped:,} of them dropped at a bound ('not sent' / 'not scheduled').\n",
    ]
    c.write_section(c.output_path(args), NAME, "\n".join(body))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
