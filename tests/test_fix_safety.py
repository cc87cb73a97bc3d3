"""`--fix` and quick fixes never corrupt or lose data (issue 9): edits in the file's own
syntax, every fix verified by parsing the result again, fixes applied only to the text
that was checked, atomic writes, read-only files and files outside the project left
alone, and "Fixed N" counting only what was written."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from conftest import run_cli, write_tree
from lint_env.api import Project
from lint_env.apply import apply_fixes
from lint_env.config import Config
from lint_env.fixes import apply_edits, verified_findings, verify_text
from lint_env.model import Finding, Fix, Kind, Severity, Span, TextEdit
from lint_env.sources import parse_text, read_document

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def fix(root: Path, *extra: str):
    return run_cli("check", ".", "--fix", "--unsafe-fixes", *extra, cwd=root)


def deps(path: Path, kind: Kind) -> list[tuple[str, str, str | None]]:
    doc = read_document(path, kind)
    assert [p for p in doc.problems if p.code != "LE005"] == [], doc.problems
    return [(d.name, d.specifier, d.marker) for d in doc.dependencies]


# --- edits in the file's own syntax ---------------------------------------------------


def test_escaped_toml_string_keeps_name_and_marker(project):
    root = project(
        {
            ".git/HEAD": "",
            "pyproject.toml": (
                '[project]\nname = "x"\nversion = "0"\n'
                'dependencies = ["h5py==3.1.0 ; sys_platform == \\"darwin\\""]\n'
            ),
        }
    )
    r = fix(root)
    assert "Traceback" not in r.stderr
    text = (root / "pyproject.toml").read_text()
    assert 'dependencies = ["h5py>=3.7.0 ; sys_platform == \\"darwin\\""]' in text
    tomllib.loads(text)
    assert deps(root / "pyproject.toml", Kind.PYPROJECT) == [
        ("h5py", ">=3.7.0", 'sys_platform == "darwin"')
    ]


def test_toml_unicode_escape_in_the_name_is_kept(project):
    text = '[project]\nname = "x"\nversion = "0"\ndependencies = ["\\u00685py==3.1.0"]\n'
    root = project({".git/HEAD": "", "pyproject.toml": text})
    fix(root)
    got = (root / "pyproject.toml").read_text()
    assert '"\\u00685py>=3.7.0"' in got


def test_poetry_string_gets_an_inline_table_with_markers(project):
    root = project(
        {
            ".git/HEAD": "",
            "pyproject.toml": '[tool.poetry.dependencies]\nnvidia-cudnn-cu11 = "9.1.0.70"\n',
        }
    )
    fix(root)
    text = (root / "pyproject.toml").read_text()
    data = tomllib.loads(text)
    entry = data["tool"]["poetry"]["dependencies"]["nvidia-cudnn-cu11"]
    assert entry == {"version": "9.1.0.70", "markers": "sys_platform != 'darwin'"}


def test_poetry_inline_table_gets_a_markers_key(project):
    root = project(
        {
            ".git/HEAD": "",
            "pyproject.toml": '[tool.poetry.dependencies]\nnvidia-cudnn-cu11 = {version = "9.1"}\n',
        }
    )
    fix(root)
    data = tomllib.loads((root / "pyproject.toml").read_text())
    entry = data["tool"]["poetry"]["dependencies"]["nvidia-cudnn-cu11"]
    assert entry == {"version": "9.1", "markers": "sys_platform != 'darwin'"}


def test_toml_literal_string_marker_uses_double_quotes(project):
    root = project(
        {
            ".git/HEAD": "",
            "pyproject.toml": "[project]\nname = 'x'\nversion = '0'\n"
            "dependencies = ['nvidia-cudnn-cu11==9.1']\n",
        }
    )
    fix(root)
    text = (root / "pyproject.toml").read_text()
    assert "['nvidia-cudnn-cu11==9.1; sys_platform != \"darwin\"']" in text
    tomllib.loads(text)


def test_quoted_conda_items_and_block_scalars(project):
    text = (
        "name: x\n"
        "dependencies:\n"
        '  - "cudatoolkit=11.2"  # for the GPU box\n'
        "  - 'cudatoolkit'\n"
        "  - >-\n"
        "    cudatoolkit\n"
        "  - numpy\n"
        "  - pip:\n"
        "    - 'nvidia-cudnn-cu11 == 9.1'\n"
        '    - "nvidia-cudnn-cu11==9.1"\n'
        "    - >-\n"
        "      nvidia-cudnn-cu11==9.1\n"
    )
    root = project({".git/HEAD": "", "environment.yml": text})
    r = fix(root)
    assert "Traceback" not in r.stderr
    got = (root / "environment.yml").read_text()
    assert got == (
        "name: x\n"
        "dependencies:\n"
        '  # - "cudatoolkit=11.2"  # for the GPU box\n'
        "  - numpy\n"
        "  - pip:\n"
        "    - 'nvidia-cudnn-cu11 == 9.1; sys_platform != \"darwin\"'\n"
        "    - \"nvidia-cudnn-cu11==9.1; sys_platform != 'darwin'\"\n"
        "    - >-\n"
        "      nvidia-cudnn-cu11==9.1\n"
    )
    names = deps(root / "environment.yml", Kind.CONDA)
    assert names[0] == ("numpy", "", None)


def test_folded_pip_item_offers_no_edit(tmp_path):
    root = write_tree(
        tmp_path,
        {"environment.yml": "dependencies:\n  - pip:\n    - >-\n      nvidia-cudnn-cu11==9.1\n"},
    )
    findings = Project(root, Config(root=root)).check([root]).findings
    (f,) = [f for f in findings if f.code == "CU001"]
    assert f.fixes == ()


def test_removed_requirement_line_keeps_its_comment(project):
    root = project({".git/HEAD": "", "requirements.txt": "numpy\nmkl==2023.1  # BLAS for x86\n"})
    r = fix(root)
    assert r.returncode == 0
    assert (root / "requirements.txt").read_text() == "numpy\n# mkl==2023.1  # BLAS for x86\n"


# --- verification ----------------------------------------------------------------------


def _finding(path: Path, span: Span, edit: TextEdit) -> Finding:
    return Finding(path, span, "XX001", "x", Severity.ERROR, "m", fixes=(Fix("break it", (edit,)),))


def test_verification_refuses_a_fix_that_breaks_the_file():
    text = "numpy==1.0\nscipy\n"
    doc = parse_text(Path("/p/requirements.txt"), text, Kind.REQUIREMENTS)
    bad = TextEdit(doc.dependencies[0].name_span, ">=")  # the name lost
    assert verify_text(doc, apply_edits(text, [bad]), [bad]) is not None
    other = TextEdit(doc.dependencies[1].name_span, "pandas")  # not the fixed line
    edit = TextEdit(doc.dependencies[0].specifier_span, ">=2")
    assert verify_text(doc, apply_edits(text, [edit]), [edit]) is None
    new = apply_edits(text, [edit, other])
    assert verify_text(doc, new, [edit]) == "it would change other requirements"
    notes: list[str] = []
    f = _finding(doc.path, doc.dependencies[0].span, bad)
    (kept,) = verified_findings(doc, [f], notes)
    assert kept.fixes == ()
    assert notes == [
        (
            doc.path,
            1,
            "XX001",
            "the result would not parse: cannot parse requirement '>===1.0': "
            "expected a package name",
        )
    ]


def test_verification_refuses_invalid_toml():
    text = '[tool.poetry.dependencies]\nx = "9.1.0.70"\n'
    doc = parse_text(Path("/p/pyproject.toml"), text, Kind.PYPROJECT)
    dep = doc.dependencies[0]
    edit = TextEdit(Span.point(dep.span.end_line, dep.span.end_col), '; sys_platform != "darwin"')
    reason = verify_text(doc, apply_edits(text, [edit]), [edit])
    assert reason is not None and reason.startswith("the result would not parse")


def test_apply_refuses_a_bad_fix_and_says_where(tmp_path):
    root = write_tree(tmp_path, {"requirements.txt": "numpy==1.0\n"})
    project = Project(root, Config(root=root))
    project.check([root])
    doc = project.engine.checked_document(root / "requirements.txt")
    f = _finding(doc.path, doc.dependencies[0].span, TextEdit(doc.dependencies[0].name_span, "["))
    outcome = apply_fixes(project, [f])
    assert outcome.applied == 0
    assert (root / "requirements.txt").read_text() == "numpy==1.0\n"
    assert outcome.errors and outcome.errors[0].endswith(
        "requirements.txt:1: fix not applied (break it): the result would not parse: "
        "cannot parse requirement '[==1.0': expected a package name"
    )


# --- the text that was checked, atomic writes, what is written --------------------------


def test_file_changed_since_the_check_is_not_fixed(tmp_path):
    root = write_tree(tmp_path, {"requirements.txt": "h5py==3.1.0\n"})
    project = Project(root, Config(root=root))
    findings = project.check([root]).findings
    assert any(f.fixes for f in findings)
    (root / "requirements.txt").write_text("h5py==3.2.0\nnumpy\n")  # someone else
    outcome = apply_fixes(project, findings, unsafe=True)
    assert (root / "requirements.txt").read_text() == "h5py==3.2.0\nnumpy\n"
    assert outcome.applied == 0
    assert any("changed since it was checked" in e for e in outcome.errors)


def test_read_only_file_is_left_alone_and_not_counted(project):
    root = project({".git/HEAD": "", "requirements.txt": "mkl\n", "requirements-dev.txt": "mkl\n"})
    (root / "requirements-dev.txt").chmod(0o444)
    r = fix(root)
    assert (root / "requirements-dev.txt").read_text() == "mkl\n"
    assert (root / "requirements.txt").read_text() == ""
    assert "requirements-dev.txt: the file is read-only; not fixed" in r.stderr
    assert "Fixed 1." in r.stdout


def test_write_keeps_the_mode_and_leaves_no_temporary_file(project):
    root = project({".git/HEAD": "", "requirements.txt": "numpy\nmkl\n"})
    (root / "requirements.txt").chmod(0o640)
    fix(root)
    assert (root / "requirements.txt").read_text() == "numpy\n"
    assert stat.S_IMODE(os.stat(root / "requirements.txt").st_mode) == 0o640
    assert sorted(p.name for p in root.iterdir()) == [".git", "requirements.txt"]


def test_include_outside_the_project_is_never_fixed_nor_echoed(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("mkl\nsecret-token-line ==\n")
    root = write_tree(
        tmp_path / "proj", {".git/HEAD": "", "requirements.txt": "-r ../outside.txt\nnumpy\n"}
    )
    r = fix(root)
    assert outside.read_text() == "mkl\nsecret-token-line ==\n"
    assert "secret-token-line" not in r.stdout + r.stderr
    r = run_cli("check", ".", "--format", "github", cwd=root)
    assert "secret-token-line" not in r.stdout and "outside.txt" not in r.stdout


def test_an_explicit_file_outside_the_root_is_not_written(tmp_path):
    other = write_tree(tmp_path / "other", {"requirements.txt": "mkl\n"})
    root = write_tree(tmp_path / "proj", {".git/HEAD": ""})
    project = Project(root, Config(root=root))
    findings = project.check([other / "requirements.txt"]).findings
    assert any(f.fixes for f in findings)
    outcome = apply_fixes(project, findings)
    assert (other / "requirements.txt").read_text() == "mkl\n"
    assert outcome.applied == 0 and "outside the project root" in outcome.errors[0]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_env_var_include_follows_pip(project, monkeypatch, newline):
    root = project(
        {
            ".git/HEAD": "",
            "requirements.txt": f"-r ${{REQ_DIR}}/base.txt{newline}-r $HOME/x.txt{newline}",
            "sub/base.txt": "numpy==1.19.5\n",
        }
    )
    r = run_cli("check", ".", "--format", "json", cwd=root, env={"REQ_DIR": "sub"})
    import json

    got = sorted((f["path"], f["code"]) for f in json.loads(r.stdout))
    # ${REQ_DIR} is expanded as pip does; $HOME is not (pip reads it literally: missing)
    assert got == [("requirements.txt", "LE002"), ("sub/base.txt", "WH001")]
    r = run_cli("check", ".", "--format", "json", cwd=root, env={"REQ_DIR": ""})
    assert [f["code"] for f in json.loads(r.stdout)] == ["LE002"]  # unset: the $HOME line


def test_editor_buffer_fixes_are_verified_too(tmp_path):
    """The language server checks overlays with Project.check_file: its quick fixes and
    fixAll are the engine's fixes, verified the same way."""
    root = write_tree(tmp_path, {"pyproject.toml": ""})
    project = Project(root, Config(root=root))
    text = (
        '[tool.poetry.dependencies]\nnvidia-cudnn-cu11 = "9.1.0.70"\n'
        '[project]\ndependencies = ["h5py==3.1.0 ; sys_platform == \\"darwin\\""]\n'
    )
    path = root / "pyproject.toml"
    project.set_overlay(path, text)
    findings = project.check_file(path)
    fixes = [x for f in findings for x in f.fixes]
    assert {f.code for f in findings if f.fixes} == {"CU001", "WH001"}
    for x in fixes:
        tomllib.loads(apply_edits(text, x.edits))
    doc = parse_text(path, text, Kind.PYPROJECT)
    from lint_env.fixes import select_fixes

    fixed = apply_edits(text, [e for x in select_fixes(fixes) for e in x.edits])
    assert verify_text(doc, fixed, [e for x in select_fixes(fixes) for e in x.edits]) is None


