"""Applying fixes (text edits) to text. The CLI's --fix and the editor's quick fix
apply the same edits."""

from __future__ import annotations

import bisect
import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace

from .lazy_re import LazyPattern
from .model import Dependency, Document, Finding, Fix, Kind, Span, TextEdit
from .names import canonicalize_name
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
        a.cell == b.cell
        and (a.line, a.col) < (b.end_line, b.end_col)
        and (b.line, b.col) < (a.end_line, a.end_col)
    ) or _start(a) == _start(b)


def _start(s: Span) -> tuple[int, int, int]:
    return (-1 if s.cell is None else s.cell, s.line, s.col)


def _end(s: Span) -> tuple[int, int, int]:
    return (-1 if s.cell is None else s.cell, s.end_line, s.end_col)


class _Taken:
    """Spans already taken, sorted by start. They never overlap one another, so their
    ends grow with their starts: a new span needs only its neighbours checked."""

    def __init__(self) -> None:
        self.starts: list[tuple[int, int, int]] = []
        self.ends: list[tuple[int, int, int]] = []

    def overlaps(self, span: Span) -> bool:
        a, b = _start(span), _end(span)
        k = bisect.bisect_left(self.starts, a)
        if k < len(self.starts) and self.starts[k] == a:
            return True  # the same start (two insertions at one place, too)
        before = bisect.bisect_left(self.starts, b) - 1  # the last start before b
        if a == b:
            before = k - 1  # an insertion: only a span around it
        return before >= 0 and self.ends[before] > a

    def add(self, span: Span) -> None:
        k = bisect.bisect_left(self.starts, _start(span))
        self.starts.insert(k, _start(span))
        self.ends.insert(k, _end(span))


def select_fixes(fixes: Iterable[Fix]) -> list[Fix]:
    """A set of fixes whose edits do not overlap (first come, first served). Linear in
    the number of fixes (with a binary search each), not quadratic."""
    chosen: list[Fix] = []
    taken = _Taken()
    for fix in fixes:
        spans = [e.span for e in fix.edits]
        if any(taken.overlaps(s) for s in spans) or any(
            _overlaps(x, y) for i, x in enumerate(spans) for y in spans[i + 1 :]
        ):
            continue
        chosen.append(fix)
        for s in spans:
            taken.add(s)
    return chosen


def newline_normalized(fix_text: str, newline: str) -> str:
    """Inserted text uses the document's own line ending."""
    if newline == "\n":
        return fix_text
    return fix_text.replace("\r\n", "\n").replace("\n", newline)


# --- verification: a fix must leave the file valid -------------------------------------
#
# Every fix is checked before anyone is offered it (engine) and again when fixes are
# applied together (``--fix``): the new text is parsed with the same parser; it must
# have no new problems and declare the same things, except the dependencies the edits
# touch. A fix that fails is not offered / not applied.

