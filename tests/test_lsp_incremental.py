"""What the server computes per keystroke must be what a fresh check computes.

The server keeps state between edits (the engine's documents, which rules can match
which names, fixes verified only when a quick fix is asked for). After every edit of a
random sequence (lines inserted and deleted, edits inside a line, continuation
backslashes, ``-r`` lines, comments, markers, hashes) the findings of the long-lived
engine equal those of a new one checking the same text: the same diagnostics without
verifying fixes, the same fixes once they are verified."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest
from fuzzing import requirement, requirements_file
from lint_env.api import Project
from lint_env.config import Config
from lint_env.model import Kind
from lint_env.ruleset import load_ruleset
from lint_env.sources import parse_text
from lsprotocol import types
from test_lsp import (  # noqa: F401
    client,
    open_doc,
    record_publishes,
    start,
    uri,
    vscode_caps,
    wait_for,
)

TARGETS = tuple(dict.fromkeys(t for r in load_ruleset() for t in r.targets if "*" not in t))[:3]
CONFIG = Config(targets=TARGETS or Config().targets, python="3.11")
OTHER = "tensorflow-macos==2.12\nkeras==2.9\n"


def fresh(root: Path, path: Path, text: str) -> list:
    project = Project(root, CONFIG)
    project.set_overlay(path, text)
    return project.check_file(path)


def no_fixes(findings: list) -> list:
    return [replace(f, fixes=()) for f in findings]


def edit(rng: random.Random, lines: list[str]) -> None:
    """One random edit of the kinds an editor sends."""
    k = rng.randrange(len(lines) + 1)
    what = rng.randrange(9)
    if what == 0 or not lines:
        lines.insert(k, requirement(rng))
        return
    k = min(k, len(lines) - 1)
    line = lines[k]
    if what == 1:
        del lines[k]
    elif what == 2:  # type inside the line
        at = rng.randrange(len(line) + 1)
        lines[k] = line[:at] + rng.choice(["1", " ", "=", ".", ";", "#", "[", "x"]) + line[at:]
    elif what == 3 and line:  # delete inside the line
        at = rng.randrange(len(line))
        lines[k] = line[:at] + line[at + 1 :]
    elif what == 4:  # a continuation backslash added or removed
        lines[k] = line[:-1] if line.endswith("\\") else line + " \\"
    elif what == 5:
        lines.insert(k, rng.choice(["-r other.txt", "-c other.txt", "-r missing.txt"]))
    elif what == 6:
        lines[k] = "# " + line if not line.startswith("#") else line[2:]
    elif what == 7:
        lines[k] = line + rng.choice(['; sys_platform == "darwin"', " ; python_version < '3.9'"])
    else:
        lines[k] = line + " --hash=sha256:" + "ab" * 4


@pytest.mark.parametrize("seed", range(12))
def test_every_edit_checks_as_a_fresh_check(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    (tmp_path / "other.txt").write_text(OTHER)
    path = (tmp_path / "requirements.txt").resolve()
    lines = requirements_file(rng).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines += [requirement(rng) for _ in range(rng.randint(3, 12))]
    if seed % 3 == 0:  # a BOM: the first line's columns start after it
        lines[0] = "\ufeff" + lines[0]
    live = Project(tmp_path, CONFIG)
    engine = live.engine
    for _ in range(25):
        edit(rng, lines)
        text = "\n".join(lines)
        live.set_overlay(path, text)
        quick = engine.check_file(path, verify=False)
        # the lines an edit did not touch are not read again (lint_env/incremental.py)
        assert engine.checked_document(path) == parse_text(path, text, Kind.REQUIREMENTS), text
        want = fresh(tmp_path, path, text)
        assert no_fixes(quick) == no_fixes(want), text
        assert engine.verified_fixes(engine.checked_document(path)) == want, text
    assert engine.reparser.reused > 0


# Requirements the wheel rule speaks about (WH001 on macOS arm64 for the Pythons below),
# written in ways its findings depend on: the name as written, specifiers, markers.
WHEEL_LINES = [
    "scipy==1.1.0",
    "Scipy==1.1.0",
    "pandas==1.2.0",
    "h5py==3.1.0",
    "numpy==1.19.5",
    "torch==1.4.0",
    "pillow>=8",
    "scipy<1.5 ; python_version >= '3.9'",
    "-c cons.txt",
    "-r base.txt",
]
PYTHONS = [">=3.8", ">=3.8,<3.10", ">=3.9"]  # the same lowest Python, other newer ones
CONS = ["", "scipy<1.5\n", "pandas>=1.3\nnumpy<1.20\n"]


@pytest.mark.parametrize(
    ("seed", "edit_included"),
    [
        *((seed, False) for seed in range(6)),
        # the -r file edited too: seed 1 once found the fresh engine dropping the fix of
        # `pandas==1.2.0` on line 1 because base.txt's line 1 was the same object
        # (requirements.placed now gives each document its own dependencies)
        *((seed, True) for seed in range(4)),
    ],
)
def test_kept_wheel_findings_are_a_fresh_checks(
    tmp_path: Path, seed: int, edit_included: bool
) -> None:
    """The wheel rule's findings are kept per requirement across checks (rule_memo.py):
    after edits of the file, of the -c file's constraints and of the project's
    requires-python (the target's newer Pythons), every check equals a fresh one, and
    kept findings were used; with ``edit_included`` the -r file changes too."""
    rng = random.Random(seed)
    path = (tmp_path / "requirements.txt").resolve()
    texts = {
        tmp_path / "cons.txt": CONS[1],
        tmp_path / "base.txt": "h5py==3.1.0\n",
        tmp_path / "pyproject.toml": "",
    }
    for p, t in texts.items():
        p.write_text(t)
    config = Config(targets=CONFIG.targets)
    lines = [rng.choice(WHEEL_LINES) for _ in range(8)]
    live = Project(tmp_path, config)
    engine = live.engine
    for _ in range(30):
        what = rng.randrange(6)
        if what == 0:
            texts[tmp_path / "cons.txt"] = rng.choice(CONS)
        elif what == 1 and edit_included:
            texts[tmp_path / "base.txt"] = rng.choice(["h5py==3.1.0\n", "", "pandas==1.2.0\n"])
        elif what in (1, 2):
            spec = rng.choice(PYTHONS)
            texts[tmp_path / "pyproject.toml"] = (
                f'[project]\nname = "x"\nversion = "0"\nrequires-python = "{spec}"\n'
            )
        elif what == 3:
            lines.insert(rng.randrange(len(lines) + 1), rng.choice(WHEEL_LINES))
        elif what == 4 and len(lines) > 1:
            del lines[rng.randrange(len(lines))]
        else:
            lines[rng.randrange(len(lines))] = rng.choice(WHEEL_LINES)
        text = "\n".join(lines) + "\n"
        for p, t in texts.items():
            live.set_overlay(p, t)
        live.set_overlay(path, text)
        quick = engine.check_file(path, verify=False)
        other = Project(tmp_path, config)
        for p, t in texts.items():
            other.set_overlay(p, t)
        other.set_overlay(path, text)
        want = other.check_file(path)
        assert no_fixes(quick) == no_fixes(want), (text, texts)
        assert engine.verified_fixes(engine.checked_document(path)) == want, (text, texts)
    assert engine._dep_memo.hits > 0


def test_verified_fixes_are_for_the_last_check_only(tmp_path: Path) -> None:
    path = (tmp_path / "requirements.txt").resolve()
    live = Project(tmp_path, CONFIG)
    engine = live.engine
    live.set_overlay(path, "tensorflow-gpu==2.12\n")
    engine.check_file(path, verify=False)
    first = engine.checked_document(path)
    live.set_overlay(path, "tensorflow-gpu==2.11\n")
    engine.check_file(path, verify=False)
    assert engine.verified_fixes(first) is None  # a stale result offers no fix
    assert engine.verified_fixes(engine.checked_document(path)) is not None


@pytest.mark.asyncio
async def test_server_diagnostics_after_edits_are_a_fresh_checks(client, tmp_path: Path):  # noqa: F811
    """Through the real server: incremental didChange edits, then the diagnostics of the
    last version are those of a fresh check, and its quick fixes the verified ones."""
    root = tmp_path
    (root / "other.txt").write_text(OTHER)
    await start(client, root, vscode_caps(), {"lintEnv": {"pythonVersion": "3.11"}})
    req = uri(root, "requirements.txt")
    published = record_publishes(client)
    rng = random.Random(7)
    lines = ["numpy==1.26.4", "tensorflow-gpu==2.12", "-r other.txt", "torch==2.0", ""]
    open_doc(client, req, "\n".join(lines), "pip-requirements")
    version = 1
    for step in range(16):
        before = "\n".join(lines)
        if step < 15:
            edit(rng, lines)
        else:  # the last version has quick fixes (KR001 pins keras, CU001 a marker; a
            # file with a --hash is never fixed)
            kept = [x for x in lines if "--hash" not in x]
            lines[:] = ["tensorflow==2.15", "keras==2.9", "nvidia-cudnn-cu11", *kept]
        version += 1
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=req, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(
                            start=types.Position(0, 0),
                            end=types.Position(before.count("\n"), len(before.split("\n")[-1])),
                        ),
                        text="\n".join(lines),
                    )
                ],
            )
        )
    text = "\n".join(lines)
    await wait_for(lambda: any(p.uri == req and p.version == version for p in published), 30)
    got = next(p.diagnostics for p in published if p.uri == req and p.version == version)
    project = Project(root, Config(python="3.11"))
    project.set_overlay(root / "requirements.txt", text)
    want = project.check_file(root / "requirements.txt")
    assert [(d.code, d.message, d.range.start.line) for d in got] == [
        (f.code, f.message, f.span.line) for f in want
    ]
    offered = []
    for d in got:
        acts = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=req),
                range=d.range,
                context=types.CodeActionContext(
                    diagnostics=[d], only=[types.CodeActionKind.QuickFix]
                ),
            )
        )
        offered += [a.title for a in acts or [] if "ignore" not in a.title]
    expected = [
        f"lint-env ({f.code}): {fix.description}"
        for f in want
        for fix in f.fixes
        if any(same_range(d, f) for d in got)
    ]
    assert expected
    assert sorted(set(offered)) == sorted(set(expected))


def same_range(d: types.Diagnostic, f) -> bool:
    return (d.range.start.line, d.code) == (f.span.line, f.code)


# --- .py files: the incremental re-parse (lint_env/incremental.py) -----------------------
#
# Most keystrokes in a .py file keep the previous parse (the imports, shifted); the edits
# below are the ones that must not: inside strings and comments, imports added and
# removed, triple quotes opened and closed, continuation backslashes and bracketed import
# lists, `if TYPE_CHECKING:` and try/except ImportError headers (and the lines of their
# clauses), indentation, one-line compound statements, dynamic imports.

PY_BASE = [
    "import os",
    "import numpy as np",
    "from typing import TYPE_CHECKING",
    "",
    "if TYPE_CHECKING:",
    "    import pandas",
    "    from keras import layers",
    "",
    "try:",
    "    import tensorflow as tf",
    "except ImportError:",
    "    tf = None",
    "",
    "try:",
    "    import theano",
    "except (ValueError,",
    "        ImportError):",
    "    theano = None",
    "",
    'DOC = """',
    "import torch",
    '"""',
    "",
    "from scipy import (",
    "    linalg,",
    "    stats,",
    ")",
    "from sklearn import \\",
    "    svm, \\",
    "    tree",
    "",
    "def f(x):",
    "    y = np.asarray(x) * 2",
    "    import jax",
    "    return y",
    "",
    "class C:",
    "    def g(self):",
    "        z = 1  # a comment",
    "        w = [z, z + 1]",
    "        for k in w:",
    "            z += k",
    "        return z",
    "",
    "def main():",
    "    data = f(3)",
    "    print(data, C().g())",
    "    total = 0",
    "    while total < 10:",
    "        total += 1",
    "    return total",
]