def test_a_fix_refused_at_check_time_is_named_by_fix(project):
    text = '[tool.poetry.dependencies]\ntensorflow-gpu = "2.9"\ntensorflow = "2.16"\n'
    root = project({".git/HEAD": "", "pyproject.toml": text})
    r = fix(root)
    assert (root / "pyproject.toml").read_text() == text  # a duplicate key: not applied
    assert (
        "lint-env: warning: pyproject.toml:2: TF005 fix not offered: the result would not "
        "parse: invalid TOML: Cannot overwrite a value"
    ) in r.stderr
    assert "Fixed" not in r.stdout


def test_fixes_that_fail_together_are_applied_one_by_one():
    from lint_env.fixes import accept_together

    text = "a==1\nb==1\n"
    doc = parse_text(Path("/p/requirements.txt"), text, Kind.REQUIREMENTS)
    a, _ = doc.dependencies
    good = Fix("a", (TextEdit(a.specifier_span, ">=2"),))
    # joins the two lines into one that does not parse: refused, `good` still applied
    joins = Fix("b", (TextEdit(Span(0, 4, 1, 0), " "),))
    new, accepted, rejected = accept_together(doc, [good, joins])
    assert new == "a>=2\nb==1\n" and accepted == [good]
    assert [f for f, _ in rejected] == [joins]


