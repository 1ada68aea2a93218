"""The kit as a user gets it: scripts/build's wheels, installed by pip into a fresh venv.

The two wheels go in with the example project's test requirements (examples/order-reminders,
copied out of the repo and run from its own directory, as its developers would); third-party
packages come from the package index (pip's cache keeps that quick). Nothing of the repository is
on that venv's path.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "order-reminders"


@dataclass(frozen=True)
class Installed:
    dist: Path
    python: Path
    project: Path  # the example's copy, where its tests run
    env: dict[str, str]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.python), *args],
            check=False,
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("kit")
    dist = work / "dist"
    subprocess.run([str(ROOT / "scripts" / "build"), "--out-dir", str(dist)], check=True)
    project = work / "order-reminders"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", ".*cache"))

    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # Nothing of this process's environment (the repo's venv, PYTHONPATH) reaches the user's.
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env = {k: v for k, v in env.items() if not k.startswith("DIALNEXA_")}
    user = Installed(dist, venv / "bin" / "python", project, env)
    wheels = sorted(str(wheel) for wheel in dist.glob("*.whl"))
    example = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [*example["dependencies"], *example["optional-dependencies"]["test"]]
    pip = user.run("-m", "pip", "install", "--quiet", *wheels, *requirements)
    assert pip.returncode == 0, pip.stderr
    return user


def wheel_metadata(wheel: Path) -> tuple[str, list[str]]:
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(name).decode())
    return metadata["Version"], metadata.get_all("Requires-Dist") or []


def the_wheel(dist: Path, name: str) -> Path:
    [wheel] = dist.glob(f"{name}-*.whl")
    return wheel


def test_versions_and_dependency_ranges(installed: Installed) -> None:
    spec_version = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))["info"]
    kit_project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    client_version, client_requires = wheel_metadata(the_wheel(installed.dist, "dialnexa_client"))
    client_project = ROOT / "generated" / "dialnexa-client" / "pyproject.toml"
    own = tomllib.loads(client_project.read_text(encoding="utf-8"))["project"]["version"]
    assert client_version == own  # the client's own version, not the spec's
    api_version = installed.run(
        "-c", "import dialnexa_client; print(dialnexa_client.__api_version__)"
    )
    assert api_version.stdout.strip() == spec_version["version"]
    assert sorted(re.split(r"[<>=!~ ;\[]", r)[0] for r in client_requires) == [
        "attrs",
        "httpx",
        "httpx-retries",
    ]

    kit_version, kit_requires = wheel_metadata(the_wheel(installed.dist, "dialnexa_calls_kit"))
    assert kit_version == kit_project["version"]
    client_major = int(client_version.split(".")[0])
    assert f"dialnexa-client<{client_major + 1},>={client_major}.0" in kit_requires
    assert not [r for r in kit_requires if "==" in r or "@" in r], "pins or paths in the wheel"
    assert {sdist.name for sdist in installed.dist.glob("*.tar.gz")} == {
        f"dialnexa_client-{client_version}.tar.gz",
        f"dialnexa_calls_kit-{kit_version}.tar.gz",
    }


def test_the_kit_wheel_carries_the_spec_itself(installed: Installed) -> None:
    with zipfile.ZipFile(the_wheel(installed.dist, "dialnexa_calls_kit")) as archive:
        packaged = archive.read("dialnexa_emulator/openapi.yaml")
    assert packaged == (ROOT / "openapi.yaml").read_bytes()


def test_nothing_of_the_repository_is_on_the_path(installed: Installed) -> None:
    probe = installed.run(
        "-c",
        "import sys, dialnexa_client, dialnexa_emulator, order_reminders; "
        "print('\\n'.join([*sys.path, dialnexa_client.__file__, dialnexa_emulator.__file__, "
        "order_reminders.__file__]))",
    )
    assert probe.returncode == 0, probe.stderr
    assert str(ROOT) not in probe.stdout


def test_the_example_suite_passes_on_two_xdist_workers(installed: Installed) -> None:
    run = installed.run("-m", "pytest", "-p", "no:cacheprovider", "-n", "2")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "created: 2/2 workers" in run.stdout
    summary = run.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"=+ \d+ passed in .*", summary), summary


def test_the_installed_contract_suite_runs(installed: Installed) -> None:
    run = installed.run("-m", "dialnexa_contract", "--max-examples", "2")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "conforms" in run.stdout


def test_the_installed_kit_has_its_commands_and_types(installed: Installed) -> None:
    bin_dir = installed.python.parent
    for command in ("dialnexa-contract", "dialnexa-emulator"):
        helped = subprocess.run(
            [str(bin_dir / command), "--help"],
            cwd=installed.project,
            env=installed.env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert helped.returncode == 0, helped.stderr
        assert helped.stdout.startswith(f"usage: {command} ")
    probe = installed.run(
        "-c",
        "import pathlib, dialnexa_emulator, dialnexa_contract; "
        "print(all((pathlib.Path(m.__file__).parent / 'py.typed').is_file() "
        "for m in (dialnexa_emulator, dialnexa_contract)))",
    )
    assert probe.stdout.strip() == "True", probe.stderr