PY_LINES = [
    "x = 1",
    "    y = 2",
    "        z = 3",
    "import tensorflow",
    "import theano",
    "from keras import layers",
    "    import torch",
    "import mxnet  # lint-env: ignore",
    '"""',
    "'''",
    's = """abc',
    "t = 'x \\",
    "u = f(1) \\",
    "try:",
    "except ImportError:",
    "except ValueError:",
    "except (",
    "    ImportError):",
    "finally:",
    "if TYPE_CHECKING:",
    "else:",
    "def h():",
    "    pass",
    "from scipy import (",
    "    special,",
    ")",
    "w = (1,",
    "     2)",
    "# import caffe",
    "x = 1; import caffe",
    "if x: import caffe",
    "m = __import__('caffe')",
    "",
    "    ",
    "\\",
]


def py_edit(rng: random.Random, lines: list[str]) -> None:
    """One random edit of a Python buffer (most of them harmless, as typing is)."""
    k = rng.randrange(len(lines) + 1)
    what = rng.randrange(10)
    if what == 0 or not lines:
        lines.insert(k, rng.choice(PY_LINES))
        return
    k = min(k, len(lines) - 1)
    line = lines[k]
    if what == 1:
        del lines[k]
    elif what in (2, 3, 4):  # type inside the line (mostly letters and spaces)
        at = rng.randrange(len(line) + 1)
        typed = rng.choice(["x", "a", " ", "1", "(", ")", ":", "#", "'", '"', "\\", "\t", "i"])
        lines[k] = line[:at] + typed + line[at:]
    elif what == 5 and line:  # delete inside the line
        at = rng.randrange(len(line))
        lines[k] = line[:at] + line[at + 1 :]
    elif what == 6:  # indent or dedent
        lines[k] = "    " + line if rng.random() < 0.5 or not line.startswith(" ") else line[4:]
    elif what == 7:  # a line break inside the line (Enter)
        at = rng.randrange(len(line) + 1)
        lines[k : k + 1] = [line[:at], line[at:]]
    elif what == 8 and k + 1 < len(lines):  # join with the next line (Backspace at its start)
        lines[k : k + 2] = [line + lines[k + 1]]
    else:
        lines[k] = line + rng.choice([" ", "  # note", " \\", ")", "(", " import x"])


