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
from lint_env.ruleset import load_ruleset
from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

FIXTURE = Path(__file__).parent / "fixtures" / "lsp" / "project"
SERVER = [sys.executable, "-m", "lint_env.lsp"]
PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS

UNPARSABLE = "LE001"  # built in: a requirement line nobody can parse
RULES = load_ruleset()
UNDECLARED_RULE = next((r for r in RULES if r.kind == "import-undeclared"), None)
UNDECLARED = UNDECLARED_RULE.code if UNDECLARED_RULE else "(none)"
needs_import_rule = pytest.mark.skipif(
    UNDECLARED_RULE is None, reason="no import-undeclared rule in the shipped database yet"
)


def fix_examples(limit: int = 4) -> list:
    """(rule, example) pairs from the shipped database: a requirements-file example with a
    hand-written ``fixed`` text, no other files, where the rule is the only finding (so one
    quick fix must give exactly ``fixed``)."""
    import tempfile

    from lint_env.api import Project
    from lint_env.config import Config

    out = []
    for rule in RULES:
        for ex in rule.examples:
            usable = ex.expect == "bad" and ex.fixed is not None and not ex.files
            if not usable or ex.file != "requirements.txt":
                continue
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / ex.file
                path.write_text(ex.text, encoding="utf-8")
                cfg = Config(targets=(ex.target or rule.targets[0],), python=ex.python or "3.11")
                found = Project(Path(tmp), cfg).check_file(path)
            if [f.code for f in found] == [rule.code] and found[0].fixes:
                out.append(pytest.param(rule, ex, found[0].fixes[0].safe, id=rule.code))
            break
        if len(out) >= limit:
            break
    return out or [pytest.param(None, None, None, marks=pytest.mark.skip(reason="no fix yet"))]


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
@pytest.mark.parametrize(
    ("name", "language", "line", "col"),
    [
        ("requirements.txt", "pip-requirements", 1, 0),
        ("environment.yml", "yaml", 7, 6),
        ("pyproject.toml", "toml", 5, 3),
    ],
)
async def test_diagnostics_for_each_dependency_file_kind(
    client: LanguageClient, tmp_path: Path, name: str, language: str, line: int, col: int
):
    root = project(tmp_path)
    await start(client, root, vscode_caps())
    u = uri(root, name)
    open_doc(client, u, (root / name).read_text(), language)
    await wait_for(lambda: u in client.diagnostics)
    (d,) = client.diagnostics[u]
    assert (d.code, d.source, d.severity) == (
        UNPARSABLE,
        "lint-env",
        types.DiagnosticSeverity.Error,
    )
    assert (d.range.start.line, d.range.start.character) == (line, col)
    assert "numpy>=>1.2" in d.message
    assert d.code_description is None or d.code_description.href.startswith("http")


@pytest.mark.asyncio
async def test_positions_are_utf16_for_vscode(client: LanguageClient, tmp_path: Path):
    root = project(tmp_path)
    await start(client, root, vscode_caps())
    u = uri(root, "requirements.txt")
    # U+1F600 is one code point, two UTF-16 units: the finding on the next line starts
    # after it in UTF-16 units.
    open_doc(client, u, "numpy  # 😀\nscipy; python_version >=>\n", "pip-requirements")
    await wait_for(lambda: u in client.diagnostics)
    (d,) = client.diagnostics[u]
    assert d.range.start.line == 1


@pytest.mark.asyncio
@needs_import_rule
async def test_python_imports_and_cross_file_refresh(client: LanguageClient, tmp_path: Path):
    root = project(tmp_path)
    await start(client, root, vscode_caps())
    req, py = uri(root, "requirements.txt"), uri(root, "train.py")
    open_doc(client, req, "numpy\n", "pip-requirements")
    open_doc(client, py, PY_TEXT, "python")
    await wait_for(lambda: py in client.diagnostics and len(client.diagnostics[py]) > 0)
    assert codes(client.diagnostics[py]) == [UNDECLARED]
    assert client.diagnostics[py][0].range.start.line == 1  # import pandas
    # Declaring pandas in the (unsaved) requirements buffer clears the .py diagnostic.
    change_doc(client, req, "numpy\npandas\n", 2)
    await wait_for(lambda: len(client.diagnostics[py]) == 0)
    # ... and removing it again brings it back.
    change_doc(client, req, "numpy\n", 3)
    await wait_for(lambda: codes(client.diagnostics[py]) == [UNDECLARED])


