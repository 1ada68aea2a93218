"""The client generated from a spec text, with scripts/regenerate's generator, config and
templates, kept in build/spec-diff/ under a hash of everything that shapes it: comparing with the
same release again (every CI run, every edit in a session) generates nothing."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

import regenerate  # scripts/lib/regenerate.py: the same generator and settings as generated/

CACHE = regenerate.ROOT / "build" / "spec-diff"


def fingerprint(text: str) -> str:
    """A hash of the spec, the generator's settings and templates, and the tools' versions."""
    digest = hashlib.sha256(text.encode())
    for path in sorted(p for p in regenerate.shaping_files() if p.is_file()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for tool in ("openapi-python-client", "ruff"):
        digest.update(metadata.version(tool).encode())
    return digest.hexdigest()[:24]


def client_for(text: str) -> Path:
    """The project directory of the client generated from spec `text`."""
    entry = CACHE / fingerprint(text)
    project = entry / regenerate.PROJECT_DIR
    if not project.is_dir():
        CACHE.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="generating-", dir=CACHE))
        try:
            spec = work / "openapi.yaml"
            spec.write_text(text, encoding="utf-8")
            regenerate.generate(spec, regenerate.CONFIG, work)
            os.rename(work, entry)  # atomic: a concurrent run either wins or finds it done
        except OSError:
            if not project.is_dir():
                raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return project
