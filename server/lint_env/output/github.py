"""GitHub Actions workflow commands: one `::error file=…,line=…::message` per finding."""

from __future__ import annotations

from ..model import Finding, Severity
from . import RenderContext
from .text import printable

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(s: str) -> str:
    return _data(s).replace(":", "%3A").replace(",", "%2C")


def render(findings: list[Finding], ctx: RenderContext) -> str:
    out = []
    for f in findings:
        sp = f.span
        props = [
            f"file={_prop(printable(ctx.rel(f.path)))}",
            f"line={sp.line + 1}",
            f"col={sp.col + 1}",
        ]
        if sp.end_line != sp.line:
            props.append(f"endLine={sp.end_line + 1}")
        else:
            props.append(f"endColumn={sp.end_col + 1}")
        cell = f" (cell {sp.cell + 1})" if sp.cell is not None else ""
        props.append(f"title={_prop(f'lint-env {f.code} ({f.name})')}")
        out.append(
            f"::{_LEVEL[f.severity]} {','.join(props)}::{_data(f.code + ' ' + printable(f.message) + cell)}"
        )
    return "".join(line + "\n" for line in out)
