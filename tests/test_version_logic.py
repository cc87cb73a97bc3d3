"""The version logic (pre-releases, ranges, Python windows) gives the same answers under
every packaging release lint-env supports.

packaging 26.0 changed `SpecifierSet.contains()` for pre-releases; lint-env never relies
on that default (resolve.pip_select / resolve.in_range). Each release named below is
installed once with pip (`pip install --target`, from the index pip is configured to use)
into ${LINT_ENV_TEST_CACHE:-~/.cache/lint-env-tests}/packaging-X, then
tests/version_logic_cases.py runs in a fresh interpreter with that release first on
sys.path. 23.2 is the floor pyproject.toml declares; 26.4 the newest release.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

RELEASES = ["23.2", "25.0", "26.0", "26.4"]
PIP_INSTALL = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile"]
CASES = REPO / "tests" / "version_logic_cases.py"


def _cache() -> Path:
    base = os.environ.get("LINT_ENV_TEST_CACHE") or Path.home() / ".cache" / "lint-env-tests"
    return Path(base)


def _packaging(version: str) -> Path:
    target = _cache() / f"packaging-{version}"
    stamp = target / ".lint-env-stamp"
    if stamp.is_file() and stamp.read_text() == version:
        return target
    tmp = target.with_name(target.name + ".tmp")
    subprocess.run(["rm", "-rf", str(tmp)], check=True)
    done = subprocess.run(
        [*PIP_INSTALL, "--target", str(tmp), f"packaging=={version}"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"pip could not install packaging=={version}:\n{done.stderr}"
    subprocess.run(["rm", "-rf", str(target)], check=True)
    tmp.rename(target)
    stamp.write_text(version)
    return target


def test_floor_matches_pyproject():
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"packaging>={RELEASES[0]}"' in text


@pytest.mark.parametrize("version", RELEASES)
def test_version_logic_under_packaging(version):
    where = _packaging(version)
    path = os.pathsep.join([str(where), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env = {**os.environ, "PYTHONPATH": path, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, str(CASES)], capture_output=True, text=True, env=env, timeout=120
    )
    out = done.stdout + done.stderr
    first = out.splitlines()[0] if out else ""
    assert first.startswith(f"packaging {version} from {where}"), out
    assert done.returncode == 0, out
    assert "0 failed" in out
