"""A griffe extension that writes the `__init__` of attrs classes, as griffe's own extension does
for dataclasses: the generated client's models are attrs classes (openapi-python-client's
template), and without it griffe, which reads the code without running it, would not see a new
required field of a model as a new required argument of its constructor.
"""

from __future__ import annotations

from typing import Any

import griffe

DECORATORS = frozenset(
    {"attrs.define", "attrs.frozen", "attrs.mutable", "attr.define", "attr.frozen", "attr.s"}
)
FIELDS = frozenset({"attrs.field", "attr.field", "attr.ib", "attr.attrib"})


def _call_path(expr: Any) -> str | None:
    value = expr.function if isinstance(expr, griffe.ExprCall) else expr
    return getattr(value, "canonical_path", None)


def _is_attrs(class_: griffe.Class) -> bool:
    return any(_call_path(d.value) in DECORATORS for d in class_.decorators)


def _arguments(expr: Any) -> dict[str, Any]:
    if not isinstance(expr, griffe.ExprCall):
        return {}
    return {a.name: a.value for a in expr.arguments if isinstance(a, griffe.ExprKeyword)}


def _parameters(class_: griffe.Class) -> list[griffe.Parameter]:
    decorator = next(d.value for d in class_.decorators if _call_path(d.value) in DECORATORS)
    all_kw_only = str(_arguments(decorator).get("kw_only")) == "True"
    parameters = []
    for member in class_.members.values():
        if not isinstance(member, griffe.Attribute) or member.annotation is None:
            continue
        if "property" in member.labels:
            continue
        value = member.value
        field = _arguments(value) if _call_path(value) in FIELDS else None
        if field is not None and str(field.get("init")) == "False":
            continue
        if field is None:
            default = value
        elif "factory" in field:
            default = griffe.ExprCall(function=field["factory"], arguments=[])
        else:
            default = field.get("default")
        kw_only = all_kw_only or (field is not None and str(field.get("kw_only")) == "True")
        kinds = griffe.ParameterKind
        kind = kinds.keyword_only if kw_only else kinds.positional_or_keyword
        name = member.name.lstrip("_")  # attrs' default alias of a private attribute
        parameters.append(
            griffe.Parameter(name, annotation=member.annotation, kind=kind, default=default)
        )
    positional = [p for p in parameters if p.kind is not griffe.ParameterKind.keyword_only]
    return positional + [p for p in parameters if p.kind is griffe.ParameterKind.keyword_only]


def _apply(obj: griffe.Object, seen: set[str]) -> None:
    if obj.path in seen:
        return
    seen.add(obj.path)
    if isinstance(obj, griffe.Class) and "__init__" not in obj.members and _is_attrs(obj):
        self_ = griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword)
        init = griffe.Function(
            "__init__",
            lineno=0,
            endlineno=0,
            parent=obj,
            parameters=griffe.Parameters(self_, *_parameters(obj)),
            returns="None",
        )
        obj.set_member("__init__", init)
    for member in obj.members.values():
        if not member.is_alias and (member.is_module or member.is_class):
            _apply(member, seen)  # type: ignore[arg-type]


class AttrsInit(griffe.Extension):
    """Adds `__init__` to attrs classes that do not define one."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        _apply(pkg, set())
