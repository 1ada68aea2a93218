"""Where the emulator spends its CPU under load, per operation.

py-spy (installed into a throwaway venv in benchmarks/.cache/) samples the running emulator while
wrk drives createCall, then getCall. Samples in which the server waits for the network are left
out by py-spy, so the shares below are shares of the CPU time the emulator actually used.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

import httpx

from benchmarks import _common as c
from benchmarks.emulator import OPS, Op, Server, drive, prepare

NAME = "profile"
PY_SPY = "py-spy==0.4.3"
TOP = 15


def parse_raw(text: str) -> list[tuple[list[str], int]]:
    """py-spy's raw (collapsed) format: `frame;frame;...;leaf count` per distinct stack."""
    stacks = []
    for line in text.splitlines():
        frames, _, count = line.rpartition(" ")
        if frames:
            stacks.append((frames.split(";"), int(count)))
    return stacks


def package(frame: str) -> str:
    """`handler (dialnexa_emulator/app.py:12)` -> `dialnexa_emulator`; stdlib modules are marked."""
    location = frame.rpartition(" (")[2].rstrip(")")
    top = location.split("/", 1)[0].split(":", 1)[0].removesuffix(".py").removeprefix("<frozen ")
    top = top.rstrip(">")
    return f"{top} (stdlib)" if top in sys.stdlib_module_names else top


def shares(counts: Counter[str], total: int) -> Iterable[tuple[str, str]]:
    for key, n in counts.most_common(TOP):
        yield key, f"{100 * n / total:.1f}%"


def summarise(op: Op, stacks: list[tuple[list[str], int]], load: c.Load) -> str:
    total = sum(n for _, n in stacks)
    if total == 0:
        return f"### {op.name}\n\nNo samples: the emulator used no measurable CPU.\n"
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    by_package: Counter[str] = Counter()
    for frames, n in stacks:
        self_time[frames[-1]] += n
        by_package[package(frames[-1])] += n
        for frame in set(frames):
            if frame.rpartition(" (")[2].startswith(("dialnexa_emulator/", "starlette/")):
                inclusive[frame] += n
    out = [
        f"### {op.name}: {total:,} samples while serving {load.rps:,.0f} req/s "
        f"(under the profiler; {load.bad_status} non-2xx)",
        "",
        "Self time by package (where the CPU is, leaf frames):",
        "",
        c.table(("package", "share"), shares(by_package, total)),
        f"Top {TOP} functions by self time:",
        "",
        c.table(
            ("function (file:first line)", "self"),
            ((f"`{k}`", v) for k, v in shares(self_time, total)),
        ),
        f"Top {TOP} emulator and Starlette functions by inclusive time (itself and what it calls):",
        "",
        c.table(
            ("function (file:first line)", "inclusive"),
            ((f"`{k}`", v) for k, v in shares(inclusive, total)),
        ),
    ]
    return "\n".join(out)


def record(
    py_spy: Path, pid: int, raw: Path, args: argparse.Namespace, load: Callable[[], c.Load]
) -> c.Load:
    """Sample process `pid` into `raw` while `load` runs; return what the load measured."""
    # --nonblocking reads the emulator's memory without pausing it, so sampling costs the server
    # almost nothing; --function attributes samples to functions rather than to single lines.
    argv: list[c.StrPath] = [py_spy, "record", "--pid", str(pid), "--rate", str(args.rate)]
    argv += ["--duration", f"{args.duration + 1:g}", "--nonblocking", "--function"]
    argv += ["--format", "raw", "-o", raw]
    spy = subprocess.Popen(
        c.pinned(argv, c.LOAD_CPU), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        result = load()
        _, err = spy.communicate(timeout=args.duration + 60)
    finally:
        if spy.poll() is None:
            spy.kill()
            spy.wait()
    if spy.returncode != 0 or not raw.is_file():
        raise SystemExit(f"error: py-spy failed (exit {spy.returncode}):\n{err.decode()}")
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = c.parser(NAME, __doc__ or "")
    p.add_argument("--duration", type=float, help="seconds per operation (default: 10; --quick: 1)")
    p.add_argument("--rate", type=int, default=250, help="samples per second (default: 250)")
    p.add_argument("--connections", type=int, default=32, help="wrk connections (default: 32)")
    args = p.parse_args(argv)
    args.duration = args.duration or (1.0 if args.quick else 10.0)
    if not args.quick:
        c.ensure_wrk()
    py_spy = c.tool_venv("py-spy", PY_SPY).parent / "py-spy"

    sections = []
    port = c.free_port()
    headers = {"Authorization": f"Bearer {c.API_KEY}", "Content-Type": "application/json"}
    with (
        c.background(c.emulator_argv(port), port=port) as proc,
        httpx.Client(headers=headers, timeout=10) as client,
        tempfile.TemporaryDirectory() as tmp,
    ):
        server = Server("emulator", f"http://127.0.0.1:{port}/v1", resettable=True)
        for op in OPS:
            prepare(server, client)
            raw = Path(tmp) / f"{op.name}.txt"
            load = record(
                py_spy, proc.pid, raw, args, partial(drive, server, op, args.duration, args)
            )
            sections.append(summarise(op, parse_raw(raw.read_text()), load))

    how = (
        "a sequential Python loop"
        if args.quick
        else f"wrk (1 thread, {args.connections} connections)"
    )
    header = c.section_header(
        "Where the emulator's CPU goes",
        NAME,
        argv,
        args.quick,
        c.versions(["uvicorn", "starlette"], {"py-spy": PY_SPY.split("==")[1]}),
    )
    intro = (
        f"py-spy at {args.rate} Hz for {args.duration:g} s per operation while {how} drives the "
        f"emulator (its CLI, one worker). {c.pinning_note()}\n"
    )
    c.write_section(c.output_path(args), NAME, "\n".join([header, intro, *sections]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
