"""lint-env never imports a module from the project it checks, however it is started.

A hostile workspace holds a package for every module lint-env imports (each writes a
marker file when imported). The list is not written by hand: it is measured by running
each front with ``-X importtime`` in a harmless copy of the project (plus every import
statement in lint-env's own source), so a new lazy import is covered the day it is
added. Then each front runs with that workspace as its working directory, with ``.`` and
an empty entry on ``PYTHONPATH`` too, and no marker may appear.

Modules Python imports *before* lint-env's first line runs (``site``'s, and with ``-m``
``runpy``'s: importlib, contextlib, warnings, ...) are out of lint-env's reach; they are
measured and documented by the last tests (``-P`` closes that gap on 3.11+).
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, write_tree
from lsp_raw import RawServer

PACKAGE = REPO / "server" / "lint_env"
NOTEBOOK = json.dumps(
    {
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": ["import tensorflow\n"]},
            {"cell_type": "code", "metadata": {}, "source": ["%pip install keras==3.0.0\n"]},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
)
PROJECT = {
    "requirements.txt": "tensorflow==2.15.0\ntensorflow-metal==1.1.0\nnumpy\n-r more.in\n",
    "more.in": "keras==3.0.0\n",
    "environment.yml": (
        "name: x\nchannels: [conda-forge, defaults]\ndependencies:\n"
        "  - python=3.11\n  - numpy\n  - pip:\n    - torch==2.1.0\n"
    ),
    "pyproject.toml": (
        '[project]\nname = "x"\nversion = "0"\ndependencies = ["jax==0.4.20"]\n'
        "[tool.lint-env]\ntargets = ['macos-arm64']\n"
    ),
    "app.py": "import tensorflow as tf\nimport keras\nimport numpy as np\n",
    "nb.ipynb": NOTEBOOK,
}


def _env(extra_path: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if extra_path:
        parts += [".", ""]  # the working directory, twice over
    env["PYTHONPATH"] = os.pathsep.join(parts)
    if not env["PYTHONPATH"]:
        del env["PYTHONPATH"]
    return env


def _script() -> Path | None:
    exe = Path(sys.executable)
    for name in ("lint-env", "lint-env.exe"):
        if (exe.parent / name).is_file():
            return exe.parent / name
    return None


# --- the fronts ----------------------------------------------------------------------

FRONTS = {
    "check": [sys.executable, "-m", "lint_env", "check", "--exit-zero", "."],
    "check-json": [sys.executable, "-m", "lint_env", "check", "--exit-zero", "--format", "json", "."],
    "check-sarif": [sys.executable, "-m", "lint_env", "check", "--exit-zero", "--format", "sarif", "."],
    "check-c": [sys.executable, "-c", "from lint_env.cli import main; main()", "check", "--exit-zero", "."],
    "explain": [sys.executable, "-m", "lint_env", "explain", "RT014"],
    "rules": [sys.executable, "-m", "lint_env", "rules"],
    "validate": [sys.executable, "-m", "lint_env", "validate", "--python", sys.executable,
                      "--no-tensorflow", "--site", "{empty}", "--timeout", "60"],
    "server": [sys.executable, "-m", "lint_env", "server"],
    "server-lsp": [sys.executable, "-m", "lint_env.lsp"],
    "script-check": ["{script}", "check", "--exit-zero", "."],
    "script-server": ["{script}", "server"],
}  # fmt: skip


def _argv(front: str, root: Path) -> list[str]:
    script = _script()
    if "{script}" in FRONTS[front] and script is None:
        pytest.skip("no lint-env console script beside this interpreter")
    empty = root.parent / f"{root.name}-empty-site"
    empty.mkdir(exist_ok=True)
    return [
        a.replace("{script}", str(script)).replace("{empty}", str(empty)) for a in FRONTS[front]
    ]


def _run(front: str, root: Path, env: dict[str, str], importtime: bool) -> str:
    """Run one front in ``root``; its stderr."""
    argv = _argv(front, root)
    if importtime:
        if argv[0] == sys.executable:
            argv = [argv[0], "-X", "importtime", *argv[1:]]
        else:
            env = {**env, "PYTHONPROFILEIMPORTTIME": "1"}
    if front.endswith("server") or front == "server-lsp":
        return _server_session(argv, root, env)
    done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode in (0, 1), f"{front}: exit {done.returncode}\n{done.stderr[-3000:]}"
    return done.stderr


def _server_session(argv: list[str], root: Path, env: dict[str, str]) -> str:
    """initialize, open every kind of file, a hover, shutdown, exit."""
    with RawServer(root, argv, env) as srv:
        srv.initialize(root)
        uris = []
        for name, lang in (
            ("requirements.txt", "pip-requirements"),
            ("environment.yml", "yaml"),
            ("pyproject.toml", "toml"),
            ("app.py", "python"),
        ):
            uris.append(srv.open(root / name, (root / name).read_text(), lang))
        for uri in uris:
            srv.diagnostics(uri)
        srv.response(
            srv.request(
                "textDocument/hover",
                {"textDocument": {"uri": uris[0]}, "position": {"line": 0, "character": 3}},
            )
        )
        assert srv.shutdown_and_exit() == 0, srv.err()
        return srv.err()


# --- what lint-env imports -----------------------------------------------------------


def _importtime(stderr: str) -> tuple[set[str], set[str]]:
    """(top-level modules imported before lint_env started, those imported after)."""
    rows: list[tuple[int, str]] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = line.split("|", 2)
        if len(parts) < 3 or parts[2].strip() == "imported package":
            continue
        raw = parts[2].rstrip()
        rows.append(((len(raw) - len(raw.lstrip(" ")) - 1) // 2, raw.strip()))
    first = next(i for i, (_, name) in enumerate(rows) if name == "lint_env")
    depth = rows[first][0]
    start = first
    while start > 0 and rows[start - 1][0] > depth:
        start -= 1  # lint_env's own imports are listed before it, one level deeper
    top = lambda rs: {name.split(".")[0] for _, name in rs}  # noqa: E731
    return top(rows[:start]), top(rows[start:])


def _source_imports() -> set[str]:
    """Top-level names of every absolute import statement in lint-env's source."""
    names: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names.add(node.module.split(".")[0])
    return names


