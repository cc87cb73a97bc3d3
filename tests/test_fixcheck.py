"""A quick fix never produces a line that lint-env itself reports as an error (issue 14):
every fix passes through fixcheck.verified, which re-checks the fixed text."""

from __future__ import annotations

from pathlib import Path

from conftest import write_tree
from lint_env.api import Project
from lint_env.config import Config
from lint_env.fixcheck import verified
from lint_env.model import Document, Finding, Fix, Kind, Severity, Span, TextEdit
from lint_env.sources import parse_text

PATH = Path("/nowhere/requirements.txt")


def _finding(code: str, line: int, fixes=(), severity=Severity.ERROR) -> Finding:
    return Finding(PATH, Span.on_line(line, 0, 4), code, code.lower(), severity, "m", fixes)


def _doc(text: str) -> Document:
    return parse_text(PATH, text, Kind.REQUIREMENTS)


RENAME = Fix("Replace a with b", (TextEdit(Span.on_line(0, 0, 1), "b"),))


def fake_check(rules):
    """rules: text -> findings of the fixed text (the real engine is tested below)."""

    def check(doc: Document, names=None, lines=None) -> list[Finding]:
        return rules(doc.text)

    return check


def test_fix_producing_a_new_error_is_dropped():
    doc = _doc("a==1\nc==2\n")
    found = [_finding("XX001", 0, (RENAME,))]
    check = fake_check(lambda t: [_finding("YY001", 0)] if t.startswith("b") else found)
    (f,) = verified(doc, found, check)
    assert f.fixes == ()


def test_fix_that_does_not_remove_its_own_error_is_dropped():
    doc = _doc("a==1\n")
    found = [_finding("XX001", 0, (RENAME,))]
    (f,) = verified(doc, found, fake_check(lambda t: [_finding("XX001", 0)]))
    assert f.fixes == ()


def test_clean_result_keeps_the_fix_and_other_lines_do_not_count():
    doc = _doc("a==1\nc==2\n")
    found = [_finding("XX001", 0, (RENAME,)), _finding("ZZ001", 1)]
    check = fake_check(
        lambda t: [_finding("ZZ001", 1), _finding("WW001", 0, severity=Severity.WARNING)]
    )
    f, g = verified(doc, found, check)
    assert f.fixes == (RENAME,) and g is found[1]


def test_an_error_already_on_the_line_from_another_rule_is_tolerated():
    doc = _doc("a==1\n")
    found = [_finding("XX001", 0, (RENAME,)), _finding("ZZ001", 0)]
    check = fake_check(lambda t: [_finding("ZZ001", 0)] if t.startswith("b") else found)
    f, _ = verified(doc, found, check)
    assert f.fixes == (RENAME,)


def test_a_fix_that_breaks_parsing_is_dropped(tmp_path):
    # the real engine: a fix text that does not parse gives LE001 on the changed line
    doc = _doc("a==1\n")
    broken = Fix("Break it", (TextEdit(Span.on_line(0, 1, 3), "=>"),))
    found = [_finding("XX001", 0, (broken,))]
    project = Project(tmp_path, Config(targets=("macos-arm64",)))

    def check(d: Document, names=None, lines=None) -> list[Finding]:
        return [project.engine._problem_finding(d, p) for p in d.problems]

    (f,) = verified(doc, found, check)
    assert f.fixes == ()


# --- the real rules --------------------------------------------------------------------


def _fixes(tmp_path: Path, files: dict[str, str], code: str, python="3.11"):
    write_tree(tmp_path, files)
    project = Project(tmp_path, Config(targets=("macos-arm64",), python=python))
    return {
        f.span.line: [x.description for x in f.fixes]
        for f in project.check([tmp_path]).findings
        if f.code == code
    }


def test_tensorflow_cpu_replacement_only_where_tensorflow_installs(tmp_path):
    text = "tensorflow-cpu==2.5.0\ntensorflow-cpu==2.16.2  # CPU build\n"
    got = _fixes(tmp_path, {"requirements.txt": text}, "TF013", python="3.9")
    assert got == {0: [], 1: ["Replace tensorflow-cpu with tensorflow"]}


def test_pyproject_tensorflow_gpu_pin_below_2_13_gets_no_fix(tmp_path):
    text = (
        '[project]\nname = "x"\nversion = "1"\n'
        'dependencies = [\n  "tensorflow-gpu==2.10.0",\n  "tensorflow-gpu>=2.4",\n]\n'
    )
    got = _fixes(tmp_path, {"pyproject.toml": text}, "TF005", python="3.10")
    assert got == {4: [], 5: ["Replace tensorflow-gpu with tensorflow"]}


def test_marker_fix_in_a_poetry_table_is_a_markers_key_and_valid_toml(tmp_path):
    # TF003's marker fix once appended `; sys_platform == ...` after the Poetry string
    # (invalid TOML, so the re-check dropped it); it is now written in Poetry's syntax
    import tomllib
    from lint_env.fixes import apply_edits

    text = (
        '[tool.poetry.dependencies]\npython = ">=3.10,<3.12"\n'
        'tensorflow-metal = "1.1.0"\ntensorflow-macos = { version = "2.15.0" }\n'
    )
    write_tree(tmp_path, {"pyproject.toml": text})
    project = Project(tmp_path, Config(targets=("linux-x86_64",), python="3.11"))
    found = [f for f in project.check([tmp_path]).findings if f.code == "TF003"]
    assert [f.span.line for f in found] == [2, 3]
    edits = [e for f in found for e in f.fixes[0].edits]
    deps = tomllib.loads(apply_edits(text, edits))["tool"]["poetry"]["dependencies"]
    for name, version in (("tensorflow-metal", "1.1.0"), ("tensorflow-macos", "2.15.0")):
        assert deps[name]["version"] == version
        assert "sys_platform == 'darwin'" in deps[name]["markers"]
    # the same fix in a requirements file is fine and kept
    write_tree(tmp_path, {"requirements.txt": "tensorflow-metal==1.1.0\n"})
    (tmp_path / "pyproject.toml").unlink()
    project = Project(tmp_path, Config(targets=("linux-x86_64",), python="3.11"))
    (f,) = [f for f in project.check([tmp_path]).findings if f.code == "TF003"]
    assert len(f.fixes) == 1


def _notebook(*cells: str) -> str:
    import json

    return json.dumps(
        {
            "cells": [
                {"cell_type": "markdown", "metadata": {}, "source": "# title"},
                *({"cell_type": "code", "metadata": {}, "source": c, "outputs": []} for c in cells),
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def test_fixes_in_notebook_install_cells_are_rechecked_too(tmp_path):
    """The same rule as in a requirements file: `%pip install tensorflow-gpu==2.10.0` ->
    tensorflow==2.10.0 would be TF001 on macOS arm64, so no fix; the metal pin fix in
    another cell is kept; findings stay on their own cells."""
    nb = _notebook(
        "%pip install tensorflow-gpu==2.10.0\n",
        "import os\n%pip install tensorflow==2.16.1 tensorflow-metal==1.0.0\n",
    )
    write_tree(tmp_path, {"nb.ipynb": nb})
    project = Project(tmp_path, Config(targets=("macos-arm64",), python="3.11"))
    found = {f.code: f for f in project.check([tmp_path]).findings}
    assert found["TF005"].span.cell == 1 and found["TF005"].fixes == ()
    metal = found["MT001"]
    assert metal.span.cell == 2 and metal.span.line == 1
    assert [e.new_text for fix in metal.fixes for e in fix.edits] == ["==1.1.0"]
