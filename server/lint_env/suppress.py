"""Inline suppressions, one syntax in every file kind:

tensorflow-gpu==2.10  # lint-env: ignore[TF005]
import keras          # lint-env: ignore[KR010, IM001]
mkl                   # lint-env: ignore
"""

from __future__ import annotations

import re

from .lazy_re import LazyPattern
from .model import Document, Finding

_RE = LazyPattern(r"#\s*lint-env:\s*ignore(?:\[([^\]]*)\])?", re.IGNORECASE, globals(), "_RE")


def codes_on_line(line: str) -> set[str] | None:
    """None: no suppression; empty set: all codes; else the codes named."""
    m = _RE.search(line)
    if m is None:
        return None
    if m.group(1) is None:
        return set()
    return {c.strip().upper() for c in m.group(1).split(",") if c.strip()}


def is_suppressed(doc: Document, finding: Finding) -> bool:
    span = finding.span
    rows = (
        doc.lines
        if span.cell is None
        else (doc.cells or [])[span.cell]
        if doc.cells and span.cell < len(doc.cells)
        else []
    )
    for n in range(span.line, span.end_line + 1):
        if 0 <= n < len(rows):
            codes = codes_on_line(rows[n])
            if codes is not None and (not codes or any(finding.code.startswith(c) for c in codes)):
                return True
    return False


def suppression_comment(line: str, code: str) -> tuple[int, str]:
    """Where and what to insert to suppress ``code`` on ``line``: (column, text)."""
    m = _RE.search(line)
    if m and m.group(1) is not None:
        close = m.end() - 1  # the ']'
        return close, f", {code}"
    if m:
        return len(line), ""  # already suppresses everything
    stripped = line.rstrip()
    return len(stripped), f"  # lint-env: ignore[{code}]"