@pytest.fixture(scope="module")
def measured(tmp_path_factory) -> dict[str, tuple[set[str], set[str]]]:
    """front -> (imported before lint_env, imported by lint-env), from a harmless copy."""
    out = {}
    for front in FRONTS:
        root = write_tree(tmp_path_factory.mktemp(f"clean-{front}"), PROJECT)
        try:
            out[front] = _importtime(_run(front, root, _env(extra_path=True), importtime=True))
        except pytest.skip.Exception:
            continue
    return out


def _hostile(root: Path, names: set[str], markers: Path) -> None:
    write_tree(root, PROJECT)
    for name in names:
        pkg = root / name
        pkg.mkdir(exist_ok=True)
        (pkg / "__init__.py").write_text(
            f"open({str(markers / name)!r}, 'w').close()\n", encoding="utf-8"
        )


def test_the_measured_list_covers_what_the_issue_names(measured):
    used = set().union(*(after for _, after in measured.values())) | _source_imports()
    # The modules the issue found imported lazily from the workspace, and a few more.
    for name in ("yaml", "fnmatch", "packaging", "lsprotocol", "pygls", "json", "asyncio"):
        assert name in used, name
    assert ("tomllib" if sys.version_info >= (3, 11) else "tomli") in used


@pytest.mark.parametrize("front", list(FRONTS))
def test_no_front_imports_a_module_from_the_workspace(front, measured, tmp_path):
    if front not in measured:
        pytest.skip("front not available here")
    before, after = measured[front]
    names = (after | _source_imports()) - before - set(sys.builtin_module_names)
    names -= {"lint_env", "__main__"}
    markers = tmp_path / "markers"
    markers.mkdir()
    root = tmp_path / "hostile"
    root.mkdir()
    _hostile(root, names, markers)
    _run(front, root, _env(extra_path=True), importtime=False)
    ran = sorted(p.name for p in markers.iterdir())
    assert ran == [], f"{front} imported workspace code: {ran}"


def test_a_bad_marker_would_be_seen(tmp_path):
    """The harness itself: without the guard, the same hostile package is imported."""
    markers = tmp_path / "markers"
    markers.mkdir()
    root = tmp_path / "hostile"
    root.mkdir()
    _hostile(root, {"fnmatch"}, markers)
    code = "import sys; sys.path.insert(0, ''); import fnmatch"
    subprocess.run([sys.executable, "-c", code], cwd=root, env=_env(False), check=True)
    assert [p.name for p in markers.iterdir()] == ["fnmatch"]


# --- what lint-env cannot reach: imports before its first line -------------------------


def test_before_lint_env_runs_only_the_standard_library_is_imported(measured):
    """Whatever Python imports before lint_env/__init__.py (site, runpy for ``-m``, the
    console script's ``re``) is standard library: a workspace can only shadow those
    names, and lint_env itself, before the guard runs. Recorded in the docstring of
    lint_env/__init__.py; the editors start the server with ``-P``/``-I`` for this."""
    stdlib = set(sys.stdlib_module_names) | {"sitecustomize", "usercustomize", "_distutils_hack"}
    for front, (before, _) in measured.items():
        foreign = sorted(before - stdlib - set(sys.builtin_module_names))
        assert foreign == [], f"{front}: imported before lint_env: {foreign}"
    runpy_set = measured["check"][0] - measured["check-c"][0]
    assert {"runpy", "contextlib"} <= runpy_set | measured["check-c"][0]


def _hostile_everything(tmp_path: Path, imported: tuple[set, set]) -> tuple[Path, Path]:
    """A workspace that shadows every module a front imported (before and after the
    guard), lint_env included; returns it and its marker folder."""
    before, after = imported
    names = (before | after) - set(sys.builtin_module_names) - {"__main__"}
    names -= {"sitecustomize", "usercustomize", "_distutils_hack"}
    markers = tmp_path / "markers"
    markers.mkdir()
    root = tmp_path / "hostile"
    root.mkdir()
    _hostile(root, names | {"lint_env"}, markers)
    return root, markers


