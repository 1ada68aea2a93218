"""`dialnexa-emulator`: check the options, print how to use the emulator, and serve it."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import socket
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from dialnexa_emulator._config import ConfigError, EmulatorConfig, default_config, load_config
from dialnexa_emulator._spec import SpecError
from dialnexa_emulator.app import create_app
from dialnexa_emulator.server._serving import ServeOptions, serve
from dialnexa_emulator.server._state_file import StateFile, StateFileError

DEFAULT_PORT = 8000


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["record"], ["replay"]):  # the fidelity tools (docs/fidelity.md)
        from dialnexa_emulator.fidelity import main as fidelity  # noqa: PLC0415 - when asked for

        return fidelity(argv)
    parser = _parser()
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.workers > 1 and not args.state:
        parser.error("--workers needs --state: workers share calls only through the state file")
    try:
        config = load_config(args.config) if args.config else default_config()
        create_app(config, spec=args.spec)  # the spec, and the config's seeds, as served
        if args.state:
            StateFile(args.state).close()  # created or checked here, before any worker opens it
        if args.ready_file:
            _check_writable(Path(args.ready_file))
    except (ConfigError, SpecError, StateFileError, OSError) as exc:
        print(f"dialnexa-emulator: error: {exc}", file=sys.stderr)
        return 2
    try:
        sock = _listen(args.host, args.port)
    except OSError as exc:
        print(
            f"dialnexa-emulator: error: cannot listen on {args.host}:{args.port}: {exc}",
            file=sys.stderr,
        )
        return 1

    host, port = sock.getsockname()[:2]
    origin = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    print(banner(config, origin, args.control_plane, args.state, args.workers), flush=True)
    ready_file = Path(args.ready_file) if args.ready_file else None
    if ready_file is not None:
        _write_ready_file(ready_file, config, origin)
        # uvicorn re-raises SIGTERM once it has stopped: exit through `finally`, not at once.
        signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        options = ServeOptions(
            args.config, args.state, args.control_plane, args.spec, args.check_responses
        )
        serve(options, sock, args.workers)
    finally:
        if ready_file is not None:
            ready_file.unlink(missing_ok=True)
    return 0


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _check_writable(path: Path) -> None:
    """OSError, naming the file, unless a ready file can be written there."""
    if not path.parent.is_dir():
        raise OSError(f"--ready-file {path}: no directory {path.parent}")
    if path.is_dir():
        raise OSError(f"--ready-file {path}: is a directory")
    if not os.access(path.parent, os.W_OK):
        raise OSError(f"--ready-file {path}: cannot write in {path.parent}")


def _write_ready_file(path: Path, config: EmulatorConfig, origin: str) -> None:
    """What a program needs to use the emulator, as JSON, once it listens: written to a temporary
    file renamed into place, so a reader never sees half of it."""
    info = {
        "base_url": f"{origin}/v1",
        "api_key": config.workspaces[0].api_keys[0].token,
        "control_url": f"{origin}/_emulator",
        "pid": os.getpid(),
    }
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(info, out)
    os.replace(temporary, path)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialnexa-emulator",
        description="Serve a stateful local emulator of DialNexa's calls API.",
        epilog="also: `dialnexa-emulator record --help` (record a target, e.g. a sandbox) and "
        "`dialnexa-emulator replay --help` (score the emulator against a recording)",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="port to listen on; 0 picks a free one (default: %(default)s)",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="TOML config with workspaces, outcome rules and timing (default: built in)",
    )
    parser.add_argument(
        "--state",
        metavar="FILE",
        help="keep calls, balances and the clock in this SQLite file, across restarts and "
        "shared by workers; created if missing (default: in memory, lost on exit)",
    )
    parser.add_argument(
        "--workers",
        metavar="N",
        type=int,
        default=1,
        help="serve from this many processes, which share --state (required for more than 1); "
        "rate-limit windows, armed faults and the request journal stay per process "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--ready-file",
        metavar="PATH",
        help="once listening, write JSON with base_url, api_key, control_url and pid here "
        "(atomically; removed on exit), for programs that start the emulator",
    )
    parser.add_argument(
        "--spec",
        metavar="FILE",
        help="serve this copy of openapi.yaml instead of the packaged one: its request shapes "
        "and formats are enforced (default: the packaged spec)",
    )
    parser.add_argument(
        "--check-responses",
        action="store_true",
        help="validate every answer against the served spec; an answer it does not allow is "
        "logged and replaced by a 500 whose message names the operation, field and rule",
    )
    parser.add_argument(
        "--control-plane",
        choices=("loopback", "anywhere", "off"),
        default="loopback",
        help="who may use /_emulator/ (health, reset, clock, faults, calls, requests, wallets) "
        "(default: %(default)s)",
    )
    return parser


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket, bound before the banner is printed so the printed URL already works."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def banner(
    config: EmulatorConfig,
    origin: str,
    control_plane: str,
    state_file: str | None = None,
    workers: int = 1,
) -> str:
    workspace = config.workspaces[0]
    key = workspace.api_keys[0]
    lines = [
        f"DialNexa emulator listening on {origin}/v1",
        f"  API key        {key.token}   (workspace {workspace.id})",
    ]
    agent = next(iter(workspace.agents.values()), None)
    if agent is not None:
        published = ", ".join(map(str, agent.published)) or "none"
        lines.append(f"  agent          {agent.id}   (published versions: {published})")
    lines.append(f"  caller ID      {workspace.default_from_number}")
    countries = ", ".join(d.country for d in workspace.telephony.destinations) or "none"
    lines.append(f"  test numbers   any number of {countries}: completed")
    for rule in config.outcomes:
        target = rule.number or f"{rule.prefix}…"
        lines.append(f"                 {target:<16} {rule.outcome:<14} {rule.description}")
    access = {
        "loopback": "loopback clients only",
        "anywhere": "open to all clients",
        "off": "disabled",
    }
    lines.append(f"  control plane  {origin}/_emulator/   ({access[control_plane]})")
    kept = f"{state_file} (kept across restarts)" if state_file else "in memory (lost on exit)"
    lines.append(f"  state          {kept}" + (f", {workers} workers" if workers > 1 else ""))
    to_number = workspace.telephony.example_destination()
    if agent is not None and to_number is not None:
        body = f'{{"agent_id": "{agent.id}", "to_phone_number": "{to_number}"}}'
        curl = (
            f"curl -s {origin}/v1/calls -H {shlex.quote(f'Authorization: Bearer {key.token}')} "
            f"-H 'Content-Type: application/json' -d {shlex.quote(body)}"
        )
        lines.append(f"  try            {curl}")
    lines.append("Press Ctrl+C to stop.")
    return "\n".join(lines)
