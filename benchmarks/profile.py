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
from collections.abc import Callable
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


def location(frame: str) -> str:
    """`handler (dialnexa_emulator/app.py:12)` -> `dialnexa_emulator/app.py:12`."""
    return frame.rpartition(" (")[2].removesuffix(")")


def package(frame: str) -> str:
    """The top-level package a frame's code belongs to; stdlib modules are marked as such."""
    where = location(frame)
    if frame.startswith("Runner.run (asyncio/runners.py"):
        # The outermost Python frame of the loop: samples ending here are in uvloop's C code
        # (polling, socket reads and writes, scheduling), not in any Python function.
        return "uvloop (event loop, C)"
    if where.startswith("<frozen "):
        where = where.removeprefix("<frozen ")
    elif where.startswith("<"):  # code built with exec(): fastjsonschema, attrs, dataclasses
        return "code built at run time (fastjsonschema, attrs, dataclasses)"
    top = where.split("/", 1)[0].split(":", 1)[0].removesuffix(".py").removesuffix(">")
    return f"{top} (stdlib)" if top in sys.stdlib_module_names else top


def shares(counts: Counter[str], total: int) -> list[tuple[str, str]]:
    return [(key, f"{100 * n / total:.1f}%") for key, n in counts.most_common(TOP)]


def summarise(op: Op, stacks: list[tuple[list[str], int]], load: c.Load) -> str:
    total = sum(n for _, n in stacks)
    if total == 0:
        return f"### {op.name}\n\nNo samples: the emulator used no measurable CPU.\n"
    self_time: Counter[str] = Counter()
    self_package: Counter[str] = Counter()
    under_package: Counter[str] = Counter()
    under_emulator: Counter[str] = Counter()
    for frames, n in stacks:
        self_time[frames[-1]] += n
        self_package[package(frames[-1])] += n
        for name in {package(frame) for frame in frames}:
            under_package[name] += n
        for frame in set(frames):
            # cli.py's main() is the root of every stack: 100% says nothing.
            if location(frame).startswith("dialnexa_emulator/") and "cli.py" not in frame:
                under_emulator[frame] += n
    packages = [
        (name, share, f"{100 * under_package[name] / total:.1f}%")
        for name, share in shares(self_package, total)
    ]
    functions = [(f"`{key}`", share) for key, share in shares(self_time, total)]
    emulator = [(f"`{key}`", share) for key, share in shares(under_emulator, total)]
    out = [
        f"### {op.name}: {total:,} samples, {load.rps:,.0f} req/s under the profiler "
        f"({load.bad_status} non-2xx)",
        "",
        "By package: *self* is time in the package's own code; *inclusive* also counts what it "
        "calls (every sample with one of its frames on the stack).",
        "",
        c.table(("package", "self", "inclusive"), packages),
        f"Top {TOP} functions by self time:",
        "",
        c.table(("function (file:first line)", "self"), functions),
        f"Top {TOP} emulator functions by inclusive time:",
        "",
        c.table(("function (file:first line)", "inclusive"), emulator),
    ]
    return "\n".join(out)


def record(
    py_spy: Path, pid: int, raw: Path, args: argparse.Namespace, load: Callable[[], c.Load]
) -> c.Load:
    """Sample process `pid` into `raw` while `load` runs; return what the load measured."""
    # py-spy pauses the emulator for each sample: that slows it down, but without pausing
    # (--nonblocking) a third of the stacks came out truncated. --function attributes samples
    # to functions rather than to single lines.
    argv: list[c.StrPath] = [py_spy, "record", "--pid", str(pid), "--rate", str(args.rate)]
    argv += ["--duration", f"{args.duration + 1:g}", "--function"]
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
