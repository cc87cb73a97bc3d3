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
from ..resolve import admitted, in_range, pip_pick
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
    # the project's dependency files (rules that state a fact once per project)
    declaration_documents: Callable[[], list[Document]] = field(default=lambda: [])
    # rule code -> the names here its patterns can match (named_rules; None: not known)
    named: dict[str, list[str]] | None = None
    # a lock: id(dependency) -> the extras without which the target does not install it
    only_with: dict[int, str] = field(default_factory=dict)
    # per-requirement findings kept across checks (rule_memo.DependencyMemo; None: none)
    memo: Any = None
    _index: dict[int, list] = field(default_factory=dict, repr=False, compare=False)
    _versions: dict[tuple, list | None] = field(default_factory=dict, repr=False, compare=False)

    def find(self, names: Iterable[str], deps: list[Dependency] | None = None) -> list[Dependency]:
        """The dependencies (of ``env`` or ``deps``) with one of these names, in order.
        Indexed by name once per list: a rule asks for a few names of a long list."""
        pool = self.env if deps is None else deps
        index = self._index.get(id(pool))
        if index is None or index[0] is not pool:
            by_name: dict[str, list[Dependency]] = {}
            for d in pool:
                got = by_name.get(d.name)
                if got is None:
                    by_name[d.name] = [d]
                else:
                    got.append(d)
            index = [pool, by_name, None]  # positions: made when first needed
            self._index[id(pool)] = index
        by_name = index[1]
        lists = [got for n in set(names) if (got := by_name.get(n))]
        if len(lists) == 1:
            return list(lists[0])
        hits = [d for got in lists for d in got]
        if len(lists) > 1:
            if index[2] is None:
                index[2] = {id(d): k for k, d in enumerate(pool)}
            order = index[2]
            hits.sort(key=lambda d: order[id(d)])
        return hits

    def named_in(self, rule: Rule, deps: list[Dependency]) -> list[Dependency]:
        """``deps`` with a name ``rule``'s patterns can match, in order (all of them when
        that is not known): a rule need not test every line of a long file."""
        if self.named is None or rule.code not in self.named:
            return deps
        return self.find(self.named[rule.code], deps)

    def versions(self, dep: Dependency, check_python: bool = True) -> list | None:
        """The known versions the requirement admits (memoised per name, specifier and
        source: repeated requirements cost one resolution)."""
        pip = dep.source == "pip"
        key = (dep.name, dep.specifier, check_python, pip)
        if key not in self._versions:
            self._versions[key] = admitted(
                dep.name,
                dep.specifier,
                self.target,
                self.constraints.get(dep.name, ()),
                check_python=check_python,
                pip=pip,
            )
        found = self._versions[key]
        return None if found is None else list(found)

    def pick(self, dep: Dependency, versions: list) -> object:
        """The version pip would pick among ``versions`` (ascending): the newest one that
        has a file for the target (a wheel that loads, or an sdist). Conda packages and
        releases the snapshot does not know count as installable."""
        if dep.source == "pip":
            return pip_pick(dep.name, versions, self.target)
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
            "with_extras": f" with {self.only_with[id(dep)]}"
            if dep is not None and id(dep) in self.only_with
            else "",
        }

    def finding(
        self,
        rule: Rule,
        span: Span,
        dep: Dependency | None = None,
        *,
        fixes: tuple[Fix | None, ...] = (),
        related: tuple[Related, ...] = (),
        severity=None,
        **values: object,
    ) -> Finding:
        message = rule.format(**{**self.values(dep), **{k: str(v) for k, v in values.items()}})
        # Fix helpers give None where no edit can be written; a dependency declared in
        # another file (an included one) is never edited through this document.
        foreign = dep is not None and self.origin.get(id(dep), self.doc.path) != self.doc.path
        fixes = () if foreign else tuple(x for x in fixes if x is not None)
        return Finding(
            path=self.doc.path,
            span=span,
            code=rule.code,
            name=rule.name,
            severity=severity or rule.severity,
            message=message,
            fixes=fixes,  # type: ignore[arg-type]
            related=related,
        )

    @cached_property
    def local_modules(self) -> frozenset[str]:
        return self.local_module_names()


# --- fix helpers shared by kinds ---------------------------------------------------
# Every edit is written in the syntax of the place it goes (sources.edits); where that
# cannot be done (a folded YAML scalar, a quote a TOML literal string cannot hold) the
# helper offers no fix. The engine verifies every fix by parsing the result again.


def set_specifier(
    doc: Document, dep: Dependency, new_spec: str, description: str, safe: bool
) -> Fix | None:
    """Replace the version part of a requirement (or insert one after name[extras])."""
    from ..sources.edits import encode

    text = encode(dep.quoting, new_spec)
    if text is None:
        return None
    if dep.specifier_span is not None:
        edit = TextEdit(dep.specifier_span, text)
    else:
        if dep.quoting == "poetry" or dep.url or dep.name_span.line != dep.name_span.end_line:
            return None  # `name = {git = ...}` / `name @ url`: no place for a version
        line = doc.line_text(dep.name_span)
        end = dep.name_span.end_col
        rest = line[end:]
        stripped = rest.lstrip()
        if stripped.startswith("["):
            close = rest.find("]")
            if close == -1:
                return None
            end += close + 1
        edit = TextEdit(Span.on_line(dep.name_span.end_line, end, end, dep.name_span.cell), text)
    return Fix(description, (edit,), safe)


