"""Sources: one parser per file kind. Every parser takes ``(path, text)`` and returns a
:class:`~lint_env.model.Document`; none of them raises on bad input.

``read_document`` is the one entry that touches the disk: unreadable, binary and
huge files become a document with a problem instead of an exception.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from pathlib import Path

from ..lazy_re import LazyPattern
from ..model import Document, Kind, Problem, Span
from .text import MAX_BYTES, decode, looks_binary, split_lines

# pip-tools' `*.in` files count only with a requirements-like name or in a requirements/
# folder: MANIFEST.in and other `.in` templates are not requirement files.
_REQ_PATTERNS = (
    "*requirements*.txt",
    "*requirements*.in",
    "*requirements*.pip",
    "constraints*.txt",
    "constraints*.in",
    "*.pip",
)
# Folders of requirements files: every .txt/.in/.pip in them, or in a folder inside them
# (requirements/pytorch/base.txt), is one, except documentation (README.txt).
REQUIREMENTS_FOLDERS = ("requirements", "requirement", "reqs")
_NOT_REQUIREMENTS = LazyPattern(
    r"(readme|license|licence|copying|notes|changelog|changes|authors|todo)\b",
    re.I,
    globals(),
    "_NOT_REQUIREMENTS",
)
_CONDA_PATTERNS = ("environment*.yml", "environment*.yaml", "env*.yml", "env*.yaml")
# A YAML file is a conda environment file when it has a top-level `dependencies:` list
# (and no keys of other YAML formats: CI workflows, compose files, recipes).
_CONDA_KEYS_RX = LazyPattern(
    r"^dependencies[ \t]*:[ \t]*(?:#.*)?(?:\r?\n)+[ \t]*-", re.M, globals(), "_CONDA_KEYS_RX"
)
_NOT_CONDA_RX = LazyPattern(
    r"^(?:on|jobs|services|steps|package|requirements|build)[ \t]*:",
    re.M,
    globals(),
    "_NOT_CONDA_RX",
)
_SNIFF_BYTES = 65536


def detect_kind(path: Path, explicit: bool = False) -> Kind | None:
    """The kind of a file by its name; ``explicit`` files with an unknown name are
    read as requirements files (pip accepts any name after ``-r``)."""
    name = path.name.lower()
    if name == "pyproject.toml":
        return Kind.PYPROJECT
    if name in ("uv.lock", "poetry.lock", "pdm.lock", "pixi.lock", "pixi.toml") or (
        name.startswith("pylock.") and name.endswith(".toml")
    ):
        return Kind.LOCK
    if name in ("conda-lock.yml", "conda-lock.yaml") or name.endswith(
        (".conda-lock.yml", ".conda-lock.yaml")
    ):
        return Kind.LOCK
    if name.endswith(".py") or name.endswith(".pyi"):
        return Kind.PYTHON
    if name.endswith(".ipynb"):
        return Kind.NOTEBOOK
    if any(fnmatch.fnmatch(name, p) for p in _CONDA_PATTERNS):
        return Kind.CONDA
    if any(fnmatch.fnmatch(name, p) for p in _REQ_PATTERNS):
        return Kind.REQUIREMENTS
    if (
        name.endswith((".txt", ".in", ".pip"))
        and _in_requirements_folder(path)
        and not _NOT_REQUIREMENTS.match(name)
    ):
        return Kind.REQUIREMENTS
    if explicit:
        if name.endswith((".yml", ".yaml")):
            return Kind.CONDA
        return Kind.REQUIREMENTS
    return None


def _in_requirements_folder(path: Path) -> bool:
    """In ``requirements/`` or one folder further down (``requirements/full/``)."""
    parent = path.parent
    return parent.name.lower() in REQUIREMENTS_FOLDERS or (
        parent.parent.name.lower() in REQUIREMENTS_FOLDERS
    )


def sniff_kind(path: Path) -> Kind | None:
    """The kind of a file by name, or, for a YAML file of another name, by content: a
    conda environment file (``install/torch-conda.yml``, ``requirements.yaml``)."""
    kind = detect_kind(path)
    if kind is not None:
        return kind
    if not path.name.lower().endswith((".yml", ".yaml")):
        return None
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError:
        return None
    text = decode(head).text if not looks_binary(head) or head[:2] in _UTF16_BOMS else ""
    if _CONDA_KEYS_RX.search(text) and not _NOT_CONDA_RX.search(text):
        return Kind.CONDA
    return None


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _parser(kind: Kind) -> Callable[[Path, str], Document]:
    # Imported lazily: the CLI pays only for the parsers a run needs (YAML is slow to import).
    if kind is Kind.REQUIREMENTS:
        from .requirements import parse_requirements

        return parse_requirements
    if kind is Kind.CONDA:
        from .conda import parse_conda

        return parse_conda
    if kind is Kind.PYPROJECT:
        from .pyproject import parse_pyproject

        return parse_pyproject
    if kind is Kind.LOCK:
        from .locks import parse_lock

        return parse_lock
    if kind is Kind.NOTEBOOK:
        from .imports import parse_notebook

        return parse_notebook
    from .imports import parse_python

    return parse_python


def internal_problem(exc: BaseException, doing: str = "reading") -> Problem:
    """An unexpected error (a bug, a RecursionError on hostile input) as an LE008 problem
    on the file's first line: the run goes on with the other files."""
    detail = str(exc).splitlines()[0][:200] if str(exc) else ""
    what = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return Problem(Span.point(0), f"internal error {doing} this file ({what})", "LE008")


