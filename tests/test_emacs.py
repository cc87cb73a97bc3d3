"""A third real editor: Emacs (Debian's Emacs 28 + elpa-eglot, or Emacs 29+ with its
built-in eglot) in `--batch` loads editors/emacs/lint-env-eglot.el, visits a
requirements file, a conda environment file and a pyproject.toml, starts eglot with
the contact the snippet registered (`eglot-ensure` does not connect in batch, so
`eglot` is called with a transient project) and receives lint-env's diagnostics. The
project also holds hostile yaml.py/fnmatch.py/packaging/lint_env modules, started in
it as Emacs starts the server: none may run. .ci/setup-emacs.sh installs Emacs in CI."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

FIXTURES = Path(__file__).parent / "fixtures" / "lsp"
SNIPPET = REPO / "editors" / "emacs" / "lint-env-eglot.el"
HOSTILE = ("yaml.py", "fnmatch.py", "runpy.py", "packaging/__init__.py", "lint_env/__init__.py")


def emacs_with_eglot() -> str | None:
    emacs = shutil.which("emacs")
    if emacs is None:
        return None
    probe = subprocess.run(
        [emacs, "--batch", "--eval", "(progn (require 'eglot) (princ emacs-version))"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return emacs if probe.returncode == 0 and re.match(r"2[89]|[3-9]\d", probe.stdout) else None


@pytest.mark.slow
def test_emacs_eglot_receives_lint_env_diagnostics(tmp_path: Path):
    emacs = emacs_with_eglot()
    if emacs is None:
        pytest.skip("needs Emacs 28+ with eglot (Debian: apt-get install emacs-nox elpa-eglot)")
    script = Path(sys.executable).parent / "lint-env"
    if not script.is_file():
        pytest.skip(f"no lint-env console script beside {sys.executable} (package not installed)")
    root = tmp_path / "proj"
    root.mkdir()
    marker = root / "HOSTILE-CODE-RAN"
    for name in HOSTILE:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"open({str(marker)!r}, 'a').write({name!r})\n", encoding="utf-8")
    (root / "requirements.txt").write_text("numpy\nnumpy>=>1.2\n", encoding="utf-8")
    (root / "environment.yml").write_text(
        "name: x\ndependencies:\n  - python=3.11\n  - pip:\n    - numpy>=>1\n", encoding="utf-8"
    )
    (root / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\ndependencies = ["tensorflow-gpu==2.10.0"]\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.json"
    env = {**os.environ, "PATH": f"{script.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(
        [emacs, "--batch", "-l", FIXTURES / "emacs" / "check.el", SNIPPET, root, out],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.is_file(), (proc.stdout + proc.stderr)[-3000:]
    seen = json.loads(out.read_text(encoding="utf-8"))
    # The snippet's registration is what eglot used.
    assert seen["contact"][:2] == ["lint-env", "server"]
    assert seen["requirements.txt-mode"] in ("conf-unix-mode", "pip-requirements-mode")
    assert sorted(seen["managed"]) == ["environment.yml", "pyproject.toml", "requirements.txt"]
    diags = seen["diagnostics"]
    (req,) = diags["requirements.txt"]
    assert (req["line"], req["col"], req["type"]) == (2, 0, "eglot-error")
    assert "[LE001]" in req["text"] and "numpy>=>1.2" in req["text"]
    (env_file,) = diags["environment.yml"]
    assert (env_file["line"], env_file["col"]) == (5, 6)
    assert "[LE001]" in env_file["text"] and "numpy>=>1" in env_file["text"]
    (pyproject,) = diags["pyproject.toml"]
    assert pyproject["line"] == 4 and "[TF005]" in pyproject["text"]
    assert not marker.exists(), marker.read_text(encoding="utf-8")
