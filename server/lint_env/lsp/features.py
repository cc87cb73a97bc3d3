"""Code actions (quick fixes, fix all), hovers, inlay hints and version completion.

Each handler converts positions and results; the core computes (hover.py,
version_hints.py) on the core's worker thread."""

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
    if result.verify is not None:  # the fixes are verified now, on the core's thread
        await asyncio.get_running_loop().run_in_executor(ls.executor, result.settle)
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
    return hover_at(
        doc,
        result.findings,
        line,
        col,
        cell=cell,
        contexts=project.engine.contexts_for(doc),
        reason=project.engine.python_reason(doc),
        ruleset=ls.ruleset(),
    )


# --- inlay hints: the version pip would pick, after unpinned and ranged requirements -----


@server.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
@guarded(list)
async def inlay_hint(ls: LintEnvServer, params: types.InlayHintParams):
    uri = params.text_document.uri
    unit = ls.unit_for(uri)
    if unit is None:
        return []
    result = await ls.current(unit)  # the core has the buffer's current text
    if result is None:
        return []
    cell = unit.cell_index(uri) if unit.notebook else None
    loop = asyncio.get_running_loop()
    hints = await loop.run_in_executor(
        ls.executor, functools.partial(_inlay_hints, ls, unit.path, cell)
    )
    rows = result.lines.get(cell, [])
    enc = ls.encoding()
    wanted = params.range
    out = []
    for h in hints:
        pos = convert.to_client(rows, h.line, h.col, enc)
        at = types.Range(start=pos, end=pos)
        if not convert.overlaps(at, wanted):
            continue
        out.append(
            types.InlayHint(
                position=pos,
                label=h.label,
                kind=types.InlayHintKind.Type,
                tooltip=h.tooltip,
                padding_left=True,
            )
        )
    return out


def _inlay_hints(ls: LintEnvServer, path: Path, cell):
    from ..version_hints import inlay_hints

    project = ls.project()
    if project is None:
        return []
    doc = project.document(path)
    contexts = project.engine.contexts_for(doc)
    if not contexts:
        return []
    return inlay_hints(doc, contexts[0], cell, project.engine.python_reason(doc))


# --- completion: versions after ==, >=, ~=, <=, != -------------------------------------------


@server.feature(
    types.TEXT_DOCUMENT_COMPLETION,
    types.CompletionOptions(trigger_characters=["=", "<", ">"], resolve_provider=False),
)
@guarded(lambda: None)
async def completion(ls: LintEnvServer, params: types.CompletionParams):
    uri = params.text_document.uri
    unit = ls.unit_for(uri)
    if unit is None or ls.too_large(unit) is not None:
        return None
    _, lines = ls.text_of(unit)  # the buffer as it is now: the user is typing
    cell = unit.cell_index(uri) if unit.notebook else None
    rows = lines.get(cell, [])
    enc = ls.encoding()
    line, col = convert.from_client(rows, params.position, enc)
    loop = asyncio.get_running_loop()
    found = await loop.run_in_executor(
        ls.executor, functools.partial(_completion, ls, unit.path, rows, line, col)
    )
    if found is None:
        return None
    edit_range = types.Range(
        start=convert.to_client(rows, line, found.start, enc),
        end=convert.to_client(rows, line, found.end, enc),
    )
    items = []
    for rank, choice in enumerate(found.choices):
        items.append(
            types.CompletionItem(
                label=choice.version,
                kind=types.CompletionItemKind.Value,
                detail=choice.detail,
                sort_text=f"{rank:04d}",
                filter_text=choice.version,
                text_edit=types.TextEdit(range=edit_range, new_text=choice.version),
                tags=[types.CompletionItemTag.Deprecated] if choice.yanked else None,
                preselect=True if rank == 0 else None,
            )
        )
    return types.CompletionList(is_incomplete=False, items=items)


def _completion(ls: LintEnvServer, path: Path, rows: list[str], line: int, col: int):
    from ..target import Target
    from ..version_hints import version_completion

    project = ls.project()
    if project is None:
        return None
    doc = project.document(path)
    contexts = project.engine.contexts_for(doc)
    if contexts:
        target = contexts[0].target
    else:  # a file for no configured target (`requirements-cuda.txt` on macOS): the first
        config = project.config
        target = Target(config.targets[0], config.python) if config.targets else Target()
    return version_completion(doc.kind, rows, line, col, target)
