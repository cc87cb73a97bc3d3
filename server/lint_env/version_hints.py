"""What the index snapshot says about a requirement's versions, for editors.

- :func:`pick`: the version pip would install for a requirement on a target, through
  the same code the checks use (``checks.Context.versions`` = ``resolve.admitted``,
  then ``Context.pick``), with the target Python the engine derives.
- :func:`inlay_hints`: ``→ 2.16.2 (macOS arm64)`` after each unpinned or ranged
  requirement, for one target.
- :func:`version_completion`: the versions to offer after ``==``, ``>=``, ``~=``,
  ``<=``, ``!=`` (``<``, ``>``) in a requirement being typed.

Pure core: no LSP. The language server converts the results (lsp/features.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from packaging.version import Version

from .model import Dependency, Document, Kind, Span
from .resolve import exact_pin, file_kind, installable, python_ok
from .snapshot import load_package
from .target import Target

# --- pip's pick -------------------------------------------------------------------------


@dataclass(frozen=True)
class Pick:
    """What pip would install for one requirement on one target."""

    target: Target
    version: Version | None  # None: no release is admitted (or the marker excludes it)
    file: str | None  # resolve.file_kind of the pick: 'wheel' | 'sdist' | 'unknown' | None
    skipped: bool = False  # the requirement's marker excludes the target

    @property
    def installs(self) -> bool:
        return self.version is not None and self.file is not None


def pick(ctx: Any, dep: Dependency) -> Pick | None:
    """The version pip would pick for ``dep`` in a check context (checks.Context: its
    target, constraints and pick rule); None when lint-env cannot know: a URL, a conda
    package (conda's channels decide, not the index), a package the snapshot does not
    hold."""
    if dep.url or dep.source != "pip" or dep.constraint_only or load_package(dep.name) is None:
        return None  # (an exact pin of an unknown package: the pin is all there is to say)
    target = ctx.target
    if not target.evaluate_marker(dep.marker):
        return Pick(target, None, None, skipped=True)
    versions = ctx.versions(dep)
    if versions is None:
        return None
    if not versions:
        return Pick(target, None, None)
    chosen = ctx.pick(dep, versions)
    return Pick(target, chosen, file_kind(dep.name, chosen, target))


def simple_context(doc: Document, target: Target) -> Any:
    """A check context for ``doc`` alone (its own constraints, no included files), for
    callers without an engine; the language server uses Engine.contexts_for."""
    from .checks import Context

    applies = target.evaluate_marker
    own = [d for d in doc.dependencies if not d.constraint_only and applies(d.marker)]
    constraints: dict[str, list[str]] = {}
    for d in doc.dependencies:
        if d.constraint_only and d.specifier and applies(d.marker):
            constraints.setdefault(d.name, []).append(d.specifier)
    return Context(
        doc=doc,
        target=target,
        own=own,
        env=own,
        constraints=constraints,
        origin={},
        project_env=[],
        project_declared=frozenset(),
        root=doc.path.parent,
    )


def python_words(target: Target, reason: str = "") -> str:
    """'Python 3.11 (configured)' / 'Python 3.10' / 'any Python'."""
    if target.python is None:
        return "any Python"
    why = reason or target.python_note
    return f"Python {target.python}" + (f" ({why})" if why else "")


def where(target: Target, reason: str = "") -> str:
    """'macOS arm64, Python 3.11 (configured)' / 'Linux x86_64, any Python'."""
    return f"{target.label}, {python_words(target, reason)}"


def snapshot_date(name: str) -> str | None:
    """When the snapshot of this package was taken ('2026-11-21'), None when unknown."""
    idx = load_package(name)
    return (idx.taken or None) if idx is not None else None


def newest(name: str) -> tuple[Version | None, Version | None]:
    """(the newest final release, a newer pre-release) in the snapshot, yanked ones left
    out; (None, None) when the package is not in it."""
    idx = load_package(name)
    if idx is None:
        return None, None
    usable = [r.version for r in idx.releases if not r.yanked]
    finals = [v for v in usable if not v.is_prerelease]
    final = finals[-1] if finals else None
    pre = next((v for v in reversed(usable) if v.is_prerelease), None)
    if pre is not None and final is not None and pre < final:
        pre = None
    return final, pre


# --- inlay hints ------------------------------------------------------------------------


@dataclass(frozen=True)
class Hint:
    """A label to show at (line, col) of a cell (None: the file itself)."""

    line: int
    col: int
    cell: int | None
    label: str
    tooltip: str


def pinned_exactly(dep: Dependency) -> bool:
    spec = dep.specifier.strip()
    return exact_pin(spec) is not None or spec.startswith("===")


def inlay_hints(doc: Document, ctx: Any, cell: int | None = None, reason: str = "") -> list[Hint]:
    """``→ 2.16.2 (macOS arm64)`` after every requirement of ``doc`` (in ``cell``) that is
    unpinned or ranged, for the context's target. Nothing for exact pins, URLs, conda
    packages, packages the snapshot does not hold, or requirements the target's
    markers leave out."""
    out = []
    for dep in doc.dependencies:
        if dep.span.cell != cell or pinned_exactly(dep):
            continue
        found = pick(ctx, dep)
        if found is None or found.skipped:
            continue
        line, col = _after(doc, dep)
        out.append(Hint(line, col, cell, _label(found), _tooltip(dep, found, reason)))
    return out


def _after(doc: Document, dep: Dependency) -> tuple[int, int]:
    """Just after the requirement, and after its closing quote when it is a string."""
    span = dep.span
    text = doc.line_text(Span.point(span.end_line, 0, span.cell))
    col = span.end_col
    opening = doc.line_text(span)[span.col - 1 : span.col] if span.col > 0 else ""
    if opening in ("'", '"') and text[col : col + 1] == opening:
        col += 1
    return span.end_line, col


def _label(found: Pick) -> str:
    label = found.target.label
    if found.version is None:
        return f"→ no release ({label})"
    if found.file is None:
        return f"→ nothing installs ({label})"
    if found.file == "sdist":
        return f"→ {found.version} ({label}, source build)"
    return f"→ {found.version} ({label})"


def _tooltip(dep: Dependency, found: Pick, reason: str) -> str:
    on = where(found.target, reason)
    date = snapshot_date(dep.name)
    snap = f" Index snapshot of {date}." if date else ""
    if found.version is None:
        return f"No release of {dep.name} admitted by this requirement installs on {on}.{snap}"
    if found.file is None:
        return f"{dep.name} {found.version} has no file for {on}: pip finds nothing.{snap}"
    how = " from its source distribution" if found.file == "sdist" else ""
    return f"pip would install {dep.name} {found.version}{how} on {on}.{snap}"


# --- version completion -----------------------------------------------------------------

_OP = r"===|==|~=|>=|<=|!=|<|>"
_VERSION_CHARS = r"[A-Za-z0-9.*+!_-]"
_CLAUSE = rf"(?:{_OP})\s*{_VERSION_CHARS}+"
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_TAIL = re.compile(
    rf"(?P<name>{_NAME})\s*(?:\[[^\]]*\]\s*)?(?:{_CLAUSE}\s*,\s*)*"
    rf"(?P<op>{_OP})\s*(?P<partial>{_VERSION_CHARS}*)$"
)
# Poetry: `name = ">=1.2"` or `name = { version = ">=1.2", ... }`
_POETRY = re.compile(
    rf"^\s*(?P<name>{_NAME})\s*=\s*(?:\{{[^}}]*?\bversion\s*=\s*)?[\"']\s*"
    rf"(?:{_CLAUSE}\s*,\s*)*(?P<op>{_OP})\s*(?P<partial>{_VERSION_CHARS}*)$"
)
_TABLE = re.compile(r"^\s*\[\s*([^\]\[]+?)\s*\]\s*(?:#.*)?$")
_POETRY_TABLE = re.compile(r"^tool\.poetry\.(?:(?:dev-)?dependencies|group\.[^.]+\.dependencies)$")
_PIP_INSTALL = re.compile(r"\bpip3?\s+install\b")
_CONDA_PIP = re.compile(r"^\s*-\s*pip\s*:\s*(?:#.*)?$")
MAX_CHOICES = 300
WINDOW = 400  # characters before the cursor that can hold the requirement being typed


@dataclass(frozen=True)
class VersionChoice:
    version: str
    detail: str
    has_file: bool  # a wheel or sdist for the target and its Python
    prerelease: bool
    yanked: bool


@dataclass(frozen=True)
class VersionCompletion:
    name: str  # canonical
    op: str
    start: int  # the column where the version typed so far starts (it is replaced)
    end: int  # the cursor column
    choices: list[VersionChoice]


def version_completion(
    kind: Kind, lines: Sequence[str], line: int, col: int, target: Target
) -> VersionCompletion | None:
    """The versions to offer at (line, col) of ``lines`` (the current text of a file, or
    of one notebook cell) when the cursor follows a version operator of a requirement
    of a package the snapshot holds; None otherwise."""
    if not 0 <= line < len(lines):
        return None
    before = lines[line][: max(0, col)]
    found = _operator_before(kind, lines, line, before)
    if found is None:
        return None
    name, op, start = found
    from .names import canonicalize_name

    canon = canonicalize_name(name)
    choices = version_choices(canon, target)
    if not choices:
        return None
    return VersionCompletion(canon, op, start, len(before), choices)


def _operator_before(
    kind: Kind, lines: Sequence[str], line: int, before: str
) -> tuple[str, str, int] | None:
    """(package name, operator, start of the partial version) of the requirement whose
    version is being typed at the end of ``before``; None when it is not one."""
    if kind is Kind.PYPROJECT:
        m = _POETRY.match(before) if len(before) <= WINDOW else None
        if m and m.group("name").lower() != "python" and _in_poetry_table(lines, line):
            return m.group("name"), m.group("op"), m.start("partial")
    # The requirement being typed ends at the cursor: the regular expression looks at the
    # last WINDOW characters only (a search over a 100,000-character line would be
    # quadratic); a name cut by the window is no name.
    cut = max(0, len(before) - WINDOW)
    m = _TAIL.search(before, cut)
    if m is None or (cut and m.start() == cut):
        return None
    lead = before[: m.start()]
    if kind is Kind.REQUIREMENTS:
        ok = lead.strip() == ""
    elif kind is Kind.PYPROJECT:
        ok = lead.rstrip()[-1:] in ("'", '"')
    elif kind is Kind.NOTEBOOK:
        ok = (lead == "" or lead[-1].isspace()) and _PIP_INSTALL.search(lead) is not None
    elif kind is Kind.CONDA:
        item = lead.strip()
        ok = item in ("-", "- '", '- "') and _in_conda_pip(lines, line)
    else:
        ok = False
    return (m.group("name"), m.group("op"), m.start("partial")) if ok else None


def _in_poetry_table(lines: Sequence[str], line: int) -> bool:
    for k in range(line - 1, -1, -1):
        m = _TABLE.match(lines[k])
        if m:
            return _POETRY_TABLE.match(m.group(1).replace(" ", "")) is not None
    return False


def _in_conda_pip(lines: Sequence[str], line: int) -> bool:
    """Is this list item of an environment file inside a ``- pip:`` list?"""
    indent = len(lines[line]) - len(lines[line].lstrip())
    for k in range(line - 1, -1, -1):
        text = lines[k]
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(text) - len(text.lstrip()) < indent:
            return _CONDA_PIP.match(text) is not None
    return False


def version_choices(name: str, target: Target) -> list[VersionChoice] | None:
    """Every release of ``name`` in the snapshot, in the order to offer them: releases
    with a file for the target (and its Python) first, finals before pre-releases
    (pip's rule), newest first; yanked releases with those that have no file."""
    idx = load_package(name)
    if idx is None:
        return None
    on = where(target)
    rows: list[tuple[tuple[bool, bool], VersionChoice]] = []
    for rel in reversed(idx.releases):  # newest first; the sorts below are stable
        v = rel.version
        py_ok = python_ok(rel, target)
        kind = file_kind(name, v, target) if py_ok else None
        if not py_ok:
            detail = f"requires Python {rel.requires_python}"
        elif kind == "sdist":
            detail = f"source build on {on}"
        elif kind is None:
            detail = f"no file for {on}"
        else:
            # a pure-Python sdist counts as installable everywhere (resolve.file_kind)
            wheel = installable(rel, target) == "wheel"
            detail = f"wheel for {on}" if wheel else f"pure-Python source on {on}"
        flags = ("yanked · " if rel.yanked else "") + ("pre-release · " if v.is_prerelease else "")
        choice = VersionChoice(
            str(v), flags + detail, kind is not None, v.is_prerelease, rel.yanked
        )
        rows.append(((not choice.has_file or rel.yanked, v.is_prerelease), choice))
    rows.sort(key=lambda row: row[0])
    return [c for _, c in rows[:MAX_CHOICES]]
