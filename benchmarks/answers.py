"""What holding the emulator to its spec costs: answers validated in process, the start-up check.

- An in-process createCall (httpx over `SyncASGITransport`, the way fixtures and
  `mock_dialnexa` reach the emulator; and the ASGI app alone) with every answer validated, and
  with validation off (`check_responses=False`); target: under 1 ms with it on.
- The validation alone, per answer: a created call, a getCall, a full listCalls page (200 calls),
  an error envelope.
- The start-up check (every value the emulator can produce against the spec), uncached.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx
from starlette.types import Message

from benchmarks import _common as c
from dialnexa_emulator import FrozenClock, SyncASGITransport, create_app
from dialnexa_emulator._answers import answer_check
from dialnexa_emulator._config import default_config
from dialnexa_emulator._spec import load_spec
from dialnexa_emulator._spec_check import _problems
from dialnexa_emulator._vocabulary import vocabulary

NAME = "answers"
TARGET_MS = 1.0


def per_call_us(action: Callable[[], object], calls: int, rounds: int) -> float:
    """Median over rounds of the mean microseconds per call (a warm-up round is dropped)."""
    results = []
    for _ in range(rounds + 1):
        start = time.perf_counter()
        for _ in range(calls):
            action()
        results.append((time.perf_counter() - start) / calls * 1e6)
    return c.median(results[1:])


Pair = tuple[float, float]  # µs per call with answers validated, and without


def _paired(timings: list[tuple[float, float]]) -> Pair:
    """Medians of rounds that measured both modes back to back (the first round warms up)."""
    kept = timings[1:]
    return c.median([on for on, _ in kept]), c.median([off for _, off in kept])


def sync_create_call_us(calls: int, rounds: int) -> Pair:
    """`httpx.Client` over `SyncASGITransport`, as `mock_dialnexa` and the fixtures reach it."""
    clients = {
        check: httpx.Client(
            transport=SyncASGITransport(create_app(clock=FrozenClock(), check_responses=check)),
            base_url="http://emulator/v1",
            headers={"Authorization": f"Bearer {c.API_KEY}"},
        )
        for check in (True, False)
    }

    def batch(client: httpx.Client) -> float:
        start = time.perf_counter()
        for _ in range(calls):
            response = client.post("/calls", json=c.CREATE_BODY)
            assert response.status_code == 201, response.text
        return (time.perf_counter() - start) / calls * 1e6

    timings = [(batch(clients[True]), batch(clients[False])) for _ in range(rounds + 1)]
    for client in clients.values():
        client.close()
    return _paired(timings)


def async_create_call_us(calls: int, rounds: int) -> Pair:
    """`httpx.AsyncClient` over `httpx.ASGITransport`: in process with no thread between."""

    async def measure() -> Pair:
        clients = {
            check: httpx.AsyncClient(
                transport=httpx.ASGITransport(
                    create_app(clock=FrozenClock(), check_responses=check)
                ),
                base_url="http://emulator/v1",
                headers={"Authorization": f"Bearer {c.API_KEY}"},
            )
            for check in (True, False)
        }

        async def batch(client: httpx.AsyncClient) -> float:
            start = time.perf_counter()
            for _ in range(calls):
                response = await client.post("/calls", json=c.CREATE_BODY)
                assert response.status_code == 201, response.text
            return (time.perf_counter() - start) / calls * 1e6

        timings = [
            (await batch(clients[True]), await batch(clients[False])) for _ in range(rounds + 1)
        ]
        for client in clients.values():
            await client.aclose()
        return _paired(timings)

    return asyncio.run(measure())


def asgi_create_call_us(calls: int, rounds: int) -> Pair:
    """The app alone: createCall sent straight to the ASGI app, no HTTP client around it."""
    apps = {
        check: create_app(clock=FrozenClock(), check_responses=check) for check in (True, False)
    }
    body = json.dumps(c.CREATE_BODY).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/calls",
        "raw_path": b"/v1/calls",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"emulator"),
            (b"authorization", f"Bearer {c.API_KEY}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 123),
        "server": ("emulator", 80),
    }

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    statuses: set[int] = set()

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.add(int(message["status"]))

    async def batch(check: bool) -> float:
        start = time.perf_counter()
        for _ in range(calls):
            await apps[check](dict(scope), receive, send)
        return (time.perf_counter() - start) / calls * 1e6

    async def measure() -> list[tuple[float, float]]:
        return [(await batch(True), await batch(False)) for _ in range(rounds + 1)]

    timings = asyncio.run(measure())
    assert statuses == {201}, statuses
    return _paired(timings)


def validation_us(calls: int, rounds: int) -> list[tuple[str, float]]:
    app = create_app(clock=FrozenClock())
    client = httpx.Client(
        transport=SyncASGITransport(app),
        base_url="http://emulator/v1",
        headers={"Authorization": f"Bearer {c.API_KEY}"},
    )
    with client:
        created = [client.post("/calls", json=c.CREATE_BODY).json() for _ in range(200)]
    check = answer_check(load_spec())
    json_head = {"content-type": "application/json"}
    envelope = {"statusCode": 404, "message": "Call not found", "error": "Not Found"}
    cases = [
        ("createCall 201 (a call)", "createCall", 201, created[0]),
        ("getCall 200 (a call)", "getCall", 200, created[0]),
        ("listCalls 200 (200 calls)", "listCalls", 200, created),
        ("getCall 404 (an error envelope)", "getCall", 404, envelope),
    ]
    rows = []
    for label, operation, status, body in cases:
        assert not check.problems(operation, status, json_head, body)

        def validate(operation: str = operation, status: int = status, body: Any = body) -> None:
            check.problems(operation, status, json_head, body)

        rows.append((label, per_call_us(validate, calls, rounds)))
    return rows


def startup_ms(rounds: int) -> float:
    spec, words = load_spec(), vocabulary(default_config())
    return per_call_us(lambda: _problems.__wrapped__(spec, words), 1, rounds) / 1000


def report(args: argparse.Namespace, argv: Sequence[str]) -> str:
    calls = 50 if args.quick else args.calls
    rounds = 1 if args.quick else args.rounds
    on, off = sync_create_call_us(calls, rounds)
    async_on, async_off = async_create_call_us(calls, rounds)
    app_on, app_off = asgi_create_call_us(calls, rounds)
    checks = validation_us(calls, rounds)
    startup = startup_ms(1 if args.quick else 5)
    versions = c.versions(["httpx", "starlette", "fastjsonschema", "jsonschema"])
    lines = [
        c.section_header("The emulator held to its spec", NAME, argv, args.quick, versions),
        f"### In-process createCall (median of {rounds} round(s) of {calls} calls, each round "
        "measuring both modes back to back; not pinned, the machine shared)\n",
        c.table(
            ["answers", "httpx.Client (sync), µs", "httpx.AsyncClient, µs", "the app alone, µs"],
            [
                ("validated (the default in process)", *_us(on, async_on, app_on)),
                ("not validated (`check_responses=False`)", *_us(off, async_off, app_off)),
                (
                    "cost of validation",
                    *_us(on - off, async_on - async_off, app_on - app_off, sign="+"),
                ),
            ],
        ),
        "The first column is what a sync test pays per createCall through `mock_dialnexa` or "
        "the fixtures (the app on an event loop in another thread, so two thread switches per "
        "request); the second an async test; the third is the emulator's own share.\n",
        f"Target: a validated in-process createCall under {TARGET_MS:g} ms. Sync client: "
        f"{c.verdict(on / 1000, TARGET_MS, at_least=False)}; async client: "
        f"{c.verdict(async_on / 1000, TARGET_MS, at_least=False)}; the app alone: "
        f"{c.verdict(app_on / 1000, TARGET_MS, at_least=False)}.\n",
        "### The validation alone, per answer\n",
        c.table(["answer", "µs"], [(label, f"{us:.1f}") for label, us in checks]),
        f"Start-up check (every value the emulator can produce, against the spec; cached per spec "
        f"and config after the first): {startup:.1f} ms.\n",
    ]
    return "\n".join(lines)


def _us(*values: float, sign: str = "") -> list[str]:
    return [f"{value:{sign}.0f}" for value in values]


def main(argv: list[str] | None = None) -> int:
    parser = c.parser(NAME, __doc__ or "")
    parser.add_argument("--calls", type=int, default=2000, help="calls per round (default: 2000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default: 5)")
    args = parser.parse_args(argv)
    c.write_section(
        c.output_path(args), NAME, report(args, argv if argv is not None else sys.argv[1:])
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
