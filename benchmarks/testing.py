"""What a user's test costs: the kit's fixtures beside moto's `mock_aws`, on the same machine.

Three test modules, each a parametrized test run N times by pytest in its own fresh interpreter
(the first run pays the imports and is reported apart):

- fixture: `dialnexa_client` and `dialnexa_emulator`; the test creates a call, waits for its end
  (`calls.create_and_wait`, no clock argument: the wait moves the emulator's clock) and asserts
  the outcome and that exactly one create was sent;
- mock_dialnexa: the same through `@mock_dialnexa`, the code under test building its own client
  from the environment (`DialNexa()`), as production code does;
- moto: the nearest equivalent with moto's `mock_aws`, in moto's documented fixture style: a
  boto3 SQS client inside `mock_aws()`; the test creates a queue, sends a message, receives it and
  asserts its body.

Per test: wall time (setup + call + teardown, from pytest's own reports) and the CPU time of the
process in those three phases (which a busy machine inflates less than the wall time). The pytest
process is pinned to one CPU when there are several.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import _common as c

NAME = "testing"
TARGET_MS = 5.0

FIXTURE_TEST = """
import pytest

@pytest.mark.parametrize("n", range({n}))
def test_create_wait_assert(dialnexa_client, dialnexa_emulator, n):
    call = dialnexa_client.calls.create_and_wait(
        agent_id="agt_abc123", to_phone_number="+919876543210"
    )
    assert call.status == "completed"
    dialnexa_emulator.assert_called("createCall", times=1)
"""

MOCK_TEST = """
import pytest
from dialnexa_client import DialNexa
from dialnexa_emulator import mock_dialnexa

@pytest.mark.parametrize("n", range({n}))
@mock_dialnexa
def test_create_wait_assert(n, dialnexa):
    with DialNexa() as client:  # from DIALNEXA_API_KEY / DIALNEXA_BASE_URL, as in production
        call = client.calls.create_and_wait(agent_id="agt_abc123", to_phone_number="+919876543210")
    assert call.status == "completed"
    dialnexa.assert_called("createCall", times=1)
"""

MOTO_TEST = """
import boto3
import pytest
from moto import mock_aws

@pytest.fixture
def sqs():
    with mock_aws():
        yield boto3.client("sqs", region_name="us-east-1")

@pytest.mark.parametrize("n", range({n}))
def test_send_receive(sqs, n):
    url = sqs.create_queue(QueueName="reminders")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="order ord_1001 shipped")
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    assert message["Body"] == "order ord_1001 shipped"
"""

# Times every test: pytest's report durations (setup + call + teardown) and the process's CPU.
TIMING_PLUGIN = """
import json, os, time
import pytest

_times = []
_current = [0.0, 0.0]


def _timed(phase):
    @pytest.hookimpl(wrapper=True)
    def hook(item, *args):
        cpu = time.process_time()
        try:
            return (yield)
        finally:
            _current[1] += time.process_time() - cpu
    hook.__name__ = phase
    return hook


pytest_runtest_setup = _timed("pytest_runtest_setup")
pytest_runtest_call = _timed("pytest_runtest_call")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    cpu = time.process_time()
    try:
        return (yield)
    finally:
        _current[1] += time.process_time() - cpu


def pytest_runtest_logreport(report):
    _current[0] += report.duration
    if report.when == "teardown":
        _times.append(list(_current))
        _current[:] = [0.0, 0.0]


def pytest_sessionfinish(session, exitstatus):
    with open(os.environ["BENCH_TIMES"], "w") as out:
        json.dump({"times": _times, "failed": session.testsfailed}, out)
