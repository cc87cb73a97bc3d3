"""Unit tests of the language server's pure parts: position encodings, the suppression
edit, non-overlapping fix-all, settings parsing, notebook JSON and hover text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lint_env.hover import hover, pairing_hints, pinned_version, versions_known_to_work
from lint_env.lsp import convert
from lint_env.lsp.actions import ignore_edit, non_overlapping, wanted
from lint_env.lsp.notebook import notebook_json
from lint_env.lsp.settings import Settings, parse_settings
from lint_env.lsp.validate import CommandFailed, Options, parse_arguments
from lint_env.model import Dependency, Document, Finding, Fix, Kind, Severity, Span, TextEdit
from lint_env.target import Target
from lsprotocol import types

# --- positions --------------------------------------------------------------------------

LINE = "a😀é b"  # 😀: 1 code point, 2 UTF-16 units, 4 UTF-8 bytes; é: 1, 1, 2


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-32", 4), ("utf-16", 5), ("utf-8", 8)],
)
def test_code_point_columns_become_client_units(encoding: str, expected: int):
    # Column 4 is the space after "a😀é" (code points).
    assert convert.to_client([LINE], 0, 4, encoding).character == expected
    assert convert.from_client([LINE], types.Position(0, expected), encoding) == (0, 4)


def test_positions_are_clamped_to_the_text():
    lines = ["abc", "de"]
    assert convert.to_client(lines, 9, 9, "utf-16") == types.Position(1, 2)
    assert convert.to_client(lines, 0, 99, "utf-16") == types.Position(0, 3)
    assert convert.from_client(lines, types.Position(7, 0), "utf-16") == (1, 2)
    assert convert.to_client([], 3, 3, "utf-16") == types.Position(0, 0)


def test_diagnostic_fields():
    f = Finding(
        Path("r.txt"),
        Span(0, 0, 0, 5),
        "LE001",
        "cannot-parse",
        Severity.ERROR,
        "cannot parse",
    )
    d = convert.diagnostic(f, ["numpy>=>1"], "utf-16", "https://example.org/LE001")
    assert (d.code, d.source, d.severity) == ("LE001", "lint-env", types.DiagnosticSeverity.Error)
    assert d.code_description.href == "https://example.org/LE001"
    assert d.range == types.Range(types.Position(0, 0), types.Position(0, 5))


# --- code actions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "new_line"),
    [
        ("numpy==1", "numpy==1  # lint-env: ignore[XX001]"),
        ("numpy==1 ", "numpy==1  # lint-env: ignore[XX001]"),
        ("numpy==1    ", "numpy==1    # lint-env: ignore[XX001]"),
        ("numpy  # pinned", "numpy  # pinned  # lint-env: ignore[XX001]"),
        ("numpy  # lint-env: ignore[YY002]", "numpy  # lint-env: ignore[YY002, XX001]"),
    ],
)
def test_ignore_edit(line: str, new_line: str):
    edit = ignore_edit(line, 3, "XX001", None)
    assert edit is not None and edit.span.line == 3
    s = edit.span
    assert line[: s.col] + edit.new_text + line[s.end_col :] == new_line


def test_no_ignore_edit_where_a_comment_cannot_go_or_is_already_there():
    assert ignore_edit("numpy \\", 0, "XX001", None) is None  # continued line
    assert ignore_edit("x  # lint-env: ignore[XX001]", 0, "XX001", None) is None


def test_ignore_edit_in_a_notebook_cell_keeps_the_cell():
    edit = ignore_edit("import keras", 2, "IM001", 4)
    assert edit is not None and edit.span.cell == 4 and edit.span.line == 2


@pytest.mark.parametrize(
    ("name", "text", "line", "harmless"),
    [
        # a requirement in a TOML multi-line string: the comment would join the requirement
        (
            "pyproject.toml",
            '[project]\nname = "x"\nversion = "1"\ndependencies = [\n'
            '  """tensorflow-gpu==2.10.0\n""",\n  "numpy",\n]\n',
            4,
            False,
        ),
        (
            "pyproject.toml",
            '[project]\nname = "x"\nversion = "1"\ndependencies = [\n'
            '  """tensorflow-gpu==2.10.0\n""",\n  "numpy",\n]\n',
            6,
            True,
        ),
        ("requirements.txt", "tensorflow-gpu==2.10.0\n", 0, True),
    ],
)
def test_the_ignore_action_is_offered_only_where_the_file_keeps_its_meaning(
    name, text, line, harmless
):
    from lint_env.lsp.actions import _comment_is_harmless
    from lint_env.lsp.state import Unit

    rows = text.split("\n")
    unit = Unit(uri=f"file:///p/{name}", path=Path("/p") / name)
    edit = ignore_edit(rows[line], line, "TF005", None)
    assert edit is not None
    assert _comment_is_harmless(unit, rows, edit) is harmless


def test_fix_all_skips_overlapping_fixes():
    a = Fix("a", (TextEdit(Span(0, 0, 0, 5), "A"),))
    b = Fix("b", (TextEdit(Span(0, 3, 0, 8), "B"),))  # overlaps a
    c = Fix("c", (TextEdit(Span(1, 0, 1, 2), "C"),))
    edits = non_overlapping([a, b, c])
    assert [e.new_text for e in edits] == ["A", "C"]


def test_kind_filter_uses_prefixes():
    assert wanted("source.fixAll.lint-env", ["source"])
    assert wanted("source.fixAll.lint-env", ["source.fixAll"])
    assert not wanted("source.fixAll.lint-env", ["quickfix"])
    assert not wanted("source.fixAll.lint-env", ["source.fix"])
    assert wanted("quickfix", None)


# --- settings ---------------------------------------------------------------------------


def test_settings_shapes_and_bad_values():
    s, errors = parse_settings(
        {"lintEnv": {"targets": ["linux-x86_64"], "pythonVersion": "py311", "ignore": "A1,B2"}}
    )
    assert errors == []
    assert (s.targets, s.python, s.ignore) == (("linux-x86_64",), "3.11", ("A1", "B2"))
    s2, _ = parse_settings({"settings": [{"select": ["TF"]}], "globalSettings": {"ignore": []}})
    assert s2.select == ("TF",)
    s3, errors = parse_settings({"targets": ["amiga"], "pythonVersion": "two", "debounceMs": "x"})
    assert s3 == Settings() and len(errors) == 3
    assert any("amiga" in e for e in errors)


def test_settings_layering():
    init = Settings(targets=("linux-x86_64",), python="3.10")
    client = Settings(python="3.12")
    merged = client.over(init)
    assert (merged.targets, merged.python) == (("linux-x86_64",), "3.12")


# --- validate arguments -----------------------------------------------------------------


def test_validate_arguments():
    assert parse_arguments(()) == Options()
    assert parse_arguments(("/usr/bin/python3",)).python == "/usr/bin/python3"
    o = parse_arguments(({"interpreter": ["/x/python"], "asPlatform": "macos-arm64"},))
    assert (o.python, o.as_platform) == ("/x/python", "macos-arm64")
    for bad in ((5,), ({"python": 5},), ("a", "b"), ({"timeout": -1},)):
        with pytest.raises(CommandFailed):
            parse_arguments(bad)


# --- notebooks --------------------------------------------------------------------------


def test_notebook_json_keeps_every_cell_index():
    cells = [
        types.NotebookCell(kind=types.NotebookCellKind.Markup, document="c0"),
        types.NotebookCell(kind=types.NotebookCellKind.Code, document="c1"),
        types.NotebookCell(kind=types.NotebookCellKind.Code, document="c2"),
    ]
    texts = {
        "c0": ("# Title", "markdown"),
        "c1": ("import numpy", "python"),
        "c2": ("SELECT 1", "sql"),
    }
    nb = json.loads(notebook_json(cells, texts.__getitem__, {"kernelspec": {"name": "py"}}))
    assert [c["cell_type"] for c in nb["cells"]] == ["markdown", "code", "raw"]
    assert nb["cells"][1]["source"] == "import numpy"
    assert nb["metadata"] == {"kernelspec": {"name": "py"}}


# --- hover ------------------------------------------------------------------------------


class FakeRule:
    """A stand-in for lint_env.ruleset.Rule with just the fields hover reads."""

    def __init__(self, code, kind, params, summary="", references=()):
        self.code, self.kind, self.params = code, kind, params
        self.name, self.summary, self.explanation = code.lower(), summary, ""
        self.references = references


class FakeRuleSet:
    def __init__(self, *rules):
        self.rules = {r.code: r for r in rules}

    def get(self, code):
        return self.rules.get(code)

    def __iter__(self):
        return iter(self.rules.values())


def dep(name: str, spec: str, line: int) -> Dependency:
    raw = name + spec
    return Dependency(
        name=name,
        span=Span(line, 0, line, len(raw)),
        name_span=Span(line, 0, line, len(name)),
        raw=raw,
        specifier=spec,
    )


def test_pairing_hint_names_the_partner_pin():
    rules = FakeRuleSet(
        FakeRule(
            "XX010",
            "pairing",
            {
                "a": ["tensorflow"],
                "b": "tensorflow-metal",
                "table": [
                    {"a": "==2.14.*", "b": "==1.1.*", "pin": "==1.1.0"},
                    {"a": "==2.15.*", "b": "==1.1.*", "pin": "==1.1.0"},
                    {"a": "==2.16.*", "b": "==1.2.*", "pin": "==1.2.0"},
                ],
            },
        )
    )
    tf, metal = dep("tensorflow", "==2.16.1", 0), dep("tensorflow-metal", "", 1)
    doc = Document(Path("r.txt"), Kind.REQUIREMENTS, "", [tf, metal])
    assert pairing_hints(doc, metal, rules) == [
        "Works with tensorflow 2.16.1: `tensorflow-metal==1.2.0` (XX010)"
    ]
    info = hover(doc, [], 1, 3, ruleset=rules, targets=[Target("macos-arm64", "3.11")])
    assert info is not None and info.span == metal.span
    assert "`tensorflow-metal==1.2.0`" in info.markdown
    assert "Rules: XX010 " in info.markdown  # a rule that names the package


def test_hover_on_a_suppression_code_and_nothing():
    rules = FakeRuleSet(
        FakeRule("XX001", "banned", {"packages": ["x"]}, "Bad x.", ("https://e.org",))
    )
    doc = Document(
        Path("r.txt"), Kind.REQUIREMENTS, "", lines=["   # lint-env: ignore[LE001, XX001]", ""]
    )
    info = hover(doc, [], 0, 31, ruleset=rules)
    assert info is not None and info.span == Span(0, 29, 0, 34)
    assert info.markdown == (
        "**XX001** `xx001`\n\nBad x. More: `lint-env explain XX001` · [docs](https://e.org)"
    )
    assert hover(doc, [], 1, 0, ruleset=rules) is None


def test_versions_known_to_work_from_the_snapshot():
    # From the committed index snapshot (rule-facts: TensorFlow's first macOS arm64
    # wheels are 2.13; 2.16 has cp311 wheels).
    got = versions_known_to_work("tensorflow", "==2.16.*", Target("macos-arm64", "3.11"))
    assert got is not None and "2.16.2" in got and all(v.startswith("2.16") for v in got)
    assert versions_known_to_work("tensorflow", "<2.13", Target("macos-arm64", "3.11")) == []


def test_hover_says_when_the_specifier_admits_no_working_release():
    doc = Document(Path("r.txt"), Kind.REQUIREMENTS, "", [dep("tensorflow", "<2.13", 0)])
    info = hover(doc, [], 0, 2, targets=[Target("macos-arm64", "3.11")])
    assert info is not None
    # rules/index/tensorflow.json: no release below 2.13 has a macOS arm64 wheel; the
    # newest ones that do are 2.21.0, 2.20.0 and 2.19.1 (cp311)
    assert (
        "- macOS arm64: no release admitted by `<2.13` has a file here;"
        " releases with a wheel there: 2.21.0, 2.20.0, 2.19.1" in info.markdown
    )
    assert versions_known_to_work("surely-not-a-package-xyz", "", Target()) is None


def test_pinned_version():
    assert pinned_version("==2.15.0") == "2.15.0"
    assert pinned_version("==2.15.*") == "2.15"
    assert pinned_version(">=2.15") is None


# --- results ----------------------------------------------------------------------------


def test_related_information_and_notebook_cells_in_results():
    from lint_env.lsp.state import build_result
    from lint_env.model import Related

    req = Path("/p/requirements.txt")
    keras = Finding(
        req,
        Span(1, 0, 1, 12),
        "XX002",
        "keras-pairing",
        Severity.ERROR,
        "keras 2.15 needs tensorflow 2.15",
        related=(Related(Path("/p/pyproject.toml"), Span(4, 3, 4, 20), "tensorflow pinned here"),),
    )
    result = build_result(
        "file:///p/requirements.txt",
        ["file:///p/requirements.txt"],
        False,
        1,
        7,
        [keras],
        {None: ["tensorflow==2.16", "keras==2.15.0"]},
        "utf-16",
        lambda code: None,
        lambda path, cell: "file://" + str(path),
        lambda path, cell: ["", "", "", "", '   "tensorflow==2.16.1",'],
    )
    (d,) = result.diagnostics["file:///p/requirements.txt"]
    (rel,) = d.related_information
    assert rel.location.uri == "file:///p/pyproject.toml"
    assert (rel.location.range.start.line, rel.location.range.start.character) == (4, 3)
    assert rel.message == "tensorflow pinned here"
    assert d.code_description is None

    nb = Path("/p/a.ipynb")
    cells = ["cell-0", "cell-1", "cell-2"]
    found = Finding(nb, Span(0, 7, 0, 12, cell=2), "XX003", "x", Severity.WARNING, "m")
    lost = Finding(nb, Span(0, 0, 0, 1, cell=9), "XX003", "x", Severity.WARNING, "m")
    result = build_result(
        "file:///p/a.ipynb", cells, True, 1, 8, [found, lost],
        {0: ["# t"], 1: [], 2: ["import keras"]}, "utf-16",
        lambda code: None, lambda path, cell: None, lambda path, cell: [],
    )  # fmt: skip
    assert [len(result.diagnostics[c]) for c in cells] == [0, 0, 1]
    assert result.diagnostics["cell-2"][0].range.start.character == 7


def test_results_reuse_the_diagnostics_of_unchanged_findings():
    """A result built with the unit's last ``made`` re-uses the diagnostic objects of
    findings whose fields and lines are unchanged, and makes new ones for the others:
    the diagnostics equal those built afresh."""
    from lint_env.lsp.state import build_result

    req = Path("/p/requirements.txt")
    uri = "file:///p/requirements.txt"

    def finding(line: int, message: str, end: int = 8) -> Finding:
        return Finding(req, Span(line, 0, line, end), "XX001", "x", Severity.WARNING, message)

    def build(findings, rows, encoding="utf-16", previous=None):
        return build_result(
            uri, [uri], False, 1, 1, findings, {None: rows}, encoding,
            lambda code: None, lambda path, cell: None, lambda path, cell: [], previous,
        )  # fmt: skip

    rows = ["numpy==1", "scipy==1", "pandas==1"]
    first = build([finding(0, "a"), finding(1, "b"), finding(2, "c")], rows)
    # line 1 now starts with a character of two UTF-16 units: its range is not the same
    rows2 = ["numpy==1", "\U0001f600scipy==1", "pandas==1"]
    findings2 = [finding(0, "a"), finding(1, "b"), finding(2, "c2"), finding(5, "d")]
    second = build(findings2, rows2, previous=first.made)
    fresh = build(findings2, rows2)
    old, new = first.diagnostics[uri], second.diagnostics[uri]
    assert new == fresh.diagnostics[uri]
    assert new[0] is old[0]  # same finding, same line
    assert new[1] is not old[1] and new[1].range.end.character == 9  # its line changed
    assert new[2] is not old[2]  # another message
    assert new[3].range.start.line == 2  # past the end: clamped to the last line
    assert [f for _, f in second.pairs[uri]] == findings2
    # another position encoding: nothing is re-used
    third = build(findings2, rows2, encoding="utf-8", previous=second.made)
    assert all(a is not b for a, b in zip(third.diagnostics[uri], new, strict=True))
    assert third.diagnostics[uri] == build(findings2, rows2, encoding="utf-8").diagnostics[uri]


def test_notification_futures_do_not_pile_up():
    """pygls 2.1.1 keeps one future per notification handled by a generator handler
    (initialized, didOpen, didChange ...); the server's protocol drops finished ones."""
    from lint_env.lsp.server import LintEnvProtocol, LintEnvServer

    ls = LintEnvServer("t", "0", protocol_cls=LintEnvProtocol)
    for _ in range(1000):
        ls.protocol._handle_notification(types.INITIALIZED, types.InitializedParams())
    assert len(ls.protocol._request_futures) < LintEnvProtocol._PRUNE_EVERY


