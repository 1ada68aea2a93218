"""A bounded soak: `dialnexa-emulator --state FILE --workers 2` under mixed load for a few minutes,
its one webhook endpoint (from the config, as multi-worker needs) answering every delivery with a
500. Reports, per window of the run, requests, error rate and p99 by operation, and the workers'
memory; then memory again once the load has stopped. Loopback only; stops by itself.

Load: closed loops, one request at a time each: 2 creating calls (createCall), 2 reading one
(getCall), 1 listing (the first page, then the last, then one past the end, in turn), 1 on the
control plane (the clock, and the journal's createCall entries, in turn). Every answer but the
expected status (201, 200) counts as an error, as does any failed connection.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import _common as c
from benchmarks._load import Connection, Tally, children, loop, rss_mb

NAME = "soak"
WORKERS = 2
SETTLE_SEC = 10
BODY = json.dumps(c.CREATE_BODY).encode()
CONFIG = """
[[workspaces]]
id = "default"
balance = 100000000
call_cost = 0.05
numbers = ["+912234567890"]
telephony = {{ destinations = [{{ country = "IN" }}] }}
api_keys = [{{ id = "kid_demo", secret = "sk_demo_secret" }}]
agents = [{{ id = "agt_abc123", versions = [{{ number = 1 }}] }}]
webhooks = [{{ url = "http://127.0.0.1:{port}/hook", secret = "whsec_soak", timeout_ms = 1000 }}]
"""
Request = Callable[[int], tuple[str, str, bytes]]


def _mix(call_id: str) -> dict[str, tuple[int, Request, int]]:
    """Operation: (loops, request, expected status)."""
    pages = ("/v1/calls?limit=20", "/v1/calls?page=1000000&limit=200", "/v1/calls?page=50&limit=20")
    control = ("/_emulator/clock", "/_emulator/requests?operation=createCall")
    return {
        "createCall": (2, lambda n: ("POST", "/v1/calls", BODY), 201),
        "getCall": (2, lambda n: ("GET", f"/v1/calls/{call_id}", b""), 200),
        "listCalls": (1, lambda n: ("GET", pages[n % 3], b""), 200),
        "control plane": (1, lambda n: ("GET", control[n % 2], b""), 200),
    }


async def _first_call(port: int) -> str:
    conn = await Connection.open(port)
    status, content = await conn.request("POST", "/v1/calls", BODY)
    await conn.close()
    assert status == 201, content
    call_id: str = json.loads(content)["id"]
    return call_id


async def _window(
    port: int, mix: dict[str, tuple[int, Request, int]], seconds: float
) -> dict[str, Tally]:
    stop = time.monotonic() + seconds
    tallies = {op: Tally() for op in mix}
    await asyncio.gather(
        *(
            loop(port, lambda: time.monotonic() > stop, request, expect, tallies[op])
            for op, (loops, request, expect) in mix.items()
            for _ in range(loops)
        )
    )
    return tallies


def main(argv: list[str] | None = None) -> int:
    p = c.parser(NAME, __doc__ or "")
    p.add_argument("--minutes", type=float, default=3, help="of load (default: %(default)s)")
    p.add_argument("--windows", type=int, default=6, help="reported slices (default: %(default)s)")
    args = p.parse_args(argv)
    seconds = 6.0 if args.quick else args.minutes * 60
    windows = 2 if args.quick else args.windows
    c.pin_self(c.LOAD_CPU)
    port, receiver_port = c.free_port(), c.free_port()
    rows: list[list[object]] = []
    memory: list[tuple[str, float]] = []
    totals = {"requests": 0, "errors": 0}
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "soak.toml"
        config.write_text(CONFIG.format(port=receiver_port))
        argv_emulator = [
            *c.emulator_argv(port),
            *("--config", config, "--state", Path(tmp) / "state.db", "--workers", str(WORKERS)),
        ]
        receiver = [sys.executable, "-m", "benchmarks._receiver", "error", str(receiver_port)]
        with (
            c.background(receiver, port=receiver_port, cpu=c.LOAD_CPU),
            c.background(argv_emulator, port=port) as emulator,
        ):
            call_id = asyncio.run(_first_call(port))
            workers = children(emulator.pid)
            memory.append(("start (after one create)", rss_mb(workers)))
            mix = _mix(call_id)
            for window in range(windows):
                tallies = asyncio.run(_window(port, mix, seconds / windows))
                count = sum(t.count for t in tallies.values())
                errors = sum(t.errors for t in tallies.values())
                totals["requests"] += count
                totals["errors"] += errors
                mb = rss_mb(workers)
                memory.append((f"end of window {window + 1}", mb))
                rows.append(
                    [
                        window + 1,
                        f"{count:,}",
                        f"{100 * errors / max(count, 1):.3f}%",
                        *(f"{tallies[op].quantile_ms(0.99):.1f}" for op in mix),
                        f"{mb:.1f}",
                    ]
                )
                print(f"window {window + 1}: {rows[-1]}", file=sys.stderr)
            time.sleep(1 if args.quick else SETTLE_SEC)
            memory.append((f"{SETTLE_SEC} s after the load", rss_mb(workers)))
    rate = 100 * totals["errors"] / max(totals["requests"], 1)
    body = [
        c.section_header(
            "Soak: two workers on a state file, a failing receiver",
            NAME,
            argv if argv is not None else sys.argv[1:],
            args.quick,
            c.versions(["uvicorn", "starlette", "httpx"]),
        ),
        f"{seconds / 60:g} min of mixed load in {windows} windows against "
        f"`dialnexa-emulator --state FILE --workers {WORKERS}` whose webhook endpoint answers "
        f"500 to everything (1 s timeout, 3 retries). {c.pinning_note()} The machine was shared "
        "with other work while measuring.\n",
        f"**{totals['requests']:,} requests, {totals['errors']:,} errors ({rate:.3f}%).**\n",
        c.table(
            ["window", "requests", "errors", *(f"{op} p99 ms" for op in _mix("x")), "RSS MB"],
            rows,
        ),
        "Memory (RSS, both workers):\n",
        c.table(["when", "MB"], [[when, f"{mb:.1f}"] for when, mb in memory]),
    ]
    c.write_section(c.output_path(args), NAME, "\n".join(body))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