@pytest.mark.asyncio
async def test_debounce_publishes_only_the_final_text(client: LanguageClient, tmp_path: Path):
    root = project(tmp_path)
    await start(client, root, vscode_caps(), {"lintEnv": {"debounceMs": 300}})
    seen = record_publishes(client)
    req = uri(root, "requirements.txt")
    open_doc(client, req, "numpy\n", "pip-requirements")
    await wait_for(lambda: len(seen) == 1)
    assert len(seen[0].diagnostics) == 0
    # A burst: every intermediate text has an unparsable line 1; the final one on line 2.
    for v in range(2, 32):
        change_doc(client, req, f"numpy\n%%% {v}\n", v)
    change_doc(client, req, "numpy\nscipy\nnumpy>=>1.2\n", 32)
    await wait_for(lambda: len(seen) >= 2)
    await asyncio.sleep(0.6)  # nothing else may arrive
    assert len(seen) == 2
    assert seen[1].version == 32
    assert codes(seen[1].diagnostics) == [UNPARSABLE]
    assert seen[1].diagnostics[0].range.start.line == 2
    # Closing clears the diagnostics.
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=req))
    )
    await wait_for(lambda: len(seen) == 3)
    assert len(seen[2].diagnostics) == 0


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
    assert codes(report.items) == [UNPARSABLE]
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
    change_doc(client, req, "numpy\n%%%\n", 3)
    ws = await client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(previous_result_ids=[])
    )
    assert [i.uri for i in ws.items] == [req]
    assert codes(ws.items[0].items) == [UNPARSABLE] and ws.items[0].version == 3
    # workspace/diagnostic with up-to-date result ids is held open until something changes.
    ids = [types.PreviousResultId(uri=req, value=ws.items[0].result_id)]
    poll = asyncio.ensure_future(
        client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=ids))
    )
    await asyncio.sleep(0.5)
    assert not poll.done()
    change_doc(client, req, "numpy\n", 4)
    ws = await asyncio.wait_for(poll, 10)
    assert [(i.kind, len(i.items), i.version) for i in ws.items] == [("full", 0, 4)]
    assert seen == []  # a client that pulls is never pushed to


@pytest.mark.asyncio
@needs_import_rule
async def test_pull_client_gets_refresh_on_cross_file_change(
    client: LanguageClient, tmp_path: Path
):
    root = project(tmp_path)
    await start(client, root, vscode_caps(pull=True))
    req, py = uri(root, "requirements.txt"), uri(root, "train.py")
    open_doc(client, req, "numpy\n", "pip-requirements")
    open_doc(client, py, PY_TEXT, "python")

    async def pull(u: str):
        return await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=u))
        )

    assert codes((await pull(py)).items) == [UNDECLARED]
    before = client.diagnostic_refresh_count
    change_doc(client, req, "numpy\npandas\n", 2)
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
@needs_import_rule
async def test_notebook_diagnostics_land_on_the_right_cell(client: LanguageClient, tmp_path: Path):
    root = project(tmp_path)
    (root / "requirements.txt").write_text("numpy\n")
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
    assert (diags[0].range.start.line, diags[0].range.start.character) == (1, 7)
    assert len(client.diagnostics[items[0].uri]) == 0
    assert len(client.diagnostics[items[1].uri]) == 0
    # "Ignore on this line" edits the cell's own document.
    acts = await actions_at(client, items[2].uri, diags[0], only=[types.CodeActionKind.QuickFix])
    (ignore,) = [a for a in acts if a.title.endswith("ignore this rule on this line")]
    assert apply_edits(items[2].text, edits_for(ignore, items[2].uri)) == (
        f"x = 1\nimport pandas  # lint-env: ignore[{UNDECLARED}]\n"
    )
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


