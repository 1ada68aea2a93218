"""`dialnexa-emulator`: check the options, print how to use the emulator, and serve it."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import shlex
import signal
import socket
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from dialnexa_emulator._config import (
    DEFAULT_BODY_TIMEOUT_SEC,
    DEFAULT_HEADER_TIMEOUT_SEC,
    DEFAULT_IDLE_TIMEOUT_SEC,
    ConfigError,
    EmulatorConfig,
    default_config,
    load_config,
)
from dialnexa_emulator._emulator import served_hosts
from dialnexa_emulator._spec import SpecError
from dialnexa_emulator.app import create_app
from dialnexa_emulator.server._serving import ServeOptions, serve
from dialnexa_emulator.server._state_file import StateFile, StateFileError, check_times

DEFAULT_PORT = 8000
MAX_PORT = 65535
MAX_TIMEOUT_SEC = 3600.0
_TOKEN = re.compile(r"[!-~]{16,}")


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
        config = _with_options(config, args)
        create_app(config, spec=args.spec)  # the spec, and the config's seeds, as served
        if args.state:
            _prepare_state_file(args.state)
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
            args.config,
            args.state,
            args.control_plane,
            args.spec,
            # The address bound, and the name it was given as (--host mybox.lan).
            control_hosts=served_hosts(host, [args.host, *config.control_plane.allow_hosts]),
            control_token=config.control_plane.token,
            server=config.server,
            check_responses=args.check_responses,
            workers=args.workers,
        )
        serve(options, sock, args.workers)
    finally:
        if ready_file is not None:
            ready_file.unlink(missing_ok=True)
    return 0


def _with_options(config: EmulatorConfig, args: argparse.Namespace) -> EmulatorConfig:
    """The config with the command line's control-plane and timeout options applied over it."""
    control = config.control_plane
    control = dataclasses.replace(
        control,
        token=args.control_token if args.control_token is not None else control.token,
        allow_hosts=(*control.allow_hosts, *args.allow_host),
    )
    timeouts = {
        name: value
        for name, value in (
            ("header_timeout_sec", args.header_timeout),
            ("body_timeout_sec", args.body_timeout),
            ("idle_timeout_sec", args.idle_timeout),
        )
        if value is not None
    }
    server = dataclasses.replace(config.server, **timeouts)
    return dataclasses.replace(config, control_plane=control, server=server)


def _prepare_state_file(path: str) -> None:
    """Create or check the state file here, before any worker opens it; StateFileError if it
    cannot be served, and one line on stderr if a time in it had to be repaired."""
    state = StateFile(path)
    try:
        repaired = check_times(state)
    finally:
        state.close()
    if repaired:
        print(f"dialnexa-emulator: warning: {repaired}", file=sys.stderr)


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
    if config.control_plane.token is not None:
        info["control_token"] = config.control_plane.token
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(info, out)
    os.replace(temporary, path)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """A bad option is one line on stderr and exit 2 (argparse's status), without usage."""
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= MAX_PORT:
        raise argparse.ArgumentTypeError(f"{port} is not a port: use 0 to {MAX_PORT}")
    return port


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < seconds <= MAX_TIMEOUT_SEC:
        raise argparse.ArgumentTypeError(
            f"{text} must be more than 0 and at most {MAX_TIMEOUT_SEC:g}"
        )
    return seconds


def _token(text: str) -> str:
    if not _TOKEN.fullmatch(text):
        raise argparse.ArgumentTypeError(
            "the token must be at least 16 printable ASCII characters, without spaces"
        )
    return text


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
        type=_port,
        default=DEFAULT_PORT,
        help="port to listen on, 0 to 65535; 0 picks a free one (default: %(default)s)",
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
        help="serve from this many processes, which share --state (required for more than 1): "
        "calls, wallets, the clock, faults, the journal and rate-limit windows are one view; "
        "webhook endpoints come from --config only (default: %(default)s)",
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
    parser.add_argument(
        "--allow-host",
        metavar="NAME",
        action="append",
        default=[],
        help="also answer the control plane for requests with this Host (repeatable; loopback "
        "names, 127.0.0.1, [::1] and --host are always allowed)",
    )
    parser.add_argument(
        "--control-token",
        metavar="TOKEN",
        type=_token,
        help="require 'Authorization: Bearer TOKEN' on /_emulator/, for an emulator shared by a "
        "team (default: the config's [control_plane] token, else none)",
    )
    for name, default, meaning in (
        ("header", DEFAULT_HEADER_TIMEOUT_SEC, "a request's line and headers"),
        ("body", DEFAULT_BODY_TIMEOUT_SEC, "a request's body, once its headers are in"),
        ("idle", DEFAULT_IDLE_TIMEOUT_SEC, "the next request on a kept-alive connection"),
    ):
        parser.add_argument(
            f"--{name}-timeout",
            metavar="SECONDS",
            type=_seconds,
            help=f"close a connection that takes longer than this to send {meaning} "
            f"(default: the config's [server] {name}_timeout_sec, else {default:g})",
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
    token = ", token required" if config.control_plane.token else ""
    lines.append(f"  control plane  {origin}/_emulator/   ({access[control_plane]}{token})")
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
