"""What the benchmarks share: the machine and versions they report, background servers pinned to
one core, load generation (wrk, or a small Python loop in --quick mode), and RESULTS.md sections."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import IO, Any

import httpx

StrPath = str | os.PathLike[str]
ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
CACHE = BENCH / ".cache"  # throwaway venvs for tools kept out of the project lock (gitignored)
SPEC = ROOT / "openapi.yaml"
API_KEY = "kid_demo:sk_demo_secret"
CREATE_BODY = {"agent_id": "agt_abc123", "to_phone_number": "+919876543210"}
# Sections of RESULTS.md, in file order; each script rewrites only its own.
SECTIONS = (
    "emulator",
    "profile",
    "client",
    "plugin",
    "suite",
    "testing",
    "list_pages",
    "webhooks",
    "soak",
    "answers",
)

# On a 2-core machine a server and its load generator would otherwise share one CPU and the
# numbers would measure the scheduler: the server gets the last core, the load the first.
PINNED = (os.cpu_count() or 1) >= 2
SERVER_CPU = (os.cpu_count() or 1) - 1
LOAD_CPU = 0
# The uvicorn settings of dialnexa_emulator/server/cli.py, so the bare app runs on the same stack.
UVICORN_FLAGS = (
    *("--host", "127.0.0.1", "--loop", "uvloop", "--http", "httptools", "--lifespan", "off"),
    *("--no-access-log", "--log-level", "warning", "--no-server-header"),
)


def parser(name: str, description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=f"benchmarks/run {name}",
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke mode: a tiny sample through the same code path, seconds not minutes; its "
        "numbers are not measurements (default output: benchmarks/RESULTS.quick.md)",
    )
    p.add_argument(
        "--output",
        type=Path,
        help="results file to update (default: RESULTS.md here; RESULTS.quick.md with --quick)",
    )
    return p


def output_path(args: argparse.Namespace) -> Path:
    if args.output is not None:
        return Path(args.output)
    return BENCH / ("RESULTS.quick.md" if args.quick else "RESULTS.md")


def pinned(argv: Sequence[StrPath], cpu: int) -> list[str]:
    prefix = ["taskset", "-c", str(cpu)] if PINNED else []
    return prefix + [os.fspath(a) for a in argv]


def pin_self(cpu: int) -> None:
    if PINNED:
        os.sched_setaffinity(0, {cpu})


def pinning_note() -> str:
    if not PINNED:
        return "Single core: server and load generator share it (no pinning possible)."
    return (
        f"Servers pinned to CPU {SERVER_CPU} and the load generator or client to CPU {LOAD_CPU} "
        "with `taskset`, so they do not compete for one core."
    )


# --- what every figure is reported with -------------------------------------------------------


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def tool_version(argv: Sequence[StrPath]) -> str:
    """First line a tool prints about its version, or why there is none."""
    try:
        out = subprocess.run(
            [os.fspath(a) for a in argv], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
    lines = (out.stdout + out.stderr).strip().splitlines()
    return lines[0].strip() if lines else "unknown"


def versions(packages: Iterable[str], tools: dict[str, str] | None = None) -> str:
    found = {"python": platform.python_version()}
    found |= {name: package_version(name) for name in packages}
    found |= tools or {}
    return ", ".join(f"{name} {version}" for name, version in found.items())


def revision() -> str:
    """The commit measured, and whether tracked files differed from it."""
    git = ["git", "-C", os.fspath(ROOT)]
    head = run([*git, "rev-parse", "--short", "HEAD"], check=False).stdout.strip() or "unknown"
    dirty = run([*git, "status", "--porcelain", "--untracked-files=no"], check=False).stdout
    return head + (" with uncommitted changes" if dirty.strip() else "")


def section_header(title: str, name: str, argv: Sequence[str], quick: bool, versions: str) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## {title}",
        "",
        f"- Command: `{shlex.join(['benchmarks/run', name, *argv])}`",
        f"- Machine: {machine()}; measured {when} at commit {revision()}",
        f"- Versions: {versions}",
    ]
    if quick:
        lines += [
            "",
            "**Quick smoke run: a tiny sample to check the script works, not a measurement.**",
        ]
    return "\n".join(lines) + "\n"


# --- RESULTS.md -------------------------------------------------------------------------------

RESULTS_PREAMBLE = """\
# Benchmark results

