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
from lint_env.ruleset import load_ruleset
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
    live = Project(tmp_path, CONFIG)
    engine = live.engine
    for _ in range(25):
        edit(rng, lines)
        text = "\n".join(lines)
        live.set_overlay(path, text)
        quick = engine.check_file(path, verify=False)
        want = fresh(tmp_path, path, text)
        assert no_fixes(quick) == no_fixes(want), text
        assert engine.verified_fixes(engine.checked_document(path)) == want, text


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
