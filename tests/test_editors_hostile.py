"""Opening a hostile project in an editor runs none of its code (issue 9, editor side).

Every editor configuration under editors/ starts lint-env in a way that cannot import
from the project: the VS Code extension runs launcher/lint_env_launcher.py by absolute
path (tested with `node --test` and by editors/vscode/scripts/smoke_server.py, and in a
real VS Code by test_vscode_e2e.py); the other snippets run the `lint-env` console
script, whose own folder, not the working directory, is sys.path[0]. Here the real
console script runs with a hostile project as working directory (as Neovim, Helix,
Emacs, LSP4IJ, External Tools and File Watchers start it) and must not import the
project's yaml.py, fnmatch.py, packaging/ or lint_env/.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import REPO, plant_hostile

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

EDITORS = REPO / "editors"


def smoke():
    spec = importlib.util.spec_from_file_location(
        "smoke_server", EDITORS / "vscode" / "scripts" / "smoke_server.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def editor_commands() -> dict[str, list[str]]:
    """The argv each non-VS Code configuration runs (shell wrappers unwrapped)."""
    helix = tomllib.loads((EDITORS / "helix" / "languages.toml").read_text(encoding="utf-8"))
    server = helix["language-server"]["lint-env"]
    found = {"helix": [server["command"], *server["args"]]}
    for name in ("lsp/lint_env.lua", "lint_env_legacy.lua"):
        text = (EDITORS / "neovim" / name).read_text(encoding="utf-8")
        (cmd,) = re.findall(r"cmd = \{([^}]*)\}", text)
        found[f"neovim {name}"] = re.findall(r"'([^']*)'", cmd)
    emacs = (EDITORS / "emacs" / "lint-env-eglot.el").read_text(encoding="utf-8")
    (program,) = re.findall(r'\. \("([^"]+)" "([^"]+)"', emacs)
    found["emacs"] = list(program)
    template = json.loads(
        (EDITORS / "jetbrains" / "lsp4ij" / "lint-env" / "template.json").read_text("utf-8")
    )
    for os_name, line in template["programArgs"].items():
        argv = shlex.split(line)
        if argv[:2] in (["sh", "-c"], ["cmd", "/c"]):
            argv = shlex.split(argv[2]) if argv[0] == "sh" else argv[2:]
        found[f"lsp4ij {os_name}"] = argv
    tools = ET.parse(EDITORS / "jetbrains" / "external-tools" / "lint-env.xml").getroot()
    for tool in tools.iter("tool"):
        options = {o.get("name"): o.get("value") for o in tool.iter("option")}
        found[f"external tool {tool.get('name')}"] = [
            options["COMMAND"],
            *shlex.split(options["PARAMETERS"]),
        ]
    watcher = ET.parse(EDITORS / "jetbrains" / "file-watchers" / "lint-env-notebooks.xml")
    options = {o.get("name"): o.get("value") for o in watcher.getroot().iter("option")}
    found["file watcher"] = [options["program"], *shlex.split(options["arguments"])]
    return found


@pytest.mark.parametrize("editor", sorted(editor_commands()))
def test_every_editor_config_runs_the_lint_env_command_not_python_m(editor):
    argv = editor_commands()[editor]
    assert argv[0] == "lint-env", argv
    assert argv[1] in ("server", "check", "validate"), argv
    assert "-m" not in argv and "-c" not in argv


def plant(root: Path) -> Path:
    return plant_hostile(root, pyproject=True)


def console_script() -> str:
    script = Path(sys.executable).parent / ("lint-env.exe" if os.name == "nt" else "lint-env")
    if not script.is_file():
        pytest.skip(f"no lint-env console script beside {sys.executable} (package not installed)")
    return str(script)


def test_lint_env_server_in_a_hostile_project_runs_none_of_its_code(tmp_path):
    marker = plant(tmp_path)
    module = smoke()
    server = module.Server([console_script(), "server"], cwd=tmp_path)
    try:
        init = server.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": tmp_path.as_uri(),
                "capabilities": module.CAPABILITIES,
                "initializationOptions": module.INIT_OPTIONS,
            },
        )
        reply, _ = server.wait(lambda m: m.get("id") == init)
        assert reply is not None and "result" in reply, reply
        server.send({"method": "initialized", "params": {}})
        for name, language in (
            ("environment.yml", "yaml"),
            ("pyproject.toml", "toml"),
            ("requirements.txt", "pip-requirements"),
        ):
            uri = (tmp_path / name).as_uri()
            server.send(
                {
                    "method": "textDocument/didOpen",
                    "params": {
                        "textDocument": {
                            "uri": uri,
                            "languageId": language,
                            "version": 1,
                            "text": (tmp_path / name).read_text(encoding="utf-8"),
                        }
                    },
                }
            )
            diags, _ = server.wait(
                lambda m, uri=uri: (
                    m.get("method") == "textDocument/publishDiagnostics"
                    and m["params"]["uri"] == uri
                    and m["params"]["diagnostics"]
                )
            )
            assert diags is not None, f"no diagnostics for {name}"
        assert not marker.exists(), marker.read_text(encoding="utf-8")
    finally:
        server.proc.kill()
        server.proc.wait(timeout=10)


def test_lint_env_check_in_a_hostile_project_runs_none_of_its_code(tmp_path):
    # External Tools, File Watchers and the pre-commit hooks run `lint-env check` there.
    marker = plant(tmp_path)
    result = subprocess.run(
        [console_script(), "check"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "environment.yml" in result.stdout and "pyproject.toml" in result.stdout
    assert not marker.exists(), marker.read_text(encoding="utf-8")