async def actions_at(client: LanguageClient, u: str, diag=None, only=None):
    rng = diag.range if diag else types.Range(start=types.Position(0, 0), end=types.Position(0, 0))
    return await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=u),
            range=rng,
            context=types.CodeActionContext(diagnostics=[diag] if diag else [], only=only),
        )
    )


@pytest.mark.asyncio
async def test_ignore_this_rule_on_this_line(client: LanguageClient, tmp_path: Path):
    root = project(tmp_path)
    await start(client, root, vscode_caps())
    req = uri(root, "requirements.txt")
    text = "numpy\nnumpy>=>1.2  \n"
    open_doc(client, req, text, "pip-requirements")
    await wait_for(lambda: req in client.diagnostics)
    (diag,) = client.diagnostics[req]
    acts = await actions_at(client, req, diag, only=[types.CodeActionKind.QuickFix])
    (ignore,) = [a for a in acts if "ignore" in a.title]
    assert ignore.title == f"lint-env ({UNPARSABLE}): ignore this rule on this line"
    ignored = apply_edits(text, edits_for(ignore, req))
    assert ignored == f"numpy\nnumpy>=>1.2  # lint-env: ignore[{UNPARSABLE}]\n"
    # The suppression works: the edited text has no finding any more.
    change_doc(client, req, ignored, 2)
    await wait_for(lambda: len(client.diagnostics[req]) == 0)


@pytest.mark.asyncio
@pytest.mark.parametrize(("rule", "example", "safe"), fix_examples())
async def test_quickfix_and_fix_all_give_the_rule_examples_fixed_text(
    client: LanguageClient, tmp_path: Path, rule, example, safe
):
    root = project(tmp_path)
    (root / "requirements.txt").write_text(example.text)
    settings = {"targets": [example.target or rule.targets[0]], "pythonVersion": "3.11"}
    if example.python:
        settings["pythonVersion"] = example.python
    await start(client, root, vscode_caps(), {"lintEnv": settings})
    req = uri(root, "requirements.txt")
    open_doc(client, req, example.text, "pip-requirements")
    await wait_for(lambda: req in client.diagnostics)
    (diag,) = client.diagnostics[req]
    assert diag.code == rule.code
    acts = await actions_at(client, req, diag, only=[types.CodeActionKind.QuickFix])
    fix = acts[0]
    assert fix.title.startswith(f"lint-env ({rule.code}): ") and "ignore" not in fix.title
    assert apply_edits(example.text, edits_for(fix, req)) == example.fixed
    assert acts[-1].title.endswith("ignore this rule on this line")
    fix_all = await actions_at(client, req, only=["source"])
    if safe:
        (only,) = fix_all
        assert only.kind == "source.fixAll.lint-env"
        assert apply_edits(example.text, edits_for(only, req)) == example.fixed
    else:  # an unsafe fix is offered one by one, never applied by fix-all
        assert list(fix_all) == []


# --- hover, settings, commands ------------------------------------------------------------


