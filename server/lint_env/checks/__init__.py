"""Rule kinds: the small set of code paths the rule database chooses between.

Each kind is a function ``(rule, ctx) -> Iterable[Finding]``; :func:`kind_checks`
maps the ``kind`` field of a rule to it. The ``problem`` and ``runtime`` kinds have
no check here (parsers and the probe produce those findings).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ..model import Dependency, Document, Finding, Fix, Related, Span, TextEdit
from ..resolve import admitted, file_kind, in_range
from ..ruleset import Rule
from ..target import Target


@dataclass
class Context:
    """What a check sees: one document, one target, and the project around it."""

    doc: Document
    target: Target
    own: list[Dependency]  # the document's own dependencies that apply on the target
    env: list[Dependency]  # what gets installed together with them (incl. -r files), on target
    constraints: dict[str, list[str]]  # canonical name -> constraint specifiers (-c files)
    origin: dict[int, Path]  # id(dependency) -> the file it was declared in
    project_env: list[Dependency]  # the project's declared dependencies applying on target
    project_declared: frozenset[str]  # every distribution the project declares (any target)
    root: Path
    local_module_names: Callable[[], frozenset[str]] = field(default=lambda: frozenset())
    project: Any = None  # a project_model.ProjectView for code files (rules said once per project)
    config_enabled: Callable[[str], bool] = field(default=lambda code: True)  # rule on here?

    def find(self, names: Iterable[str], deps: list[Dependency] | None = None) -> list[Dependency]:
        wanted = set(names)
        return [d for d in (self.env if deps is None else deps) if d.name in wanted]

    def versions(self, dep: Dependency, check_python: bool = True) -> list | None:
        return admitted(
            dep.name,
            dep.specifier,
            self.target,
            self.constraints.get(dep.name, ()),
            check_python=check_python,
            pip=dep.source == "pip",
        )

    def pick(self, dep: Dependency, versions: list) -> object:
        """The version pip would pick among ``versions`` (ascending): the newest one that
        has a file for the target (a wheel that loads, or an sdist). Conda packages and
        releases the snapshot does not know count as installable."""
        if dep.source == "pip":
            for v in reversed(versions):
                if file_kind(dep.name, v, self.target) is not None:
                    return v
        return versions[-1]

    def written_name(self, dep: Dependency) -> str:
        """The package name as the user wrote it (falls back to the canonical name)."""
        sp = dep.name_span
        if (
            sp.line == sp.end_line
            and dep.span.cell is None
            and self.origin.get(id(dep))
            in (
                None,
                self.doc.path,
            )
        ):
            text = self.doc.line_text(sp)[sp.col : sp.end_col]
            if text:
                return text
        return dep.name

    def related(self, dep: Dependency, message: str) -> Related:
        return Related(self.origin.get(id(dep), self.doc.path), dep.span, message)

    def values(self, dep: Dependency | None = None) -> dict[str, str]:
        return {
            "package": self.written_name(dep) if dep else "",
            "spec": (dep.specifier or "any version") if dep else "",
            "target": self.target.label,
            "python": self.target.python_label,
        }

    def finding(
        self,
        rule: Rule,
        span: Span,
        dep: Dependency | None = None,
        *,
        fixes: tuple[Fix, ...] = (),
        related: tuple[Related, ...] = (),
        severity=None,
        **values: object,
    ) -> Finding:
        message = rule.format(**{**self.values(dep), **{k: str(v) for k, v in values.items()}})
        return Finding(
            path=self.doc.path,
            span=span,
            code=rule.code,
            name=rule.name,
            severity=severity or rule.severity,
            message=message,
            fixes=fixes,
            related=related,
        )

    @cached_property
    def local_modules(self) -> frozenset[str]:
        return self.local_module_names()


# --- fix helpers shared by kinds ---------------------------------------------------


def set_specifier(
    doc: Document, dep: Dependency, new_spec: str, description: str, safe: bool
) -> Fix:
    """Replace the version part of a requirement (or insert one after name[extras])."""
    if dep.specifier_span is not None:
        edit = TextEdit(dep.specifier_span, new_spec)
    else:
        line = doc.line_text(dep.name_span)
        end = dep.name_span.end_col
        rest = line[end:]
        stripped = rest.lstrip()
        if stripped.startswith("["):
            close = rest.find("]")
            if close != -1:
                end += close + 1
        edit = TextEdit(
            Span.on_line(dep.name_span.end_line, end, end, dep.name_span.cell), new_spec
        )
    return Fix(description, (edit,), safe)


def remove_line(doc: Document, dep: Dependency, description: str, safe: bool = True) -> Fix | None:
    """Delete the whole line(s) of a requirement, when nothing else is written on them."""
    from ..model import Kind

    if doc.kind not in (Kind.REQUIREMENTS, Kind.CONDA) or dep.span.cell is not None:
        return None
    first = doc.lines[dep.span.line]
    last = doc.lines[dep.span.end_line]
    before = first[: dep.span.col].strip()
    after = last[dep.span.end_col :].strip()
    if doc.kind is Kind.CONDA:
        before = before.removeprefix("-").strip()
        if before.startswith(("'", '"')):
            before = before[1:]
        if after.startswith(("'", '"')):
            after = after[1:].strip()
    if before or (after and not after.startswith("#")):
        return None
    if dep.span.end_line + 1 < len(doc.lines):
        span = Span(dep.span.line, 0, dep.span.end_line + 1, 0)
    elif dep.span.line > 0:
        prev = dep.span.line - 1
        span = Span(prev, len(doc.lines[prev]), dep.span.end_line, len(last))
    else:
        span = Span(dep.span.line, 0, dep.span.end_line, len(last))
    return Fix(description, (TextEdit(span, ""),), safe)


def spec_contains(spec: str, version) -> bool:
    """Is a known version inside a rule's range (a table row, a "broken" range)?"""
    return in_range(spec, version)


def kind_checks() -> dict[str, Callable[[Rule, Context], Iterable[Finding]]]:
    from . import conda, deps, imports, locks

    return {
        "banned": deps.banned,
        "version": deps.version,
        "wheel": deps.wheel,
        "pairing": deps.pairing,
        "exclusive": deps.exclusive,
        "python": deps.python_window,
        "requires": deps.requires,
        "conda": conda.conda,
        "lock": locks.lock,
        "import-undeclared": imports.undeclared,
        "import-shadow": imports.shadow,
        "import-mix": imports.mix,
        "import": imports.forbidden_import,
    }
