"""`dialnexa-emulator record` and `dialnexa-emulator replay`: options, one-line errors, exits.

record: 0 stopped (Ctrl+C or SIGTERM) with its cassette written, 1 cannot listen, 2 bad options
(a cassette that cannot be written, a spec that cannot be served), 3 the target does not answer.
replay: 0 the score reaches --min-score, 1 it does not, 2 bad options (a cassette, config or spec
that cannot be read, a cassette with nothing in it).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from dialnexa_emulator._config import ConfigError, load_config
from dialnexa_emulator._spec import SpecError, load_spec
from dialnexa_emulator.fidelity._cassette import CassetteError, read_cassette
from dialnexa_emulator.fidelity._record import DEFAULT_WEBHOOK_PATH, Recorder, RecordOptions
from dialnexa_emulator.fidelity._replay import DEFAULT_TOLERANCE_SEC, replay
from dialnexa_emulator.fidelity._report import FORMATS, render

DEFAULT_PORT = 8010
TOKEN_VARIABLE = "DIALNEXA_API_KEY"  # noqa: S105 - the variable's name
WEBHOOK_SECRET_VARIABLE = "DIALNEXA_WEBHOOK_SECRET"  # noqa: S105 - the variable's name


def main(argv: Sequence[str]) -> int:
    """`argv` starts with the subcommand, `record` or `replay`."""
    command, rest = argv[0], list(argv[1:])
    return record_main(rest) if command == "record" else replay_main(rest)


def _fail(command: str, message: str, status: int = 2) -> int:
    print(f"dialnexa-emulator {command}: error: {message}", file=sys.stderr)
    return status


def _record_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialnexa-emulator record",
        description="Serve a local URL in front of a DialNexa target (e.g. a sandbox): every "
        "request and answer is checked against the spec, off-spec ones are reported as they "
        "happen, and the exchanges (secrets redacted) and the target's webhook deliveries are "
        "written to a VCR cassette for `dialnexa-emulator replay`. The target's key is read from "
        f"{TOKEN_VARIABLE} (to redact it and tell it from other keys; optional), the webhook "
        f"secret from {WEBHOOK_SECRET_VARIABLE} (to verify deliveries; optional).",
        epilog="exit status: 0 stopped (Ctrl+C) with the cassette written, 1 cannot listen, "
        "2 bad options, 3 the target does not answer",
    )
    parser.add_argument(
        "--target",
        required=True,
        metavar="URL",
        help="the target's base URL, e.g. https://sandbox.example/v1",
    )
    parser.add_argument(
        "--cassette",
        default="fidelity-cassette.yaml",
        metavar="FILE",
        help="where to write the cassette (default: %(default)s)",
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
        "--strict",
        action="store_true",
        help="refuse an off-spec request (400) instead of forwarding it",
    )
    parser.add_argument(
        "--allow-calls",
        type=int,
        default=0,
        metavar="N",
        help="forward at most N creates, each placing a real call (default: %(default)s: none)",
    )
    parser.add_argument(
        "--to",
        action="append",
        default=[],
        metavar="NUMBER",
        help="a destination creates may call (repeat, or comma-separate); "
        "creates to any other number are never forwarded",
    )
    parser.add_argument(
        "--webhook-path",
        default=DEFAULT_WEBHOOK_PATH,
        metavar="PATH",
        help="where the target's webhook deliveries are received (default: %(default)s)",
    )
    parser.add_argument(
        "--spec",
        metavar="FILE",
        help="check against this copy of openapi.yaml (default: the packaged one)",
    )
    parser.add_argument(
        "--ready-file",
        metavar="PATH",
        help="once listening, write JSON with url, webhook_url and pid here",
    )
    return parser


def record_main(argv: Sequence[str]) -> int:  # noqa: PLR0911 - one exit per refusal
    parser = _record_parser()
    args = parser.parse_args(argv)
    target = urlsplit(args.target)
    if target.scheme not in ("http", "https") or not target.hostname:
        return _fail("record", f"--target {args.target!r} is not an http:// or https:// URL")
    if args.allow_calls < 0:
        return _fail("record", "--allow-calls must be 0 or more")
    if not args.webhook_path.startswith("/"):
        return _fail("record", "--webhook-path must start with /")
    if args.ready_file and not Path(args.ready_file).parent.is_dir():
        return _fail("record", f"--ready-file {args.ready_file}: no such directory")
    destinations = [n.strip() for given in args.to for n in given.split(",") if n.strip()]
    try:
        spec = load_spec(args.spec)
        options = RecordOptions(
            target=args.target.rstrip("/"),
            cassette=Path(args.cassette),
            spec=spec,
            strict=args.strict,
            allow_calls=args.allow_calls,
            destinations=destinations,
            webhook_path=args.webhook_path,
            webhook_secret=os.environ.get(WEBHOOK_SECRET_VARIABLE, ""),
            token=os.environ.get(TOKEN_VARIABLE, ""),
            command=shlex.join(["dialnexa-emulator", "record", *argv]),
        )
        Path(args.cassette).parent.mkdir(parents=True, exist_ok=True)
        with Path(args.cassette).open("a", encoding="utf-8"):
            pass
    except SpecError as exc:
        return _fail("record", str(exc))
    except OSError as exc:
        return _fail("record", f"cannot write the cassette {args.cassette}: {exc.strerror}")
    port = target.port or (443 if target.scheme == "https" else 80)
    try:
        socket.create_connection((target.hostname, port), timeout=10).close()
    except OSError as exc:
        return _fail("record", f"the target {args.target} does not answer: {exc}", 3)
    return _serve(options, args.host, args.port, args.ready_file)


def _serve(options: RecordOptions, host: str, port: int, ready_file: str | None) -> int:
    import uvicorn  # noqa: PLC0415 - only the recorder serves

    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.create_server((host, port), family=family)
    except OSError as exc:
        return _fail("record", f"cannot listen on {host}:{port}: {exc}", 1)
    bound_host, bound_port = sock.getsockname()[:2]
    origin = f"http://{bound_host}:{bound_port}"
    recorder = Recorder(options)
    print(
        f"Recording {options.target} at {origin}{options.spec.base_path}\n"
        f"  webhooks       {origin}{options.webhook_path}\n"
        f"  cassette       {options.cassette}\n"
        f"  calls allowed  {options.allow_calls}"
        + (f" to {', '.join(options.destinations)}" if options.destinations else "")
        + ("\n  strict         off-spec requests are refused" if options.strict else "")
        + "\nPress Ctrl+C to stop.",
        flush=True,
    )
    ready = Path(ready_file) if ready_file else None
    if ready is not None:
        info = {
            "url": f"{origin}{options.spec.base_path}",
            "webhook_url": f"{origin}{options.webhook_path}",
            "pid": os.getpid(),
        }
        temporary = ready.with_name(f".{ready.name}.tmp")
        temporary.write_text(json.dumps(info), encoding="utf-8")
        temporary.replace(ready)  # never read half-written
    # Ctrl+C and SIGTERM stop uvicorn, which raises the signal again once stopped: by then
    # stopping is what was asked for, and the cassette is complete.
    for stopping in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stopping, lambda *_: None)
    config = uvicorn.Config(recorder, lifespan="off", access_log=False, log_level="warning")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        recorder.close()
        if ready is not None:
            ready.unlink(missing_ok=True)
        print(recorder.summary(), flush=True)
    return 0


def _replay_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialnexa-emulator replay",
        description="Replay a cassette written by `dialnexa-emulator record` against a fresh "
        "emulator in process (same requests, same order, created calls' ids mapped, the clock "
        "moved to the recorded offsets) and report every difference, field by field, a "
        "fidelity score per operation and overall, and the spec's gaps.",
        epilog="exit status: 0 the score reaches --min-score, 1 it does not, 2 bad options or "
        "a cassette, config or spec that cannot be read",
    )
    parser.add_argument("cassette", metavar="CASSETTE", help="the cassette to replay")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="the emulator's TOML config, mirroring the target's workspace "
        "(agents, numbers, destinations) (default: built in)",
    )
    parser.add_argument(
        "--spec", metavar="FILE", help="serve this copy of openapi.yaml (default: the packaged one)"
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        default=DEFAULT_TOLERANCE_SEC,
        metavar="SEC",
        help="lifecycle timing within this many seconds agrees (default: %(default)s)",
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="text", help="the report's form (default: %(default)s)"
    )
    parser.add_argument(
        "--output", metavar="FILE", help="write the report there instead of standard output"
    )
    parser.add_argument(
        "--min-score",
        type=float,
        default=100.0,
        metavar="PERCENT",
        help="exit 1 below this overall score (default: %(default)s)",
    )
    return parser


def replay_main(argv: Sequence[str]) -> int:
    args = _replay_parser().parse_args(argv)
    if not args.tolerance >= 0:
        return _fail("replay", "--tolerance must be 0 or more seconds")
    try:
        cassette = read_cassette(Path(args.cassette))
        if not cassette.exchanges:
            raise CassetteError(f"{args.cassette}: holds no exchange to replay")
        config = load_config(args.config) if args.config else None
        result = replay(cassette, config=config, spec=args.spec, tolerance_sec=args.tolerance)
    except (CassetteError, ConfigError, SpecError) as exc:
        return _fail("replay", str(exc))
    report = render(result, args.format)
    if args.output:
        try:
            Path(args.output).write_text(report + "\n", encoding="utf-8")
        except OSError as exc:
            return _fail("replay", f"cannot write {args.output}: {exc.strerror}")
    else:
        print(report)
    return 0 if result.score * 100 >= args.min_score - 1e-9 else 1
