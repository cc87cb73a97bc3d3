"""What the server keeps per open document: units, results, and building results."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from lsprotocol import types

from ..model import Finding
from ..sources.text import split_lines
from . import convert


@dataclass
class Result:
    """Diagnostics of one unit at one generation, per client URI."""

    gen: int
    seq: int  # unique over the server's life: the pull result id
    findings: list[Finding]
    lines: dict[int | None, list[str]]  # cell index (None: a text file) -> lines
    diagnostics: dict[str, list[types.Diagnostic]]
    pairs: dict[str, list[tuple[types.Diagnostic, Finding]]]
    # the findings with verified fixes, computed when a quick fix is asked for (the core's
    # worker thread); None once done (or when the fixes were verified already)
    verify: Callable[[], list[Finding] | None] | None = None
    # the diagnostics by what each was made from (_made_key): the next result of the
    # unit re-uses those of unchanged findings (most of them, on a keystroke)
    made: dict[tuple, types.Diagnostic] = field(default_factory=dict)

    def settle(self) -> None:
        """Give every finding its verified fixes (worker thread; once)."""
        verify, self.verify = self.verify, None
        if verify is None:
            return
        verified = verify()
        if verified is None:  # the core checked the file again since: no fix is offered
            verified = [replace(f, fixes=()) for f in self.findings]
        new = {id(a): b for a, b in zip(self.findings, verified, strict=False)}
        self.findings = [new.get(id(f), f) for f in self.findings]
        self.pairs = {
            uri: [(d, new.get(id(f), f)) for d, f in rows] for uri, rows in self.pairs.items()
        }


@dataclass
class Unit:
    """One checked file: an open text document, or a notebook with its cells."""

    uri: str  # the URI the client sent (for notebooks: the notebook URI)
    path: Path
    notebook: bool = False
    cells: list[str] = field(default_factory=list)  # cell URIs, all cells in order
    gen: int = 0  # bumped by every (re)schedule; results of older gens are dropped
    overlay_key: object = None  # what was last given to Project.set_overlay
    task: asyncio.Task | None = None
    result: Result | None = None
    waiters: list[asyncio.Future] = field(default_factory=list)
    closed: bool = False
    waiting_cascade: bool = False  # a re-check for another file's edit has not started yet

    @property
    def uris(self) -> list[str]:
        return list(self.cells) if self.notebook else [self.uri]

    def cell_index(self, uri: str) -> int | None:
        try:
            return self.cells.index(uri)
        except ValueError:
            return None

    def uri_for_cell(self, cell: int | None) -> str | None:
        if not self.notebook:
            return self.uri
        if cell is None or not 0 <= cell < len(self.cells):
            return None
        return self.cells[cell]


def lines_of(text: str) -> list[str]:
    return split_lines(text)


def build_result(
    unit_uri: str,
    uris: list[str],
    notebook: bool,
    gen: int,
    seq: int,
    findings: list[Finding],
    lines: dict[int | None, list[str]],
    encoding: str | None,
    href_of,
    uri_of_path,
    lines_of_path,
    previous: dict[tuple, types.Diagnostic] | None = None,
) -> Result:
    """Convert findings to per-URI diagnostics (runs off the event loop). ``previous``:
    the ``made`` of the unit's last result, whose diagnostics are re-used."""
    diagnostics: dict[str, list[types.Diagnostic]] = {u: [] for u in uris}
    pairs: dict[str, list[tuple[types.Diagnostic, Finding]]] = {u: [] for u in uris}
    made: dict[tuple, types.Diagnostic] = {}
    for f in findings:
        cell = f.span.cell if notebook else None
        if notebook:
            if cell is None or not 0 <= cell < len(uris):
                continue
            uri = uris[cell]
        else:
            uri = unit_uri
        rows = lines.get(cell, [])
        key = None
        if not f.related:  # related locations: other files' lines, not in the key
            key = _made_key(uri, f, rows, encoding)
            d = made.get(key) or (previous.get(key) if previous else None)
            if d is not None:
                made[key] = d
                diagnostics[uri].append(d)
                pairs[uri].append((d, f))
                continue
        related = []
        for rel in f.related:
            rel_uri = uri_of_path(rel.path, rel.span.cell)
            if rel_uri is None:
                continue
            rel_lines = lines_of_path(rel.path, rel.span.cell)
            related.append(
                types.DiagnosticRelatedInformation(
                    location=types.Location(
                        uri=rel_uri, range=convert.span_to_range(rel_lines, rel.span, encoding)
                    ),
                    message=rel.message,
                )
            )
        d = convert.diagnostic(f, rows, encoding, href_of(f.code), related)
        if key is not None:
            made[key] = d
        diagnostics[uri].append(d)
        pairs[uri].append((d, f))
    return Result(gen, seq, findings, lines, diagnostics, pairs, made=made)


def _made_key(uri: str, f: Finding, rows: list[str], encoding: str | None) -> tuple:
    """What convert.diagnostic makes a finding's diagnostic from (its fixes are not in
    it; the rule's link is the code's): the finding's fields, the encoding, and the
    lines its span's ends are clamped to and measured on."""
    sp = f.span
    return (
        uri,
        f.code,
        f.name,
        f.severity,
        f.message,
        sp,
        encoding,
        len(rows),
        _row(rows, sp.line),
        _row(rows, sp.end_line),
    )


def _row(rows: list[str], line: int) -> str | None:
    if not rows or line < 0:
        return None
    return rows[line] if line < len(rows) else rows[-1]
