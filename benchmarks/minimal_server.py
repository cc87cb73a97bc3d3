"""The floor for benchmarks/lsp_latency.py: a pygls 2.x server that answers every
didOpen/didChange with an empty publishDiagnostics at once (no analysis, no debounce).

Run: python benchmarks/minimal_server.py  (stdio)
"""

from __future__ import annotations

from lsprotocol import types
from pygls.lsp.server import LanguageServer

server = LanguageServer("minimal", "0")


def _publish(ls: LanguageServer, uri: str, version: int | None) -> None:
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=[])
    )


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: LanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri, params.text_document.version)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: LanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri, params.text_document.version)


if __name__ == "__main__":
    server.start_io()
