"""How the CLI serves the emulator: the app each worker process builds, and uvicorn around it."""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
import sys
from dataclasses import dataclass, field
from functools import partial
from typing import cast

import uvicorn
from starlette.applications import Starlette
from uvicorn.supervisors import Multiprocess

from dialnexa_emulator._config import ServerSettings, default_config, load_config
from dialnexa_emulator._emulator import ControlPlaneAccess
from dialnexa_emulator.app import create_app
from dialnexa_emulator.server._protocol import GuardedHttpToolsProtocol
from dialnexa_emulator.server._shared import (
    SharedFaults,
    SharedJournal,
    SharedOverrides,
    SharedRateLimiter,
)
from dialnexa_emulator.server._state_file import SqliteClock, SqliteStore, StateFile


@dataclass(frozen=True)
class ServeOptions:
    """What a worker needs to build the app; picklable, as workers are spawned processes."""

    config_file: str | None
    state_file: str | None
    control_plane: ControlPlaneAccess
    spec_file: str | None = None
    check_responses: bool = False  # validate every answer; an off-spec one becomes a logged 500
    workers: int = 1
    # The control plane's Host names and token, and the timeouts, with the command line applied.
    control_hosts: frozenset[str] | None = None
    control_token: str | None = None
    server: ServerSettings = field(default_factory=ServerSettings)


def build_app(options: ServeOptions) -> Starlette:
    """The emulator as served: in memory, or on the state file every worker shares."""
    config = load_config(options.config_file) if options.config_file else default_config()
    state = StateFile(options.state_file) if options.state_file else None
    app = create_app(config, clock=SqliteClock(state) if state else None, spec=options.spec_file)
    emulator = app.state.emulator
    emulator.control_plane = options.control_plane
    emulator.control_hosts = options.control_hosts
    emulator.control_token = options.control_token
    if options.control_token:
        emulator.journal.redact(options.control_token)
    if not options.check_responses:
        emulator.answer_check = None
    emulator.off_spec_answers = "respond"  # a served emulator answers; it cannot raise at a client
    if state is not None:
        emulator.store = SqliteStore(state, {w.id: w.balance for w in config.workspaces})
        emulator.seed_configured_calls()
    if state is not None and options.workers > 1:
        # One view of what the control plane sets, whichever worker a request reaches.
        emulator.workers = options.workers
        emulator.faults = SharedFaults(state, emulator.spec.operations)
        emulator.overrides = SharedOverrides(state, emulator.spec)
        emulator.journal = SharedJournal(state, emulator.journal)
        emulator.rate_limiter = SharedRateLimiter(state)
    logging.getLogger("uvicorn.error").addFilter(_hide_dropped_connections)
    _tune_gc()
    return app


def _tune_gc() -> None:
    """Shorten the latency tail the cyclic garbage collector adds while serving.

    Full collections walk every tracked object, and the stored calls only grow: each one paused
    every request in flight for longer. What start-up built (the spec, validators, phone-number
    metadata) is frozen out of every later collection, and a full collection waits for 100 young
    ones instead of 10 (young collections, and refcounting, still free garbage as before).
    """
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 100)


def serve(options: ServeOptions, sock: socket.socket, workers: int) -> None:
    """Serve on `sock` until interrupted; with workers > 1, from that many processes."""
    timeouts = options.server
    protocol = partial(
        GuardedHttpToolsProtocol,
        header_timeout=timeouts.header_timeout_sec,
        body_timeout=timeouts.body_timeout_sec,
    )
    config = uvicorn.Config(
        partial(build_app, options),
        factory=True,
        workers=workers,
        loop="uvloop",
        http=cast("type[asyncio.Protocol]", protocol),  # a factory, as uvicorn only calls it
        timeout_keep_alive=timeouts.idle_timeout_sec,  # type: ignore[arg-type]
        ws="none",  # no WebSocket endpoints: a handshake is answered as the HTTP request it is
        lifespan="off",
        access_log=False,  # requests are not logged at all: nothing to leak an API key through
        log_level="warning",
        server_header=False,
    )
    if workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        uvicorn.Server(config).run(sockets=[sock])


def _hide_dropped_connections(record: logging.LogRecord) -> bool:
    """A dropped connection is a fault someone asked for, not a crash worth a traceback."""
    from dialnexa_emulator.web._dropped import ConnectionDropped  # noqa: PLC0415 - httpx only when a fault drops

    dropped = record.exc_info is not None and isinstance(record.exc_info[1], ConnectionDropped)
    if dropped:
        print(
            "dialnexa-emulator: dropped a connection after commit (injected fault)", file=sys.stderr
        )
    return not dropped
