"""End-to-end tests of `lint-env server`: pytest-lsp drives the real server in a subprocess.

The server checks through the real core (lint_env.api.Project) and the shipped rule
database; expected diagnostics are written by hand from the fixture texts.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

FIXTURE = Path(__file__).parent / "fixtures" / "lsp" / "project"
SERVER = [sys.executable, "-m", "lint_env.lsp"]
PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS

# Rule codes the fixtures trigger.
UNPARSABLE = "LE001"  # built in: cannot parse a requirement line
DEPRECATED = "TF001"  # tensorflow-macos -> tensorflow (has a safe fix)
UNDECLARED = "IM001"  # an import no declared dependency provides

REQ_TEXT = (FIXTURE / "requirements.txt").read_text()
PY_TEXT = (FIXTURE / "train.py").read_text()


# --- helpers ----------------------------------------------------------------------------


def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(FIXTURE, root)
    return root


def uri(root: Path, name: str) -> str:
    return from_fs_path(str(root / name))


def open_doc(client: LanguageClient, u: str, text: str, language: str, version: int = 1) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=u, language_id=language, version=version, text=text
            )
        )
    )


def change_doc(client: LanguageClient, u: str, text: str, version: int) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=u, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def record_publishes(client: LanguageClient) -> list[types.PublishDiagnosticsParams]:
    """Every publishDiagnostics the client receives, in order (the stock client keeps
    only the last list per URI)."""
    seen: list[types.PublishDiagnosticsParams] = []
    features = client.protocol.fm.features
    original = features[PUBLISH]

    def handler(params: types.PublishDiagnosticsParams) -> None:
        seen.append(params)
        original(params)

    features[PUBLISH] = handler
    return seen


async def wait_for(predicate, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise AssertionError("timed out waiting for the server")
        await asyncio.sleep(0.02)


def codes(diags) -> list[str]:
    return sorted(str(d.code) for d in diags)


def apply_edits(text: str, edits) -> str:
    """Apply LSP TextEdits (UTF-16 positions) to text: an independent implementation."""
    lines = text.split("\n")

    def offset(pos: types.Position) -> int:
        before = sum(len(line) + 1 for line in lines[: pos.line])
        line = lines[pos.line] if pos.line < len(lines) else ""
        units = 0
        for i, ch in enumerate(line):
            if units >= pos.character:
                return before + i
            units += 2 if ord(ch) > 0xFFFF else 1
        return before + len(line)

    spans = sorted((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits)
    out, last = [], 0
    for start, end, new in spans:
        assert start >= last, "overlapping edits"
        out.append(text[last:start])
        out.append(new)
        last = end
    out.append(text[last:])
    return "".join(out)


def edits_for(action: types.CodeAction, u: str):
    edit = action.edit
    assert edit is not None
    if edit.document_changes:
        return [e for dc in edit.document_changes if dc.text_document.uri == u for e in dc.edits]
    return list(edit.changes[u])


async def start(client: LanguageClient, root: Path, caps, init_options=None) -> None:
    await client.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            root_uri=from_fs_path(str(root)),
            workspace_folders=[types.WorkspaceFolder(uri=from_fs_path(str(root)), name="proj")],
            initialization_options=init_options,
        )
    )


def vscode_caps(pull: bool = False, notebooks: bool = False) -> types.ClientCapabilities:
    caps = client_capabilities("visual-studio-code")
    if pull:
        caps.text_document.diagnostic = types.DiagnosticClientCapabilities(
            dynamic_registration=False
        )
        caps.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(
            refresh_support=True
        )
    if notebooks:
        caps.notebook_document = types.NotebookDocumentClientCapabilities(
            synchronization=types.NotebookDocumentSyncClientCapabilities()
        )
    return caps


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, server_env=dict(os.environ)))
async def client(lsp_client: LanguageClient):
    # The stock test client does not answer dynamic registration; VS Code does.
    lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)(lambda params: None)
    yield
    await lsp_client.shutdown_session()


# --- diagnostics per document kind ------------------------------------------------------


@pytest.mark.asyncio
async def test_requirements_push_diagnostics(client: LanguageClient, tmp_path: Path):
    root = project(tmp_path)
    await start(client, root, vscode_caps())
    req = uri(root, "requirements.txt")
    open_doc(client, req, REQ_TEXT, "pip-requirements")
    await wait_for(lambda: req in client.diagnostics)
    diags = sorted(client.diagnostics[req], key=lambda d: d.range.start.line)
    assert codes(diags) == sorted([DEPRECATED, UNPARSABLE])
    assert all(d.source == "lint-env" for d in diags)
    bad = next(d for d in diags if d.code == UNPARSABLE)
    assert bad.range.start.line == 2
    assert bad.severity == types.DiagnosticSeverity.Error


@pytest.mark.asyncio
async def test_python_imports_and_cross_file_refresh(client: LanguageClient, tmp_path: Path):
    root = project(tmp_path)
    await start(client, root, vscode_caps())
    req, py = uri(root, "requirements.txt"), uri(root, "train.py")
    open_doc(client, req, REQ_TEXT, "pip-requirements")
    open_doc(client, py, PY_TEXT, "python")
    await wait_for(lambda: py in client.diagnostics and len(client.diagnostics[py]) > 0)
    assert codes(client.diagnostics[py]) == [UNDECLARED]
    assert client.diagnostics[py][0].range.start.line == 1  # import pandas
    # Declaring pandas in the (unsaved) requirements buffer clears the .py diagnostic.
    change_doc(client, req, REQ_TEXT + "pandas\n", 2)
    await wait_for(lambda: len(client.diagnostics[py]) == 0)


@pytest.mark.asyncio
async def test_debounce_publishes_only_the_final_text(client: LanguageClient, tmp_path: Path):
    root = project(tmp_path)
    await start(client, root, vscode_caps(), {"lintEnv": {"debounceMs": 300}})
    seen = record_publishes(client)
    req = uri(root, "requirements.txt")
    open_doc(client, req, "numpy\n", "pip-requirements")
    await wait_for(lambda: len(seen) == 1)
    assert len(seen[0].diagnostics) == 0
    # A burst: every intermediate text has an unparsable line; only the last is clean.
    for v in range(2, 32):
        change_doc(client, req, f"numpy\n%%% {v}\n", v)
    change_doc(client, req, "numpy\ntensorflow-macos==2.9\n", 32)
    await wait_for(lambda: len(seen) >= 2)
    await asyncio.sleep(0.6)  # nothing else may arrive
    assert len(seen) == 2
    assert seen[1].version == 32
    assert codes(seen[1].diagnostics) == [DEPRECATED]
    assert seen[1].diagnostics[0].range.start.line == 1


# --- pull ---------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_pull_diagnostics_and_no_push(client: LanguageClient, tmp_path: Path):
    root = project(tmp_path)
    await start(client, root, vscode_caps(pull=True))
    seen = record_publishes(client)
    req = uri(root, "requirements.txt")
    open_doc(client, req, REQ_TEXT, "pip-requirements")
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=req))
    )
    assert report.kind == "full"
    assert codes(report.items) == sorted([DEPRECATED, UNPARSABLE])
    again = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=req),
            previous_result_id=report.result_id,
        )
    )
    assert again.kind == "unchanged"
    change_doc(client, req, "numpy\n", 2)
    fresh = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=req),
            previous_result_id=report.result_id,
        )
    )
    assert fresh.kind == "full" and len(fresh.items) == 0
    ws = await client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(previous_result_ids=[])
    )
    assert [i.uri for i in ws.items] == [req]
    assert seen == []  # a client that pulls is never pushed to


@pytest.mark.asyncio
async def test_pull_client_gets_refresh_on_cross_file_change(
    client: LanguageClient, tmp_path: Path
):
    root = project(tmp_path)
    await start(client, root, vscode_caps(pull=True))
    req, py = uri(root, "requirements.txt"), uri(root, "train.py")
    open_doc(client, req, REQ_TEXT, "pip-requirements")
    open_doc(client, py, PY_TEXT, "python")

    async def pull(u: str):
        return await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=u))
        )

    assert codes((await pull(py)).items) == [UNDECLARED]
    before = client.diagnostic_refresh_count
    change_doc(client, req, REQ_TEXT + "pandas\n", 2)
    await wait_for(lambda: client.diagnostic_refresh_count > before)
    assert codes((await pull(py)).items) == []


# --- notebooks ----------------------------------------------------------------------------


def notebook_cells(root: Path, texts: list[tuple[str, types.NotebookCellKind]]):
    nb = from_fs_path(str(root / "analysis.ipynb"))
    cells, items = [], []
    for i, (text, kind) in enumerate(texts):
        cell_uri = f"vscode-notebook-cell:{root / 'analysis.ipynb'}#W{i}sZmlsZQ%3D%3D"
        cells.append(types.NotebookCell(kind=kind, document=cell_uri))
        language = "python" if kind == types.NotebookCellKind.Code else "markdown"
        items.append(
            types.TextDocumentItem(uri=cell_uri, language_id=language, version=1, text=text)
        )
    return nb, cells, items


@pytest.mark.asyncio
async def test_notebook_diagnostics_land_on_the_right_cell(client: LanguageClient, tmp_path: Path):
    root = project(tmp_path)
    await start(client, root, vscode_caps(notebooks=True))
    code, md = types.NotebookCellKind.Code, types.NotebookCellKind.Markup
    nb, cells, items = notebook_cells(
        root,
        [
            ("import numpy\n", code),
            ("# Title\nimport pandas in prose\n", md),
            ("x = 1\nimport pandas\n", code),
        ],
    )
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=nb, notebook_type="jupyter-notebook", version=1, cells=cells
            ),
            cell_text_documents=items,
        )
    )
    await wait_for(lambda: items[2].uri in client.diagnostics and client.diagnostics[items[2].uri])
    diags = client.diagnostics[items[2].uri]
    assert codes(diags) == [UNDECLARED]
    assert diags[0].range.start.line == 1
    assert len(client.diagnostics[items[0].uri]) == 0
    assert len(client.diagnostics[items[1].uri]) == 0
    # Editing the third cell to import numpy instead clears it.
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(uri=nb, version=2),
            change=types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    text_content=[
                        types.NotebookDocumentCellContentChanges(
                            document=types.VersionedTextDocumentIdentifier(
                                uri=items[2].uri, version=2
                            ),
                            changes=[
                                types.TextDocumentContentChangeWholeDocument(
                                    text="x = 1\nimport numpy\n"
                                )
                            ],
                        )
                    ]
                )
            ),
        )
    )
    await wait_for(lambda: len(client.diagnostics[items[2].uri]) == 0)


# --- code actions -------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_quickfix_ignore_and_fix_all(client: LanguageClient, tmp_path: Path):
    root = project(tmp_path)
    await start(client, root, vscode_caps())
    req = uri(root, "requirements.txt")
    text = "numpy\ntensorflow-macos==2.9  \n"
    open_doc(client, req, text, "pip-requirements")
    await wait_for(lambda: req in client.diagnostics)
    diag = next(d for d in client.diagnostics[req] if d.code == DEPRECATED)
    acts = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=req),
            range=diag.range,
            context=types.CodeActionContext(diagnostics=[diag]),
        )
    )
    by_title = {a.title: a for a in acts}
    fix = next(a for a in acts if a.kind == types.CodeActionKind.QuickFix and a.is_preferred)
    assert apply_edits(text, edits_for(fix, req)) == "numpy\ntensorflow==2.9  \n"
    ignore = by_title[f"lint-env ({DEPRECATED}): ignore this rule on this line"]
    ignored = apply_edits(text, edits_for(ignore, req))
    assert ignored == f"numpy\ntensorflow-macos==2.9  # lint-env: ignore[{DEPRECATED}]\n"
    # The suppression works: re-checking the edited text drops the finding.
    change_doc(client, req, ignored, 2)
    await wait_for(lambda: all(d.code != DEPRECATED for d in client.diagnostics[req]))
    # fixAll, asked for by a prefix of its kind.
    two = "tensorflow-macos==2.9\nnumpy\ntensorflow-macos>=2.9\n"
    change_doc(client, req, two, 3)
    await wait_for(lambda: len(client.diagnostics[req]) == 2)
    acts = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=req),
            range=types.Range(start=types.Position(0, 0), end=types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=[], only=["source.fixAll"]),
        )
    )
    assert [a.kind for a in acts] == ["source.fixAll.lint-env"]
    assert apply_edits(two, edits_for(acts[0], req)) == "tensorflow==2.9\nnumpy\ntensorflow>=2.9\n"


# --- hover, settings, commands ------------------------------------------------------------


@pytest.mark.asyncio
async def test_hover_on_a_requirement(client: LanguageClient, tmp_path: Path):
    root = project(tmp_path)
    await start(client, root, vscode_caps())
    req = uri(root, "requirements.txt")
    open_doc(client, req, REQ_TEXT, "pip-requirements")
    await wait_for(lambda: req in client.diagnostics)
    h = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=req), position=types.Position(0, 4)
        )
    )
    assert h is not None
    assert h.contents.kind == types.MarkupKind.Markdown
    assert "**tensorflow-macos**" in h.contents.value
    assert DEPRECATED in h.contents.value
    assert h.range.start.line == 0
    empty = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=req), position=types.Position(3, 0)
        )
    )
    assert empty is None


@pytest.mark.asyncio
async def test_configuration_change_rechecks(client: LanguageClient, tmp_path: Path):
    root = project(tmp_path)
    client.set_configuration({"ignore": []}, section="lintEnv")
    await start(client, root, vscode_caps())
    req = uri(root, "requirements.txt")
    open_doc(client, req, REQ_TEXT, "pip-requirements")
    await wait_for(lambda: req in client.diagnostics and len(client.diagnostics[req]) == 2)
    client.set_configuration({"ignore": [DEPRECATED]}, section="lintEnv")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_for(lambda: codes(client.diagnostics[req]) == [UNPARSABLE])
    # A bad value is reported and ignored, not fatal.
    client.set_configuration({"targets": ["amiga-68k"]}, section="lintEnv")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_for(lambda: any("amiga-68k" in m.message for m in client.messages))


@pytest.mark.asyncio
async def test_validate_command_not_available(client: LanguageClient, tmp_path: Path):
    root = project(tmp_path)
    await start(client, root, vscode_caps())
    with pytest.raises(Exception, match="not available"):
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="lint-env.validate", arguments=[sys.executable])
        )
    # The server is still alive and answering.
    req = uri(root, "requirements.txt")
    open_doc(client, req, REQ_TEXT, "pip-requirements")
    await wait_for(lambda: req in client.diagnostics)


@pytest.mark.asyncio
async def test_bad_input_never_kills_the_server(client: LanguageClient, tmp_path: Path):
    root = project(tmp_path)
    await start(client, root, vscode_caps())
    odd = uri(root, "requirements-odd.txt")
    open_doc(client, odd, "\x00\ufffe[[[\n" * 3 + "numpy==\n", "pip-requirements")
    h = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=odd), position=types.Position(99, 99)
        )
    )
    assert h is None or h.contents
    acts = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri="file:///nowhere/x.txt"),
            range=types.Range(start=types.Position(0, 0), end=types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert list(acts or []) == []
    req = uri(root, "requirements.txt")
    open_doc(client, req, REQ_TEXT, "pip-requirements")
    await wait_for(lambda: req in client.diagnostics)
