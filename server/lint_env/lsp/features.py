"""Code actions (quick fixes, fix all) and hovers."""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path

from lsprotocol import types

from . import actions, convert
from .language_server import (
    LintEnvServer,
    _find_doc,
    guarded,
    server,
)
from .state import Result

# --- code actions -------------------------------------------------------------------


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=actions.KINDS, resolve_provider=False),
)
@guarded(list)
async def code_action(ls: LintEnvServer, params: types.CodeActionParams):
    uri = params.text_document.uri
    unit = ls.unit_for(uri)
    if unit is None:
        return []
    result = await ls.current(unit)
    if result is None:
        return []
    caps = ls.client_capabilities.workspace
    use_doc_changes = bool(caps and caps.workspace_edit and caps.workspace_edit.document_changes)

    def make_edit(edits: dict[str, list[types.TextEdit]]) -> types.WorkspaceEdit:
        if not use_doc_changes:
            return types.WorkspaceEdit(changes=edits)
        changes = []
        for u, es in edits.items():
            doc = ls.workspace.text_documents.get(u) or _find_doc(ls, u)
            changes.append(
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=u, version=doc.version if doc is not None else None
                    ),
                    edits=es,
                )
            )
        return types.WorkspaceEdit(document_changes=changes)

    return actions.code_actions(
        unit,
        result,
        uri,
        params.range,
        params.context.only,
        params.context.diagnostics or [],
        ls.encoding(),
        make_edit,
    )


# --- hover --------------------------------------------------------------------------


@server.feature(types.TEXT_DOCUMENT_HOVER)
@guarded()
async def hover(ls: LintEnvServer, params: types.HoverParams):
    uri = params.text_document.uri
    unit = ls.unit_for(uri)
    if unit is None:
        return None
    result = await ls.current(unit)
    if result is None:
        return None
    cell = unit.cell_index(uri) if unit.notebook else None
    rows = result.lines.get(cell, [])
    enc = ls.encoding()
    line, col = convert.from_client(rows, params.position, enc)
    loop = asyncio.get_running_loop()
    info = await loop.run_in_executor(
        ls.executor, functools.partial(_hover_info, ls, unit.path, result, line, col, cell)
    )
    if info is None:
        return None
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=info.markdown),
        range=convert.span_to_range(rows, info.span, enc),
    )


def _hover_info(ls: LintEnvServer, path: Path, result: Result, line: int, col: int, cell):
    from ..hover import hover as hover_at

    project = ls.project()
    if project is None:
        return None
    doc = project.document(path)
    targets = project.config.target_objects()
    return hover_at(
        doc, result.findings, line, col, cell=cell, targets=targets, ruleset=ls.ruleset()
    )
