"""pre-commit: the manifest is valid for the installed pre-commit (the newest, from the
test extra) and for the oldest one we claim (3.0.0, installed by the test into a cached
venv of its own: Debian 12 ships 3.0.4, Ubuntu 24.04 3.6.2), and with each, real
`pre-commit try-repo <this checkout> lint-env` fails on a broken requirements file
in a throwaway git repository and passes once the file is fixed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO

pre_commit = pytest.importorskip("pre_commit", reason="pre-commit is in the test extra")

MANIFEST = REPO / ".pre-commit-hooks.yaml"
OLDEST = "3.0.0"  # the oldest pre-commit the manifest claims (minimum_pre_commit_version)
CACHE = Path(os.environ.get("LINT_ENV_TESTS_CACHE", Path.home() / ".cache" / "lint-env-tests"))


def hooks() -> dict[str, dict]:
    return {hook["id"]: hook for hook in yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))}


def clean_env() -> dict[str, str]:
    """The environment a developer's shell would give pre-commit: no PYTHONPATH, so the
    hook runs the lint-env that pre-commit installed from the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FORCE_COLOR")}
    env.update(
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.invalid",
        NO_COLOR="1",
    )
    return env


def run(*args: str | os.PathLike, cwd: Path, timeout: int = 60):
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def oldest_pre_commit() -> str:
    """The python of a cached venv holding pre-commit OLDEST (made on first use)."""
    venv = CACHE / f"pre-commit-{OLDEST}"
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not (venv / ".complete").is_file():
        shutil.rmtree(venv, ignore_errors=True)
        made = subprocess.run(
            [sys.executable, "-m", "venv", venv], capture_output=True, text=True, timeout=300
        )
        assert made.returncode == 0, made.stderr
        pip = subprocess.run(
            [
                python,
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                f"pre-commit=={OLDEST}",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if pip.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            pytest.skip(f"cannot install pre-commit {OLDEST}: {pip.stderr.strip()[-300:]}")
        (venv / ".complete").touch()
    return str(python)


@pytest.fixture(params=["newest", "oldest"])
def pre_commit_python(request) -> str:
    """A python whose `-m pre_commit` is the installed (newest) or the oldest claimed."""
    if request.param == "newest":
        return sys.executable
    request.applymarker(pytest.mark.slow)
    return oldest_pre_commit()


def test_minimum_version_is_the_oldest_tested():
    assert {hook["minimum_pre_commit_version"] for hook in hooks().values()} == {OLDEST}


def test_manifest_is_valid_for_the_installed_pre_commit(pre_commit_python):
    result = run(pre_commit_python, "-m", "pre_commit", "validate-manifest", MANIFEST, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warn" not in (result.stdout + result.stderr).lower(), result.stdout + result.stderr
    version = run(pre_commit_python, "-m", "pre_commit", "--version", cwd=REPO).stdout
    if pre_commit_python != sys.executable:
        assert version.split() == ["pre-commit", OLDEST], version


def test_static_hook_runs_lint_env_check_in_its_own_venv():
    hook = hooks()["lint-env"]
    assert hook["language"] == "python"
    assert hook["entry"] == "lint-env check"
    assert hook.get("pass_filenames", True) is True


def test_validate_hook_runs_in_the_users_environment():
    from pre_commit.all_languages import languages

    hook = hooks()["lint-env-validate"]
    # `system` runs the entry as is, in the environment pre-commit was started from
    # (the developer's interpreter). pre-commit 4.4.0 renamed it `unsupported` and
    # translates `system` when it loads a manifest; 3.x knows only `system` and
    # rejects the whole file (the static hook too) for `unsupported`.
    assert hook["language"] == "system"
    try:
        from pre_commit.clientlib import _translate_language
    except ImportError:  # before 4.4
        assert "system" in languages
    else:
        assert _translate_language("system") in languages
    assert hook["pass_filenames"] is False
    assert hook["always_run"] is False
    assert "validate" in hook["entry"].split()
    assert hook["files"] == hooks()["lint-env"]["files"]


@pytest.mark.parametrize(
    ("path", "checked"),
    [
        ("requirements.txt", True),
        ("requirements-dev.txt", True),
        ("deps/requirements/base.in", True),
        ("requirements/dev.txt", True),
        ("requirements-lock.in", True),
        ("env.yml", True),
        ("constraints.txt", True),
        ("environment.yml", True),
        ("envs/environment-gpu.yaml", True),
        ("pyproject.toml", True),
        ("src/pkg/train.py", True),
        ("notebooks/explore.ipynb", True),
        ("README.md", False),
        ("mkdocs.yml", False),
        ("docs/pyproject.toml.j2", False),
        ("Cargo.toml", False),
        ("notes.txt", False),
        ("MANIFEST.in", False),
    ],
)
def test_files_regex_selects_the_files_lint_env_reads(path, checked):
    # pre-commit applies `files` with re.search to the repository-relative path.
    assert bool(re.search(hooks()["lint-env"]["files"], path)) is checked


def git(*args: str, cwd: Path) -> None:
    result = run("git", *args, cwd=cwd)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_try_repo_fails_on_a_broken_requirements_file_and_passes_after_the_fix(
    tmp_path, pre_commit_python
):
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    readme = re.search(r'^readme\s*=\s*"([^"]+)"', pyproject, re.MULTILINE)
    if readme and not (REPO / readme.group(1)).is_file():
        pytest.skip(f"checkout not installable: pyproject names {readme.group(1)}, absent")
    work = tmp_path / "project"
    work.mkdir()
    git("init", "-q", cwd=work)
    requirements = work / "requirements.txt"
    # tensorflow-gpu has no macOS arm64 build (TF005 on the default target); the
    # second line cannot be parsed (LE001).
    requirements.write_text("tensorflow-gpu==2.10.0\nnumpy>=>1\n", encoding="utf-8")
    git("add", "requirements.txt", cwd=work)

    try_repo = (pre_commit_python, "-m", "pre_commit", "try-repo", REPO, "lint-env", "--all-files")
    failed = run(*try_repo, cwd=work, timeout=600)
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "requirements.txt:2:1: LE001" in output, output
    assert "requirements.txt:1:1: TF005" in output, output

    requirements.write_text("tensorflow==2.16.2\ntensorflow-metal==1.2.0\n", encoding="utf-8")
    git("add", "requirements.txt", cwd=work)
    passed = run(*try_repo, cwd=work, timeout=600)
    output = passed.stdout + passed.stderr
    assert passed.returncode == 0, output
    assert re.search(r"lint-env \(.*\)\.+Passed", output), output