@pytest.mark.asyncio
async def test_hover_on_a_requirement_and_a_problem(client: LanguageClient, tmp_path: Path):
    root = project(tmp_path)
    await start(client, root, vscode_caps(), {"lintEnv": {"pythonVersion": "3.11"}})
    req = uri(root, "requirements.txt")
    open_doc(client, req, "tensorflow>=2.16,<2.17\nnumpy>=>1.2\n", "pip-requirements")
    await wait_for(lambda: req in client.diagnostics)

    async def hover_at(line: int, col: int):
        return await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=req),
                position=types.Position(line, col),
            )
        )

    h = await hover_at(0, 3)
    assert h is not None and h.contents.kind == types.MarkupKind.Markdown
    assert (
        "**tensorflow** `<2.17,>=2.16`" in h.contents.value or "`>=2.16,<2.17`" in h.contents.value
    )
    # From the index snapshot: TensorFlow 2.16.2 (the newest 2.16) has macOS arm64 wheels
    # for CPython 3.11; pip picks it (tests/test_lsp_hints.py has the rest of the hover).
    assert "pip would install for Python 3.11 (configured)" in h.contents.value
    assert "- macOS arm64: **2.16.2**" in h.contents.value
    assert (h.range.start.line, h.range.start.character) == (0, 0)
    problem = await hover_at(1, 2)
    assert problem is not None and f"**{UNPARSABLE}**" in problem.contents.value
    assert RULES.get(UNPARSABLE).summary in problem.contents.value
    assert await hover_at(5, 0) is None


@pytest.mark.asyncio
async def test_configuration_change_rechecks(client: LanguageClient, tmp_path: Path):
    root = project(tmp_path)
    client.set_configuration({"ignore": []}, section="lintEnv")
    await start(client, root, vscode_caps())
    req = uri(root, "requirements.txt")
    open_doc(client, req, REQ_TEXT, "pip-requirements")
    await wait_for(lambda: req in client.diagnostics and len(client.diagnostics[req]) == 1)
    client.set_configuration({"ignore": [UNPARSABLE]}, section="lintEnv")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_for(lambda: len(client.diagnostics[req]) == 0)
    client.set_configuration({"ignore": []}, section="lintEnv")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_for(lambda: codes(client.diagnostics[req]) == [UNPARSABLE])
    # A bad value is reported and ignored, not fatal.
    client.set_configuration({"targets": ["amiga-68k"]}, section="lintEnv")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_for(lambda: any("amiga-68k" in m.message for m in client.messages))


SITE = Path(__file__).parent / "fixtures" / "lsp" / "site"


@pytest.mark.asyncio
async def test_validate_command_runs_the_probe(client: LanguageClient, tmp_path: Path):
    """The real probe in this interpreter, over a fixture site-packages holding one
    distribution installed from a Linux x86_64 wheel, judged as macOS arm64 (the probe's
    --as-platform; a real Mac cannot be had here)."""
    root = project(tmp_path)
    await start(client, root, vscode_caps())
    req = uri(root, "requirements.txt")
    text = "numpy\ndemo-native==1.0\n"
    open_doc(client, req, text, "pip-requirements")
    await wait_for(lambda: req in client.diagnostics)
    assert len(client.diagnostics[req]) == 0
    report = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="lint-env.validate",
            arguments=[
                {
                    "python": sys.executable,
                    "asPlatform": "macos-arm64",
                    "sites": [str(SITE)],
                    "tensorflow": False,
                }
            ],
        )
    )
    assert report["interpreter"] == sys.executable
    found = {(f["code"], f["package"]) for f in report["findings"]}
    assert ("RT002", "demo-native") in found
    # Progress: begin ... end on one token.
    (token,) = [t for t in client.progress_reports if str(t).startswith("lint-env-validate")]
    kinds = [r.kind for r in client.progress_reports[token]]
    assert kinds[0] == "begin" and kinds[-1] == "end"
    # A summary message, and the runtime finding on the line that declares the package.
    assert any("lint-env validate" in m.message for m in client.messages)
    await wait_for(lambda: any(d.code == "RT002" for d in client.diagnostics[req]))
    (d,) = [d for d in client.diagnostics[req] if d.code == "RT002"]
    assert d.range.start.line == 1 and "demo-native" in d.message


NO_PROBE = [
    sys.executable,
    "-c",
    "import sys; sys.modules['lint_env.probe.validate'] = None; "
    "from lint_env.lsp.server import main; raise SystemExit(main())",
]


