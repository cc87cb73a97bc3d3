"""One finding for a problem a dependency file repeats.

A file may declare the same requirement many times: unsloth's pyproject.toml repeats
``bitsandbytes>=0.45.5,!=0.46.0,!=0.48.0`` in 87 CUDA extras. Each line has the same
problem, in the same words; reporting it 87 times buries everything else. Findings of
one rule with the same message on the same text (the requirement as written) in one
document are said once, at the first place, naming the other lines (and with them as
related locations); their fixes become one fix that edits every line.

What is alike depends on the text only, never on the fixes: a check whose fixes are
verified later (the editor, on every keystroke) says the same findings in the same
words as one that verifies them. A finding suppressed on its own line
(``# lint-env: ignore``) is never merged: it stays for the suppression to remove.
"""

from __future__ import annotations

from dataclasses import replace

from .model import Document, Finding, Fix, Related, Span
from .suppress import is_suppressed


def merge_repeats(doc: Document, found: list[Finding]) -> list[Finding]:
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    for f in found:
        if f.path == doc.path and not is_suppressed(doc, f):
            groups.setdefault((f.code, f.message, _text(doc, f.span)), []).append(f)
    merged: dict[int, Finding | None] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda f: f.sort_key)
        first = members[0]
        related = tuple(Related(f.path, f.span, "the same here") for f in members[1:])
        merged[id(first)] = replace(
            first,
            message=f"{first.message} (also on {_lines(members[1:])})",
            related=first.related + related,
            fixes=_one_fix(members),
        )
        merged.update((id(f), None) for f in members[1:])
    out = []
    for f in found:
        kept = merged.get(id(f), f)
        if kept is not None:
            out.append(kept)
    return out


def _text(doc: Document, span: Span) -> str:
    if span.line == span.end_line:
        return doc.line_text(span)[span.col : span.end_col]
    rows = doc.lines[span.line : span.end_line + 1]
    return "\n".join(rows)


def _lines(others: list[Finding], shown: int = 3) -> str:
    """'line 478', 'lines 478, 483 and 488', 'lines 478, 483, 488 and 76 more'."""
    rows = list(dict.fromkeys(f.span.line + 1 for f in others))
    if len(rows) == 1:
        return f"line {rows[0]}"
    if len(rows) <= shown + 1:
        return "lines " + ", ".join(map(str, rows[:-1])) + f" and {rows[-1]}"
    return "lines " + ", ".join(map(str, rows[:shown])) + f" and {len(rows) - shown} more"


def _one_fix(members: list[Finding]) -> tuple[Fix, ...]:
    """The members' first fixes as one fix for every line they fix (a fix the
    verification refused on one line is not applied there)."""
    fixes = [f.fixes[0] for f in members if f.fixes]
    if not fixes:
        return ()
    lines = f" ({len(fixes)} lines)" if len(fixes) > 1 else ""
    return (
        Fix(
            f"{fixes[0].description}{lines}",
            tuple(e for fix in fixes for e in fix.edits),
            all(fix.safe for fix in fixes),
        ),
    )