@pytest.mark.skipif(sys.version_info < (3, 11), reason="-P is new in Python 3.11")
def test_safe_path_flag_closes_the_gap_before_lint_env(measured, tmp_path):
    """With ``-P`` even runpy's imports and a workspace ``lint_env`` package are safe."""
    root, markers = _hostile_everything(tmp_path, measured["check"])
    argv = [sys.executable, "-P", "-m", "lint_env", "check", "--exit-zero", "."]
    done = subprocess.run(argv, cwd=root, env=_env(False), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in markers.iterdir()) == []


def test_guard_keeps_explicit_absolute_entries_and_drops_the_working_directory(tmp_path):
    keep = tmp_path / "keep"
    keep.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    server = str(REPO / "server")
    env = _env(False)
    env["PYTHONPATH"] = os.pathsep.join([env.get("PYTHONPATH", server), str(keep), ".", ""])
    code = "import lint_env, sys, json; print(json.dumps(sys.path))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True
    )
    path = json.loads(out.stdout)
    assert str(keep) in path
    assert "" not in path and str(work) not in path and "." not in path


def _python310() -> str | None:
    pyenv = sorted(str(p) for p in Path.home().glob(".pyenv/versions/3.10*/bin/python3.10"))
    for cand in (os.environ.get("LINT_ENV_PYTHON310"), shutil.which("python3.10"), *pyenv):
        if not cand:
            continue
        try:
            ok = subprocess.run(
                [cand, "-c", "import sys; print(sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=30,
            )
        except OSError:
            continue
        if ok.returncode == 0 and ok.stdout.strip() == "(3, 10)":
            return cand
    return None


def test_guard_runs_on_the_oldest_supported_python(tmp_path):
    """Python 3.10 has no ``-P``: the guard alone must drop the working directory."""
    py310 = _python310()
    if py310 is None:
        pytest.skip("no working Python 3.10 here")
    markers = tmp_path / "markers"
    markers.mkdir()
    root = tmp_path / "hostile"
    root.mkdir()
    _hostile(root, {"textwrap", "shutil"}, markers)  # imported after lint_env by --version
    env = {**_env(True), "PYTHONPATH": os.pathsep.join([str(REPO / "server"), ".", ""])}
    code = "import lint_env, sys; print('' in sys.path, sys.path[0])"
    done = subprocess.run(
        [py310, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith("False"), done.stdout
    done = subprocess.run(
        [py310, "-m", "lint_env", "--version"], cwd=root, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in markers.iterdir()) == []


@pytest.mark.slow
def test_the_pre_commit_hook_imports_nothing_from_the_repository(measured, tmp_path):
    """Real pre-commit (`try-repo` this checkout) in a hostile repository: the hook runs
    the `lint-env` console script of pre-commit's own virtualenv, cwd = the repository."""
    pytest.importorskip("pre_commit", reason="pre-commit is in the test extra")
    if "script-check" not in measured:
        pytest.skip("no console script measured")
    before, after = measured["script-check"]
    names = (after | _source_imports()) - before - set(sys.builtin_module_names)
    names -= {"lint_env", "__main__"}
    markers = tmp_path / "markers"
    markers.mkdir()
    root = tmp_path / "hostile"
    root.mkdir()
    _hostile(root, names, markers)
    env = {k: v for k, v in _env(extra_path=False).items() if k != "PYTHONPATH"}
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid")
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid")
    for args in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    # pre-commit itself is started isolated (-I): it is not lint-env, and with the
    # hostile folder as its working directory it would import its yaml from there.
    argv = [sys.executable, "-I", "-m", "pre_commit", "try-repo", str(REPO), "lint-env", "-a"]
    done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert "lint-env" in done.stdout, done.stdout + done.stderr
    assert sorted(p.name for p in markers.iterdir()) == []


# The launch that editors can use on every supported Python (3.10 has no -P): ``-c``
# puts '' first on sys.path and imports nothing before the code runs, so deleting that
# entry first leaves nothing of the workspace on sys.path, lint_env included.
SAFE_LAUNCH = "import sys; del sys.path[0]; from lint_env.cli import main; sys.exit(main())"


def test_the_safe_c_launch_imports_nothing_from_the_workspace_even_lint_env(measured, tmp_path):
    root, markers = _hostile_everything(tmp_path, measured["check-c"])
    for args in (["check", "--exit-zero", "."], ["--version"]):
        done = subprocess.run(
            [sys.executable, "-c", SAFE_LAUNCH, *args],
            cwd=root, env=_env(False), capture_output=True, text=True,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in markers.iterdir()) == []
    py310 = _python310()
    if py310 is not None:  # the guard's own module needs nothing but the stdlib
        env = {**_env(False), "PYTHONPATH": str(REPO / "server")}
        done = subprocess.run(
            [py310, "-c", SAFE_LAUNCH, "--version"], cwd=root, env=env, capture_output=True
        )
        assert done.returncode == 0, done.stderr
        assert sorted(p.name for p in markers.iterdir()) == []
