"""Compare the Python API of two generated clients with griffe: a renamed model, a removed field or
function, a new required argument break users' code even when the wire format does not change.

Every breakage griffe finds breaks existing clients (their code), so it needs a major version.
"""

from __future__ import annotations

from pathlib import Path

import griffe

from spec_diff.attrs_init import AttrsInit
from spec_diff.changes import Change, Verdict

WHERE = "Python API"


def _package(project_dir: Path) -> griffe.Object | griffe.Alias:
    init = next(project_dir.glob("*/__init__.py"))
    # A collection of its own per load: both packages have the same name.
    return griffe.load(
        init.parent.name,
        search_paths=[project_dir],
        modules_collection=griffe.ModulesCollection(),
        lines_collection=griffe.LinesCollection(),
        allow_inspection=False,
        extensions=griffe.load_extensions(AttrsInit()),  # the models are attrs classes
    )


def breaking_changes(old_project: Path, new_project: Path) -> list[Change]:
    """One Change per breakage griffe finds from the old generated package to the new one."""
    old, new = _package(old_project), _package(new_project)
    changes = []
    for breakage in griffe.find_breaking_changes(old, new):
        what = breakage.kind.value.lower()
        parameter = getattr(breakage.new_value or breakage.old_value, "name", None)
        if breakage.kind.name.startswith("PARAMETER") and parameter:
            what = f"{what}: {parameter}"
        message = f"{what}; code written for the old client breaks"
        changes.append(Change(Verdict.BREAKS_CLIENTS, WHERE, breakage.obj.path, message))
    return sorted(changes, key=lambda c: c.field)