"""

CASES = (
    ("fixture", "kit: `dialnexa_client` fixture, create + wait + assert", FIXTURE_TEST),
    ("mock_dialnexa", "kit: `@mock_dialnexa`, own `DialNexa()`, create + wait + assert", MOCK_TEST),
    ("moto", "moto: `mock_aws` fixture, SQS create queue + send + receive + assert", MOTO_TEST),
)


def run_case(directory: Path, name: str, source: str, count: int) -> dict[str, Any]:
    test = directory / f"test_{name}.py"
    test.write_text(source.format(n=count))
    times = directory / f"{name}.json"
    env = {
        **os.environ,
        "BENCH_TIMES": str(times),
        "PYTHONPATH": str(directory),
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    for variable in ("DIALNEXA_API_KEY", "DIALNEXA_BASE_URL"):
        env.pop(variable, None)
    argv = [sys.executable, "-m", "pytest", str(test), "-q", "-p", "bench_timing"]
    argv += ["-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:randomly"]
    if name == "moto":
        argv += ["-p", "no:dialnexa"]  # moto's test pays nothing for the kit's plugin
    command = c.pinned(argv, c.LOAD_CPU)
    done = subprocess.run(
        command, cwd=directory, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{name}: pytest failed\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(times.read_text())
    return result


def summary(times: list[list[float]]) -> dict[str, float]:
    first, rest = times[0], times[1:]
    walls = sorted(t[0] * 1000 for t in rest)
    cpus = sorted(t[1] * 1000 for t in rest)
    return {
        "first_ms": first[0] * 1000,
        "wall_median_ms": statistics.median(walls),
        "wall_p90_ms": walls[int(0.9 * (len(walls) - 1))],
        "wall_min_ms": walls[0],
        "cpu_median_ms": statistics.median(cpus),
    }


def main(argv: list[str] | None = None) -> None:
    p = c.parser(NAME, __doc__ or "")
    p.add_argument("--tests", type=int, default=300, help="runs of each test (default 300)")
    args = p.parse_args(argv)
    count = 10 if args.quick else args.tests
    rows = {}
    with tempfile.TemporaryDirectory(prefix="bench-testing-") as tmp:
        directory = Path(tmp)
        (directory / "bench_timing.py").write_text(TIMING_PLUGIN)
        for name, _, source in CASES:
            print(f"{name}: {count} tests ...", flush=True)
            rows[name] = summary(run_case(directory, name, source, count)["times"])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    versions = c.versions(["pytest", "httpx", "dialnexa-client", "moto", "boto3"])
    body = c.section_header(
        "A user's test: the kit's fixtures vs moto", NAME, sys.argv[1:], args.quick, versions
    )
    body += (
        f"\n{count} runs of each test, each module in its own fresh `python -m pytest` pinned to "
        f"CPU {c.LOAD_CPU}; the first run (imports, first emulator) is shown apart, the rest "
        f"summarized. Wall: setup + call + teardown as pytest reports them; CPU: the process's "
        f"CPU time in those three phases. Load average (1 min) at the end: {load:.1f} on "
        f"{os.cpu_count()} cores: on a shared machine wall times grow with it, CPU times less.\n\n"
    )
    labels = {name: label for name, label, _ in CASES}
    body += c.table(
        ["test", "first ms", "wall median ms", "wall p90 ms", "wall min ms", "CPU median ms"],
        [
            [
                labels[name],
                f"{r['first_ms']:.1f}",
                f"{r['wall_median_ms']:.2f}",
                f"{r['wall_p90_ms']:.2f}",
                f"{r['wall_min_ms']:.2f}",
                f"{r['cpu_median_ms']:.2f}",
            ]
            for name, r in rows.items()
        ],
    )
    kit = rows["fixture"]
    body += (
        f"\nTarget: the fixture test ≤ {TARGET_MS:g} ms of wall time: median "
        f"{kit['wall_median_ms']:.2f} ms, "
        f"{c.verdict(kit['wall_median_ms'], TARGET_MS, at_least=False)}; "
        f"its CPU time {kit['cpu_median_ms']:.2f} ms. Against moto: "
        f"{rows['moto']['wall_median_ms'] / kit['wall_median_ms']:.1f} times the kit's wall "
        f"median.\n"
    )
    c.write_section(c.output_path(args), NAME, body)


if __name__ == "__main__":
    main()
