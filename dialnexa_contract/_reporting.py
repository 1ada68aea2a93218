"""The runner's console, as a pytest plugin: a progress line while tests run, then each failure
(operation, check, what went wrong, a curl to reproduce it), a table of passed / failed counts
per operation and check, what did not run and why, and the command that replays the run.

Every report passes through `redact` before any other plugin (JUnit included) sees it, so the
API token never reaches the console or a file.
"""

from __future__ import annotations

import os
import re
import time
from collections import defaultdict
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest
import schemathesis
from schemathesis import Case, CheckResult, HookContext, Response
from schemathesis.core.failures import Failure, FailureGroup

from dialnexa_contract import _summary as summary
from dialnexa_contract._run_stats import STATS, calls_per_run
from dialnexa_contract._settings import API_KEY, current

REDACTED = "[REDACTED]"
# What each test module checks, as the table's first column.
AREAS = {
    "test_server_vs_spec": "server",
    "test_client_vs_spec": "client",
    "test_client_vs_server": "client-server",
    "test_webhooks": "webhooks",
    "test_coverage": "coverage",
}
# The column of tests that failed outside any check (a crash, a timeout): the test is the row.
OUTSIDE_CHECKS = "(no check)"
# Schemathesis hides the header in its curl; this form runs as pasted where the key is exported.
_FILTERED_AUTHORIZATION = re.compile(r"""(['"])Authorization: \[Filtered\]\1""")
CURL_AUTHORIZATION = f'"Authorization: Bearer ${API_KEY}"'


def operation_id(case: Case[Any]) -> str:
    raw = case.operation.definition.raw.get("operationId")
    return raw if isinstance(raw, str) else case.operation.label


@dataclass
class Tally:
    """Passed / failed counts per (area, operation, check); which check raised which failure."""

    counts: dict[tuple[str, str, str], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0])
    )
    check_of: dict[Failure, tuple[str, str]] = field(default_factory=dict)

    def add(self, area: str, operation: str, check: str, passed: bool) -> None:
        self.counts[(area, operation, check)][0 if passed else 1] += 1

    def failed_checks(self) -> int:
        return sum(failed for _, failed in self.counts.values())


