"""listCalls' cost by page with 100,000 stored calls: the first page, the last page and a page
past the end, one request at a time; and getCall's latency while another connection asks for
the first page over and over, then for pages past the end (each request of the two loops waits
for the other's on the server's one event loop, so a page that walks the calls shows in getCall's
p99). In memory and on a state file.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import orjson

from benchmarks import _common as c
from benchmarks._load import Connection, Tally, loop

NAME = "list_pages"
LIMIT = 200


async def _seed(port: int, calls: int) -> str:
    conn = await Connection.open(port)
    status, _ = await conn.request("POST", "/_emulator/reset", auth=False)
    assert status == 204, status
    # every_sec 1: the oldest call of 100,000 was created about 28 hours ago.
    body = orjson.dumps({"calls": [{"count": calls, "every_sec": 1}]})
    status, content = await conn.request("POST", "/_emulator/calls", body, auth=False)
    assert status == 201, content[:300]
    call_id: str = orjson.loads(content)[0]["id"]
    await conn.close()
    return call_id


async def _pages(port: int, calls: int, repeats: int) -> dict[str, Tally]:
    last = -(-calls // LIMIT)
    pages = {"first page": 1, f"last page ({last})": last, "past the end (1,000,000)": 1_000_000}
    found = {}
    conn = await Connection.open(port)
    for label, page in pages.items():
        tally = found[label] = Tally()
        for _ in range(repeats):
            started = time.perf_counter()
            status, _ = await conn.request("GET", f"/v1/calls?page={page}&limit={LIMIT}")
            tally.latencies.append(time.perf_counter() - started)
            tally.errors += status != 200
    await conn.close()
    return found


async def _get_while_listing(port: int, call_id: str, page: int | None, seconds: float) -> Tally:
    """getCall's latencies, beside a connection listing `page` over and over (None: alone)."""
    stop = time.monotonic() + seconds
    gets, lists = Tally(), Tally()
    loops = [
        loop(
            port,
            lambda: time.monotonic() > stop,
            lambda n: ("GET", f"/v1/calls/{call_id}", b""),
            200,
            gets,
        )
    ]
    if page is not None:
        loops.append(
            loop(
                port,
                lambda: time.monotonic() > stop,
                lambda n: ("GET", f"/v1/calls?page={page}&limit={LIMIT}", b""),
                200,
                lists,
            )
        )
    await asyncio.gather(*loops)
    assert not gets.errors and not lists.errors, (gets.errors, lists.errors)
    return gets


def measure(state: bool, calls: int, repeats: int, seconds: float) -> list[list[object]]:
    port = c.free_port()
    argv = c.emulator_argv(port)
    with tempfile.TemporaryDirectory() as tmp:
        if state:
            argv += ["--state", str(Path(tmp) / "state.db")]
        with c.background(argv, port=port):
            call_id = asyncio.run(_seed(port, calls))
            rows: list[list[object]] = []
            for label, tally in asyncio.run(_pages(port, calls, repeats)).items():
                assert not tally.errors, label
                rows.append(
                    [label, f"{tally.quantile_ms(0.5):.2f}", f"{tally.quantile_ms(0.99):.2f}"]
                )
            alone = asyncio.run(_get_while_listing(port, call_id, None, seconds))
            first = asyncio.run(_get_while_listing(port, call_id, 1, seconds))
            deep = asyncio.run(_get_while_listing(port, call_id, 1_000_000, seconds))
            rows.append(
                [
                    "getCall alone",
                    f"{alone.quantile_ms(0.5):.2f}",
                    f"{alone.quantile_ms(0.99):.2f}",
                ]
            )
            rows.append(
                [
                    "getCall beside first pages",
                    f"{first.quantile_ms(0.5):.2f}",
                    f"{first.quantile_ms(0.99):.2f}",
                ]
            )
            rows.append(
                [
                    "getCall beside pages past the end",
                    f"{deep.quantile_ms(0.5):.2f}",
                    f"{deep.quantile_ms(0.99):.2f}",
                ]
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    p = c.parser(NAME, __doc__ or "")
    p.add_argument("--calls", type=int, default=100_000, help="calls stored (default: %(default)s)")
    p.add_argument(
        "--repeats", type=int, default=200, help="requests per page (default: %(default)s)"
    )
    p.add_argument(
        "--seconds", type=float, default=8, help="per getCall run (default: %(default)s)"
    )
    args = p.parse_args(argv)
    if args.quick:
        args.calls, args.repeats, args.seconds = 1_000, 10, 1
    c.pin_self(c.LOAD_CPU)
    body = [
        c.section_header(
            "listCalls by page, 100,000 calls" if not args.quick else "listCalls by page",
            NAME,
            argv if argv is not None else sys.argv[1:],
            args.quick,
            c.versions(["uvicorn", "starlette"]),
        ),
        f"{args.calls:,} calls seeded; limit {LIMIT}; {args.repeats} sequential requests per page "
        f"on one connection; getCall runs {args.seconds:g} s beside a second connection listing. "
        f"{c.pinning_note()} The machine is shared with other work: compare rows within a table.\n",
    ]
    for state in (False, True):
        rows = measure(state, args.calls, args.repeats, args.seconds)
        by = {row[0]: float(str(row[2])) for row in rows}
        body.append(f"### {'--state FILE' if state else 'in memory'}\n")
        body.append(c.table(["request", "p50 ms", "p99 ms"], rows))
        first = float(str(rows[0][1]))
        worst = max(float(str(row[1])) for row in rows[1:3])
        alone, _, deep = list(by.values())[3:]
        body.append(
            f"Deepest page's p50 ÷ first page's: {worst / first:.2f} (target ≤ 2: "
            f"{c.verdict(worst / first, 2, at_least=False)}); getCall p99 beside pages past the "
            f"end ÷ getCall p99 alone: {deep / alone:.2f}.\n"
        )
    c.write_section(c.output_path(args), NAME, "\n".join(body))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
