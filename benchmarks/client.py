"""The generated client's cost over plain httpx: per createCall, and to import.

Per call: `create_call.sync_detailed` against `httpx.Client.post` of the same body (plus
`.json()`, which any caller of plain httpx needs) to the same emulator, in alternating blocks.

Import: a fresh interpreter per measurement times `import dialnexa_client` (with the createCall
module) against `import httpx` alone, in a throwaway venv holding only the client and its
dependencies (at the project lock's versions), as `pip install ./generated/dialnexa-client` gives
a user. For context, the same for `import httpx` in the project's own .venv and for retell-sdk,
a Stainless-generated voice-AI SDK, in its own throwaway venv.
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
from dialnexa_client import AuthenticatedClient
from dialnexa_client.api.calls import create_call
from dialnexa_client.models import Call, CreateCallRequest

from benchmarks import _common as c

NAME = "client"
CLIENT_PROJECT = c.ROOT / "generated" / "dialnexa-client"
RETELL = "retell-sdk==6.2.13"
HTTPX = "import httpx"
CLIENT = "import dialnexa_client, dialnexa_client.api.calls.create_call"
# Timed inside the fresh interpreter, so interpreter start-up is not part of the figure.
TIMER = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
TOP = 10


@dataclass(frozen=True)
class Import:
    label: str
    python: c.StrPath
    stmt: str


def time_calls(call: Callable[[], None], n: int) -> float:
    """Median seconds per call over n calls."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def per_call(base_url: str, calls: int, rounds: int) -> list[tuple[float, float]]:
    """(generated, plain) median seconds per call, one pair per round."""
    timeout = httpx.Timeout(10)
    generated = AuthenticatedClient(base_url=base_url, token=c.API_KEY, timeout=timeout)
    plain = httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {c.API_KEY}"}, timeout=timeout
    )

    def generated_call() -> None:
        body = CreateCallRequest(
            agent_id=c.CREATE_BODY["agent_id"], to_phone_number=c.CREATE_BODY["to_phone_number"]
        )
        response = create_call.sync_detailed(client=generated, body=body)
        if not isinstance(response.parsed, Call):
            raise SystemExit(
                f"error: createCall answered {response.status_code}: {response.content!r}"
            )

    def plain_call() -> None:
        response = plain.post("/calls", json=c.CREATE_BODY)
        if response.status_code != 201:
            raise SystemExit(f"error: createCall answered {response.status_code}: {response.text}")
        response.json()

    with generated, plain:
        time_calls(generated_call, calls // 5 + 1)  # warm-up: connections, first-call paths
        time_calls(plain_call, calls // 5 + 1)
        pairs = []
        for round_no in range(rounds):
            # Alternate which goes first, so drift in the server's state favours neither.
            if round_no % 2:
                p, g = time_calls(plain_call, calls), time_calls(generated_call, calls)
            else:
                g, p = time_calls(generated_call, calls), time_calls(plain_call, calls)
            pairs.append((g, p))
    return pairs


def client_venv() -> Path:
    """Python of a venv with only the generated client, its dependencies pinned as in uv.lock."""
    pins = c.CACHE / "project-pins.txt"
    pins.parent.mkdir(parents=True, exist_ok=True)
    dists = (d for d in metadata.distributions() if not d.name.startswith("dialnexa"))
    pins.write_text("".join(sorted(f"{d.name}=={d.version}\n" for d in dists)))
    # Reinstalled each run: uv would not notice edits to the client's sources otherwise.
    reinstall = ("--reinstall-package", "dialnexa-client")
    return c.tool_venv("client-only", "--constraint", pins, *reinstall, CLIENT_PROJECT)


def import_seconds(target: Import) -> float:
    argv = c.pinned([target.python, "-c", TIMER.format(stmt=target.stmt)], c.LOAD_CPU)
    return float(c.run(argv).stdout.strip())


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
    per_call: list[tuple[float, float]]  # (generated, plain) seconds per call, per round
    imports: dict[str, list[float]]  # Import.label -> seconds, one per fresh interpreter
    added: list[tuple[str, float]]  # (module, self µs) the client imports beyond httpx
    skipped: dict[str, str]  # Import.label -> why it was not measured


def report(args: argparse.Namespace, argv: list[str], m: Measured) -> str:
    generated = c.median(g for g, _ in m.per_call) * 1e6
    plain = c.median(p for _, p in m.per_call) * 1e6
    call_ratio = c.median(g / p for g, p in m.per_call)
    pairs = zip(m.imports[CLIENT], m.imports[HTTPX], strict=True)
    import_ratio = c.median(mine / base for mine, base in pairs)
    packages = ["httpx", "attrs", "dialnexa-client", "uvicorn", "starlette"]
    retell = "not run" if RETELL in m.skipped else RETELL.split("==")[1]
    calls = [
        (
            "generated: `CreateCallRequest(...)`, `create_call.sync_detailed`, parsed `Call`",
            f"{generated:,.0f}",
        ),
        ("plain: `httpx.Client.post(json=...)`, `.json()`", f"{plain:,.0f}"),
        (
            "ratio generated ÷ plain (target ≤ 1.15)",
            f"{call_ratio:.3f} ({c.verdict(call_ratio, 1.15, at_least=False)})",
        ),
    ]

    def ms(label: str) -> str:
        if label in m.skipped:
            return f"not measured: {m.skipped[label]}"
        return f"{c.median(m.imports[label]) * 1e3:.1f}"

    ratio = f"{import_ratio:.2f} ({c.verdict(import_ratio, 1.3, at_least=False)})"
    imports = [
        (f"`{HTTPX}` (client-only venv)", ms(HTTPX)),
        (f"`{CLIENT}` (client-only venv)", ms(CLIENT)),
        ("ratio client ÷ httpx (target ≤ 1.3)", ratio),
        *((f"context: {label}", ms(label)) for label in m.imports if label not in (HTTPX, CLIENT)),
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
        f"### Per call: createCall against the emulator ({args.rounds} rounds of {args.calls} "
        "calls per client, alternating; median per call within a round, median over rounds)",
        "",
        f"{c.pinning_note()} One keep-alive connection each; both send the minimal valid body "
        "and check for the 201.",
        "",
        c.table(("client", "µs per call"), calls),
        f"### Cold import ({args.imports} fresh interpreters each, interleaved; the import "
        "statement alone, timed inside the interpreter; medians)",
        "",
        "The client-only venv holds the generated client and its dependencies at the project "
        "lock's versions, nothing else: what `pip install ./generated/dialnexa-client` gives.",
        "",
        c.table(("import", "ms"), imports),
        f"What the client imports beyond `{HTTPX}` (`python -X importtime` in the client-only "
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
    p.add_argument("--calls", type=int, help="calls per client per round (default: 1000)")
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
        import_seconds(target)  # warm-up: byte-compiles, fills the page cache
    imports: dict[str, list[float]] = {t.label: [] for t in targets}
    for _ in range(args.imports):
        for target in targets:
            imports[target.label].append(import_seconds(target))

    base = import_breakdown(client_python, HTTPX, breakdown_runs(args))
    client = import_breakdown(client_python, CLIENT, breakdown_runs(args))
    added = sorted(
        ((mod, us) for mod, us in client.items() if mod not in base), key=lambda x: -x[1]
    )
    measured = Measured(per_call_times, imports, added[:TOP], skipped)
    c.write_section(c.output_path(args), NAME, report(args, argv, measured))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
