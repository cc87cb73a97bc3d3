"""`path:line:col: CODE message` (1-based), notebooks as `path:cell N:line:col:`, a summary."""

from __future__ import annotations

import re
from collections import Counter

from ..lazy_re import LazyPattern
from ..model import Finding, Severity
from . import RenderContext

_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}
_BOLD, _RESET = "\x1b[1m", "\x1b[0m"


# C0/C1 control characters (newlines, ESC of ANSI sequences), line/paragraph separators
# and bidirectional overrides: a file name or a message must not move the cursor, colour
# the terminal, start a new line or reorder what is shown.
_UNPRINTABLE = LazyPattern(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", 0, globals(), "_UNPRINTABLE"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\n``, ``\\x1b``)."""
    if not _UNPRINTABLE.search(text):
        return text

    def esc(m: re.Match[str]) -> str:
        c = m.group()
        if c in _NAMED:
            return _NAMED[c]
        return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"

    return _UNPRINTABLE.sub(esc, text)


def location(f: Finding, ctx: RenderContext) -> str:
    cell = f"cell {f.span.cell + 1}:" if f.span.cell is not None else ""
    return f"{printable(ctx.rel(f.path))}:{cell}{f.span.line + 1}:{f.span.col + 1}"


def render(findings: list[Finding], ctx: RenderContext) -> str:
    lines = []
    for f in findings:
        code = f.code
        if ctx.color:
            code = f"{_COLORS[f.severity]}{_BOLD}{f.code}{_RESET}"
        fixable = " [*]" if any(x.safe for x in f.fixes) else ""
        lines.append(f"{location(f, ctx)}: {code}{fixable} {printable(f.message)}")
    lines.append(summary(findings, ctx))
    return "\n".join(lines) + "\n"


def summary(findings: list[Finding], ctx: RenderContext) -> str:
    files = f"{ctx.files} file{'s' if ctx.files != 1 else ''}"
    fixed = f" Fixed {ctx.fixed}." if ctx.fixed else ""
    if not findings and ctx.no_dependency_files:
        n = ctx.code_files
        return (
            "no requirements, environment or pyproject file found;"
            f" checked {n} code file{'s' if n != 1 else ''}{fixed}"
        )
    if not findings:
        return f"All checks passed ({files} checked).{fixed}"
    by = Counter(f.severity for f in findings)
    parts = [f"{by[s]} {s.value}{'s' if by[s] != 1 else ''}" for s in Severity if by[s]]
    fixable = sum(1 for f in findings if any(x.safe for x in f.fixes))
    tail = f" {fixable} fixable with --fix." if fixable else ""
    n = len(findings)
    return f"Found {n} problem{'s' if n != 1 else ''} ({', '.join(parts)}) in {files}.{tail}{fixed}"
