"""Text documents and notebooks: open, change, save, close -> (re)checks."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from ..sources import detect_kind
from .language_server import (
    REQUIREMENTS_LANGUAGES,
    LintEnvServer,
    _path_of,
    guarded,
    server,
)

# --- text documents -----------------------------------------------------------------


def _checked_path(uri: str, language_id: str | None) -> Path | None:
    path = _path_of(uri)
    if path is None:
        return None
    if detect_kind(path) is not None:
        return path
    if (language_id or "").lower() in REQUIREMENTS_LANGUAGES:
        return path
    return None


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
@guarded()
def did_open(ls: LintEnvServer, params: types.DidOpenTextDocumentParams) -> None:
    doc = params.text_document
    if doc.uri in ls.cell_owner:
        return  # a notebook cell: handled with its notebook
    path = _checked_path(doc.uri, doc.language_id)
    if path is None:
        return
    unit = ls.open_unit(doc.uri, path)
    ls.schedule(unit, 0, cascade=True)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@guarded()
def did_change(ls: LintEnvServer, params: types.DidChangeTextDocumentParams) -> None:
    unit = ls.unit_for(params.text_document.uri)
    if unit is not None:
        ls.schedule(unit, ls.settings.debounce, cascade=True)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
@guarded()
def did_save(ls: LintEnvServer, params: types.DidSaveTextDocumentParams) -> None:
    path = _path_of(params.text_document.uri)
    if path is not None and path.name == "pyproject.toml":
        ls.reset_project()  # [tool.lint-env] may have changed on disk
        return
    unit = ls.unit_for(params.text_document.uri)
    if unit is not None:
        ls.schedule(unit, 0, cascade=True)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@guarded()
def did_close(ls: LintEnvServer, params: types.DidCloseTextDocumentParams) -> None:
    if params.text_document.uri in ls.units:
        ls.close_unit(params.text_document.uri)


# --- notebooks ----------------------------------------------------------------------


@server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
@guarded()
def notebook_open(ls: LintEnvServer, params: types.DidOpenNotebookDocumentParams) -> None:
    nb = params.notebook_document
    path = _path_of(nb.uri)
    if path is None:
        return
    unit = ls.open_unit(nb.uri, path, notebook=True)
    unit.cells = [c.document for c in nb.cells]
    for c in unit.cells:
        ls.cell_owner[c] = nb.uri
    ls.schedule(unit, 0, cascade=True)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
@guarded()
def notebook_change(ls: LintEnvServer, params: types.DidChangeNotebookDocumentParams) -> None:
    unit = ls.units.get(params.notebook_document.uri)
    if unit is None:
        return
    before = set(unit.cells)
    nb = ls.workspace.get_notebook_document(notebook_uri=unit.uri)
    if nb is not None:
        unit.cells = [c.document for c in nb.cells]
        for c in unit.cells:
            ls.cell_owner[c] = unit.uri
    gone = before - set(unit.cells)
    for c in gone:
        ls.cell_owner.pop(c, None)
        if not ls.use_pull:
            ls.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=c, diagnostics=[])
            )
    ls.schedule(unit, ls.settings.debounce, cascade=True)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
@guarded()
def notebook_save(ls: LintEnvServer, params: types.DidSaveNotebookDocumentParams) -> None:
    unit = ls.units.get(params.notebook_document.uri)
    if unit is not None:
        ls.schedule(unit, 0, cascade=True)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
@guarded()
def notebook_close(ls: LintEnvServer, params: types.DidCloseNotebookDocumentParams) -> None:
    ls.close_unit(params.notebook_document.uri)