def parse_text(path: Path, text: str, kind: Kind) -> Document:
    """Parse text already in memory (an editor buffer). Never raises: a parser's
    unexpected error becomes an LE008 problem on an otherwise empty document."""
    try:
        return _parser(kind)(path, text)
    except Exception as exc:
        return Document(
            path=path,
            kind=kind,
            text=text,
            lines=split_lines(text),
            cells=[] if kind is Kind.NOTEBOOK else None,
            problems=[internal_problem(exc)],
        )


def read_document(path: Path, kind: Kind | None = None, data: bytes | None = None) -> Document:
    """Read and parse ``path``. Never raises for problems with the file itself."""
    kind = kind or detect_kind(path, explicit=True) or Kind.REQUIREMENTS
    if data is None:
        try:
            size = path.stat().st_size
            if size > MAX_BYTES:
                return _unreadable(path, kind, f"file is too large to check ({size} bytes)")
            data = path.read_bytes()
        except OSError as exc:
            return _unreadable(path, kind, f"cannot read file: {exc.strerror or exc}")
    if len(data) > MAX_BYTES:
        return _unreadable(path, kind, f"file is too large to check ({len(data)} bytes)")
    if looks_binary(data):
        return _unreadable(path, kind, "file is binary, not text")
    dec = decode(data)
    doc = parse_text(path, dec.text, kind)
    doc.encoding, doc.bom, doc.newline = dec.encoding, dec.bom, dec.newline
    if dec.encoding.startswith("utf-16") and kind is Kind.CONDA:
        doc.problems.append(
            Problem(
                Span.point(0),
                "file is UTF-16; pip reads that, but conda cannot read a UTF-16 environment"
                " file: re-save it as UTF-8 (PowerShell's `>` writes UTF-16: use"
                " `conda env export | Out-File -Encoding utf8 environment.yml`)",
                code="LE007",
            )
        )
    if dec.lossy and kind is not Kind.NOTEBOOK:
        doc.problems.append(
            Problem(Span.point(0), "file is not valid UTF-8; read as Latin-1", code="LE005")
        )
    return doc


def _unreadable(path: Path, kind: Kind, message: str) -> Document:
    return Document(
        path=path,
        kind=kind,
        text="",
        lines=split_lines(""),
        problems=[Problem(Span.point(0), message, code="LE004")],
    )