def test_empty_editor_values_leave_the_project_config_alone():
    from lint_env.config import Config

    # What the shipped VS Code / Neovim configurations send when the user set nothing.
    s, errors = parse_settings(
        {"targets": [], "pythonVersion": None, "interpreter": None, "select": [], "ignore": []}
    )
    assert errors == [] and s == Settings()
    project = Config(targets=("linux-x86_64",), ignore=("TF",))
    assert s.apply(project) == project


def test_hover_on_an_import_names_the_distribution_and_import_rules():
    from lint_env.model import Import

    rules = FakeRuleSet(
        FakeRule("XX020", "import-mix", {"a": ["keras"], "b": ["tensorflow.keras"]}, "Mixed."),
        FakeRule("XX021", "import", {"modules": ["kerasx"]}, "Other."),
    )
    doc = Document(
        Path("t.py"), Kind.PYTHON, "", imports=[Import("keras.layers", Span(0, 0, 0, 19))]
    )
    info = hover(doc, [], 0, 9, ruleset=rules)
    assert info is not None
    assert info.markdown.startswith("**import keras.layers** — provided by `keras`")
    assert info.markdown.endswith("\n\nRules: XX020 (`lint-env explain CODE`)")
    assert "XX021" not in info.markdown
    std = Document(Path("t.py"), Kind.PYTHON, "", imports=[Import("os.path", Span(0, 0, 0, 14))])
    assert hover(std, [], 0, 8).markdown == "**import os.path** (standard library)"


