"""Issue 19, in a real browser: a web page cannot reset the emulator.

Headless Chromium (Debian's, installed with apt-get when missing, as `scripts/docs --check` does)
opens a page served from another loopback origin. The page tries what any site could: a plain form
POST to `/_emulator/reset`, a `fetch` that needs no CORS preflight (`no-cors`, text/plain), one that
does (JSON), and a `fetch` through a rebound name (`evil.example`, resolved to 127.0.0.1 by
Chromium's resolver rules, as DNS rebinding would). The emulator logs each refusal, which proves
the requests reached it; the call placed before is still there afterwards.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest

from tests.hardening.conftest import CREATE
from tests.hardening.emulator_process import EmulatorProcess

sys.path.insert(0, str(Path(__file__).parents[2] / "scripts" / "lib"))
import render_docs  # scripts/lib is not a package

KEY = {"Authorization": "Bearer kid_demo:sk_demo_secret"}
PATIENCE_SEC = 90  # the browser's first start on a slow machine, and every step of the page
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP evil.example 127.0.0.1",  # the rebound name; IP literals as they are
]
PAGE = """<!doctype html>
<html><body>
<iframe name="sink" id="sink"></iframe>
<form id="form" method="POST" action="EMULATOR/_emulator/reset" target="sink">
  <input name="calls" value="gone">
</form>
<script>
const report = (what) => fetch("/report?" + encodeURIComponent(what));
async function attack() {
  try {
    const r = await fetch("EMULATOR/_emulator/reset",
      {method: "POST", mode: "no-cors", body: "{}", headers: {"Content-Type": "text/plain"}});
    await report("no-cors fetch answered: " + r.type);
  } catch (e) { await report("no-cors fetch failed: " + e); }
  try {
    const r = await fetch("EMULATOR/_emulator/reset",
      {method: "POST", body: "{}", headers: {"Content-Type": "application/json"}});
    await report("json fetch answered: " + r.status);
  } catch (e) { await report("json fetch failed: " + e); }
  try {
    const r = await fetch("REBOUND/_emulator/reset", {method: "POST", mode: "no-cors"});
    await report("rebound fetch answered: " + r.type);
  } catch (e) { await report("rebound fetch failed: " + e); }
  document.getElementById("sink").onload = () => report("form posted");
  document.getElementById("form").submit();
}
attack();
</script>
</body></html>
"""


@pytest.fixture(scope="module")
def chromium() -> str:
    try:
        return render_docs.chromium()
    except render_docs.RenderError as exc:
        pytest.skip(f"no Chromium to run the page in: {exc}")


class _PageServer(ThreadingHTTPServer):
    page = b""
    reports: list[str]


class _Handler(BaseHTTPRequestHandler):
    server: _PageServer

    def do_GET(self) -> None:
        if self.path.startswith("/report?"):
            self.server.reports.append(unquote(self.path.partition("?")[2]))
            body = b""
        else:
            body = self.server.page
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def page_server(page: str) -> Iterator[_PageServer]:
    """The attacker's page, on another loopback port: another origin than the emulator's."""
    server = _PageServer(("127.0.0.1", 0), _Handler)
    server.page = page.encode()
    server.reports = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def browsing(chromium: str, url: str, profile: Path) -> Iterator[None]:
    """Chromium showing `url` until the block ends; it and its helpers are stopped then."""
    browser = subprocess.Popen(
        [chromium, *FLAGS, f"--user-data-dir={profile}", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(browser.pid, signal.SIGKILL)
        browser.wait(30)


def test_a_web_page_cannot_reset_the_emulator(chromium: str, tmp_path: Path) -> None:
    with EmulatorProcess() as emulator:
        created = httpx.post(f"{emulator.api}/calls", json=CREATE, headers=KEY, timeout=30)
        assert created.status_code == 201, created.text
        call_url = f"{emulator.api}/calls/{created.json()['id']}"
        page = PAGE.replace("EMULATOR", emulator.origin).replace(
            "REBOUND", f"http://evil.example:{emulator.port}"
        )
        with page_server(page) as attacker:
            url = f"http://127.0.0.1:{attacker.server_address[1]}/attack.html"
            with browsing(chromium, url, tmp_path / "profile"):
                deadline = time.monotonic() + PATIENCE_SEC
                while "form posted" not in attacker.reports:
                    assert time.monotonic() < deadline, (
                        f"the page did not finish: {attacker.reports}"
                    )
                    time.sleep(0.2)
            reports = list(attacker.reports)
        survived = httpx.get(call_url, headers=KEY, timeout=30)
        log = emulator.output()

    assert survived.status_code == 200, survived.text
    assert "no-cors fetch answered: opaque" in reports  # sent, and answered (with a refusal)
    # The JSON fetch needs a CORS preflight, which the emulator never grants: never sent.
    assert any(report.startswith("json fetch failed") for report in reports), reports
    refusals = [line for line in log.splitlines() if "refused POST /_emulator/reset" in line]
    # The form and the no-cors fetch reached it, each refused as cross-site (Chromium says
    # Sec-Fetch-Site: same-site, as another port of 127.0.0.1 is the same site), and so did the
    # rebound fetch if the browser sent it (refused for its Host).
    cross_site = [line for line in refusals if "same-site request (Sec-Fetch-Site)" in line]
    assert len(cross_site) >= 2, log
    if "rebound fetch answered: opaque" in reports:
        assert any("Host 'evil.example:" in line for line in refusals), log
