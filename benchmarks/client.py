"""The generated client's cost over plain httpx: per getCall, and to import.

Per call: `DialNexa().calls.get(id)` (the facade) and `get_call.sync(id, client=...)` (the
functional layer under it) against `httpx.Client.get` of the same URL (plus `.json()`, which any
caller of plain httpx needs) to the same emulator, in rotating blocks.

Import: a fresh interpreter per measurement times `from dialnexa_client import DialNexa,
AsyncDialNexa` (the package with its facade) against `import httpx` alone, in a throwaway venv
holding only the client and its dependencies (at the project lock's versions), as
`pip install ./generated/dialnexa-client` gives a user. The package imports its parts on first
use, so also: `import dialnexa_client.resources`, everything a first call imports (httpx, the
models, the functional modules). For context, `import httpx` in the project's own .venv and
retell-sdk, a Stainless-generated voice-AI SDK, in its own throwaway venv.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import httpx
from dialnexa_client import DialNexa
from dialnexa_client.api.calls import get_call

from benchmarks import _common as c

NAME = "client"
CLIENT_PROJECT = c.ROOT / "generated" / "dialnexa-client"
RETELL = "retell-sdk==6.2.13"
HTTPX = "import httpx"
CLIENT = "from dialnexa_client import DialNexa, AsyncDialNexa"
FIRST_CALL = "import dialnexa_client.resources"
# Timed inside the fresh interpreter, so interpreter start-up is not part of the figure.
TIMER = (
    "import time; t = time.perf_counter(); c = time.process_time(); {stmt}; "
    "print(time.perf_counter() - t, time.process_time() - c)"
)
"""Wall and CPU time of the statement: on a shared machine the CPU time (`time.process_time`)
is the steadier of the two, since waiting for a core is not counted."""
ATTRS = "import attrs, httpx"
TOP = 10


@dataclass(frozen=True)
class Import:
    label: str
    python: c.StrPath
    stmt: str


FACADE = "facade: `client.calls.get(id)`, parsed `Call`"
FUNCTIONAL = "functional: `get_call.sync(id, client=...)`, parsed `Call`"
PLAIN = "plain: `httpx.Client.get(...)`, `.json()`"


def time_calls(call: Callable[[], object], n: int) -> float:
    """Median seconds per call over n calls."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def per_call(base_url: str, calls: int, rounds: int) -> list[dict[str, float]]:
    """Median seconds per getCall of each client, one dict per round."""
    timeout = httpx.Timeout(10)
    facade = DialNexa(api_key=c.API_KEY, base_url=base_url, timeout=timeout)
    plain = httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {c.API_KEY}"}, timeout=timeout
    )
    body = c.CREATE_BODY
    call_id = facade.calls.create(
        agent_id=body["agent_id"], to_phone_number=body["to_phone_number"]
    ).id

    def plain_call() -> None:
        response = plain.get(f"/calls/{call_id}")
        if response.status_code != 200:
            raise SystemExit(f"error: getCall answered {response.status_code}: {response.text}")
        response.json()

    clients: dict[str, Callable[[], object]] = {
        FACADE: lambda: facade.calls.get(call_id),
        FUNCTIONAL: lambda: get_call.sync(call_id, client=facade.api_client),
        PLAIN: plain_call,
    }
    with facade, plain:
        for call in clients.values():  # warm-up: connections, first-call paths
            time_calls(call, calls // 5 + 1)
        rounds_out = []
        names = list(clients)
        for round_no in range(rounds):
            # Rotate which goes first, so drift in the server's state favours none.
            order = names[round_no % len(names) :] + names[: round_no % len(names)]
            rounds_out.append({name: time_calls(clients[name], calls) for name in order})
    return rounds_out


def client_venv() -> Path:
    """Python of a venv with only the generated client, its dependencies pinned as in uv.lock."""
    pins = c.CACHE / "project-pins.txt"
    pins.parent.mkdir(parents=True, exist_ok=True)
    dists = (d for d in metadata.distributions() if not d.name.startswith("dialnexa"))
    pins.write_text("".join(sorted(f"{d.name}=={d.version}\n" for d in dists)))
    # Reinstalled each run: uv would not notice edits to the client's sources otherwise.
    reinstall = ("--reinstall-package", "dialnexa-client")
    return c.tool_venv("client-only", "--constraint", pins, *reinstall, CLIENT_PROJECT)


def import_seconds(target: Import) -> tuple[float, float]:
    """Wall and CPU seconds of the import statement in a fresh interpreter."""
    argv = c.pinned([target.python, "-c", TIMER.format(stmt=target.stmt)], c.LOAD_CPU)
    wall, cpu = c.run(argv).stdout.split()
    return float(wall), float(cpu)


def import_breakdown(python: c.StrPath, stmt: str, runs: int) -> dict[str, float]:
    """Median self time in µs of every module the statement imports (python -X importtime)."""
    samples: dict[str, list[float]] = {}
    for _ in range(runs):
        err = c.run([python, "-X", "importtime", "-c", stmt]).stderr
        for line in err.splitlines():
            if not line.startswith("import time:") or "self [us]" in line:
                continue
            self_us, _, module = line.removeprefix("import time:").split("|")
            samples.setdefault(module.strip(), []).append(float(self_us))
    return {module: statistics.median(us) for module, us in samples.items()}


@dataclass
class Measured:
    per_call: list[dict[str, float]]  # client label -> seconds per call, one dict per round
    imports: dict[str, list[float]]  # Import.label -> seconds, one per fresh interpreter
    cpu: dict[str, list[float]]  # the same, CPU time
    added: list[tuple[str, float]]  # (module, self µs) the client imports beyond httpx
    skipped: dict[str, str]  # Import.label -> why it was not measured


def ratio(values: dict[str, list[float]], mine: str, base: str) -> float:
    """Median over paired measurements of mine ÷ base."""
    return c.median(a / b for a, b in zip(values[mine], values[base], strict=True))


def report(args: argparse.Namespace, argv: list[str], m: Measured) -> str:
    by_client = {name: [r[name] for r in m.per_call] for name in (FACADE, FUNCTIONAL, PLAIN)}
    call_ratio = c.median(r[FACADE] / r[PLAIN] for r in m.per_call)
    layer_ratio = c.median(r[FUNCTIONAL] / r[PLAIN] for r in m.per_call)
    packages = ["httpx", "dialnexa-client", "uvicorn", "starlette"]
    retell = "not run" if RETELL in m.skipped else RETELL.split("==")[1]
    calls = [
        *((name, f"{c.median(times) * 1e6:,.0f}") for name, times in by_client.items()),
        (
            "ratio facade ÷ plain (target ≤ 1.15)",
            f"{call_ratio:.3f} ({c.verdict(call_ratio, 1.15, at_least=False)})",
        ),
        ("ratio functional ÷ plain", f"{layer_ratio:.3f}"),
    ]

    def ms(label: str) -> str:
        if label in m.skipped:
            return f"not measured: {m.skipped[label]}"
        return f"{c.median(m.imports[label]) * 1e3:.1f}"

    import_ratio = ratio(m.imports, CLIENT, HTTPX)
    first_ratio = ratio(m.imports, FIRST_CALL, HTTPX)
    first_cpu_ratio = ratio(m.cpu, FIRST_CALL, HTTPX)
    attrs_cpu_ratio = ratio(m.cpu, ATTRS, HTTPX)
    imports = [
        (f"`{HTTPX}` (client-only venv)", ms(HTTPX)),
        (f"`{CLIENT}` (client-only venv)", ms(CLIENT)),
        (
            "ratio facade import ÷ httpx (target ≤ 1.3)",
            f"{import_ratio:.2f} ({c.verdict(import_ratio, 1.3, at_least=False)})",
        ),
        (f"`{FIRST_CALL}`: what the first call imports (client-only venv)", ms(FIRST_CALL)),
        (
            "ratio first-call imports ÷ httpx (target ≤ 1.3)",
            f"{first_ratio:.2f} ({c.verdict(first_ratio, 1.3, at_least=False)})",
        ),
        (
            "the same ratio in CPU time (`time.process_time`; steadier on a shared machine)",
            f"{first_cpu_ratio:.2f} ({c.verdict(first_cpu_ratio, 1.3, at_least=False)})",
        ),
        (
            f"context: `{ATTRS}` ÷ `{HTTPX}` in CPU time (what attrs alone adds)",
            f"{attrs_cpu_ratio:.2f}",
        ),
        *(
            (f"context: {label}", ms(label))
            for label in m.imports
            if label not in (HTTPX, CLIENT, FIRST_CALL, ATTRS)
        ),
        *((f"context: {label}", ms(label)) for label in m.skipped),
    ]
    out = [
        c.section_header(
            "Generated client vs plain httpx",
            NAME,
            argv,
            args.quick,
            c.versions(packages, {"retell-sdk": retell}),
        ),
        f"### Per call: getCall against the emulator ({args.rounds} rounds of {args.calls} "
        "calls per client, rotating; median per call within a round, median over rounds)",
        "",
        f"{c.pinning_note()} One keep-alive connection each, the same call read each time; "
        "each checks for the 200 and decodes the body.",
        "",
        c.table(("client", "µs per call"), calls),
        f"### Cold import ({args.imports} fresh interpreters each, interleaved; the import "
        "statement alone, timed inside the interpreter; medians)",
        "",
        "The client-only venv holds the generated client and its dependencies at the project "
        "lock's versions, nothing else: what `pip install ./generated/dialnexa-client` gives.",
        "",
        c.table(("import", "ms"), imports),
        f"What the first call imports beyond `{HTTPX}` (`python -X importtime` in the client-only "
        f"venv, self time, median of {breakdown_runs(args)} runs; top {TOP}):",
        "",
        c.table(("module", "self µs"), ((f"`{mod}`", f"{us:,.0f}") for mod, us in m.added)),
    ]
    return "\n".join(out)


def breakdown_runs(args: argparse.Namespace) -> int:
    return int(args.imports) // 4 + 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = c.parser(NAME, __doc__ or "")
    p.add_argument("--rounds", type=int, help="per-call rounds (default: 7; --quick: 1)")
    p.add_argument("--calls", type=int, help="getCalls per client per round (default: 1000)")
    p.add_argument("--imports", type=int, help="fresh interpreters per import (default: 30)")
    args = p.parse_args(argv)
    args.rounds = args.rounds or (1 if args.quick else 7)
    args.calls = args.calls or (20 if args.quick else 1000)
    args.imports = args.imports or (2 if args.quick else 30)

    c.pin_self(c.LOAD_CPU)
    port = c.free_port()
    with c.background(c.emulator_argv(port), port=port):
        per_call_times = per_call(f"http://127.0.0.1:{port}/v1", args.calls, args.rounds)

    client_python = client_venv()
    targets = [
        Import(HTTPX, client_python, HTTPX),
        Import(CLIENT, client_python, CLIENT),
        Import(FIRST_CALL, client_python, FIRST_CALL),
        Import(ATTRS, client_python, ATTRS),
        # httpx imports its command line (rich, click, pygments) when they are installed, as
        # they are in the project's .venv for schemathesis: the same import costs more there.
        Import(f"`{HTTPX}` in the project's .venv", sys.executable, HTTPX),
    ]
    skipped = {}
    if args.quick:
        skipped[RETELL] = "--quick does not install it"
    else:
        retell = f"`import retell` ({RETELL}, in its own venv)"
        targets.append(Import(retell, c.tool_venv("retell-sdk", RETELL), "import retell"))
    for target in targets:
        import_seconds(target)  # warm-up: fills the page cache (the venvs are byte-compiled)
    imports: dict[str, list[float]] = {t.label: [] for t in targets}
    cpu: dict[str, list[float]] = {t.label: [] for t in targets}
    for _ in range(args.imports):
        for target in targets:
            wall, cpu_seconds = import_seconds(target)
            imports[target.label].append(wall)
            cpu[target.label].append(cpu_seconds)

    base = import_breakdown(client_python, HTTPX, breakdown_runs(args))
    client = import_breakdown(client_python, FIRST_CALL, breakdown_runs(args))
    added = sorted(
        ((mod, us) for mod, us in client.items() if mod not in base), key=lambda x: -x[1]
    )
    measured = Measured(per_call_times, imports, cpu, added[:TOP], skipped)
    c.write_section(c.output_path(args), NAME, report(args, argv, measured))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
