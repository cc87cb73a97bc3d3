"""JSON: a stable list of findings (1-based lines and columns, end exclusive).

[{"path", "code", "name", "severity", "message", "line", "column", "end_line",
  "end_column", "cell" (1-based or null), "url",
  "fixes": [{"description", "safe", "edits": [{"line", "column", "end_line",
             "end_column", "new_text"}]}],
  "related": [{"path", "line", "column", "message"}]}]
"""

from __future__ import annotations

import json

from ..model import Finding, Span
from . import RenderContext


def _pos(span: Span) -> dict:
    return {
        "line": span.line + 1,
        "column": span.col + 1,
        "end_line": span.end_line + 1,
        "end_column": span.end_col + 1,
    }


def finding_dict(f: Finding, ctx: RenderContext, url: str | None = None) -> dict:
    return {
        "path": ctx.rel(f.path),
        "code": f.code,
        "name": f.name,
        "severity": f.severity.value,
        "message": f.message,
        **_pos(f.span),
        "cell": None if f.span.cell is None else f.span.cell + 1,
        "url": url,
        "fixes": [
            {
                "description": x.description,
                "safe": x.safe,
                "edits": [{**_pos(e.span), "new_text": e.new_text} for e in x.edits],
            }
            for x in f.fixes
        ],
        "related": [
            {
                "path": ctx.rel(r.path),
                "line": r.span.line + 1,
                "column": r.span.col + 1,
                "message": r.message,
            }
            for r in f.related
        ],
    }


def render(findings: list[Finding], ctx: RenderContext) -> str:
    from ..ruleset import load_ruleset

    rules = load_ruleset()

    def url(code: str) -> str | None:
        r = rules.get(code)
        return r.url if r else None

    return json.dumps([finding_dict(f, ctx, url(f.code)) for f in findings], indent=2) + "\n"