def test_block_scalar_item_with_a_comment_is_commented_out(project):
    text = "dependencies:\n  - >-  # cuda\n    cudatoolkit\n  - numpy\n"
    root = project({".git/HEAD": "", "environment.yml": text})
    fix(root)
    got = (root / "environment.yml").read_text()
    assert got == "dependencies:\n  # - >-  # cuda\n    # cudatoolkit\n  - numpy\n"


def test_a_fix_may_not_change_its_neighbour_on_the_same_line():
    text = '[project]\ndependencies = ["a==1", "b==1"]\n'
    doc = parse_text(Path("/p/pyproject.toml"), text, Kind.PYPROJECT)
    a, b = doc.dependencies
    mine = TextEdit(a.specifier_span, ">=2")
    sneaky = TextEdit(b.specifier_span, ">=3")  # not part of the fix of a
    assert verify_text(doc, apply_edits(text, [mine]), [mine]) is None
    assert verify_text(doc, apply_edits(text, [mine, sneaky]), [mine]) is not None
    insert = TextEdit(Span.point(1, a.span.end_col), "; os_name == 'nt'")
    assert verify_text(doc, apply_edits(text, [insert, sneaky]), [insert]) is not None


@pytest.mark.parametrize("how", [".", "requirements.txt"])
def test_a_symlink_out_of_the_project_is_not_read(tmp_path, how):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET_TOKEN=abc123 ==\n")
    root = write_tree(tmp_path / "proj", {".git/HEAD": "", "b.txt": "x\n"})
    (root / "requirements.txt").symlink_to(secret)
    for fmt in ("text", "github", "json"):
        r = run_cli("check", how, "--format", fmt, cwd=root)
        assert "SECRET_TOKEN" not in r.stdout + r.stderr
        assert "requirements.txt: links outside the project (skipped)" in r.stderr
    r = run_cli("check", "../secret.txt", "--format", "json", cwd=root)  # named: checked
    assert "SECRET_TOKEN" in r.stdout


def test_a_hash_pinned_file_is_never_fixed(project):
    """pip's hash-checking mode (any --hash in the file) refuses a changed version whose
    hashes were not regenerated: --fix leaves such a file alone and says why."""
    text = "PyQt5-Qt5==5.15.2 \\\n    --hash=sha256:1234\nh5py==3.1.0 --hash=sha256:abcd\n"
    root = project({".git/HEAD": "", "requirements.txt": text})
    r = fix(root)
    assert (root / "requirements.txt").read_text() == text
    # no fix is offered: the raised floor would be unpinned in hash-checking mode (LK006,
    # so the fix re-check drops it), and the file pins hashes (verify_text refuses it)
    assert "WH003" in r.stdout and "[*]" not in r.stdout
    # the same lines without hashes are fixed
    (root / "requirements.txt").write_text("PyQt5-Qt5==5.15.2\n")
    fix(root)
    assert (root / "requirements.txt").read_text() == "PyQt5-Qt5>=5.15.11\n"
