"""The vocabulary shared by every part of lint-env.

Positions are 0-based lines and characters; a character is an index into the
decoded line as a Python ``str`` (a code point). Spans are end-exclusive. The
language-server front converts to the client's position encoding; nothing in
the core knows about LSP.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


class Kind(str, enum.Enum):
    """What kind of file a :class:`Document` was read from."""

    REQUIREMENTS = "requirements"
    CONDA = "conda"
    PYPROJECT = "pyproject"
    PYTHON = "python"
    NOTEBOOK = "notebook"
    LOCK = "lock"  # uv.lock, poetry.lock, pylock.toml: exact versions and their files


@dataclass(frozen=True, order=True)
class Span:
    """A range of text. ``cell`` is the notebook code-cell index (0-based) or None."""

    line: int
    col: int
    end_line: int
    end_col: int
    cell: int | None = None

    @classmethod
    def point(cls, line: int, col: int = 0, cell: int | None = None) -> Span:
        return cls(line, col, line, col, cell)

    @classmethod
    def on_line(cls, line: int, col: int, end_col: int, cell: int | None = None) -> Span:
        return cls(line, col, line, end_col, cell)

    def contains(self, line: int, col: int) -> bool:
        return (self.line, self.col) <= (line, col) <= (self.end_line, self.end_col)


@dataclass(frozen=True)
class TextEdit:
    """Replace ``span`` by ``new_text`` (an insertion when the span is empty)."""

    span: Span
    new_text: str


@dataclass(frozen=True)
class Fix:
    """A fix is data: edits on the finding's own file, computed once in the core.

    ``safe`` fixes are applied by ``--fix`` and ``source.fixAll``; unsafe ones only
    on request (a quick fix the user picks, or ``--unsafe-fixes``).
    """

    description: str
    edits: tuple[TextEdit, ...]
    safe: bool = True


@dataclass(frozen=True)
class Related:
    """Another place that takes part in a finding (the tensorflow line a keras pin conflicts with)."""

    path: Path
    span: Span
    message: str


@dataclass(frozen=True)
class Finding:
    path: Path
    span: Span
    code: str
    name: str
    severity: Severity
    message: str
    fixes: tuple[Fix, ...] = ()
    related: tuple[Related, ...] = ()

    @property
    def sort_key(self) -> tuple:
        cell = -1 if self.span.cell is None else self.span.cell
        return (str(self.path), cell, self.span.line, self.span.col, self.code, self.message)


# --- what the sources produce -------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something a parser could not read. It becomes a finding with ``code``."""

    span: Span
    message: str
    code: str = "LE001"  # cannot parse


@dataclass(frozen=True)
class Dependency:
    """One declared dependency, from any file kind.

    ``name`` is the canonical (PEP 503) distribution name; ``specifier`` is a PEP 440
    specifier string (conda match specs are translated, e.g. ``numpy=1.21`` ->
    ``==1.21.*``), empty when unconstrained.
    """

    name: str
    span: Span  # the whole requirement text (without comment / trailing options)
    name_span: Span  # just the name as written
    raw: str  # the requirement text as written
    specifier: str = ""
    specifier_span: Span | None = None  # where the version part is written, if any
    extras: tuple[str, ...] = ()
    marker: str | None = None  # PEP 508 marker text, None when absent
    url: str | None = None  # direct reference / VCS / path, never fetched
    editable: bool = False
    source: str = "pip"  # "pip" | "conda"
    channel: str | None = None  # conda "conda-forge::numpy"
    build: str | None = None  # conda build string "py39*"
    group: str | None = None  # optional-dependencies / dependency-group / poetry group / "build"
    constraint_only: bool = False  # from a -c file: limits versions, installs nothing
    # How the requirement is written, for fixes (sources.requirements.OffsetMap.quoting):
    # "" plain text, '"' / "'" / "''" / "yaml" inside a TOML or YAML string, "poetry" a
    # Poetry `name = value` entry; None: its spans are not exact, no edits.
    quoting: str | None = ""


@dataclass(frozen=True)
class Include:
    """``-r``/``-c`` in a requirements file (or in a conda ``pip:`` list)."""

    target: str  # as written
    span: Span
    constraint: bool = False


@dataclass(frozen=True)
class Import:
    module: str  # absolute dotted name, "" for a bare relative import
    span: Span
    level: int = 0  # relative import level (0 = absolute)
    guarded: bool = False  # inside try/except ImportError (optional import)
    type_checking: bool = False  # inside `if TYPE_CHECKING:`

    @property
    def top(self) -> str:
        return self.module.split(".", 1)[0]


@dataclass(frozen=True)
class Setting:
    """A key/value a file sets that rules care about (conda ``variables:``, ``platforms``)."""

    key: str
    value: str
    span: Span


@dataclass(frozen=True)
class LockEdge:
    """A dependency edge in a lock: ``name`` (and ``version`` when the lock names one of
    several locked versions), installed only where ``marker`` holds."""

    name: str
    version: str | None = None
    marker: str | None = None
    extras: tuple[str, ...] = ()
    source: str | None = None  # uv: the source table, when two indexes lock one version


@dataclass(frozen=True)
class LockedPackage:
    """One locked distribution and the files the lock may install it from."""

    dependency: Dependency  # name, ``==version``, spans on the lock entry
    version: str
    wheels: tuple[str, ...] = ()  # wheel file names
    sdist: bool = False
    direct: bool = False  # a path, URL or VCS source (built or fetched as written)
    marker: str | None = None  # pylock ``marker`` / poetry ``markers``: installed where it holds
    requires_python: str | None = None
    edges: tuple[LockEdge, ...] = ()
    extras: dict[str, tuple[LockEdge, ...]] = field(default_factory=dict)
    root: bool = False  # a project (workspace member) whose dependencies the lock resolves
    source: str | None = None  # uv: the source table (registry URL), see LockEdge.source


@dataclass
class Lock:
    """What a lock file says is installed. ``graph``: whether packages are reached through
    ``edges`` from the ``root`` packages (uv, old Poetry) or each has its own marker
    (pylock, Poetry >= 2.0)."""

    format: str  # "uv" | "poetry" | "pylock" | "pdm" | "conda-lock" | "pixi"
    packages: list[LockedPackage] = field(default_factory=list)
    graph: bool = False
    supported_markers: tuple[str, ...] = ()  # uv: the environments the lock is for
    supported_span: Span | None = None  # also the line of a conda lock's platforms
    platforms: tuple[str, ...] = ()  # conda-lock/pixi: the conda subdirs it names
    covered: tuple[str, ...] = ()  # ... and those it has packages for


@dataclass
class Document:
    """Everything a source parser learned from one file."""

    path: Path
    kind: Kind
    text: str  # decoded text (for notebooks: the JSON text)
    dependencies: list[Dependency] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    channels: list[tuple[str, Span]] = field(default_factory=list)  # conda, in order
    settings: list[Setting] = field(default_factory=list)
    python: tuple[str, Span] | None = None  # python pin / requires-python, as a specifier
    problems: list[Problem] = field(default_factory=list)
    # Per-line text used for suppression comments; for notebooks one list per cell.
    lines: list[str] = field(default_factory=list)
    cells: list[list[str]] | None = None
    newline: str = "\n"
    encoding: str = "utf-8"
    bom: bool = False
    lock: Lock | None = None  # lock files only

    def line_text(self, span: Span) -> str:
        rows = self.lines if span.cell is None else (self.cells or [[]])[span.cell]
        return rows[span.line] if 0 <= span.line < len(rows) else ""