def replace_name(dep: Dependency, new_name: str, description: str, safe: bool) -> Fix | None:
    """Write another package name in place of the requirement's name."""
    from ..sources.edits import encode

    text = encode(dep.quoting, new_name)
    if text is None:
        return None
    return Fix(description, (TextEdit(dep.name_span, text),), safe)


def add_marker(
    doc: Document, dep: Dependency, marker: str, description: str, safe: bool
) -> Fix | None:
    """Add an environment marker to a requirement that has none."""
    from ..model import Kind
    from ..sources.edits import marker_text, toml_basic

    if dep.marker or dep.source == "conda" or dep.span.line != dep.span.end_line:
        return None  # conda match specs have no markers
    end = Span.point(dep.span.end_line, dep.span.end_col, dep.span.cell)
    if dep.quoting == "poetry":
        # `name = "1.0"` -> `name = { version = "1.0", markers = "..." }`;
        # `name = { version = "1.0" }` -> `name = { version = "1.0", markers = "..." }`
        if doc.kind is not Kind.PYPROJECT:
            return None
        line = doc.line_text(dep.span)
        raw = line[dep.span.col : dep.span.end_col]
        eq = raw.find("=")
        m_text = marker_text('"', marker)
        if eq == -1 or m_text is None:
            return None
        value_col = dep.span.col + eq + 1 + (len(raw[eq + 1 :]) - len(raw[eq + 1 :].lstrip()))
        value = line[value_col : dep.span.end_col]
        entry = f"markers = {toml_basic(m_text)}"
        if value[:1] in ('"', "'"):
            new = f"{{ version = {value}, {entry} }}"
            span = Span.on_line(dep.span.line, value_col, dep.span.end_col, dep.span.cell)
            return Fix(description, (TextEdit(span, new),), safe)
        if value.startswith("{") and value.endswith("}"):
            inner = value[1:-1].strip()
            close = dep.span.end_col - 1
            before = line[:close].rstrip()
            at = len(before)
            sep = ", " if inner and not inner.endswith(",") else " "
            span = Span.on_line(dep.span.line, at, at, dep.span.cell)
            return Fix(description, (TextEdit(span, f"{sep}{entry}"),), safe)
        return None
    m_text = marker_text(dep.quoting, marker)
    if m_text is None:
        return None
    # a URL requirement needs whitespace before the marker
    sep = " ; " if dep.url else "; "
    return Fix(description, (TextEdit(end, sep + m_text),), safe)


def remove_line(doc: Document, dep: Dependency, description: str, safe: bool = True) -> Fix | None:
    """Delete the whole line(s) of a requirement, when nothing else is written on them.
    A line with a comment is commented out instead, so the comment is kept."""
    from ..model import Kind

    if doc.kind not in (Kind.REQUIREMENTS, Kind.CONDA) or dep.span.cell is not None:
        return None
    if not (0 <= dep.span.line <= dep.span.end_line < len(doc.lines)):
        return None
    first = doc.lines[dep.span.line]
    last = doc.lines[dep.span.end_line]
    before = first[: dep.span.col].strip()
    after = last[dep.span.end_col :].strip()
    if doc.kind is Kind.CONDA:
        before = before.removeprefix("-").strip()
        if before[:1] in ("'", '"') and dep.quoting in ('"', "''"):
            before = before[1:]
        elif before in (">", ">-", ">+", "|", "|-", "|+"):
            before = ""  # a block scalar: its indicator is part of the item
        if after[:1] in ("'", '"') and dep.quoting in ('"', "''"):
            after = after[1:].strip()
    if before or (after and not after.startswith("#")):
        return None
    inner = doc.lines[dep.span.line + 1 : dep.span.end_line]
    multi = dep.span.end_line > dep.span.line
    if after or any("#" in row for row in inner) or (multi and "#" in first[dep.span.col :]):
        edits = []
        for k in range(dep.span.line, dep.span.end_line + 1):
            row = doc.lines[k]
            col = len(row) - len(row.lstrip())
            edits.append(TextEdit(Span.point(k, col), "# "))
        return Fix(description, tuple(edits), safe)
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


_KINDS = {
    "banned": ("deps", "banned"),
    "version": ("deps", "version"),
    "wheel": ("deps", "wheel"),
    "pairing": ("deps", "pairing"),
    "exclusive": ("deps", "exclusive"),
    "python": ("deps", "python_window"),
    "requires": ("deps", "requires"),
    "conda": ("conda", "conda"),
    "lock": ("locks", "lock"),
    "import-undeclared": ("imports", "undeclared"),
    "import-shadow": ("imports", "shadow"),
    "import-mix": ("imports", "mix"),
    "import": ("imports", "forbidden_import"),
}


class _KindChecks(dict):
    """kind -> check, each module imported when a rule of one of its kinds first runs
    (a project without conda or lock files never imports those checks)."""

    def __missing__(self, kind: str) -> Callable[[Rule, Context], Iterable[Finding]]:
        import importlib

        module, name = _KINDS[kind]  # KeyError for an unknown kind, as a plain dict
        check = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        self[kind] = check
        return check


def kind_checks() -> dict[str, Callable[[Rule, Context], Iterable[Finding]]]:
    return _KindChecks()
