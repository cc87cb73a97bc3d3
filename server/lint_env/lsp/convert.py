"""Core vocabulary -> LSP types. Pure functions; no server state.

Core columns are code points (``str`` indices); LSP columns are in the negotiated
position encoding (UTF-16 unless the client offered UTF-8/UTF-32 first).
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from ..model import Finding, Severity, Span

SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}
SOURCE = "lint-env"


def units(text: str, encoding: str | None) -> int:
    """Length of ``text`` in the client's position units."""
    enc = str(encoding or "utf-16")
    if enc == "utf-32":
        return len(text)
    if enc == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def to_client(lines: Sequence[str], line: int, col: int, encoding: str | None) -> types.Position:
    """A code-point position -> a client position, clamped to the text."""
    if not lines:
        return types.Position(line=0, character=0)
    if line < 0:
        return types.Position(line=0, character=0)
    if line >= len(lines):
        last = len(lines) - 1
        return types.Position(line=last, character=units(lines[last], encoding))
    text = lines[line]
    col = max(0, min(col, len(text)))
    return types.Position(line=line, character=units(text[:col], encoding))


def from_client(lines: Sequence[str], pos: types.Position, encoding: str | None) -> tuple[int, int]:
    """A client position -> (line, code-point column), clamped to the text."""
    if not lines:
        return 0, 0
    line = max(0, min(pos.line, len(lines) - 1))
    if pos.line >= len(lines):
        return line, len(lines[line])
    text = lines[line]
    enc = str(encoding or "utf-16")
    if enc == "utf-32":
        return line, max(0, min(pos.character, len(text)))
    seen = 0
    for i, ch in enumerate(text):
        if seen >= pos.character:
            return line, i
        seen += units(ch, enc)
    return line, len(text)


def span_to_range(lines: Sequence[str], span: Span, encoding: str | None) -> types.Range:
    return types.Range(
        start=to_client(lines, span.line, span.col, encoding),
        end=to_client(lines, span.end_line, span.end_col, encoding),
    )


def diagnostic(
    finding: Finding,
    lines: Sequence[str],
    encoding: str | None,
    href: str | None = None,
    related: list[types.DiagnosticRelatedInformation] | None = None,
) -> types.Diagnostic:
    return types.Diagnostic(
        range=span_to_range(lines, finding.span, encoding),
        message=finding.message,
        severity=SEVERITY.get(finding.severity, types.DiagnosticSeverity.Warning),
        code=finding.code,
        code_description=types.CodeDescription(href=href) if href else None,
        source=SOURCE,
        related_information=related or None,
        data={"name": finding.name},
    )


def overlaps(a: types.Range, b: types.Range) -> bool:
    """True when two client ranges touch (an empty range at a cursor counts)."""
    a0, a1 = (a.start.line, a.start.character), (a.end.line, a.end.character)
    b0, b1 = (b.start.line, b.start.character), (b.end.line, b.end.character)
    return a0 <= b1 and b0 <= a1
