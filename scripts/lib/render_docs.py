"""Render the HTML reference built by scripts/docs in headless Chromium and check that a reader
sees every operation and webhook of openapi.yaml with each of its documented responses.

Redoc draws the page with JavaScript and shows a section's operations only once its "Show" button
is pressed, so a copy of the page gets a small script that presses those buttons, as a reader
would, and then copies the rendered text into the document for `--dump-dom` to return. Chromium
resolves no host name (the flags below), so the check also shows that the page works offline;
Debian's `chromium` is installed with apt-get when missing.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from html import unescape
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
MARK = "rendered-text"
SEPARATOR = "\n~~~ scrolled ~~~\n"
READER = """<script>
/* Added by scripts/lib/render_docs.py to the copy it renders: read the page as a reader would,
   pressing every "Show" button and scrolling down, and keep what is shown at each step (Redoc
   renders only what is near the viewport) in a <pre> for --dump-dom. */
var seen = [];
function readOn() {
  document.querySelectorAll('button, a, [role=button]').forEach(function (b) {
    if (/^\\s*\\+?\\s*Show/.test(b.innerText || '')) b.click();
  });
  seen.push(document.body.innerText);
  window.scrollBy(0, 3000);
}
for (var t = 3000; t <= 15000; t += 1000) setTimeout(readOn, t);
setTimeout(function () {
  var pre = document.createElement('pre');
  pre.id = 'MARK';
  pre.textContent = seen.join('SEPARATOR');
  document.body.appendChild(pre);
}, 16000);
</script>""".replace("MARK", MARK).replace("SEPARATOR", SEPARATOR.replace("\n", "\\n"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # offline: the page is a file, no host is needed
    "--window-size=1400,8000",  # Redoc renders only what is near the viewport
    "--virtual-time-budget=20000",  # timers run at once: the reader script's 16 s cost none
]


class RenderError(Exception):
    """Chromium is missing and cannot be installed, or it failed to render the page."""


def chromium() -> str:
    """The chromium binary, installed from Debian's archive when missing (needs root)."""
    found = shutil.which("chromium")
    if found:
        return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise RenderError("chromium is missing; install it: apt-get install -y chromium (as root)")
    print("installing Debian's chromium (apt-get) ...", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            raise RenderError(f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}")
    return shutil.which("chromium") or "chromium"


ATTEMPTS = 5


def rendered_text(page: Path) -> str:
    """What a reader of the page sees, once every section is shown.

    Now and then (about one render in eight here, sometimes twice running) headless Redoc stops
    after the page's header and never draws an operation, whatever the reader script does; such a
    render is done again, up to ATTEMPTS times. A page that draws operations is never rendered
    twice, so a section that is really missing is still reported.
    """
    for _ in range(ATTEMPTS):
        text = _render_once(page)
        if "\nResponses\n" in text:  # Redoc drew at least one operation
            break
    return text


def _render_once(page: Path) -> str:
    html = page.read_text(encoding="utf-8")
    end = html.rindex("</body>")  # the last one: the inlined bundle contains the string too
    binary = chromium()
    with tempfile.TemporaryDirectory(prefix="dialnexa-docs-") as tmp:
        copy = Path(tmp) / "index.html"
        copy.write_text(html[:end] + READER + html[end:], encoding="utf-8")
        profile = Path(tmp) / "profile"
        done = subprocess.run(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", copy.as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    dom = done.stdout
    start = dom.rfind(f'<pre id="{MARK}">')
    if start < 0:
        raise RenderError(f"chromium did not render the page (exit {done.returncode})")
    return unescape(dom[start + len(MARK) + 11 : dom.index("</pre>", start)])


def _heading(view: str, summary: str) -> int:
    """Where an operation's section starts (-1: not shown): its summary, then a "Webhook" label
    for a webhook, then the section's Copy button."""
    found = re.search(rf"\n{re.escape(summary)}\n(Webhook\n)?Copy\n", view)
    return found.start() if found else -1


def missing(text: str, spec: dict[str, Any]) -> list[str]:
    """What the page never showed: an operation (its summary as a section heading), or a response
    status among the tabs of that operation's section."""
    operations = [
        operation
        for section in ("paths", "webhooks")
        for item in spec.get(section, {}).values()
        for operation in item.values()
        if isinstance(operation, dict) and "responses" in operation
    ]
    shown: dict[str, set[str]] = {}  # summary -> statuses seen in its section
    for view in text.split(SEPARATOR):
        heads = {op["summary"]: _heading(view, op["summary"]) for op in operations}
        starts = sorted(at for at in heads.values() if at >= 0)
        for name, at in heads.items():
            if at < 0:
                continue
            later = [s for s in starts if s > at]
            section = view[at : later[0] if later else len(view)]
            tabs = section.split("\nResponses\n", 1)[1] if "\nResponses\n" in section else ""
            shown.setdefault(name, set()).update(tabs.split("\n"))
    problems = []
    for operation in operations:
        name = operation["summary"]
        if name not in shown:
            problems.append(f"operation {name!r}")
            continue
        problems += [
            f"response {status} of {name!r}"
            for status in operation["responses"]
            if str(status) not in shown[name]
        ]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/docs --check",
        description="Check the built reference in headless Chromium.",
    )
    parser.add_argument("page", type=Path, help="the built index.html")
    parser.add_argument("--spec", type=Path, default=ROOT / "openapi.yaml")
    args = parser.parse_args(argv)
    spec = yaml.safe_load(args.spec.read_text(encoding="utf-8"))
    try:
        text = rendered_text(args.page)
    except (RenderError, subprocess.TimeoutExpired) as exc:
        print(f"scripts/docs: error: {exc}", file=sys.stderr)
        return 2
    problems = missing(text, spec)
    if problems:
        print("scripts/docs: the rendered page lacks " + "; ".join(problems), file=sys.stderr)
        return 1
    print(f"rendered {args.page}: every operation and webhook with all its responses is on it")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
