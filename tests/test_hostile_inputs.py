"""One hostile input never aborts the run (issue 9): each becomes a finding on its file
(or a one-line error), and the rest of the project is still checked."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest
from conftest import run_cli, write_tree
from lint_env.api import Project
from lint_env.config import Config
from lint_env.import_scan import scan
from lint_env.model import Kind
from lint_env.sources import parse_text


def check_json(root: Path, *args: str) -> tuple[int, list[dict], str]:
    r = run_cli("check", ".", "--format", "json", *args, cwd=root)
    assert "Traceback" not in r.stderr
    return r.returncode, json.loads(r.stdout or "[]"), r.stderr


def test_python_row_of_unusual_whitespace(project):
    root = project({".git/HEAD": "", "a.py": "import\n\x0b\r", "requirements.txt": "numpy\n"})
    code, _findings, err = check_json(root)
    assert code in (0, 1) and err == ""
    doc = parse_text(root / "a.py", "import\n\x0b\r", Kind.PYTHON)
    assert not [p for p in doc.problems if p.code == "LE008"]


def test_deeply_nested_pyproject_in_a_parent_folder(tmp_path):
    deep = "[tool.lint-env]\nx = " + "[" * 1000 + "]" * 1000 + "\n"
    write_tree(tmp_path, {"pyproject.toml": deep})
    root = write_tree(tmp_path / "proj", {".git/HEAD": "", "requirements.txt": "numpy==1.19.5\n"})
    code, findings, err = check_json(root)
    assert code == 1 and err == ""
    assert [f["code"] for f in findings] == ["WH001"]  # the project itself is still checked


def test_deeply_nested_pyproject_in_the_project_is_a_finding(project):
    deep = "x = " + "[" * 1000 + "]" * 1000 + "\n"
    root = project({".git/HEAD": "", "pyproject.toml": deep, "requirements.txt": "numpy==1.19.5\n"})
    code, findings, _ = check_json(root)
    assert code == 1
    codes = {(f["path"], f["code"]) for f in findings}
    assert ("requirements.txt", "WH001") in codes
    assert any(p == "pyproject.toml" and c in ("LE001", "LE008") for p, c in codes)


@pytest.mark.parametrize("value", ["5", "[]", '"x"'])
def test_tool_lint_env_not_a_table_is_a_one_line_error(project, value):
    root = project({"pyproject.toml": f"[tool]\nlint-env = {value}\n"})
    r = run_cli("check", ".", cwd=root)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "pyproject.toml:2: [tool.lint-env] must be a table" in r.stderr


def test_include_name_too_long_and_symlink_loop_are_findings(project):
    long = "a" * 300 + ".txt"
    root = project(
        {
            ".git/HEAD": "",
            "requirements.txt": f"-r {long}\n-r loop/x.txt\n-r ok.txt\nnumpy==1.19.5\n",
            "ok.txt": "scipy\n",
        }
    )
    (root / "loop").symlink_to("loop")
    code, findings, err = check_json(root)
    assert code == 1 and err == ""
    got = [(f["code"], f["line"]) for f in findings]
    assert ("LE002", 1) in got and ("LE002", 2) in got and ("WH001", 4) in got
    by_line = {f["line"]: f["message"] for f in findings}
    assert "file name too long" in by_line[1]
    assert "loop" in by_line[2].lower()


def _unprivileged() -> list[str]:
    """A prefix that runs a command without the root's right to read any file."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: root reads any folder")
    return [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", "--"]


def test_include_into_an_unreadable_folder_is_a_finding(project):
    import subprocess

    root = project(
        {
            ".git/HEAD": "",
            "requirements.txt": "-r locked/x.txt\nnumpy==1.19.5\n",
            "locked/x.txt": "x\n",
        }
    )
    (root / "locked").chmod(0)
    try:
        r = subprocess.run(
            [*_unprivileged(), sys.executable, "-m", "lint_env", "check", ".", "--format", "json"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        (root / "locked").chmod(0o755)
    assert "Traceback" not in r.stderr and r.returncode == 1, r.stderr
    got = {(f["code"], f["line"]): f["message"] for f in json.loads(r.stdout)}
    assert "permission denied" in got[("LE004", 1)]
    assert ("WH001", 2) in got


def test_corrupt_import_cache_row_is_a_miss_and_rewritten(tmp_path):
    files = write_tree(tmp_path / "src", {"a.py": "import numpy\n", "b.py": "import scipy\n"})
    paths = sorted(p.resolve() for p in files.iterdir())
    cache = tmp_path / "cache"
    first = scan(paths, cache, workers=1)
    db = sqlite3.connect(cache / "imports.sqlite")
    rows = db.execute("SELECT key FROM imports").fetchall()
    assert len(rows) == 2
    bad = [b"not marshal", b"\xe9\x00\x00\x00\x00"]
    for (key,), value in zip(rows, bad, strict=True):
        db.execute("UPDATE imports SET value = ? WHERE key = ?", (value, key))
    db.commit()
    again = scan(paths, cache, workers=1)
    assert [i.module for p in paths for i in again[p].imports] == ["numpy", "scipy"]
    assert [i.module for p in paths for i in first[p].imports] == ["numpy", "scipy"]
    values = [v for (v,) in db.execute("SELECT value FROM imports").fetchall()]
    assert not set(values) & set(bad)  # rewritten with good rows
    db.close()


def test_cache_row_of_the_wrong_shape_is_a_miss(tmp_path):
    import marshal

    files = write_tree(tmp_path / "src", {"a.py": "import numpy\n", "b.py": "import os\n"})
    paths = sorted(p.resolve() for p in files.iterdir())
    cache = tmp_path / "cache"
    scan(paths, cache, workers=1)
    db = sqlite3.connect(cache / "imports.sqlite")
    wrong = marshal.dumps(((("numpy", -1, 0, 0, 5, None, 0, False, False),),))
    db.execute("UPDATE imports SET value = ?", (wrong,))
    db.commit()
    db.close()
    again = scan(paths, cache, workers=1)
    assert again[paths[0]].imports[0].span.line == 0


def test_notebook_spans_stay_inside_a_file_with_carriage_returns():
    text = '{\r"cells": [\r{"cell_type": "code", "source": "import x\\r\\nimport y"}\r], oops}'
    doc = parse_text(Path("n.ipynb"), text, Kind.NOTEBOOK)
    (problem,) = doc.problems
    lines = doc.lines
    sp = problem.span
    assert 0 <= sp.line < len(lines) and sp.col <= len(lines[sp.line])
    assert lines[sp.line][sp.col :].startswith("oops")


def test_an_unexpected_error_in_one_document_is_a_finding_and_the_rest_is_checked(
    tmp_path, monkeypatch
):
    root = write_tree(
        tmp_path,
        {"requirements.txt": "numpy==1.19.5\n", "environment.yml": "dependencies:\n  - numpy\n"},
    )
    project = Project(root, Config(root=root))
    engine = project.engine
    real = engine._check_document

    def boom(doc):
        if doc.path.name == "environment.yml":
            raise RecursionError("maximum recursion depth exceeded")
        return real(doc)

    monkeypatch.setattr(engine, "_check_document", boom)
    result = project.check([root])
    got = sorted((f.path.name, f.code) for f in result.findings)
    assert got == [("environment.yml", "LE008"), ("requirements.txt", "WH001")]
    (le008,) = [f for f in result.findings if f.code == "LE008"]
    assert "RecursionError" in le008.message and le008.span.line == 0


def test_a_parser_error_is_an_le008_problem(monkeypatch):
    from lint_env.sources import requirements

    def broken(path, text):
        raise IndexError("list index out of range")

    monkeypatch.setattr(requirements, "parse_requirements", broken)
    doc = parse_text(Path("r.txt"), "numpy\n", Kind.REQUIREMENTS)
    assert [p.code for p in doc.problems] == ["LE008"]
    assert "IndexError" in doc.problems[0].message


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_file_names_with_newlines_and_escapes_are_not_printed_raw(project, fmt):
    name = "requirements-\x1b[31mred\nfake.txt"
    root = project({".git/HEAD": "", name: "numpy==1.19.5\n"})
    r = run_cli("check", ".", "--format", fmt, cwd=root)
    assert r.returncode == 1
    assert "\x1b" not in r.stdout
    assert "\\x1b[31mred\\nfake.txt" in r.stdout
    finding_lines = [row for row in r.stdout.splitlines() if "WH001" in row]
    assert len(finding_lines) == 1 and "fake.txt" in finding_lines[0]


@pytest.mark.parametrize(
    "text",
    [
        "import\n\x0b\r",
        "__import__('x')\n\x1c\nimport os\n",  # the dynamic-import path: same class
        "\x1c\nfrom x import y\n\x0b\nimportlib.import_module('z')\n",
    ],
)
def test_whitespace_only_rows_in_python(text):
    doc = parse_text(Path("m.py"), text, Kind.PYTHON)
    assert [p for p in doc.problems if p.code == "LE008"] == []


def test_python_syntax_warnings_are_not_printed(project):
    root = project({".git/HEAD": "", "a.py": 'import os\nx = 1if True else 2\nprint("\\d")\n'})
    r = run_cli("check", ".", cwd=root)
    assert r.returncode == 0 and r.stderr == ""


def test_a_huge_line_is_not_echoed_whole(project):
    root = project({".git/HEAD": "", "requirements.txt": "numpy" + "[" * 100_000 + "\n"})
    code, findings, _ = check_json(root)
    (f,) = findings
    assert code == 1 and f["code"] == "LE001" and len(f["message"]) < 300


def test_deep_nesting_in_every_format_is_a_finding(project):
    n = 100_000
    root = project(
        {
            ".git/HEAD": "",
            "environment.yml": "dependencies: " + "[" * n + "]" * n + "\n",
            "nb.ipynb": "[" * n + "]" * n,
            "a.py": "x = " + "(" * n + ")" * n + "\nimport numpy\n",
            "requirements.txt": "numpy\n",
        }
    )
    code, findings, err = check_json(root)
    assert err == "" and code == 1
    got = {(f["path"], f["code"]) for f in findings}
    assert got == {("environment.yml", "LE001"), ("nb.ipynb", "LE001")}


@pytest.mark.parametrize(
    "text",
    [
        "from \x00. import sibling\n",  # found by benchmarks/fuzz.py: a reversed span
        "x = __import__('yaml')\r\r\nfrom \x00. import sibling\r\r\n",
    ],
)
def test_import_spans_are_never_reversed(text):
    doc = parse_text(Path("m.py"), text, Kind.PYTHON)
    for imp in doc.imports:
        sp = imp.span
        assert (sp.line, sp.col) <= (sp.end_line, sp.end_col)
        assert sp.end_col <= len(doc.lines[sp.end_line])


def test_cli_with_a_corrupt_import_cache_row(tmp_path):
    root = write_tree(
        tmp_path / "proj",
        {
            ".git/HEAD": "",
            "a.py": "import yaml\n",
            "b.py": "import os\n",
            "requirements.txt": "numpy\n",
        },
    )
    env = {"LINT_ENV_CACHE_DIR": str(tmp_path / "cache")}
    first = run_cli("check", ".", "--format", "json", cwd=root, env=env)
    db = sqlite3.connect(tmp_path / "cache" / "imports.sqlite")
    db.execute("UPDATE imports SET value = ?", (b"\x00corrupt",))
    db.commit()
    for _ in range(2):  # the bad rows are misses, rewritten by the first of these runs
        again = run_cli("check", ".", "--format", "json", cwd=root, env=env)
        assert "Traceback" not in again.stderr and again.returncode == first.returncode
        assert json.loads(again.stdout) == json.loads(first.stdout)
    assert b"\x00corrupt" not in {v for (v,) in db.execute("SELECT value FROM imports")}
    db.close()