PY_DECLARED = "numpy\nscipy\nscikit-learn\n"


@pytest.mark.parametrize("seed", range(16))
def test_python_edits_parse_and_check_as_fresh(tmp_path: Path, seed: int) -> None:
    """After every edit the document the long-lived engine checked is the one a fresh
    parse gives, and its findings those of a fresh check; the short way is taken."""
    rng = random.Random(seed)
    (tmp_path / "requirements.txt").write_text(PY_DECLARED)
    path = (tmp_path / "train.py").resolve()
    lines = list(PY_BASE)
    live = Project(tmp_path, CONFIG)
    engine = live.engine
    for n in range(60):
        if n % 12 == 0:  # a pasted text: edits of a file the fast import path reads
            lines = list(PY_BASE)
        py_edit(rng, lines)
        text = "\n".join(lines) + rng.choice(["", "\n"])
        live.set_overlay(path, text)
        quick = engine.check_file(path, verify=False)
        assert engine.checked_document(path) == parse_text(path, text, Kind.PYTHON), text
        want = fresh(tmp_path, path, text)
        assert no_fixes(quick) == no_fixes(want), text
        assert engine.verified_fixes(engine.checked_document(path)) == want, text
    assert engine.reparser.reused > 0


def test_python_shortcut_keeps_and_moves_the_imports(tmp_path: Path) -> None:
    """An edit away from the imports re-uses the parse (the imports moved with their
    lines); an edit of an import line, of a string's quotes or of a block header does
    not."""
    path = (tmp_path / "train.py").resolve()
    live = Project(tmp_path, CONFIG)
    engine = live.engine
    text = "\n".join(PY_BASE) + "\n"

    def check(new: str) -> None:
        live.set_overlay(path, new)
        engine.check_file(path, verify=False)
        assert engine.checked_document(path) == parse_text(path, new, Kind.PYTHON), new

    def step(new: str, reused: bool, base: str = text) -> None:
        """From ``base`` to ``new``: the parse re-used or not."""
        check(base)
        before = engine.reparser.reused
        check(new)
        assert engine.reparser.reused == before + reused, new

    check(text)
    step(text.replace("    y = np.asarray", "    yy = np.asarray"), True)
    step(text.replace("def f(x):\n", "def f(x):\n    a = 1\n    b = 2\n"), True)
    step(text.replace("    tf = None", "    tf = 0"), True)
    step(text.replace("import jax", "import jaxlib"), False)
    step(text.replace('DOC = """', "DOC = 1"), False)
    step(text.replace("except ImportError:", "except KeyError:"), False)
    step(text.replace("        ImportError):", "        KeyError):"), False)
    step(text.replace("    stats,", "    stat,"), False)
    step(text.replace("    tree", "    trees"), False)
    imports = engine.checked_document(path).imports
    assert [i.module for i in imports] == [
        "os", "numpy", "typing", "pandas", "keras", "tensorflow", "theano", "scipy",
        "sklearn", "jax",
    ]  # fmt: skip
    # lines added above a bracketed import list: its lines move, and are still its
    moved = text.replace("import os\n", "import os\nA = 1\nB = 2\nC = 3\nD = 4\nE = 5\n")
    step(moved, True)
    step(moved.replace("    stats,", "    stats2,"), False, moved)
    # a backslash that carries a string literal on to an import line
    string = "import os\nT = 'x \\\nabc\nimport json\n"
    step(string.replace("abc", "abc \\"), False, string)
    assert engine.checked_document(path).imports[-1].module == "os"
    # the cases the short way leaves alone: CRLF texts, dynamic imports
    crlf = text.replace("\n", "\r\n")
    step(crlf.replace("    y = np.asarray", "    yy = np.asarray"), False, crlf)
    dynamic = text + "m = __import__('json')\n"
    step(dynamic.replace("    y = np.asarray", "    yy = np.asarray"), False, dynamic)


