"""VS Code extension manifest: commands, settings, workspace trust, activation and the
lockfile. (The extension's logic is unit-tested with `node --test` by
.ci/build-vscode.sh; the real VS Code run is test_vscode_e2e.py.)"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from fnmatch import fnmatch

from conftest import REPO

VSCODE = REPO / "editors" / "vscode"
SERVER_COMMAND = "lint-env.validate"


def manifest() -> dict:
    return json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))


def test_commands_are_client_ids_distinct_from_the_server_command():
    commands = {c["command"]: c["title"] for c in manifest()["contributes"]["commands"]}
    assert commands == {
        "lintEnv.validate": "Validate TensorFlow/Metal in Selected Interpreter",
        "lintEnv.restart": "Restart Server",
        "lintEnv.showRule": "Show Rule",
    }
    # vscode-languageclient registers the server's own command ids; a clash would fail.
    assert SERVER_COMMAND not in commands


def test_settings_cover_the_server_keys_and_the_client_path():
    properties = manifest()["contributes"]["configuration"]["properties"]
    assert set(properties) == {
        "lintEnv.targets",
        "lintEnv.pythonVersion",
        "lintEnv.interpreter",
        "lintEnv.select",
        "lintEnv.ignore",
        "lintEnv.path",
        "lintEnv.maxDocumentBytes",
    }
    # every key the server reads from the lintEnv section is a declared setting
    import re

    settings_py = (REPO / "server" / "lint_env" / "lsp" / "settings.py").read_text()
    read = set(re.findall(r'data\.get\("([A-Za-z]+)"', settings_py))
    # (target: the one-target alias other editors may send; debounceMs: for their tests)
    assert {f"lintEnv.{k}" for k in read} - {"lintEnv.target", "lintEnv.debounceMs"} <= set(
        properties
    )
    targets = properties["lintEnv.targets"]["items"]["enum"]
    assert "macos-arm64" in targets


def test_untrusted_workspaces_are_limited_and_validation_needs_trust():
    m = manifest()
    trust = m["capabilities"]["untrustedWorkspaces"]
    assert trust["supported"] == "limited"
    assert set(trust["restrictedConfigurations"]) == {"lintEnv.interpreter", "lintEnv.path"}
    validate = next(c for c in m["contributes"]["commands"] if c["command"] == "lintEnv.validate")
    assert validate["enablement"] == "isWorkspaceTrusted"


def test_activation_covers_every_document_kind():
    events = manifest()["activationEvents"]
    assert "onLanguage:python" in events
    assert "onNotebook:jupyter-notebook" in events
    globs = [
        e.removeprefix("workspaceContains:") for e in events if e.startswith("workspaceContains:")
    ]
    for path in (
        "requirements.txt",
        "sub/requirements-dev.txt",
        "requirements.in",
        "constraints.txt",
        "environment.yml",
        "environment.yaml",
        "env.yml",
        "requirements/base.txt",
        "pyproject.toml",
    ):
        assert any(fnmatch(path, g) or fnmatch(path, g.removeprefix("**/")) for g in globs), path


def test_lockfile_pins_every_dependency_without_registry_urls():
    m = manifest()
    lock = json.loads((VSCODE / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["lockfileVersion"] >= 2
    root = lock["packages"][""]
    assert root["dependencies"] == m["dependencies"]
    assert root["devDependencies"] == m["devDependencies"]
    for name in [*m["dependencies"], *m["devDependencies"]]:
        entry = lock["packages"][f"node_modules/{name}"]
        assert re.fullmatch(r"\d+\.\d+\.\d+", entry["version"]), name
        assert entry["integrity"].startswith("sha512-"), name
    assert '"resolved"' not in (VSCODE / "package-lock.json").read_text(encoding="utf-8")


def test_vsce_package_builds_the_bundle_itself():
    # `vsce package` runs vscode:prepublish first: a plain `vsce package` (or
    # `vsce publish`) produces the file `main` names, without a separate build step.
    scripts = manifest()["scripts"]
    assert scripts["vscode:prepublish"] == "npm run build"
    build = scripts["build"].split()
    assert build[:2] == ["esbuild", "src/extension.ts"]
    assert f"--outfile={manifest()['main'].removeprefix('./')}" in build


def test_packaged_files_are_the_bundle_and_bundled_libs_only():
    ignore = (VSCODE / ".vscodeignore").read_text(encoding="utf-8").split()
    assert ignore[0] == "**"
    included = {line.removeprefix("!") for line in ignore if line.startswith("!")}
    assert "dist/extension.js" in included
    # The server is started through it (never `python -m` in the workspace).
    assert "launcher/lint_env_launcher.py" in included
    assert "bundled/**" in included
    assert manifest()["main"] == "./dist/extension.js"


def test_server_honours_the_contract_the_extension_relies_on():
    # The extension's initializationOptions are accepted without a warning, the server
    # offers lint-env.validate and jupyter-notebook python cell sync, and a broken
    # requirements line is reported; started like the extension starts it (the launcher
    # by absolute path) next to a workspace with hostile yaml.py, fnmatch.py,
    # packaging/ and lint_env/, none of which may run. .ci/build-vscode.sh runs the same script against
    # the bundled libs with site-packages switched off.
    result = subprocess.run(
        [sys.executable, VSCODE / "scripts" / "smoke_server.py"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
