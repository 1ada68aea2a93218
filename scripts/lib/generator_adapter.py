"""The one module that touches openapi-python-client beyond its command line.

scripts/regenerate needs three things the generator's CLI does not offer: the parsed document (to
hand templates the spec as a plain dict), modules of our own rendered with the generator's Jinja
environment (`templates/extra/`), and plain Python files copied into the package (`client_src/`)
before the generator's ruff post-hooks run. That takes two of its private names, `_get_document`
and `Project._build_api`, and both are used here and nowhere else. When the pinned generator is
upgraded, follow the checklist in docs/changing-the-spec.md ("Upgrading openapi-python-client").
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader, TemplateError


@dataclass(frozen=True)
class Problem:
    """A generator error or warning, as one line of text."""

    level: str
    text: str

    def __str__(self) -> str:
        return f"{self.level}: {self.text}".rstrip()


@dataclass(frozen=True)
class Extras:
    """What scripts/regenerate adds to the generator's own output.

    templates: the directory of template overrides (`--custom-template-path`), or None.
    render: `<dir>/<path>.jinja` files rendered into `<package>/<path>`, with the environment's
        globals plus `spec` (the document as a dict).
    copy: a directory of plain files copied into the package as they are (`<dir>/<path>` to
        `<package>/<path>`), replacing whatever the generator wrote there.
    """

    templates: Path | None
    render: Path | None
    copy: Path | None
    ignore: Callable[[Path], bool] = lambda path: False


def _fail(message: str) -> NoReturn:
    """For templates: stop generation with `message`."""
    raise TemplateError(message)


def _problem(error: Any) -> Problem:
    return Problem(error.level.name, f"{error.header or ''} {error.detail or ''}".strip())


def generate(spec: Path, config: Path, project_dir: Path, extras: Extras) -> Sequence[Problem]:
    """Generate the client project for `spec` into `project_dir` (meta uv) with `extras`; the
    problems the generator reported (warnings included), empty when it succeeded."""
    # Imported here: only generation needs the generator, not --help or argument errors.
    from openapi_python_client import Project, _get_document  # noqa: PLC0415
    from openapi_python_client.config import Config, ConfigFile, MetaType  # noqa: PLC0415
    from openapi_python_client.parser import GeneratorData  # noqa: PLC0415
    from openapi_python_client.parser.errors import GeneratorError  # noqa: PLC0415

    class KitProject(Project):
        def _build_api(self) -> None:
            # The last step before the post-hooks: what is written here is formatted with the rest.
            super()._build_api()
            if extras.render is not None and extras.render.is_dir():
                for template in sorted(extras.render.rglob("*.jinja")):
                    target = self.package_dir / template.relative_to(extras.render).with_suffix("")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    assert extras.templates is not None  # the loader finds them through it
                    name = template.relative_to(extras.templates).as_posix()
                    text = self.env.get_template(name).render()
                    target.write_text(text, encoding=self.config.file_encoding)
            if extras.copy is not None and extras.copy.is_dir():
                for source in sorted(extras.copy.rglob("*")):
                    relative = source.relative_to(extras.copy)
                    if source.is_file() and not extras.ignore(relative):
                        target = self.package_dir / relative
                        target.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(source, target)

    settings = Config.from_sources(
        ConfigFile.load_from_path(path=config), MetaType.UV, spec, "utf-8", False, project_dir
    )
    document = _get_document(source=spec, timeout=settings.http_timeout)
    if isinstance(document, GeneratorError):
        return [_problem(document)]
    data = GeneratorData.from_dict(document, config=settings)
    if isinstance(data, GeneratorError):
        return [_problem(data)]
    project = KitProject(openapi=data, config=settings, custom_template_path=extras.templates)
    project.env.globals["spec"] = document
    project.env.globals["fail"] = _fail
    # The generator's own templates also answer as `generator/<name>`, so that an override can
    # include the template it wraps (templates/model.py.jinja) instead of copying it.
    own = project.env.loader
    assert own is not None
    project.env.loader = ChoiceLoader(
        [own, PrefixLoader({"generator": PackageLoader("openapi_python_client")})]
    )
    # The post-hooks find ruff on PATH only; without it the generator skips formatting (a warning)
    # and the output differs. Put this interpreter's bin directory first.
    bin_dir = str(Path(sys.executable).parent)
    saved_path = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{bin_dir}{os.pathsep}{saved_path}"
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # "Generating <dir>"
            return [_problem(error) for error in project.build()]
    finally:
        os.environ["PATH"] = saved_path
