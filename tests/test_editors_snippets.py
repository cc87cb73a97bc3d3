"""Neovim, Helix and Emacs configurations: they parse, start `lint-env server`, and
select exactly the files lint-env reads.

The Neovim test runs a real Neovim 0.11 (when one is on PATH, or $LINT_ENV_NVIM) with
the shipped config and a stand-in pygls server, to check which buffers get the client
and with which root; the end-to-end test with the real server is in the LSP tests.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from conftest import REPO, find_nvim

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

EDITORS = REPO / "editors"
LINT_ENV_FILES = [
    "requirements.txt",
    "requirements-dev.txt",
    "requirements.in",
    "constraints.txt",
    "environment.yml",
    "environment-gpu.yaml",
    "env.yml",
    "pyproject.toml",
    "train.py",
]
OTHER_FILES = ["mkdocs.yml", "Cargo.toml", "README.txt", "notes.in.bak", "MANIFEST.in"]


# --- Helix -----------------------------------------------------------------------------


def helix() -> dict:
    return tomllib.loads((EDITORS / "helix" / "languages.toml").read_text(encoding="utf-8"))


def test_helix_language_server_runs_lint_env_server():
    server = helix()["language-server"]["lint-env"]
    assert [server["command"], *server["args"]] == ["lint-env", "server"]
    assert {"targets", "select", "ignore"} <= set(server["config"])


def helix_languages_with_lint_env() -> list[dict]:
    def names(language: dict) -> list[str]:
        return [s if isinstance(s, str) else s["name"] for s in language["language-servers"]]

    return [lang for lang in helix()["language"] if "lint-env" in names(lang)]


def helix_matches(name: str) -> bool:
    for language in helix_languages_with_lint_env():
        if language["name"] == "python" and name.endswith(".py"):
            return True  # the built-in python language matches *.py
        globs = [f["glob"] for f in language.get("file-types", []) if isinstance(f, dict)]
        if any(fnmatchcase(name, g) for g in globs):
            return True
    return False


@pytest.mark.parametrize("name", LINT_ENV_FILES)
def test_helix_attaches_lint_env_to_every_kind(name):
    assert helix_matches(name)


@pytest.mark.parametrize("name", OTHER_FILES)
def test_helix_leaves_other_yaml_and_toml_alone(name):
    assert not helix_matches(name)


def test_helix_new_languages_reuse_existing_grammars():
    by_name = {lang["name"]: lang for lang in helix()["language"]}
    assert by_name["conda-environment"]["grammar"] == "yaml"
    assert by_name["pyproject"]["grammar"] == "toml"
    for language in by_name.values():
        if language["name"] != "python":
            assert language["scope"].startswith("source.")


# --- Emacs -----------------------------------------------------------------------------


def test_emacs_snippet_is_balanced_and_starts_lint_env_server():
    text = (EDITORS / "emacs" / "lint-env-eglot.el").read_text(encoding="utf-8")
    code = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)  # strings out
    code = re.sub(r";.*", "", code)  # comments out
    depth = 0
    for char in code:
        depth += {"(": 1, ")": -1}.get(char, 0)
        assert depth >= 0
    assert depth == 0
    assert '("lint-env" "server"' in text
    assert "eglot-ensure" in text


# --- Neovim ----------------------------------------------------------------------------


def lua_patterns(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    block = re.search(r"local name_patterns = \{(.*?)\n\}", text, re.DOTALL)
    assert block, path
    return re.findall(r"'([^']+)'", block.group(1))


def lua_to_regex(pattern: str) -> str:
    # Only the Lua pattern items used in the config: %., ., .*, ?, ^, $.
    return pattern.replace("%.", r"\.")


@pytest.mark.parametrize(
    "config", ["lsp/lint_env.lua", "lint_env_legacy.lua"], ids=["0.11", "legacy"]
)
def test_neovim_name_patterns_select_lint_env_files(config):
    regexes = [lua_to_regex(p) for p in lua_patterns(EDITORS / "neovim" / config)]
    for name in LINT_ENV_FILES:
        assert any(re.search(r, name) for r in regexes), name
    for name in OTHER_FILES:
        assert not any(re.search(r, name) for r in regexes), name


def test_neovim_config_starts_lint_env_server():
    text = (EDITORS / "neovim" / "lsp" / "lint_env.lua").read_text(encoding="utf-8")
    assert "cmd = { 'lint-env', 'server' }" in text


def nvim() -> str | None:
    candidate = find_nvim()
    if not candidate:
        return None
    version = subprocess.run([candidate, "--version"], capture_output=True, text=True)
    match = re.search(r"NVIM v0\.(\d+)", version.stdout)
    return candidate if match and int(match.group(1)) >= 11 else None


STAND_IN_SERVER = """
from lsprotocol import types
from pygls.lsp.server import LanguageServer