def test_server_cli_usage_errors_are_one_line(tmp_path: Path):
    import os
    import subprocess
    import sys

    for args in (["--tcp", "nonsense"], ["--log-file", str(tmp_path / "no" / "such" / "x.log")]):
        proc = subprocess.run(
            [sys.executable, "-m", "lint_env", "server", *args],
            capture_output=True, text=True, timeout=60, env=dict(os.environ),
        )  # fmt: skip
        assert proc.returncode == 2
        assert proc.stderr.startswith("lint-env server: ") and proc.stderr.count("\n") == 1


def test_fix_all_keeps_only_fixes_that_pass_together(monkeypatch):
    """fixAll uses --fix's rule (fixes.accept_together): when the chosen fixes fail the
    re-parse check together, they are tried one by one. A fake verdict stands in for a
    pair that only fails combined (rare in real files, so the verdict is faked here)."""
    from lint_env import fixes as core
    from lint_env.lsp.actions import _together
    from lint_env.lsp.state import Result, Unit

    a = Fix("a", (TextEdit(Span.on_line(0, 0, 5), "numpy==2.0"),))
    b = Fix("b", (TextEdit(Span.on_line(1, 0, 6), "pandas==2.2"),))

    def verdict(doc, chosen):
        return doc.text, ("they fail together" if len(chosen) > 1 else None)

    monkeypatch.setattr(core, "apply_verified", verdict)
    unit = Unit(uri="file:///p/requirements.txt", path=Path("/p/requirements.txt"))
    result = Result(0, 0, [], {None: ["numpy", "pandas", ""]}, {}, {})
    assert _together(unit, result, [a, b]) == [a]
    monkeypatch.setattr(core, "apply_verified", lambda doc, chosen: (doc.text, None))
    assert _together(unit, result, [a, b]) == [a, b]