def ranged_change(before: str, after: str) -> types.TextDocumentContentChangePartial:
    """The edit an editor sends: the characters between the common start and end."""
    p = 0
    while p < min(len(before), len(after)) and before[p] == after[p]:
        p += 1
    s = 0
    while s < min(len(before), len(after)) - p and before[-1 - s] == after[-1 - s]:
        s += 1

    def position(offset: int) -> types.Position:  # ASCII text: UTF-16 units are characters
        line = before.count("\n", 0, offset)
        return types.Position(line, offset - (before.rfind("\n", 0, offset) + 1))

    return types.TextDocumentContentChangePartial(
        range=types.Range(position(p), position(len(before) - s)),
        text=after[p : len(after) - s],
    )


@pytest.mark.asyncio
async def test_server_python_diagnostics_after_each_edit_are_a_fresh_checks(client, tmp_path):  # noqa: F811
    """Through the real server, ranged didChange edits of a .py file: the diagnostics of
    every version are those of a fresh check, and the quick fixes of the last one too."""
    root = tmp_path
    (root / "requirements.txt").write_text("numpy\n")  # most imports are findings
    init = {"lintEnv": {"pythonVersion": "3.11", "debounceMs": 0}}
    await start(client, root, vscode_caps(), init)
    py = uri(root, "train.py")
    published = record_publishes(client)
    rng = random.Random(11)
    lines = list(PY_BASE)
    open_doc(client, py, "\n".join(lines), "python")
    version = 1
    for n in range(240):
        before = "\n".join(lines)
        if n % 12 == 0:  # a pasted text: edits of a file the fast import path reads
            lines = list(PY_BASE)
        py_edit(rng, lines)
        text = "\n".join(lines)
        version += 1
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=py, version=version),
                content_changes=[ranged_change(before, text)],
            )
        )
        await wait_for(lambda v=version: any(p.uri == py and p.version == v for p in published), 30)
        got = next(p.diagnostics for p in published if p.uri == py and p.version == version)
        project = Project(root, Config(python="3.11"))
        project.set_overlay(root / "train.py", text)
        want = project.check_file(root / "train.py")
        assert [(d.code, d.message, d.range.start.line, d.range.start.character) for d in got] == [
            (f.code, f.message, f.span.line, f.span.col) for f in want
        ], text
    assert want  # the last text has findings to compare
    offered = []
    for d in got:
        acts = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=py),
                range=d.range,
                context=types.CodeActionContext(
                    diagnostics=[d], only=[types.CodeActionKind.QuickFix]
                ),
            )
        )
        offered += [a.title for a in acts or [] if "ignore" not in a.title]
    expected = [f"lint-env ({f.code}): {fix.description}" for f in want for fix in f.fixes]
    assert sorted(set(offered)) == sorted(set(expected))