server = LanguageServer("stand-in", "0")


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls, params):
    pass


server.start_io()
"""

NVIM_SCRIPT = """
local python, server, editors, mode, expected = arg[1], arg[2], arg[3], arg[4], tonumber(arg[5])
if mode == 'legacy' then
  local start = vim.lsp.start
  vim.lsp.start = function(config, opts)
    config.cmd = { python, server }
    return start(config, opts)
  end
  dofile(editors .. '/neovim/lint_env_legacy.lua')
else
  vim.opt.rtp:prepend(editors .. '/neovim')
  vim.cmd.runtime('plugin/lint_env.lua')
  vim.lsp.config('lint_env', { cmd = { python, server } })
  vim.lsp.enable('lint_env')
end
local bufs = {}
for i = 6, #arg do
  vim.cmd.edit(vim.fn.fnameescape(arg[i]))
  bufs[#bufs + 1] = { vim.api.nvim_get_current_buf(), arg[i] }
end
local function attached()
  local n = 0
  for _, b in ipairs(bufs) do
    n = n + #vim.lsp.get_clients({ bufnr = b[1], name = 'lint_env' })
  end
  return n
end
vim.wait(20000, function() return attached() >= expected end, 50)
vim.wait(500) -- a chance for wrong extra attachments to show up
for _, b in ipairs(bufs) do
  local clients = vim.lsp.get_clients({ bufnr = b[1], name = 'lint_env' })
  io.stdout:write(('%s|%s|%d|%s\\n'):format(vim.fs.basename(b[2]), vim.bo[b[1]].filetype,
    #clients, clients[1] and clients[1].root_dir or ''))
end
os.exit(0)
"""


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["0.11", "legacy"])
def test_neovim_attaches_only_to_lint_env_files(tmp_path, mode):
    binary = nvim()
    if binary is None:
        pytest.skip("no Neovim >= 0.11 (set LINT_ENV_NVIM or put nvim on PATH)")
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    files = [project / "pyproject.toml"]
    for name in [n for n in LINT_ENV_FILES if n != "pyproject.toml"] + OTHER_FILES:
        (project / "sub" / name).write_text("\n", encoding="utf-8")
        files.append(project / "sub" / name)
    # pip-tools layout: any .in/.txt inside a requirements/ folder.
    (project / "requirements").mkdir()
    (project / "requirements" / "base.in").write_text("\n", encoding="utf-8")
    files.append(project / "requirements" / "base.in")
    server = tmp_path / "server.py"
    server.write_text(STAND_IN_SERVER, encoding="utf-8")
    script = tmp_path / "check.lua"
    script.write_text(NVIM_SCRIPT, encoding="utf-8")
    result = subprocess.run(
        [
            binary,
            "--clean",
            "--headless",
            "-l",
            script,
            sys.executable,
            server,
            EDITORS,
            mode,
            str(len(LINT_ENV_FILES) + 1),  # how many buffers must get the client
            *files,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")},
    )
    assert result.returncode == 0, result.stderr
    rows = {row.split("|")[0]: row.split("|")[1:] for row in result.stdout.splitlines()}
    for name in [*LINT_ENV_FILES, "base.in"]:
        filetype, clients, root = rows[name]
        assert clients == "1", (name, filetype)
        assert root == str(project), name  # pyproject.toml wins over sub/requirements.txt
    assert rows["requirements-dev.txt"][0] == "requirements"
    assert rows["base.in"][0] == "requirements"
    for name in OTHER_FILES:
        assert rows[name][1] == "0", name