# Re-parsing costs the document's size; past this many characters per document the
# remaining fixes are checked together in batches instead of one by one.
VERIFY_BUDGET = 200_000
_NAME_RX = LazyPattern(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?", 0, globals(), "_NAME_RX")


def _touches(edit: Span, span: Span, lines: Sequence[str] = ()) -> bool:
    """Whether ``edit`` changes the text of ``span``: overlaps it, inserts inside it or at
    an end, or inserts before it on its line with only indentation, a list dash or a
    quote between (commenting the line out)."""
    a, b = (edit.line, edit.col), (edit.end_line, edit.end_col)
    s, e = (span.line, span.col), (span.end_line, span.end_col)
    if a == b:
        if s <= a <= e:
            return True
        if a < s and edit.line == span.line and span.line < len(lines):
            return not lines[span.line][edit.col : span.col].strip(" \t-'\"")
        return False
    return a < e and s < b


class _Near:
    """Which spans the edits touch, by binary search (edits never overlap, so only
    those starting on the span's first line or inside it, and the one before, can)."""

    def __init__(self, spans: list[Span], lines: Sequence[str]) -> None:
        self.spans = sorted(spans, key=lambda s: (s.line, s.col, s.end_line, s.end_col))
        self.starts = [(s.line, s.col) for s in self.spans]
        self.lines = lines

    def touches(self, span: Span) -> bool:
        lo = bisect.bisect_left(self.starts, (span.line, 0))
        hi = bisect.bisect_right(self.starts, (span.end_line, span.end_col))
        return any(_touches(e, span, self.lines) for e in self.spans[max(lo - 1, 0) : hi])


def _dep_key(d: Dependency) -> tuple:
    return (
        d.name,
        d.specifier,
        d.marker,
        d.extras,
        d.url,
        d.editable,
        d.source,
        d.channel,
        d.build,
        d.group,
        d.constraint_only,
    )


_HASH_RX = LazyPattern(r"(?:^|\s)--hash[=\s]", 0, globals(), "_HASH_RX")


def verify_text(doc: Document, new_text: str, edits: Sequence[TextEdit]) -> str | None:
    """None when ``new_text`` (``doc.text`` with ``edits`` applied) parses as well as
    the original and declares the same, except the dependencies the edits touch; else
    why not, in a few words."""
    from .sources import parse_text

    if doc.kind is Kind.NOTEBOOK:
        return "fixes in notebooks are not applied"
    if doc.kind is Kind.REQUIREMENTS and _HASH_RX.search(doc.text):
        # pip's hash-checking mode (any --hash in the file) refuses a requirement whose
        # version or name changed without its new hashes: re-generate the file instead
        return "the file pins hashes (--hash); re-generate it with its lock tool"
    new = parse_text(doc.path, new_text, doc.kind)
    old_problems = Counter((p.code, p.message) for p in doc.problems)
    for p in new.problems:
        key = (p.code, p.message)
        if old_problems[key] <= 0:
            return f"the result would not parse: {p.message}"
        old_problems[key] -= 1
    near = _Near([e.span for e in edits], doc.lines)
    touched = [d for d in doc.dependencies if near.touches(d.span)]
    kept = Counter(_dep_key(d) for d in doc.dependencies) - Counter(_dep_key(d) for d in touched)
    now = Counter(_dep_key(d) for d in new.dependencies)
    if kept - now:
        return "it would change other requirements"
    extra = now - kept
    if sum(extra.values()) > len(touched):
        return "it would add requirements"
    names = {d.name for d in touched}
    for e in edits:
        names.update(canonicalize_name(n) for n in _NAME_RX.findall(e.new_text))
    if any(key[0] not in names for key in extra):
        return "it would change a requirement's name"
    if Counter(i.target for i in doc.includes) != Counter(i.target for i in new.includes):
        return "it would change the includes"
    if [c for c, _ in doc.channels] != [c for c, _ in new.channels]:
        return "it would change the channels"
    if (doc.python or ("",))[0] != (new.python or ("",))[0]:
        return "it would change the Python version"
    old_settings = Counter((s.key, s.value) for s in doc.settings)
    old_settings -= Counter((s.key, s.value) for s in doc.settings if near.touches(s.span))
    if old_settings - Counter((s.key, s.value) for s in new.settings):
        return "it would change the file's options"
    if [i.module for i in doc.imports] != [i.module for i in new.imports]:
        return "it would change the imports"
    return None


def edits_of(doc: Document, fixes: Sequence[Fix]) -> list[TextEdit]:
    return [
        TextEdit(e.span, newline_normalized(e.new_text, doc.newline))
        for fix in fixes
        for e in fix.edits
    ]


def apply_verified(doc: Document, fixes: Sequence[Fix]) -> tuple[str, str | None]:
    """``doc.text`` with the (non-overlapping) ``fixes`` applied, and None, or why the
    result is refused (then the text is ``doc.text`` unchanged)."""
    edits = edits_of(doc, fixes)
    try:
        new_text = apply_edits(doc.text, edits)
    except ValueError:
        return doc.text, "its edits overlap"
    if new_text == doc.text:
        return doc.text, None
    reason = verify_text(doc, new_text, edits)
    return (doc.text, reason) if reason else (new_text, None)


MAX_TRIES = 50  # fixes tried one by one when fixes that passed alone fail together


def accept_together(
    doc: Document, fixes: list[Fix]
) -> tuple[str, list[Fix], list[tuple[Fix, str]]]:
    """Apply non-overlapping ``fixes`` together when the result passes; else one by one,
    keeping each that passes with those kept before it. (``--fix`` per round; an
    editor's fix-all can use it the same way.) Returns the text, the fixes applied
    and the refused ones with why."""
    text, reason = apply_verified(doc, fixes)
    if reason is None:
        return text, list(fixes), []
    if len(fixes) == 1:
        return doc.text, [], [(fixes[0], reason)]
    accepted: list[Fix] = []
    rejected: list[tuple[Fix, str]] = []
    text = doc.text
    for k, fix in enumerate(fixes):
        if k >= MAX_TRIES:
            rejected.append((fix, "too many fixes failed together; run --fix again"))
            continue
        new_text, why = apply_verified(doc, [*accepted, fix])
        if why is None:
            accepted.append(fix)
            text = new_text
        else:
            rejected.append((fix, why))
    return text, accepted, rejected


def verified_findings(
    doc: Document, findings: list[Finding], notes: list[tuple] | None = None
) -> list[Finding]:
    """``findings`` with every fix that does not pass :func:`verify_text` removed (for
    each, ``(path, line, code, why)`` in ``notes``)."""
    if doc.kind is Kind.NOTEBOOK or not any(f.fixes for f in findings):
        return findings
    budget = max(1, VERIFY_BUDGET // max(1, len(doc.text)))
    why: dict[Fix, str | None] = {}
    pending: dict[Fix, None] = {}  # in order, each once
    for f in findings:
        for fix in f.fixes:
            if fix in why or fix in pending:
                continue
            if budget > 0:
                budget -= 1
                why[fix] = apply_verified(doc, [fix])[1]
            else:
                pending[fix] = None
    for _ in range(4):  # the rest in batches of non-overlapping fixes
        if not pending:
            break
        batch = select_fixes(pending)
        reason = apply_verified(doc, batch)[1]
        for fix in batch:
            why[fix] = reason
            del pending[fix]
    out = []
    for f in findings:
        kept = tuple(x for x in f.fixes if x in why and why[x] is None)
        if len(kept) != len(f.fixes):
            if notes is not None:
                reason = next((why[x] for x in f.fixes if why.get(x)), "too many fixes")
                notes.append((doc.path, f.span.line + 1, f.code, reason))
            f = replace(f, fixes=kept)
        out.append(f)
    return out
