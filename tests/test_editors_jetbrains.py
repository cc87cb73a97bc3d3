"""DataSpell / JetBrains files: the LSP4IJ template, External Tools and the notebook
File Watcher parse as the IDE reads them, map every document kind, and their output
filters turn real `lint-env check` output into links.

No JetBrains IDE can run here: the filter semantics are reproduced from IntelliJ's
RegexpFilter (macros -> regex groups, `find()` per console line, and the link is
made only when the captured path resolves to a file, which needs an absolute path).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from conftest import REPO, run_cli

JB = REPO / "editors" / "jetbrains"
TEMPLATE = JB / "lsp4ij" / "lint-env"
SERVER_KEYS = {"targets", "pythonVersion", "interpreter", "select", "ignore"}

# Files LSP4IJ's "Import from custom template" reads from a template folder.
LSP4IJ_TEMPLATE_FILES = {
    "template.json",
    "settings.json",
    "settings.schema.json",
    "initializationOptions.json",
    "experimental.json",
    "clientSettings.json",
    "installer.json",
    "README.md",
}


def load(name: str):
    return json.loads((TEMPLATE / name).read_text(encoding="utf-8"))


def template_patterns() -> list[str]:
    return [p for m in load("template.json")["fileTypeMappings"] for p in m["fileType"]["patterns"]]


def test_template_folder_holds_only_files_lsp4ij_imports():
    names = {p.name for p in TEMPLATE.iterdir()}
    assert "template.json" in names
    assert names <= LSP4IJ_TEMPLATE_FILES, names - LSP4IJ_TEMPLATE_FILES


def test_template_starts_the_server_on_every_os():
    template = load("template.json")
    assert template["id"] == "lint-env"
    assert template["name"] == "lint-env"
    args = template["programArgs"]
    assert "lint-env server" in args["default"]
    assert "lint-env server" in args["windows"]


def test_file_mappings_use_patterns_and_language_ids_only():
    # LSP4IJ's deserializer turns fileType.name into an IntelliJ *file type* mapping,
    # so a made-up name would be a mapping to a file type that does not exist.
    for mapping in load("template.json")["fileTypeMappings"]:
        assert set(mapping) == {"fileType", "languageId"}
        assert set(mapping["fileType"]) == {"patterns"}
        assert mapping["fileType"]["patterns"]
        assert mapping["languageId"]


@pytest.mark.parametrize(
    "name",
    [
        "requirements.txt",
        "requirements-dev.txt",
        "requirements.in",
        "constraints.txt",
        "environment.yml",
        "environment-macos.yaml",
        "env.yml",
        "pyproject.toml",
        "train.py",
    ],
)
def test_file_name_patterns_cover_every_document_kind(name):
    # IntelliJ file name matchers are wildcard patterns on the file name (`*`, `?`).
    assert any(fnmatchcase(name, p) for p in template_patterns()), name


@pytest.mark.parametrize(
    "name", ["README.txt", "mkdocs.yml", "Cargo.toml", "setup.cfg", "nb.ipynb", "MANIFEST.in"]
)
def test_file_name_patterns_skip_other_files(name):
    # Notebooks are not mapped: LSP4IJ does not support them (the File Watcher does).
    assert not any(fnmatchcase(name, p) for p in template_patterns()), name


def test_settings_and_initialization_options_carry_the_server_keys():
    assert set(load("settings.json")) == {"lintEnv"}
    assert set(load("settings.json")["lintEnv"]) == SERVER_KEYS
    assert set(load("initializationOptions.json")) == SERVER_KEYS


# --- External Tools and File Watcher ---------------------------------------------------

# IntelliJ's RegexpFilter macro expansions (com.intellij.execution.filters.RegexpFilter).
_MACROS = {
    "$FILE_PATH$": r"(?P<file>(?:[A-Za-z]:)?[0-9 a-z_A-Z\-\\./]+)",
    "$LINE$": r"(?P<line>[0-9]+)",
    "$COLUMN$": r"(?P<column>[0-9]+)",
}


def intellij_filter(expression: str) -> re.Pattern[str]:
    for macro, regex in _MACROS.items():
        expression = expression.replace(macro, regex)
    return re.compile(expression, re.MULTILINE)


def link(filters: list[str], console_line: str):
    """(file, line, column) of the first filter that links this line, else None."""
    for expression in filters:
        match = intellij_filter(expression).search(console_line)
        if match and Path(match["file"]).is_absolute() and Path(match["file"]).is_file():
            groups = match.groupdict()
            return match["file"], groups.get("line"), groups.get("column")
    return None


def tools() -> ET.Element:
    root = ET.parse(JB / "external-tools" / "lint-env.xml").getroot()
    assert root.tag == "toolSet"
    assert root.get("name") == "lint-env"
    return root


def options(element: ET.Element) -> dict[str, str]:
    return {o.get("name"): o.get("value") for o in element.findall("option")}


def tool(name: str) -> ET.Element:
    found = [t for t in tools().findall("tool") if t.get("name") == name]
    assert len(found) == 1, name
    return found[0]


def test_external_tools_have_command_parameters_and_working_directory():
    for t in tools().findall("tool"):
        exec_options = options(t.find("exec"))
        assert set(exec_options) == {"COMMAND", "PARAMETERS", "WORKING_DIRECTORY"}
        assert exec_options["WORKING_DIRECTORY"] == "$ProjectFileDir$"
        assert t.get("disabled") == "false"


def test_check_tool_checks_the_current_file_with_absolute_paths():
    exec_options = options(tool("lint-env check file").find("exec"))
    assert exec_options["COMMAND"] == "lint-env"
    assert exec_options["PARAMETERS"].split() == ["check", "--absolute-paths", '"$FilePath$"']


def test_validate_tool_passes_the_project_interpreter_macro():
    # $PyInterpreterDirectory$ is the Python plugin's InterpreterDirectoryMacro.
    exec_options = options(tool("lint-env validate project interpreter").find("exec"))
    assert exec_options["PARAMETERS"] == 'validate --python "$PyInterpreterDirectory$/python"'


def check_tool_filters() -> list[str]:
    return [options(f)["REGEXP"] for f in tool("lint-env check file").findall("filter")]


def watcher() -> ET.Element:
    root = ET.parse(JB / "file-watchers" / "lint-env-notebooks.xml").getroot()
    assert root.tag == "TaskOptions"
    tasks = root.findall("TaskOptions")
    assert len(tasks) == 1
    return tasks[0]


def watcher_filters() -> list[str]:
    outer = next(o for o in watcher().findall("option") if o.get("name") == "outputFilters")
    return [options(f)["regExp"] for f in outer.find("array").findall("FilterInfo")]


def test_file_watcher_runs_check_on_notebooks():
    opts = options(watcher())
    assert opts["fileExtension"] == "ipynb"
    assert opts["program"] == "lint-env"
    assert opts["arguments"].split() == ["check", "--absolute-paths", '"$FilePath$"']
    # stdout must not be written over an output file; show the console on findings.
    assert opts["outputFromStdout"] == "false"
    assert opts["exitCodeBehavior"] == "ERROR"


def test_check_output_becomes_links_to_line_and_column(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("numpy==1.26.4\ntensorflow>=>2\n", encoding="utf-8")
    result = run_cli("check", "--absolute-paths", "--no-color", req, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    finding_lines = [ln for ln in result.stdout.splitlines() if " LE001 " in ln]
    assert finding_lines
    for filters in (check_tool_filters(), watcher_filters()):
        assert link(filters, finding_lines[0]) == (str(req.resolve()), "2", "1")
        # The summary line is not a link.
        assert link(filters, result.stdout.splitlines()[-1]) is None


def test_relative_paths_would_not_link(tmp_path):
    # Why the tools pass --absolute-paths: RegexpFilter only resolves absolute paths.
    req = tmp_path / "requirements.txt"
    req.write_text("tensorflow>=>2\n", encoding="utf-8")
    result = run_cli("check", "--no-color", "requirements.txt", cwd=tmp_path)
    first = result.stdout.splitlines()[0]
    assert first.startswith("requirements.txt:1:1: LE001")
    assert link(check_tool_filters(), first) is None


def test_notebook_findings_link_to_the_notebook_not_a_bogus_file(tmp_path):
    # The text renderer prints notebook findings as `path:cell N:line:col:`; no rule
    # fires on a notebook without the rule database, so the line comes from the
    # renderer itself.
    from lint_env.model import Finding, Severity, Span
    from lint_env.output import RenderContext, render

    nb = tmp_path / "nb.ipynb"
    nb.write_text("{}", encoding="utf-8")
    finding = Finding(nb, Span.on_line(1, 0, 6, cell=2), "TF001", "x", Severity.ERROR, "msg")
    text = render("text", [finding], RenderContext(root=tmp_path, files=1, absolute=True))
    line = text.splitlines()[0]
    assert line.startswith(f"{nb.resolve()}:cell 3:2:1: TF001")
    for filters in (check_tool_filters(), watcher_filters()):
        assert link(filters, line) == (str(nb.resolve()), None, None)
        # The path:line:col filter must not read "cell 3" as a file name.
        line_filters = [f for f in filters if "$LINE$" in f]
        assert line_filters
        assert not any(intellij_filter(f).search(line) for f in line_filters)
