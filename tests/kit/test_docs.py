"""docs/testing-your-code.md and docs/webhooks.md run as written.

Their Python blocks, in order, make one test module (a block whose first line is `# file: PATH`
becomes that file, as does a TOML block), run by pytest in a fresh directory with the example
project's `order_reminders` importable, as a user's project would have it; every test in them
must pass. The shell blocks are what tests/kit/test_wheel.py runs. The webhooks page's receiver is
examples/webhook-receiver/receiver.py (tests/client/test_webhook_receiver_example.py), and its
TOML entry is loaded as part of the built-in config.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dialnexa_emulator import load_config

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
TESTING_PAGE = ROOT / "docs" / "testing-your-code.md"
WEBHOOKS_PAGE = ROOT / "docs" / "webhooks.md"
EXAMPLE = ROOT / "examples" / "order-reminders"
RECEIVER = ROOT / "examples" / "webhook-receiver" / "receiver.py"
DEFAULT_CONFIG = ROOT / "dialnexa_emulator" / "default_config.toml"
FILE_MARK = re.compile(r"# file: (\S+)\n")


def blocks(page: Path) -> list[tuple[str, str]]:
    """(language, code) of every fenced block, in order."""
    text = page.read_text(encoding="utf-8")
    return re.findall(r"^```(\w+)\n(.*?)^```$", text, flags=re.S | re.M)


def project(page: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """The files a page's blocks make: its test module and any `# file:` blocks."""
    files: dict[str, str] = {}
    module: list[str] = []
    for language, code in blocks(page):
        if language == "sh" or code in skip:
            continue
        named = FILE_MARK.match(code)
        if named:
            files[named.group(1)] = code
        else:
            assert language == "python", f"a {language} block needs a `# file:` line"
            module.append(code)
    files[f"test_{page.stem.replace('-', '_')}.py"] = "\n\n".join(module)
    return files


def run_page(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    files: dict[str, str],
) -> pytest.RunResult:
    for name, text in files.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(EXAMPLE))
    for name in ("DIALNEXA_API_KEY", "DIALNEXA_BASE_URL"):
        monkeypatch.delenv(name, raising=False)  # a user's fresh shell: no glue
    return pytester.runpytest_subprocess("-p", "no:xdist", "-p", "no:cacheprovider")


def test_the_testing_page_shows_everything_it_promises() -> None:
    code = "\n".join(code for _, code in blocks(TESTING_PAGE))
    for needle in (
        "assert_called(",
        "assert_not_called(",
        "respond(",
        "off_spec=True",
        "NeverEndingWait",
        "calls.wait(",
        "strict=True",
        "@mock_dialnexa\ndef test_as_a_decorator(dialnexa: EmulatorHandle)",
        "with mock_dialnexa() as",
        "dialnexa_server",
        "Prefer",
        '@pytest.mark.dialnexa(config="shop.toml")',
        "@pytest.mark.anyio",
    ):
        assert needle in code, needle
    assert "clock=" not in code.replace("clock=dialnexa_emulator.clock", "")  # waits need none


def test_every_block_of_the_testing_page_runs(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = project(TESTING_PAGE)
    assert {"shop.toml", "us_shop/conftest.py", "us_shop/test_us_shop.py"} <= set(files)
    expected = sum(
        len(re.findall(r"^(?:async )?def test_", text, flags=re.M)) for text in files.values()
    )
    result = run_page(pytester, monkeypatch, files)
    result.assert_outcomes(passed=expected)
    assert expected >= 18


def test_every_block_of_the_webhooks_page_runs(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = RECEIVER.read_text(encoding="utf-8")
    [toml] = [code for language, code in blocks(WEBHOOKS_PAGE) if language == "toml"]
    files = project(WEBHOOKS_PAGE, skip=(receiver, toml))
    config_file = pytester.path / "with_a_webhook.toml"
    config_file.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8") + "\n" + toml)
    [endpoint] = load_config(config_file).workspaces[-1].webhooks
    assert (endpoint.url, endpoint.retries, endpoint.timeout_ms) == (
        "http://127.0.0.1:8080/webhooks/dialnexa",
        3,
        10000,
    )
    config_file.unlink()
    result = run_page(pytester, monkeypatch, files)
    result.assert_outcomes(passed=2)