Written by the scripts in `benchmarks/` (see docs/benchmarks.md); each script
rewrites only its own section, between its markers. Text outside the markers is kept.
"""


def write_section(path: Path, name: str, body: str) -> None:
    """Replace section `name` of the results file, creating the file or the section as needed."""
    start, end = f"<!-- results: {name} -->", f"<!-- /results: {name} -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    text = path.read_text() if path.is_file() else RESULTS_PREAMBLE
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        # Keep the sections in SECTIONS order: insert before the first later one present.
        later = [f"<!-- results: {s} -->" for s in SECTIONS[SECTIONS.index(name) + 1 :]]
        anchor = next((m for m in later if m in text), None)
        if anchor is None:
            text = text.rstrip() + "\n\n" + block + "\n"
        else:
            before, after = text.split(anchor, 1)
            text = before + block + "\n\n" + anchor + after
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(f"wrote section '{name}' of {path}")


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def verdict(value: float, target: float, *, at_least: bool) -> str:
    """'yes', or 'no' with how far the value is from the target."""
    met = value >= target if at_least else value <= target
    if met:
        return "yes"
    gap = target / value if at_least else value / target
    return f"**no**: {gap:.2f} times off"


median = statistics.median


# --- processes --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def run(
    argv: Sequence[StrPath], *, check: bool = True, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    """Run a command to completion (10 minutes at most); with `check`, fail loudly on an error."""
    cmd = [os.fspath(a) for a in argv]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False, **kwargs)
    if check and result.returncode != 0:
        raise SystemExit(
            f"error: `{shlex.join(cmd)}` exited {result.returncode}\n{result.stdout}{result.stderr}"
        )
    return result


def _stop(proc: subprocess.Popen[bytes]) -> None:
    # Each server runs in its own session, so the group holds it and any child it forked.
    for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(grace)
            break
        except subprocess.TimeoutExpired:
            continue
    proc.wait(5)


def _tail(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")[-2000:]


@contextmanager
def background(
    argv: Sequence[StrPath], *, port: int, cpu: int = SERVER_CPU, timeout: float = 60
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server pinned to `cpu`, wait until `port` accepts connections, stop it on exit."""
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            pinned(argv, cpu),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise SystemExit(f"error: {argv[0]} exited {proc.returncode}:\n{_tail(log)}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise SystemExit(
                            f"error: {argv[0]} not listening after {timeout:.0f} s:\n{_tail(log)}"
                        ) from None
                    time.sleep(0.05)
            yield proc
        finally:
            _stop(proc)


def emulator_argv(port: int) -> list[StrPath]:
    """The emulator as users start it: its own CLI, one uvicorn worker."""
    return [
        Path(sys.executable).parent / "dialnexa-emulator",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


def tool_venv(name: str, *install: StrPath) -> Path:
    """Python of a throwaway venv in benchmarks/.cache/, outside the project lock, after
    `uv pip install *install` into it (quick once installed), compiled to bytecode as pip's
    install is: otherwise every timed import would compile its modules from source."""
    venv = CACHE / name
    python = venv / "bin" / "python"
    uv = ROOT / ".tools" / "bin" / "uv"  # put there by scripts/lib/env.sh
    if not python.exists():
        run([uv, "venv", "--quiet", "--python", sys.executable, venv])
    run([uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", python, *install])
    return python


# --- load -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """One load run against one server."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    bad_status: int  # responses outside 2xx/3xx: a benchmark of error responses is meaningless
    socket_errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def wrk(url: str, *, method: str, body: bytes | None, connections: int, seconds: float) -> Load:
    """Closed-loop load from wrk (one thread, on LOAD_CPU) with benchmarks/wrk_request.lua."""
    env = {**os.environ, "BENCH_METHOD": method, "BENCH_TOKEN": API_KEY}
    if body is not None:
        env["BENCH_BODY"] = body.decode()
    # wrk takes whole seconds only.
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s"]
    argv += ["-s", os.fspath(BENCH / "wrk_request.lua"), url]
    out = run(pinned(argv, LOAD_CPU), env=env).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH_RESULT "))
    r = json.loads(line.removeprefix("BENCH_RESULT "))
    return Load(
        requests=r["requests"],
        seconds=r["duration_us"] / 1e6,
        p50_ms=r["p50_us"] / 1e3,
        p99_ms=r["p99_us"] / 1e3,
        bad_status=r["non_2xx_3xx"],
        socket_errors=r["socket_errors"] + r["timeouts"],
    )


def python_loop(url: str, *, method: str, body: bytes | None, seconds: float) -> Load:
    """--quick stand-in for wrk: one connection, one request at a time, from this process."""
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
    latencies: list[float] = []
    bad = 0
    with httpx.Client(headers=headers, timeout=10) as client:
        start = time.perf_counter()
        while (now := time.perf_counter()) - start < seconds:
            status = client.request(method, url, content=body).status_code
            latencies.append(time.perf_counter() - now)
            bad += not 200 <= status < 400
        elapsed = time.perf_counter() - start
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return Load(len(latencies), elapsed, q[49] * 1e3, q[98] * 1e3, bad, 0)


def ensure_wrk() -> None:
    """wrk comes from the system's packages; install it when missing (needs root and apt)."""
    if tool_version(["wrk", "-v"]) != "not installed":
        return
    print("installing wrk with apt-get ...", file=sys.stderr)
    run(["apt-get", "update", "-qq"])
    run(
        ["apt-get", "install", "-y", "-qq", "wrk"],
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
