"""Incremental re-parsing of editor buffers: an edit that cannot change what the parser
reads keeps the previous parse, with the spans after the edit shifted.

The language server gives the engine a buffer's whole text on every keystroke.
:class:`Reparser` keeps the last parse of each overlay, finds the lines the edit changed
(old and new), and re-uses the parse when it can show that the result is the one
``parse_text`` gives for the new text; otherwise the text is parsed in full.
tests/test_lsp_incremental.py checks the equality on random edit sequences.

Requirements files: every physical line is read on its own unless a backslash joins
it to the next, so the changed lines are read again and the others' results are kept
(moved up or down by the lines the edit added or removed); see _requirements_moved.

``.py`` files: most keystrokes touch lines that hold no import, and then the imports
are those of the previous text on lines moved by the edit. The argument, for a text
whose imports the fast path of ``sources/imports.py`` read (that path finds each import
from its own lines and the block headers above it; a file read through ``ast`` is
always parsed again, a syntax error anywhere can change it):

- a changed line (before or after the edit) has no ``import`` or ``from`` (so the set of
  candidate lines, the "one statement after ``:``/``;``" test and the dynamic-import test
  are unchanged), no quote or backslash (so every string literal and line continuation
  outside the changed lines is tokenized as before), no NUL or BOM (the fast path's
  other conditions), and does not start with a compound-statement keyword (so the block
  headers the fast path reads are the same lines);
- no changed line lies in a range the fast path reads beyond those lines: the lines of
  an import statement (a parenthesised or continued list) and, for an ``except``
  header, the lines up to the ``:`` that ends its clause;
- the text has no ``__import__``/``import_module`` (whose top-level blocks are parsed
  with ``ast``).

Either kind: texts with a ``\\r`` are always parsed in full (line ends the line
arithmetic here does not follow), and so is every other kind of file.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from pathlib import Path

from .model import Dependency, Document, Import, Kind, Span
from .sources import parse_text

# What a changed line must not contain for the imports to be kept (see the docstring).
_FORBIDDEN = ("import", "from", "'", '"', "\\", "\x00", "\ufeff")
_KEYWORD_RX = re.compile(
    r"[ \t\f]*(?:try|if|elif|else|except|finally|def|class|with|for|while|async|match|case)\b"
)
_CANDIDATE_RX = re.compile(r"(?:^|\n)[ \t\f]*(?:import|from)\b")
_EXCEPT_RX = re.compile(r"(?:^|\n)[ \t\f]*except\b")
_BLOCK = 4096  # characters compared at once when looking for the edit


@dataclass
class _Last:
    """The last parse of one overlay."""

    text: str
    doc: Document
    reusable: bool  # a .py text the fast import path read, or a requirements file
    guards: list[tuple[int, int]] | None = None  # .py: line ranges (inclusive), lazily


@dataclass(frozen=True)
class _Edit:
    """What changed between two texts, in whole lines: old lines ``a`` to ``b_old``
    (inclusive) became new lines ``a`` to ``b_new``, which are ``rows`` (``b < a``:
    lines inserted or removed between lines)."""

    a: int
    b_old: int
    b_new: int
    rows: list[str]

    @property
    def delta(self) -> int:
        return self.b_new - self.b_old


class Reparser:
    """Parses overlay texts, re-using the previous parse of the same path when it can."""

    def __init__(self) -> None:
        self._last: dict[Path, _Last] = {}
        self.reused = 0  # how many parses were skipped (for tests and benchmarks)

    def forget(self, path: Path) -> None:
        self._last.pop(path, None)

    def parse(self, path: Path, text: str, kind: Kind) -> Document:
        last = self._last.get(path)
        if last is not None and last.reusable and last.doc.kind is kind:
            try:
                doc = _reused(last, text, kind)
            except Exception:  # a bug here: the full parse is always right
                doc = None
            if doc is not None:
                self.reused += 1
                self._last[path] = _Last(text, doc, True, last.guards)
                return doc
        doc, reusable = _full(path, text, kind)
        self._last[path] = _Last(text, doc, reusable)
        return doc


def _reused(last: _Last, text: str, kind: Kind) -> Document | None:
    edit = _diff(last.text, text)
    if edit is None:
        return None
    if kind is Kind.PYTHON:
        return _python_moved(last, edit, text)
    return _requirements_moved(last.doc, edit, text)


def _full(path: Path, text: str, kind: Kind) -> tuple[Document, bool]:
    if kind is Kind.REQUIREMENTS:
        doc = parse_text(path, text, kind)
        return doc, not any(p.message.startswith("internal error") for p in doc.problems)
    if kind is not Kind.PYTHON:
        return parse_text(path, text, kind), False
    from .sources.imports import parse_python_scanned

    try:
        doc, fast = parse_python_scanned(path, text)
    except Exception:  # parse_text makes it an LE008 document
        return parse_text(path, text, kind), False
    return doc, fast and not doc.problems


def _diff(old: str, text: str) -> _Edit | None:
    """The lines an edit changed; None for texts with ``\\r`` (line ends the line
    arithmetic here does not follow)."""
    if "\r" in text or "\r" in old:
        return None
    p = _common_prefix(old, text)
    s = _common_suffix(old, text, min(len(old), len(text)) - p)
    eo, en = len(old) - s, len(text) - s  # old[p:eo] became text[p:en]
    a = old.count("\n", 0, p)
    b_old = old.count("\n", 0, eo)
    b_new = text.count("\n", 0, en)
    whole = (eo == 0 or old[eo - 1] == "\n") and (en == 0 or text[en - 1] == "\n")
    if whole:  # the common suffix starts at a line start in both: that line is kept
        b_old, b_new = b_old - 1, b_new - 1
    if b_new < a:
        return _Edit(a, b_old, b_new, [])
    first = text.rfind("\n", 0, p) + 1  # where line ``a`` starts (in both texts)
    end = en - 1 if whole else text.find("\n", en)
    return _Edit(a, b_old, b_new, text[first : end if end != -1 else len(text)].split("\n"))


def _new_lines(doc: Document, edit: _Edit) -> list[str]:
    """``split_lines`` of the new text, from the old lines and the changed ones."""
    rows = doc.lines
    return [*rows[: edit.a], *edit.rows, *rows[edit.b_old + 1 :]]


# --- requirements files -----------------------------------------------------------------


def _requirements_moved(doc: Document, edit: _Edit, text: str) -> Document | None:
    """Each physical line of a requirements file is read on its own (sources/
    requirements.py) unless a backslash joins it to the next: when neither the line
    before the edit nor a changed line (old or new) ends with one, and the edit is not
    on a first line with a BOM, the new lines are read and the rest is kept (moved)."""
    from .sources.requirements import _CACHED_LINE, _COMMENT, placed

    a, b_old, delta = edit.a, edit.b_old, edit.delta
    rows = doc.lines
    if a == 0 and (text.startswith("\ufeff") or doc.text.startswith("\ufeff")):
        return None
    if a > 0 and rows[a - 1].endswith("\\"):
        return None
    changed = [*rows[a : b_old + 1], *edit.rows]
    if any(row.endswith("\\") or len(row) > _CACHED_LINE for row in changed):
        return None
    new = Document(path=doc.path, kind=Kind.REQUIREMENTS, text=text, lines=_new_lines(doc, edit))
    found = []
    for k, row in enumerate(edit.rows):
        if "#" in row:
            cm = _COMMENT.search(row)
            if cm:
                row = row[: cm.start()]
        if row.strip():
            found.append(placed(row, a + k, 0))
    for name in ("dependencies", "includes", "settings", "problems"):
        # each list is in the order of the logical lines, and none of those spans the
        # edit's first line: the items before it, on the changed lines, after them
        items = getattr(doc, name)
        i = bisect.bisect_left(items, a, key=_line)
        j = bisect.bisect_right(items, b_old, lo=i, key=_line)
        out = items[:i]
        for res in found:
            out += getattr(res, name)
        out += items[j:] if not delta else [_line_moved(x, delta) for x in items[j:]]
        setattr(new, name, out)
    return new


def _line(item) -> int:
    return item.span.line


def _line_moved(item, delta: int):
    """A dependency, include, setting or problem ``delta`` lines further down."""
    if not delta:
        return item
    if isinstance(item, Dependency):
        spec = item.specifier_span
        return replace(
            item,
            span=_down(item.span, delta),
            name_span=_down(item.name_span, delta),
            specifier_span=None if spec is None else _down(spec, delta),
        )
    return replace(item, span=_down(item.span, delta))


def _down(sp: Span, delta: int) -> Span:
    return Span(sp.line + delta, sp.col, sp.end_line + delta, sp.end_col, sp.cell)


# --- .py ------------------------------------------------------------------------------


def _python_moved(last: _Last, edit: _Edit, text: str) -> Document | None:
    """The previous document moved to ``text``, or None when the edit may change it."""
    if "__import__" in text or "import_module" in text:
        return None
    a, b_old = edit.a, edit.b_old
    rows = last.doc.lines
    if not all(map(_harmless, rows[a : b_old + 1])) or not all(map(_harmless, edit.rows)):
        return None
    if last.guards is None:
        last.guards = _guards(last.text, rows)
    if any(lo <= b_old and a <= hi for lo, hi in last.guards):
        return None
    delta = edit.delta
    from .sources.imports import python_document

    imports = [_moved(imp, b_old, delta) for imp in last.doc.imports]
    if delta:
        last.guards = [
            (lo + delta, hi + delta) if lo > b_old else (lo, hi) for lo, hi in last.guards
        ]
    return python_document(last.doc.path, text, _new_lines(last.doc, edit), imports)


def _harmless(row: str) -> bool:
    return not any(w in row for w in _FORBIDDEN) and _KEYWORD_RX.match(row) is None


def _moved(imp: Import, after: int, delta: int) -> Import:
    if not delta or imp.span.line <= after:
        return imp
    return replace(imp, span=_down(imp.span, delta))


def _guards(text: str, lines: list[str]) -> list[tuple[int, int]]:
    """Line ranges (inclusive) the fast import path reads besides the lines that name
    ``import``/``from`` or start with a keyword: each import statement's lines (one that
    runs to the end of the text: up to ``len(lines)``, where lines would be added), and
    each ``except`` clause up to its ``:``. Strings are not looked at: a statement-like line inside a string is guarded
    too, which only makes fewer edits take the short way."""
    from .sources.imports import _MAX_STATEMENT_LINES, _depth

    n = len(lines)
    out = []
    for m in _CANDIDATE_RX.finditer(text):
        line = text.count("\n", 0, m.end())
        row = lines[line]
        last, depth, j = row.lstrip(" \t\f"), _depth(row), line + 1
        ended = False  # the statement ends at line j - 1 by what its lines say
        while True:
            if not (depth > 0 or last.rstrip().endswith("\\")):
                ended = True
                break
            if j >= n or j - line >= _MAX_STATEMENT_LINES:
                break  # at the end of the text (or the limit): a line added there counts
            last = lines[j]
            depth += _depth(last)
            j += 1
        out.append((line, j - 1 if ended else j))
    for m in _EXCEPT_RX.finditer(text):
        line = text.count("\n", 0, m.end())
        colon = text.find(":", m.end())
        out.append((line, text.count("\n", 0, colon) if colon != -1 else n))
    return out


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n:
        k = min(_BLOCK, n - i)
        if a[i : i + k] == b[i : i + k]:
            i += k
            continue
        lo, hi = i, i + k  # a[:lo] == b[:lo], a[:hi] != b[:hi]
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if a[lo:mid] == b[lo:mid]:
                lo = mid
            else:
                hi = mid
        return lo
    return n


def _common_suffix(a: str, b: str, limit: int) -> int:
    """The length of the longest common suffix of ``a`` and ``b``, at most ``limit``."""
    la, lb = len(a), len(b)
    i = 0
    while i < limit:
        k = min(_BLOCK, limit - i)
        if a[la - i - k : la - i] == b[lb - i - k : lb - i]:
            i += k
            continue
        lo, hi = i, i + k  # suffixes of length lo agree, of length hi do not
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if a[la - mid : la - lo] == b[lb - mid : lb - lo]:
                lo = mid
            else:
                hi = mid
        return lo
    return limit
