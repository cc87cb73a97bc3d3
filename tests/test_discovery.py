"""Workspace discovery: gitignore semantics, the skip list, symlink loops, explicit paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lint_env.discovery import compile_pattern, discover, is_ignored


def _touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")


def _rel(root: Path, files: list[Path]) -> list[str]:
    return [p.relative_to(root).as_posix() for p in files]


def _ignored(patterns: str, rel: str, is_dir: bool = False) -> bool:
    compiled = [p for p in (compile_pattern(x) for x in patterns.splitlines()) if p]
    return is_ignored(compiled, rel, is_dir)


@pytest.mark.parametrize(
    ("patterns", "path", "is_dir", "expected"),
    [
        ("*.py", "a.py", False, True),
        ("*.py", "deep/er/a.py", False, True),
        ("*.py", "a.pyc", False, False),
        ("a?.py", "ab.py", False, True),
        ("a?.py", "a/.py", False, False),
        ("[ab].py", "b.py", False, True),
        ("[!ab].py", "b.py", False, False),
        ("/top.py", "top.py", False, True),
        ("/top.py", "sub/top.py", False, False),
        ("sub/x.py", "sub/x.py", False, True),
        ("sub/x.py", "other/sub/x.py", False, False),  # a middle slash anchors too
        ("build/", "build", True, True),
        ("build/", "build", False, False),  # trailing slash: folders only
        ("**/logs", "a/b/logs", True, True),
        ("**/logs", "logs", True, True),
        ("logs/**", "logs/x/y.py", False, True),
        ("a/**/b.py", "a/b.py", False, True),
        ("a/**/b.py", "a/x/y/b.py", False, True),
        ("a/**/b.py", "c/a/b.py", False, False),
        ("*.py\n!keep.py", "keep.py", False, False),
        ("*.py\n!keep.py\nkeep.py", "keep.py", False, True),  # the last match decides
        ("# comment\n\n", "# comment", False, False),
        ("\\#hash.py", "#hash.py", False, True),
        ("\\!bang.py", "!bang.py", False, True),
        ("trail.py   ", "trail.py", False, True),
        ("*", "anything/at/all.py", False, True),
    ],
)
def test_gitignore_patterns(patterns: str, path: str, is_dir: bool, expected: bool):
    assert _ignored(patterns, path, is_dir) is expected


def test_walk_honours_root_and_nested_gitignore(tmp_path: Path):
    _touch(
        tmp_path,
        "requirements.txt",
        "app/main.py",
        "app/gen_code.py",
        "app/keep_gen.py",
        "app/data/x.py",
        "app/notes.txt",
        "scratch/tmp.py",
        "sub/.gitignore",
        "sub/local.py",
        "sub/kept.py",
        "environment.yml",
        "nb/analysis.ipynb",
    )
    (tmp_path / ".gitignore").write_text("# generated\n*gen_*.py\n!keep_gen.py\n/scratch/\ndata/\n")
    (tmp_path / "sub" / ".gitignore").write_text("local.py\n")
    found = discover([tmp_path], tmp_path)
    assert found.errors == []
    assert _rel(tmp_path, found.files) == [
        "app/keep_gen.py",
        "app/main.py",
        "environment.yml",
        "nb/analysis.ipynb",
        "requirements.txt",
        "sub/kept.py",
    ]


def test_nested_gitignore_applies_when_walking_a_subfolder(tmp_path: Path):
    _touch(tmp_path, "pkg/a.py", "pkg/b_gen.py", "pkg/inner/c_gen.py")
    (tmp_path / ".gitignore").write_text("*_gen.py\n")
    found = discover([tmp_path / "pkg" / "inner", tmp_path / "pkg"], tmp_path)
    assert _rel(tmp_path, found.files) == ["pkg/a.py"]


def test_skip_list(tmp_path: Path):
    _touch(
        tmp_path,
        "ok.py",
        ".git/hooks/x.py",
        ".hg/x.py",
        ".svn/x.py",
        "node_modules/m/x.py",
        "lib/site-packages/x.py",
        "pkg/__pycache__/x.py",
        "build/x.py",
        "dist/x.py",
        ".tox/x.py",
        ".nox/x.py",
        ".mypy_cache/x.py",
        ".pytest_cache/x.py",
        ".ruff_cache/x.py",
        "proj.egg-info/x.py",
        "nb/.ipynb_checkpoints/a-checkpoint.ipynb",
        "anyvenv/pyvenv.cfg",
        "anyvenv/lib/x.py",
        "env/bin/python",
        "env/x.py",
        ".venv/bin/python",
        ".venv/x.py",
        "venv/Scripts/python.exe",
        "venv/x.py",
        "condaenv/conda-meta/history",
        "condaenv/x.py",
        "envs/x.py",  # not a virtual environment: just a folder name
    )
    found = discover([tmp_path], tmp_path)
    assert _rel(tmp_path, found.files) == ["envs/x.py", "ok.py"]


def test_folder_named_env_without_interpreter_is_walked(tmp_path: Path):
    _touch(tmp_path, "env/settings.py")
    assert _rel(tmp_path, discover([tmp_path], tmp_path).files) == ["env/settings.py"]


def test_config_excludes_win_over_negations(tmp_path: Path):
    _touch(tmp_path, "a.py", "gen/b.py", "c_test.py", "keep.py")
    (tmp_path / ".gitignore").write_text("!keep.py\n")
    found = discover([tmp_path], tmp_path, exclude=["gen/", "*_test.py", "keep.py"])
    assert _rel(tmp_path, found.files) == ["a.py"]


def test_explicit_files(tmp_path: Path):
    _touch(tmp_path, "deps.lock", "ignored.py", "excluded.py", "x.unknownext")
    (tmp_path / ".gitignore").write_text("ignored.py\n")
    paths = [tmp_path / n for n in ("deps.lock", "ignored.py", "excluded.py")]
    found = discover(paths, tmp_path, exclude=["excluded.py"])
    # Named files are checked whatever their name; only config excludes remove them.
    assert _rel(tmp_path, found.files) == ["deps.lock", "ignored.py"]
    # Walking finds neither the unknown name nor the gitignored file.
    assert _rel(tmp_path, discover([tmp_path], tmp_path).files) == ["excluded.py"]


def test_missing_path_is_a_one_line_error(tmp_path: Path):
    found = discover([tmp_path / "nope"], tmp_path)
    assert found.files == []
    assert len(found.errors) == 1 and "nope" in found.errors[0] and "\n" not in found.errors[0]


def test_symlink_loop_terminates(tmp_path: Path):
    _touch(tmp_path, "a/x.py")
    os.symlink(tmp_path, tmp_path / "a" / "loop")  # a -> root -> a -> ...
    os.symlink(tmp_path / "a", tmp_path / "a" / "self")
    found = discover([tmp_path], tmp_path)
    assert _rel(tmp_path, found.files) == ["a/x.py"]


def test_symlinked_folder_is_followed_once(tmp_path: Path):
    _touch(tmp_path, "real/y.py")
    os.symlink(tmp_path / "real", tmp_path / "alias")
    found = discover([tmp_path], tmp_path)
    assert len(found.files) == 1 and found.files[0].name == "y.py"


def test_broken_symlink_is_ignored(tmp_path: Path):
    os.symlink(tmp_path / "missing.py", tmp_path / "dangling.py")
    _touch(tmp_path, "ok.py")
    assert _rel(tmp_path, discover([tmp_path], tmp_path).files) == ["ok.py"]


def test_unreadable_folder_is_skipped_with_a_note(tmp_path: Path, monkeypatch):
    # Tests run as root here, where chmod 000 does not stop reading: os.scandir is
    # made to fail for one folder instead, the way it fails for an unreadable one.
    _touch(tmp_path, "ok.py", "locked/x.py")
    real_scandir = os.scandir
    locked = str(tmp_path / "locked")

    def scandir(path):
        if str(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = discover([tmp_path], tmp_path)
    assert _rel(tmp_path, found.files) == ["ok.py"]
    assert len(found.errors) == 1
    assert "locked" in found.errors[0] and "Permission denied" in found.errors[0]


def test_folder_outside_root(tmp_path: Path):
    _touch(tmp_path, "root/a.py", "other/b.py", "other/skip_me.py")
    (tmp_path / "other" / ".gitignore").write_text("skip_me.py\n")
    found = discover([tmp_path / "other"], tmp_path / "root")
    assert _rel(tmp_path, found.files) == ["other/b.py"]


def test_the_real_paths_discovery_knows_are_those_the_os_resolves(tmp_path: Path):
    # the root is reached through a symlink, a folder inside links to another folder,
    # a file links to another file: what discovery says without asking the OS must be
    # what Path.resolve() says
    real_root = tmp_path / "real"
    (real_root / "pkg" / "sub").mkdir(parents=True)
    (real_root / "pkg" / "sub" / "a.py").write_text("import numpy\n")
    (real_root / "other").mkdir()
    (real_root / "other" / "b.py").write_text("import scipy\n")
    (real_root / "linked").symlink_to(real_root / "other", target_is_directory=True)
    (real_root / "pkg" / "c.py").symlink_to(real_root / "pkg" / "sub" / "a.py")
    (real_root / "requirements.txt").write_text("numpy\n")
    (tmp_path / "alias").symlink_to(real_root, target_is_directory=True)
    root = tmp_path / "alias"
    found = discover([root], root)
    names = {p.relative_to(root).as_posix() for p in found.files}
    assert {"pkg/sub/a.py", "pkg/c.py", "requirements.txt"} <= names
    assert "linked/b.py" in names  # walked once, by the first name that leads there
    assert found.real, "discovery knew no real path"
    for path, real in found.real.items():
        assert real == path.resolve(), path
    assert root / "pkg" / "c.py" not in found.real  # a symlink: resolved by the caller