class ContractReport:
    def __init__(
        self, out: IO[str], *, secrets: Sequence[str], replay: str, repro_hint: str
    ) -> None:
        self._out = out
        self._secrets = [s for s in secrets if s]
        self._replay = replay
        self._repro_hint = repro_hint
        self._skips: dict[str, str] = {}
        self._tty = out.isatty()
        self._tally = Tally()
        self._total = 0
        self._done = 0
        self._started = time.monotonic()
        self._failures: list[str] = []
        self._outcomes: dict[str, int] = defaultdict(int)
        self._outcome_of: dict[str, str] = {}
        self._excinfo: dict[str, BaseException] = {}
        self._checks_failed_before: int = 0

        def after_validate(
            context: HookContext, case: Case[Any], response: Response, results: list[CheckResult]
        ) -> None:
            self._record_checks(case, results)

        schemathesis.hook("after_validate")(after_validate)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    # schemathesis: every check result of every response, in every phase

    def _record_checks(self, case: Case[Any], results: list[CheckResult]) -> None:
        for result in results:
            self._tally.add("server", operation_id(case), result.name, result.failure is None)
            if result.failure is not None:
                self._tally.check_of[result.failure] = (operation_id(case), result.name)

    # pytest

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._total = len(session.items)
        self._write(f"{self._total} test(s)\n")

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        # Not in `pytest_runtest_setup`: pytest captures the output of setup, call and teardown.
        self._checks_failed_before = self._tally.failed_checks()
        self._progress(f"running {_area(nodeid)} {nodeid.split('::', 1)[-1]}")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if call.excinfo is not None:
            self._excinfo[report.nodeid] = call.excinfo.value
        marker = item.get_closest_marker("contract")
        if marker is not None and report.when == "call" and not report.skipped:
            area = _area(item.nodeid)
            self._tally.add(area, marker.kwargs["operation"], marker.kwargs["check"], report.passed)
        return report

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if isinstance(report.longrepr, tuple):  # a skip: (path, line, reason)
            path, line, reason = report.longrepr
            report.longrepr = (path, line, self.redact(reason))
        elif report.longrepr is not None:
            report.longrepr = self.redact(str(report.longrepr))
        report.sections = [(title, self.redact(text)) for title, text in report.sections]
        if report.failed:
            self._record_failure(report)
            self._outcome_of[report.nodeid] = "failed" if report.when == "call" else "error"
        elif report.skipped:
            self._outcome_of[report.nodeid] = "skipped"
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else "skipped"
            self._skips[report.nodeid] = reason.removeprefix("Skipped: ")
        if report.when == "teardown":
            outcome = self._outcome_of.pop(report.nodeid, "passed")
            self._done += 1
            self._outcomes[outcome] += 1
            if not self._tty or outcome != "passed":
                where = f"{_area(report.nodeid)} {_name(report)}"
                why = f": {self._skips[report.nodeid]}" if outcome == "skipped" else ""
                self._line(f"[{self._done:>3}/{self._total}] {outcome:<7} {where}{why}")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._outcomes["error"] += 1
            self._failures.append(
                f"collecting {report.nodeid}:\n{self.redact(str(report.longrepr))}"
            )

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self._progress("")
        for failure in self._failures:
            self._write("\n" + failure.rstrip() + "\n")
        if self._failures and self._tally.check_of:
            self._write(f"\nto reproduce a failure: {self._repro_hint}\n")
        elapsed = time.monotonic() - self._started
        if session.exitstatus == pytest.ExitCode.INTERRUPTED:
            self._write(
                f"\ninterrupted after {self._done} of {self._total} test(s), no verdict - "
                f"{elapsed:.0f}s\nreplay this run: {self._replay}\n"
            )
            return
        self._write("\n" + self._table() + "\n")
        passed, failed = (
            self._outcomes["passed"],
            self._outcomes["failed"] + self._outcomes["error"],
        )
        skipped = self._outcomes["skipped"]
        self._write("".join(f"{line}\n" for line in self._notes()))
        covered = summary.coverage_verdict().lines()
        self._write("\n" + "\n".join(covered) + "\n")
        verdict = "conforms" if failed == 0 and session.exitstatus == 0 else "DOES NOT CONFORM"
        counts = f"contract: {passed} passed, {failed} failed" + (
            f", {skipped} skipped (see 'did not run' above)" if skipped else ""
        )
        self._write(f"\nreplay this run: {self._replay}\n{verdict} - {elapsed:.0f}s\n{counts}\n")
        markdown_path = os.environ.get(summary.MARKDOWN)
        if markdown_path:
            text = summary.markdown(
                verdict=verdict,
                counts=f"{counts} - {elapsed:.0f}s",
                table=self._rows(),
                failures=[self.redact(failure) for failure in self._failures],
                skips=self._skips,
                coverage_lines=covered,
                replay=self._replay,
            )
            summary.write_markdown(Path(markdown_path), self.redact(text))

    def _notes(self) -> list[str]:
        """What did not run and what would make it run; calls, probes and rate limits."""
        settings = current()
        lines = []
        if self._skips:
            lines.append("\ndid not run:")
            lines += [f"  {_area(n)} {n.split('::', 1)[-1]}: {r}" for n, r in self._skips.items()]
        needed = calls_per_run(settings.max_examples)
        if STATS.creates_held:
            lines.append(
                f"not sent: {STATS.creates_held} schema-valid create(s), the --allow-calls "
                f"budget being spent; a full run needs about --allow-calls {needed}"
            )
        if settings.is_live:
            lines.append(
                f"calls: {STATS.calls_placed} schema-valid create(s) sent within "
                f"--allow-calls {settings.allow_calls}; {STATS.probes} probe(s) (creates a "
                "conforming server refuses: a broken body, or no valid key) sent to a --to "
                f"number, {STATS.probes_accepted} wrongly accepted (each spent a call of the "
                "budget)"
            )
            lines.append(
                f"rate limit: {STATS.rate_limited} answer(s) were 429 as the spec describes "
                "(headers and envelope checked; waited out, sent again), "
                f"{STATS.rate_limited_judged} other 429(s) judged by the checks; "
                f"{STATS.waited_sec:.1f}s spent waiting; {STATS.requests} request(s) sent"
            )
        else:
            lines.append(
                f"calls: this run created {STATS.calls_placed} call(s) with schema-valid "
                "requests; against a live server it needs --allow-calls "
                f"{max(needed, STATS.calls_placed)} to run in full"
            )
        return lines

    # rendering

    def _record_failure(self, report: pytest.TestReport) -> None:
        area, name = _area(report.nodeid), _name(report)
        exc = self._excinfo.pop(report.nodeid, None)
        groups = list(_failure_groups(exc)) if exc is not None else []
        if groups:
            blocks = [self._render_group(group) for group in groups]
            self._failures.append(f"FAILED {area} {name}\n" + "\n".join(blocks))
            return
        if exc is None or isinstance(exc, AssertionError):
            # The test's own assertion: pytest's explanation (and Hypothesis' example) is the point.
            detail = str(report.longrepr)
        else:
            # A crash (say, the server is unreachable): what happened, not the library's traceback.
            notes = getattr(exc, "__notes__", [])
            detail = "\n".join([f"{type(exc).__name__}: {exc}", *notes])
        if self._tally.failed_checks() == self._checks_failed_before:
            self._tally.add(area, OUTSIDE_CHECKS, name, passed=False)
        self._failures.append(f"FAILED {area} {name} ({report.when})\n{_indent(detail)}")

    def _render_group(self, group: FailureGroup) -> str:
        lines = []
        for failure in group.exceptions:
            operation, check = self._tally.check_of.get(failure, (failure.operation or "?", "?"))
            lines.append(f"  x {operation} . {check}: {failure.title}")
        message = _FILTERED_AUTHORIZATION.sub(CURL_AUTHORIZATION, self.redact(group.message))
        return "\n".join(lines) + "\n" + _indent(message.strip(), "      ")

    def _rows(self) -> list[list[str]]:
        """One row per check, one column per operation: how many times it passed, or failed."""
        operations = sorted({operation for _, operation, _ in self._tally.counts})
        rows: list[list[str]] = [["check", *operations]]
        for area in sorted({area for area, _, _ in self._tally.counts}):
            rows.append([f"{area}:"] + [""] * len(operations))
            for check in sorted({c for a, _, c in self._tally.counts if a == area}):
                cells = [self._cell(area, operation, check) for operation in operations]
                rows.append([f"  {check}", *cells])
        return rows

    def _table(self) -> str:
        rows = self._rows()
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = [
            "  ".join(
                [row[0].ljust(widths[0])]
                + [cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True)]
            )
            for row in rows
        ]
        return "\n".join(line.rstrip() for line in lines)

    def _cell(self, area: str, operation: str, check: str) -> str:
        if (area, operation, check) not in self._tally.counts:
            return ""
        passed, failed = self._tally.counts[(area, operation, check)]
        return f"FAILED {failed}/{passed + failed}" if failed else str(passed)

    def _progress(self, text: str) -> None:
        if self._tty:
            elapsed = time.monotonic() - self._started
            status = f"[{self._done:>3}/{self._total}] {elapsed:4.0f}s {text}" if text else ""
            self._out.write("\r\033[K" + status[:120])
            self._out.flush()

    def _line(self, text: str) -> None:
        self._progress("")
        self._write(text + "\n")

    def _write(self, text: str) -> None:
        self._out.write(self.redact(text))
        self._out.flush()


def _area(nodeid: str) -> str:
    module = nodeid.split("::", maxsplit=1)[0].rsplit("/", 1)[-1].removesuffix(".py")
    return AREAS.get(module, module)


def _name(report: pytest.TestReport) -> str:
    return report.nodeid.split("::", 1)[-1]


def _failure_groups(exc: BaseException) -> Iterable[FailureGroup]:
    if isinstance(exc, FailureGroup):
        yield exc
    elif isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from _failure_groups(inner)


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())
