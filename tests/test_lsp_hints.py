"""End to end through the real server (pytest-lsp): hovers, inlay hints and version
completion.

Two servers: the shipped one (its index snapshot, rules/index), and one whose snapshot
is the made-up index of tests/fixtures/hints/index (described in its README.md), so that
yanked releases, pre-releases and releases without a file for the target are all there
to be ordered. Every expected value is written by hand from those files.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient
from test_lsp import RULES, SERVER, open_doc, project, uri, vscode_caps, wait_for

ROOT = Path(__file__).resolve().parent.parent
INDEX = Path(__file__).parent / "fixtures" / "hints" / "index"
HINTS_SERVER = [
    sys.executable,
    "-c",
    "import pathlib, lint_env.snapshot as s; "
    f"s.index_dir = lambda: pathlib.Path({str(INDEX)!r}); "
    "from lint_env.lsp.server import main; raise SystemExit(main())",
]
BOTH = {"lintEnv": {"targets": ["macos-arm64", "linux-x86_64"], "pythonVersion": "3.11"}}


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=HINTS_SERVER, server_env=dict(os.environ))
)
async def hints(lsp_client: LanguageClient):
    """The server, reading the made-up index snapshot."""
    lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)(lambda params: None)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, server_env=dict(os.environ)))
async def client(lsp_client: LanguageClient):
    """The server with the shipped snapshot."""
    lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)(lambda params: None)
    yield
    await lsp_client.shutdown_session()


def hint_caps(notebooks: bool = False) -> types.ClientCapabilities:
    """VS Code's capabilities (pytest-lsp's record is of 1.65, before LSP 3.17), with the
    inlay hints a current VS Code announces."""
    caps = vscode_caps(notebooks=notebooks)
    caps.text_document.inlay_hint = types.InlayHintClientCapabilities(dynamic_registration=False)
    return caps


async def begin(lsp: LanguageClient, root: Path, caps=None, options=BOTH):
    return await lsp.initialize_session(
        types.InitializeParams(
            capabilities=caps or hint_caps(),
            root_uri=from_fs_path(str(root)),
            workspace_folders=[types.WorkspaceFolder(uri=from_fs_path(str(root)), name="proj")],
            initialization_options=options,
        )
    )


def whole(lines: int = 50) -> types.Range:
    return types.Range(start=types.Position(0, 0), end=types.Position(lines, 0))


async def inlay(lsp: LanguageClient, u: str, rng: types.Range | None = None):
    return await lsp.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=u), range=rng or whole()
        )
    )


async def complete(lsp: LanguageClient, u: str, line: int, col: int):
    return await lsp.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=u),
            position=types.Position(line, col),
        )
    )


async def hover_text(lsp: LanguageClient, u: str, line: int, col: int) -> str:
    h = await lsp.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=u), position=types.Position(line, col)
        )
    )
    assert h is not None and h.contents.kind == types.MarkupKind.Markdown
    return h.contents.value


# --- capabilities -----------------------------------------------------------------------


@pytest.mark.asyncio
async def test_inlay_hints_are_offered_only_to_clients_that_show_them(hints, tmp_path: Path):
    result = await begin(hints, project(tmp_path), vscode_caps())  # VS Code 1.65: none
    assert result.capabilities.inlay_hint_provider is None
    assert result.capabilities.completion_provider is not None
    assert "=" in (result.capabilities.completion_provider.trigger_characters or [])


@pytest.mark.asyncio
async def test_a_client_with_inlay_hints_gets_them(hints, tmp_path: Path):
    result = await begin(hints, project(tmp_path))
    assert result.capabilities.inlay_hint_provider is not None


# --- inlay hints ------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_inlay_hints_in_a_requirements_file(hints, tmp_path: Path):
    root = project(tmp_path)
    await begin(hints, root)
    req = uri(root, "requirements.txt")
    text = "alpha\nalpha==1.0.0\nalpha>=1.1  # wants the next one\nalpha<1\n"
    open_doc(hints, req, text, "pip-requirements")
    got = await inlay(hints, req)
    # the first target, macOS arm64 with Python 3.11: 1.2.0 has Linux wheels only, so
    # an open range gets 1.0.0, and >=1.1 falls back to the pre-release 2.0.0rc1 (pip's
    # rule when no final has a file); 0.9.0 is an sdist; the exact pin gets nothing
    assert [(h.position.line, h.position.character, h.label) for h in got] == [
        (0, 5, "→ 1.0.0 (macOS arm64)"),
        (2, 10, "→ 2.0.0rc1 (macOS arm64)"),
        (3, 7, "→ 0.9.0 (macOS arm64, source build)"),
    ]
    assert got[0].tooltip == (
        "pip would install alpha 1.0.0 on macOS arm64, Python 3.11 (configured)."
        " Index snapshot of 2026-10-05."
    )
    # only the hints inside the requested range
    line2 = types.Range(start=types.Position(2, 0), end=types.Position(2, 40))
    assert [h.label for h in await inlay(hints, req, line2)] == ["→ 2.0.0rc1 (macOS arm64)"]


@pytest.mark.asyncio
async def test_inlay_hints_in_pyproject_follow_the_edit(hints, tmp_path: Path):
    root = project(tmp_path)
    await begin(hints, root, options={"lintEnv": {"targets": ["linux-x86_64"]}})
    py = uri(root, "pyproject.toml")
    text = '[project]\nname = "p"\nrequires-python = ">=3.11"\ndependencies = [\n  "alpha>=1",\n]\n'
    open_doc(hints, py, text, "toml")
    got = await inlay(hints, py)
    # Linux x86_64, Python 3.11 (the lowest requires-python allows): 1.2.0; after the quote
    assert [(h.position.line, h.position.character, h.label) for h in got] == [
        (4, 12, "→ 1.2.0 (Linux x86_64)")
    ]
    assert "Python 3.11 (the lowest your requires-python allows)" in str(got[0].tooltip)
    hints.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=py, version=2),
            content_changes=[
                types.TextDocumentContentChangeWholeDocument(text=text.replace(">=1", "<1.2"))
            ],
        )
    )
    got = await inlay(hints, py)
    assert [(h.position.character, h.label) for h in got] == [(13, "→ 1.0.0 (Linux x86_64)")]


@pytest.mark.asyncio
async def test_inlay_hints_on_a_notebook_install_cell(hints, tmp_path: Path):
    from test_lsp import notebook_cells

    root = project(tmp_path)
    await begin(hints, root, hint_caps(notebooks=True))
    code = types.NotebookCellKind.Code
    nb, cells, items = notebook_cells(
        root, [("import os\n", code), ("%pip install alpha alpha==1.0.0 'alpha<1'\n", code)]
    )
    hints.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=nb, notebook_type="jupyter-notebook", version=1, cells=cells
            ),
            cell_text_documents=items,
        )
    )
    await wait_for(lambda: items[1].uri in hints.diagnostics)
    assert list(await inlay(hints, items[0].uri)) == []
    got = await inlay(hints, items[1].uri)
    assert [(h.position.line, h.position.character, h.label) for h in got] == [
        (0, 18, "→ 1.0.0 (macOS arm64)"),
        (0, 41, "→ 0.9.0 (macOS arm64, source build)"),
    ]


# --- completion -------------------------------------------------------------------------

# Newest first, releases with a file for macOS arm64 / Python 3.11 first, finals before
# the pre-release, then those without a file (1.3.0 needs Python 3.12, 1.2.0 is Linux
# only) and the yanked 1.1.0.
MAC_ORDER = ["1.0.0", "0.9.0", "2.0.0rc1", "1.3.0", "1.2.0", "1.1.0"]


def labels(found) -> list[str]:
    assert found is not None
    items = found.items if isinstance(found, types.CompletionList) else found
    return [i.label for i in sorted(items, key=lambda i: i.sort_text or i.label)]


@pytest.mark.asyncio
async def test_version_completion_in_a_requirements_file(hints, tmp_path: Path):
    root = project(tmp_path)
    await begin(hints, root)
    req = uri(root, "requirements.txt")
    open_doc(hints, req, "numpy\nalpha==\n", "pip-requirements")
    found = await complete(hints, req, 1, 7)
    assert labels(found) == MAC_ORDER
    by = {i.label: i for i in found.items}
    assert list(by["1.1.0"].tags) == [types.CompletionItemTag.Deprecated]
    assert by["1.1.0"].detail == "yanked · wheel for macOS arm64, Python 3.11"
    assert by["2.0.0rc1"].detail == "pre-release · wheel for macOS arm64, Python 3.11"
    assert by["1.2.0"].detail == "no file for macOS arm64, Python 3.11"
    assert by["1.0.0"].tags is None
    edit = by["1.0.0"].text_edit
    assert (edit.range.start.line, edit.range.start.character, edit.range.end.character) == (
        1,
        7,
        7,
    )
    # nothing to complete on a name, or on a package the snapshot does not hold
    assert await complete(hints, req, 0, 3) is None


@pytest.mark.asyncio
async def test_version_completion_uses_the_text_being_typed(hints, tmp_path: Path):
    root = project(tmp_path)
    await begin(hints, root)
    req = uri(root, "requirements.txt")
    open_doc(hints, req, "numpy\n", "pip-requirements")
    await wait_for(lambda: req in hints.diagnostics)
    # typed just now: no check has seen this text yet
    hints.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=req, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="alpha>=1.\n")],
        )
    )
    found = await complete(hints, req, 0, 9)
    assert labels(found) == MAC_ORDER
    edit = found.items[0].text_edit
    assert (edit.range.start.character, edit.range.end.character) == (7, 9)


@pytest.mark.asyncio
async def test_version_completion_in_pyproject_strings_and_poetry(hints, tmp_path: Path):
    root = project(tmp_path)
    await begin(hints, root, options={"lintEnv": {"targets": ["linux-x86_64"]}})
    py = uri(root, "pyproject.toml")
    text = (
        '[project]\nname = "p"\nrequires-python = ">=3.11"\n'
        'dependencies = ["alpha~="]\n'
        "[tool.poetry.dependencies]\n"
        'alpha = { version = "<=" }\n'
    )
    open_doc(hints, py, text, "toml")
    # Linux x86_64, Python 3.11: 1.2.0, 1.0.0 (wheels), 0.9.0 (sdist); then no file:
    # 1.3.0 (needs 3.12), 1.1.0 (yanked, macOS only), 2.0.0rc1 (macOS only)
    linux = ["1.2.0", "1.0.0", "0.9.0", "1.3.0", "1.1.0", "2.0.0rc1"]
    assert labels(await complete(hints, py, 3, 24)) == linux
    assert labels(await complete(hints, py, 5, 22)) == linux
    assert await complete(hints, py, 2, 21) is None  # requires-python is no package


# --- hovers, with the shipped snapshot ----------------------------------------------------


def taken(name: str) -> str:
    return json.loads((ROOT / "rules" / "index" / f"{name}.json").read_text())["taken"]


@pytest.mark.asyncio
async def test_hover_says_what_pip_picks_and_what_pairs(client: LanguageClient, tmp_path: Path):
    root = project(tmp_path)
    await begin(client, root, options={"lintEnv": {"pythonVersion": "3.11"}})
    req = uri(root, "requirements.txt")
    text = "tensorflow>=2.16,<2.17\ntensorflow-metal\n"
    open_doc(client, req, text, "pip-requirements")
    await wait_for(lambda: req in client.diagnostics)
    metal = await hover_text(client, req, 1, 3)
    # rules/index/tensorflow-metal.json: 1.2.0 is its newest release (a cp311 macOS
    # arm64 wheel); rules/metal.toml: MT001 and MT002 pair TF 2.16 with metal 1.1.0;
    # tensorflow.json: 2.16.2 is the newest 2.16 release
    assert metal.startswith("**tensorflow-metal** (any version)\n\n")
    assert (
        "pip would install for Python 3.11 (configured),"
        f" index snapshot of {taken('tensorflow-metal')}:\n- macOS arm64: **1.2.0**"
    ) in metal
    assert "Newest release: 1.2.0" in metal
    assert (
        "Works with tensorflow 2.16.2 (pip's pick on macOS arm64):"
        " `tensorflow-metal==1.1.0` (MT001, MT002)"
    ) in metal
    tf = await hover_text(client, req, 0, 3)
    assert (
        "pip would install for Python 3.11 (configured),"
        f" index snapshot of {taken('tensorflow')}:\n- macOS arm64: **2.16.2**"
    ) in tf
    assert "`tensorflow-metal==1.1.0` (MT001, MT002)" in tf


@pytest.mark.asyncio
async def test_hover_on_a_finding_is_short(client: LanguageClient, tmp_path: Path):
    root = project(tmp_path)
    await begin(client, root, options={"lintEnv": {"pythonVersion": "3.11"}})
    req = uri(root, "requirements.txt")
    open_doc(client, req, "tensorflow-gpu==2.10\n", "pip-requirements")
    await wait_for(lambda: req in client.diagnostics and client.diagnostics[req])
    text = await hover_text(client, req, 0, 3)
    rule = RULES.get("TF005")
    (diag,) = [d for d in client.diagnostics[req] if d.code == "TF005"]
    assert f"**TF005** (error) {diag.message}\n\n{rule.summary} More: `lint-env explain TF005`" in (
        text
    )
    # the explanation stays behind `lint-env explain`
    first = next(line for line in rule.explanation.strip().splitlines() if line.strip())
    assert first not in text
    assert len(text) < 2000
