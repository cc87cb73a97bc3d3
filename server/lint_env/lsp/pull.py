"""Pull diagnostics: textDocument/diagnostic and workspace/diagnostic."""

from __future__ import annotations

import asyncio
from typing import Any

from lsprotocol import types

from .language_server import (
    WORKSPACE_POLL_S,
    LintEnvServer,
    _find_doc,
    guarded,
    server,
)

# --- pull diagnostics ---------------------------------------------------------------


def _empty_report() -> types.FullDocumentDiagnosticReport:
    return types.FullDocumentDiagnosticReport(items=[])


@server.feature(
    types.TEXT_DOCUMENT_DIAGNOSTIC,
    types.DiagnosticOptions(
        identifier="lint-env", inter_file_dependencies=True, workspace_diagnostics=True
    ),
)
@guarded(_empty_report)
async def document_diagnostic(ls: LintEnvServer, params: types.DocumentDiagnosticParams):
    uri = params.text_document.uri
    unit = ls.unit_for(uri)
    if unit is None:
        return _empty_report()
    result = await ls.current(unit)
    if result is None:
        return _empty_report()
    result_id = f"{result.seq}"
    if params.previous_result_id == result_id:
        return types.UnchangedDocumentDiagnosticReport(result_id=result_id)
    return types.FullDocumentDiagnosticReport(
        items=result.diagnostics.get(uri, []), result_id=result_id
    )


@server.feature(types.WORKSPACE_DIAGNOSTIC)
@guarded(lambda: types.WorkspaceDiagnosticReport(items=[]))
async def workspace_diagnostic(ls: LintEnvServer, params: types.WorkspaceDiagnosticParams):
    previous = {p.uri: p.value for p in params.previous_result_ids or []}
    report = await _workspace_report(ls, previous)
    unchanged = all(
        isinstance(i, types.WorkspaceUnchangedDocumentDiagnosticReport) for i in report.items
    )
    if previous and unchanged:
        # Nothing new: hold the request open (long poll) until a result changes, so a
        # client that re-asks at once (VS Code) does not spin.
        ls.results_changed.clear()
        try:
            await asyncio.wait_for(ls.results_changed.wait(), WORKSPACE_POLL_S)
        except asyncio.TimeoutError:
            return report
        report = await _workspace_report(ls, previous)
    return report


async def _workspace_report(ls: LintEnvServer, previous: dict[str, str]):
    items: list[Any] = []
    for unit in list(ls.units.values()):
        result = await ls.current(unit)
        if result is None:
            continue
        result_id = f"{result.seq}"
        for uri in unit.uris:
            doc = ls.workspace.text_documents.get(uri) or _find_doc(ls, uri)
            version = doc.version if doc is not None else None
            if previous.get(uri) == result_id:
                items.append(
                    types.WorkspaceUnchangedDocumentDiagnosticReport(
                        uri=uri, version=version, result_id=result_id
                    )
                )
            else:
                items.append(
                    types.WorkspaceFullDocumentDiagnosticReport(
                        uri=uri,
                        version=version,
                        items=result.diagnostics.get(uri, []),
                        result_id=result_id,
                    )
                )
    return types.WorkspaceDiagnosticReport(items=items)
