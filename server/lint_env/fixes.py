"""Applying fixes (text edits) to text. The CLI's --fix and the editor's quick fix
apply the same edits."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from .model import Fix, Span, TextEdit
from .sources.text import offset_table, split_lines


def _offset(starts: list[int], lines: list[str], line: int, col: int) -> int:
    line = min(max(line, 0), len(starts) - 1)
    return starts[line] + min(max(col, 0), len(lines[line]))


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    """Apply non-overlapping edits (positions in the original text). Raises ValueError
    when two edits overlap."""
    starts = offset_table(text)
    lines = split_lines(text)
    ranges = []
    for e in edits:
        a = _offset(starts, lines, e.span.line, e.span.col)
        b = _offset(starts, lines, e.span.end_line, e.span.end_col)
        ranges.append((a, b, e.new_text))
    ranges.sort(key=lambda r: (r[0], r[1]))
    for (_, b1, _), (a2, _, _) in itertools.pairwise(ranges):
        if a2 < b1:
            raise ValueError("overlapping edits")
    out = []
    pos = 0
    for a, b, new in ranges:
        out.append(text[pos:a])
        out.append(new)
        pos = b
    out.append(text[pos:])
    return "".join(out)


def _overlaps(a: Span, b: Span) -> bool:
    return (
        (a.line, a.col) < (b.end_line, b.end_col) and (b.line, b.col) < (a.end_line, a.end_col)
    ) or ((a.line, a.col) == (b.line, b.col))


def select_fixes(fixes: Iterable[Fix]) -> list[Fix]:
    """A set of fixes whose edits do not overlap (first come, first served)."""
    chosen: list[Fix] = []
    taken: list[Span] = []
    for fix in fixes:
        spans = [e.span for e in fix.edits]
        if any(_overlaps(s, t) for s in spans for t in taken):
            continue
        chosen.append(fix)
        taken.extend(spans)
    return chosen


def newline_normalized(fix_text: str, newline: str) -> str:
    """Inserted text uses the document's own line ending."""
    if newline == "\n":
        return fix_text
    return fix_text.replace("\r\n", "\n").replace("\n", newline)
