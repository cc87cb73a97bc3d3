"""Code actions: each Fix as a quickfix, ``source.fixAll.lint-env``, and
"ignore this rule on this line" (a ``# lint-env: ignore[CODE]`` comment)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from lsprotocol import types

from ..model import Finding, Fix, Kind, Span, TextEdit
from ..sources import detect_kind
from . import convert
from .state import Result, Unit

FIX_ALL = "source.fixAll.lint-env"
QUICKFIX = types.CodeActionKind.QuickFix.value
KINDS = [types.CodeActionKind.QuickFix, FIX_ALL]
_IGNORE_RE = re.compile(r"#\s*lint-env:\s*ignore\[([^\]]*)\]")

# (uri, client edits) -> WorkspaceEdit; chosen once from the client's capabilities.
EditMaker = Callable[[dict[str, list[types.TextEdit]]], types.WorkspaceEdit]


def wanted(kind: str, only: Sequence[str] | None) -> bool:
    """Kind-prefix filtering: a request for ``source`` gets ``source.fixAll.lint-env``."""
    if not only:
        return True
    return any(kind == k or kind.startswith(f"{k}.") for k in (str(o) for o in only))


def _client_edits(
    unit: Unit, result: Result, edits: Sequence[TextEdit], encoding: str | None
) -> dict[str, list[types.TextEdit]] | None:
    out: dict[str, list[types.TextEdit]] = {}
    for e in edits:
        cell = e.span.cell if unit.notebook else None
        uri = unit.uri_for_cell(cell)
        if uri is None:
            return None
        rows = result.lines.get(cell, [])
        out.setdefault(uri, []).append(
            types.TextEdit(range=convert.span_to_range(rows, e.span, encoding), new_text=e.new_text)
        )
    return out


def _key(span: Span) -> tuple[int, int, int, int, int]:
    return (
        -1 if span.cell is None else span.cell,
        span.line,
        span.col,
        span.end_line,
        span.end_col,
    )


def non_overlapping(fixes: Sequence[Fix]) -> list[TextEdit]:
    """All edits of the given fixes, skipping any fix that overlaps one already taken
    (the same choice as ``lint-env check --fix``)."""
    from ..fixes import select_fixes

    edits = [e for fix in select_fixes(fixes) for e in fix.edits]
    return sorted(edits, key=lambda e: _key(e.span))


def ignore_edit(line_text: str, line: int, code: str, cell: int | None) -> TextEdit | None:
    """The edit that suppresses ``code`` on this line, or None when a comment cannot go there."""
    m = _IGNORE_RE.search(line_text)
    if m:
        codes = [c.strip() for c in m.group(1).split(",") if c.strip()]
        if code in codes:
            return None
        new = ", ".join([*codes, code])
        return TextEdit(Span.on_line(line, m.start(1), m.end(1), cell), new)
    stripped = line_text.rstrip()
    if stripped.endswith("\\"):
        return None  # a continued line: a comment would swallow the continuation
    end = len(line_text)
    trailing = len(line_text) - len(stripped)
    sep = "" if not stripped else " " * max(0, 2 - trailing)
    return TextEdit(Span.point(line, end, cell), f"{sep}# lint-env: ignore[{code}]")


def code_actions(
    unit: Unit,
    result: Result,
    uri: str,
    rng: types.Range,
    only: Sequence[str] | None,
    context_diags: Sequence[types.Diagnostic],
    encoding: str | None,
    make_edit: EditMaker,
) -> list[types.CodeAction]:
    pairs = result.pairs.get(uri, [])
    actions: list[types.CodeAction] = []
    if wanted(QUICKFIX, only):
        wanted_keys = {(str(d.code), _rkey(d.range)) for d in context_diags}
        for diag, finding in pairs:
            hit = (
                convert.overlaps(diag.range, rng)
                or (finding.code, _rkey(diag.range)) in wanted_keys
            )
            if not hit:
                continue
            actions.extend(_quickfixes(unit, result, diag, finding, encoding, make_edit))
    if wanted(FIX_ALL, only):
        fix_all = _fix_all(unit, result, uri, encoding, make_edit)
        if fix_all is not None:
            actions.append(fix_all)
    return actions


def _rkey(r: types.Range) -> tuple[int, int, int, int]:
    return (r.start.line, r.start.character, r.end.line, r.end.character)


def _quickfixes(
    unit: Unit,
    result: Result,
    diag: types.Diagnostic,
    finding: Finding,
    encoding: str | None,
    make_edit: EditMaker,
) -> list[types.CodeAction]:
    out = []
    preferred_given = False
    for fix in finding.fixes:
        edits = _client_edits(unit, result, fix.edits, encoding)
        if not edits:
            continue
        preferred = fix.safe and not preferred_given
        preferred_given = preferred_given or preferred
        out.append(
            types.CodeAction(
                title=f"lint-env ({finding.code}): {fix.description}",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diag],
                is_preferred=preferred or None,
                edit=make_edit(edits),
            )
        )
    cell = finding.span.cell if unit.notebook else None
    rows = result.lines.get(cell, [])
    line = finding.span.line
    # A lock file is written by its tool: a comment there is lost on the next lock
    # (ignore it with per-file-ignores in the configuration instead).
    if 0 <= line < len(rows) and detect_kind(unit.path) is not Kind.LOCK:
        edit = ignore_edit(rows[line], line, finding.code, cell)
        if edit is not None and cell is None and not _comment_is_harmless(unit, rows, edit):
            edit = None  # e.g. the line is inside a TOML multi-line string or YAML block
        if edit is not None:
            edits = _client_edits(unit, result, [edit], encoding)
            if edits:
                out.append(
                    types.CodeAction(
                        title=f"lint-env ({finding.code}): ignore this rule on this line",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[diag],
                        edit=make_edit(edits),
                    )
                )
    return out


def _fix_all(
    unit: Unit, result: Result, uri: str, encoding: str | None, make_edit: EditMaker
) -> types.CodeAction | None:
    cell = unit.cell_index(uri) if unit.notebook else None
    fixes = []
    for _, finding in result.pairs.get(uri, []):
        for fix in finding.fixes:
            if fix.safe and all(
                (e.span.cell if unit.notebook else None) == cell for e in fix.edits
            ):
                fixes.append(fix)
                break  # one fix per finding: the first safe one
    if not unit.notebook:
        fixes = _together(unit, result, fixes)
    edits = non_overlapping(fixes)
    if not edits:
        return None
    client = _client_edits(unit, result, edits, encoding)
    if not client:
        return None
    return types.CodeAction(
        title="lint-env: fix all safe problems", kind=FIX_ALL, edit=make_edit(client)
    )


def _together(unit: Unit, result: Result, fixes: list[Fix]) -> list[Fix]:
    """The fixes that also pass the re-parse check applied together, as `--fix` keeps
    them (fixes.accept_together): each passed alone, but two may not combine."""
    from ..fixes import accept_together, select_fixes
    from ..sources import parse_text

    kind = detect_kind(unit.path, explicit=True)
    chosen = select_fixes(fixes)
    if kind is None or kind in (Kind.PYTHON, Kind.NOTEBOOK) or not chosen:
        return chosen
    doc = parse_text(unit.path, "\n".join(result.lines.get(None, [])), kind)
    _, accepted, _ = accept_together(doc, chosen)
    return accepted


def _comment_is_harmless(unit: Unit, rows: list[str], edit: TextEdit) -> bool:
    """Does the file, with the ignore comment added, still declare exactly the same (the
    check the CLI's --fix makes of every fix)?"""
    from ..fixes import apply_edits, verify_text
    from ..sources import parse_text

    kind = detect_kind(unit.path, explicit=True)
    if kind is None or kind in (Kind.PYTHON, Kind.NOTEBOOK):
        return True  # a comment at the end of a code line is a comment
    text = "\n".join(rows)
    doc = parse_text(unit.path, text, kind)
    try:
        new_text = apply_edits(text, [edit])
    except ValueError:
        return False
    return verify_text(doc, new_text, [edit]) is None
