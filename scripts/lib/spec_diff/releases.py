"""Releases and the version bump a change needs.

A version is released by the commit that adds its `## X.Y.Z` heading to CHANGELOG.md. The base a
working tree is compared with (the last release) is:
- the release of the working tree's own `info.version`, when that release is an earlier commit
  than HEAD: whatever changed since must come with a new version;
- otherwise (the version is not released yet, or HEAD is the commit releasing it) the release of
  the newest version before it: the bump from there must match what changed.

A change that breaks existing clients (wire or Python API) needs a major bump; any other change of
the wire contract (including one that breaks older servers: a client of X.Y may need a server of
X.Y) at least a minor one; descriptions and examples need none.

The generated client has a version of its own (`package_version_override` in generator_config.yml)
and records the spec's as `__api_version__`: that must be info.version (the client is generated from
this spec), and the client's own version must have at least the bump the spec change needs, counted
from the client version of the last release.
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

from spec_diff.changes import Verdict

HEADING = re.compile(r"^## (\d+\.\d+\.\d+)\s*$", re.MULTILINE)
VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
CLIENT_PYPROJECT = Path("generated/dialnexa-client/pyproject.toml")
CLIENT_INIT = Path("generated/dialnexa-client/dialnexa_client/__init__.py")
API_VERSION = re.compile(r'^__api_version__ = "([^"]*)"', re.MULTILINE)
SHALLOW_HINT = "(a shallow clone? fetch the full history: git fetch --unshallow --tags)"


class ReleaseError(Exception):
    """The git history or CHANGELOG.md cannot say what the last release is."""


@dataclass(frozen=True)
class Base:
    ref: str  # a commit or whatever the user gave
    version: str | None  # the released version it holds, when it is a release

    def describe(self) -> str:
        if self.version is None:
            return self.ref
        return f"release {self.version} ({self.ref[:12]})"


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def repository(start: Path) -> Path:
    try:
        return Path(git(start, "rev-parse", "--show-toplevel").strip())
    except ReleaseError as exc:
        raise ReleaseError(f"{start} is not inside a git repository") from exc


def file_at(root: Path, ref: str, path: str) -> str:
    try:
        git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except ReleaseError as exc:
        raise ReleaseError(f"git ref {ref!r} does not exist here {SHALLOW_HINT}") from exc
    try:
        return git(root, "show", f"{ref}:{path}")
    except ReleaseError as exc:
        raise ReleaseError(f"{path} does not exist at {ref}") from exc


def parse_version(text: str) -> tuple[int, int, int]:
    match = VERSION.match(text)
    if not match:
        raise ReleaseError(f"version {text!r} is not X.Y.Z")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def release_commit(root: Path, version: str) -> str | None:
    """The newest commit of HEAD's history that added `## version` to CHANGELOG.md."""
    pattern = "^## " + re.escape(version) + "[[:space:]]*$"
    for commit in git(root, "log", "--format=%H", "-G", pattern, "--", "CHANGELOG.md").split():
        if version in HEADING.findall(git(root, "show", f"{commit}:CHANGELOG.md")):
            return commit
    return None


def last_release(root: Path, current: str) -> Base:
    """The release the working tree (at `info.version` current) is compared with."""
    if git(root, "rev-parse", "--is-shallow-repository").strip() == "true":
        # Its oldest commit would seem to add every heading: the releases cannot be told apart.
        raise ReleaseError(
            "this is a shallow clone: the releases are not in its history " + SHALLOW_HINT
        )
    head = git(root, "rev-parse", "HEAD").strip()
    own = release_commit(root, current)
    if own is not None and own != head:
        return Base(own, current)
    try:
        changelog = git(root, "show", "HEAD:CHANGELOG.md")
    except ReleaseError as exc:
        raise ReleaseError("CHANGELOG.md is not committed: no release to compare with") from exc
    earlier = sorted(
        (v for v in HEADING.findall(changelog) if parse_version(v) < parse_version(current)),
        key=parse_version,
        reverse=True,
    )
    if earlier:
        commit = release_commit(root, earlier[0])
        if commit is None:
            raise ReleaseError(
                f"CHANGELOG.md lists {earlier[0]} but no commit of this history adds its heading "
                + SHALLOW_HINT
            )
        return Base(commit, earlier[0])
    raise ReleaseError(
        f"no released version before {current} in CHANGELOG.md: pass --base REF to compare "
        "with a commit of your choice"
    )


def required_bump(verdict: Verdict, wire_changed: bool) -> str:
    if verdict is Verdict.BREAKS_CLIENTS:
        return "major"
    return "minor" if wire_changed else "none"


def bump_between(old: str, new: str) -> str:
    a, b = parse_version(old), parse_version(new)
    if b < a:
        return "downgrade"
    if b[0] > a[0]:
        return "major"
    if b[1] > a[1]:
        return "minor"
    return "patch" if b[2] > a[2] else "none"


def next_version(old: str, bump: str) -> str:
    major, minor, patch = parse_version(old)
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def client_version(root: Path) -> str | None:
    """The spec version the generated client was generated from (its `__api_version__`)."""
    path = root / CLIENT_INIT
    if not path.is_file():
        return None
    match = API_VERSION.search(path.read_text(encoding="utf-8"))
    return match.group(1) if match else None


def _own_version(pyproject: str) -> str:
    version: str = tomllib.loads(pyproject)["project"]["version"]
    return version


def client_gate(root: Path, base_version: str, needed: str) -> str | None:
    """Why the client's own version lacks the bump the spec change needs (None: it does not, or
    there is no client to compare)."""
    path = root / CLIENT_PYPROJECT
    commit = release_commit(root, base_version)
    if needed == "none" or commit is None or not path.is_file():
        return None
    try:
        old = _own_version(file_at(root, commit, CLIENT_PYPROJECT.as_posix()))
    except ReleaseError:  # no client at that release
        return None
    new = _own_version(path.read_text(encoding="utf-8"))
    order = ["downgrade", "none", "patch", "minor", "major"]
    if order.index(bump_between(old, new)) >= order.index(needed):
        return None
    return (
        f"the spec change needs a {needed} bump of the client too, but dialnexa-client is {new} "
        f"(it was {old} at release {base_version}): set package_version_override in "
        f"generator_config.yml to at least {next_version(old, needed)}, run scripts/regenerate "
        "and add a CHANGELOG.md entry"
    )


def gate(base_version: str, current: str, needed: str, client: str | None) -> str | None:
    """Why the version in the working tree is not right for what changed (None: it is)."""
    if client is not None and client != current:
        return (
            f"the generated client is from info.version {client} but info.version is {current}: "
            "run scripts/regenerate and commit generated/"
        )
    done = bump_between(base_version, current)
    if done == "downgrade":
        return f"info.version {current} is lower than the last release {base_version}"
    order = ["none", "patch", "minor", "major"]
    if order.index(done) >= order.index(needed):
        return None
    reason = {
        "major": "changed in a way that breaks existing clients",
        "minor": "changed its wire contract compatibly",
    }[needed]
    return (
        f"openapi.yaml {reason} since release {base_version} but info.version is {current}: "
        f"bump it to at least {next_version(base_version, needed)} and add that CHANGELOG.md entry"
    )
