"""A quick fix never produces a line that lint-env itself reports as an error.

Every fix-producing rule passes through here (the engine calls :func:`verified` once per
document and target): each fix is applied to the document's text, the result is parsed
and checked again for the same target, and the fix is dropped when the changed lines
then carry an error they did not have before, or still carry the error it was meant to
fix. ``tensorflow-cpu==2.5.0`` -> ``tensorflow==2.5.0`` on macOS arm64 trades TF013 for
TF001: that fix is not offered.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from dataclasses import replace

from .fixes import apply_edits
from .model import Document, Finding, Fix, Severity
from .sources import parse_text

# check(document, names, lines): the findings of a document for the same target, from the
# rules that can speak about the distributions in ``names``, about the requirements on
# ``lines`` (first, last) of the document
Check = Callable[[Document, frozenset[str], tuple[int, int] | None], list[Finding]]


def verified(doc: Document, found: list[Finding], check: Check) -> list[Finding]:
    """``found`` (the document's findings for one target) with every fix whose result is
    an error removed."""
    if not any(f.fixes for f in found):
        return found
    out = []
    for f in found:
        if not f.fixes:
            out.append(f)
            continue
        kept = tuple(fix for fix in f.fixes if _acceptable(doc, found, f, fix, check))
        out.append(f if len(kept) == len(f.fixes) else replace(f, fixes=kept))
    return out


def rule_mentions(rule, names: Iterable[str]) -> bool:
    """Can ``rule`` speak about one of these (canonical) distribution names? Rules that
    name no package (conda channel checks) always can."""
    params = rule.params
    patterns: list[str] = []
    for key in ("packages", "a", "package", "needs"):
        value = params.get(key)
        patterns += [value] if isinstance(value, str) else list(value or [])
    if isinstance(params.get("b"), str):
        patterns.append(params["b"])
    if not patterns:
        return True
    return any(fnmatch.fnmatchcase(n, p.lower()) for n in names for p in patterns)


def _acceptable(doc: Document, found: list[Finding], finding: Finding, fix: Fix, check) -> bool:
    cells = {e.span.cell for e in fix.edits}
    if len(cells) != 1:
        return False  # one fix edits one cell of a notebook, or plain text
    (cell,) = cells
    try:
        text = apply_edits(doc.text, fix.edits) if cell is None else _notebook_with(doc, cell, fix)
    except (ValueError, IndexError):
        return False  # overlapping edits or a cell that is not there: never offer them
    new_doc = parse_text(doc.path, text, doc.kind)
    old_lines, new_lines = _changed_lines(fix)
    names = frozenset(
        d.name
        for d in (*new_doc.dependencies, *doc.dependencies)
        if d.span.cell == cell and (_span_on(d.span, new_lines) or _span_on(d.span, old_lines))
    )
    if new_lines is None:
        return True  # the fix only deletes lines: it produces no line at all
    after = check(new_doc, names, new_lines)
    allowed = {g.code for g in _errors(found) if _on(g, old_lines, cell)} - {finding.code}
    produced = {g.code for g in _errors(after) if _on(g, new_lines, cell)}
    return produced <= allowed


def _notebook_with(doc: Document, cell: int, fix: Fix) -> str:
    """The notebook with ``fix`` applied to one code cell, as notebook JSON that parses to
    the same cells (a check needs nothing else of the file)."""
    import json

    assert doc.cells is not None
    rows = doc.cells[cell]
    new_source = apply_edits("\n".join(rows), fix.edits)
    cells = []
    for index, lines in enumerate(doc.cells):
        source = new_source if index == cell else "\n".join(lines)
        kind = "code" if lines or index == cell else "markdown"
        cells.append({"cell_type": kind, "metadata": {}, "source": source, "outputs": []})
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def _errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


def _on(f: Finding, lines: tuple[int, int] | None, cell: int | None = None) -> bool:
    return f.span.cell == cell and _span_on(f.span, lines)


def _span_on(span, lines: tuple[int, int] | None) -> bool:
    return lines is not None and span.line <= lines[1] and lines[0] <= span.end_line


def _changed_lines(fix: Fix) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """The lines the edits touch before and after (None after a pure deletion of lines)."""
    edits = sorted(fix.edits, key=lambda e: (e.span.line, e.span.col))
    old_lo = edits[0].span.line
    old_hi = max(e.span.end_line for e in edits)
    delta = 0
    new_lo = new_hi = None
    for e in edits:
        added = e.new_text.count("\n")
        start = e.span.line + delta
        end = start + added
        if e.new_text or e.span.line == e.span.end_line:
            new_lo = start if new_lo is None else min(new_lo, start)
            new_hi = end if new_hi is None else max(new_hi, end)
        delta += added - (e.span.end_line - e.span.line)
    new = None if new_lo is None else (new_lo, new_hi)
    return (old_lo, old_hi), new