@pytest_lsp.fixture(config=ClientServerConfig(server_command=NO_PROBE, server_env=dict(os.environ)))
async def client_without_probe(lsp_client: LanguageClient):
    """A build without the probe module (it cannot be imported)."""
    lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)(lambda params: None)
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_validate_command_not_available(client_without_probe: LanguageClient, tmp_path):
    client = client_without_probe
    root = project(tmp_path)
    await start(client, root, vscode_caps())
    with pytest.raises(Exception, match=r"lint-env\.validate is not available"):
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
    with pytest.raises(Exception, match=r"the argument must be an interpreter path"):
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="lint-env.validate", arguments=[{"python": 5}, 7])
        )
    req = uri(root, "requirements.txt")
    open_doc(client, req, REQ_TEXT, "pip-requirements")
    await wait_for(lambda: req in client.diagnostics)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.asyncio
async def test_tcp_transport(tmp_path: Path):
    """`lint-env server --tcp HOST:PORT` serves one client over TCP (for debugging)."""
    from pygls.lsp.client import LanguageClient as PlainClient

    root = project(tmp_path)
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "lint_env", "server", "--tcp", f"127.0.0.1:{port}",
        env=dict(os.environ),
    )  # fmt: skip
    try:
        tcp = PlainClient("tcp-test", "0")
        got: dict[str, list] = {}

        @tcp.feature(PUBLISH)
        def published(params: types.PublishDiagnosticsParams) -> None:
            got[params.uri] = list(params.diagnostics)

        for _ in range(100):  # the server needs a moment to listen
            try:
                await tcp.start_tcp("127.0.0.1", port)
                break
            except OSError:
                await asyncio.sleep(0.1)
        result = await tcp.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(), root_uri=from_fs_path(str(root))
            )
        )
        assert result.server_info.name == "lint-env"
        tcp.initialized(types.InitializedParams())
        req = uri(root, "requirements.txt")
        open_doc(tcp, req, REQ_TEXT, "pip-requirements")
        await wait_for(lambda: req in got)
        assert codes(got[req]) == [UNPARSABLE]
        await tcp.shutdown_async(None)
        tcp.exit(None)
        await asyncio.wait_for(proc.wait(), 10)
        await tcp.stop()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


@pytest.mark.asyncio
async def test_bad_project_config_is_reported_and_defaults_apply(
    client: LanguageClient, tmp_path: Path
):
    root = project(tmp_path)
    with (root / "pyproject.toml").open("a") as f:
        f.write('\n[tool.lint-env]\ntargets = ["amiga-68k"]\n')
    await start(client, root, vscode_caps())
    req = uri(root, "requirements.txt")
    open_doc(client, req, REQ_TEXT, "pip-requirements")
    await wait_for(lambda: req in client.diagnostics)
    assert codes(client.diagnostics[req]) == [UNPARSABLE]
    assert any("amiga-68k" in m.message for m in client.log_messages)


@pytest.mark.asyncio
async def test_lock_file_diagnostics_and_no_quick_fix(client: LanguageClient, tmp_path: Path):
    """An open uv.lock is checked like the CLI checks it (LK001 on the locked entry),
    and a lock offers no edit: it is re-generated, not fixed by hand."""
    from test_locks import LOCK_WITH_PAIRING

    root = project(tmp_path)
    text = LOCK_WITH_PAIRING.replace(
        "cp311-cp311-macosx_12_0_arm64", "cp310-cp310-macosx_12_0_arm64"
    )
    await start(client, root, vscode_caps(), {"pythonVersion": "3.11"})
    u = uri(root, "uv.lock")
    open_doc(client, u, text, "toml")
    await wait_for(lambda: u in client.diagnostics)
    found = {(str(d.code), d.range.start.line) for d in client.diagnostics[u]}
    line = text.splitlines().index('name = "tensorflow"')
    assert ("LK001", line) in found
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=u),
            range=types.Range(types.Position(line, 0), types.Position(line, 10)),
            context=types.CodeActionContext(diagnostics=client.diagnostics[u]),
        )
    )
    assert not [a for a in actions or [] if getattr(a, "edit", None)]
