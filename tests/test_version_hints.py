"""The core of the editor features: what pip would pick (version_hints.pick), inlay hint
labels and places, version completion, and the short hovers built on them.

Most cases use a made-up index (tests/fixtures/hints/index, described in its README.md):
every expected version below is read off those files by hand. A few use the shipped
snapshot; their expected values were read off rules/index/*.json and the rule tables.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_env.hover import hover, pairing_hints
from lint_env.model import Dependency, Document, Finding, Kind, Severity, Span
from lint_env.target import Target
from lint_env.version_hints import (
    inlay_hints,
    newest,
    pick,
    simple_context,
    snapshot_date,
    version_choices,
    version_completion,
)

INDEX = Path(__file__).parent / "fixtures" / "hints" / "index"
MAC = Target("macos-arm64", "3.11")
LINUX = Target("linux-x86_64", "3.11")


@pytest.fixture
def fixture_index():
    from lint_env import resolve, snapshot

    real = snapshot.index_dir
    snapshot.index_dir = lambda: INDEX

    def clear():
        snapshot.load_package.cache_clear()
        snapshot.snapshot_packages.cache_clear()
        resolve.clear_caches()

    clear()
    yield
    snapshot.index_dir = real
    clear()


def req(text: str, line: int = 0, **kw) -> Dependency:
    """A requirement written at the start of ``line``: name, then the specifier."""
    name = kw.pop("name", text.split("=")[0].split(">")[0].split("<")[0].split("~")[0])
    spec = text[len(name) :]
    return Dependency(
        name=name,
        span=Span(line, 0, line, len(text)),
        name_span=Span(line, 0, line, len(name)),
        raw=text,
        specifier=spec,
        **kw,
    )


def doc_of(*texts: str, kind: Kind = Kind.REQUIREMENTS) -> Document:
    deps = [req(t, i) for i, t in enumerate(texts)]
    return Document(Path("requirements.txt"), kind, "\n".join(texts), deps, lines=list(texts))


# --- pick -----------------------------------------------------------------------------


def test_pick_is_the_newest_admitted_release_with_a_file(fixture_index):
    def picked(text: str, target: Target = MAC):
        d = doc_of(text)
        found = pick(simple_context(d, target), d.dependencies[0])
        assert found is not None
        return (str(found.version) if found.version else None, found.file)

    # finals 0.9.0, 1.0.0, 1.2.0 (1.1.0 yanked, 1.3.0 needs 3.12); 1.2.0 has no macOS file
    assert picked("alpha") == ("1.0.0", "wheel")
    assert picked("alpha", LINUX) == ("1.2.0", "wheel")
    assert picked("alpha<1") == ("0.9.0", "sdist")
    # no final release >=1.1 has a file for macOS arm64: pip takes the pre-release
    assert picked("alpha>=1.1") == ("2.0.0rc1", "wheel")
    assert picked("alpha>=1.1", LINUX) == ("1.2.0", "wheel")
    assert picked("alpha>=5") == (None, None)
    assert picked("alpha>=1.3", Target("macos-arm64", "3.12")) == ("1.3.0", "wheel")


def test_pick_knows_nothing_of_urls_conda_packages_and_unknown_packages(fixture_index):
    d = doc_of("alpha")
    ctx = simple_context(d, MAC)
    assert pick(ctx, req("alpha", url="https://example.invalid/alpha.whl")) is None
    assert pick(ctx, req("alpha", source="conda")) is None
    assert pick(ctx, req("not-in-the-snapshot>=1")) is None
    assert pick(ctx, req("not-in-the-snapshot==1.0")) is None  # the pin is all there is
    skipped = pick(ctx, req("alpha", marker='sys_platform == "linux"'))
    assert skipped is not None and skipped.skipped and skipped.version is None


def test_newest_and_the_snapshot_date(fixture_index):
    assert [str(v) if v else None for v in newest("alpha")] == ["1.3.0", "2.0.0rc1"]
    assert [str(v) if v else None for v in newest("alpha-plugin")] == ["0.5.0", None]
    assert newest("nothing-here") == (None, None)
    assert snapshot_date("alpha") == "2026-10-05"
    assert snapshot_date("nothing-here") is None


# --- inlay hints ------------------------------------------------------------------------


def test_inlay_hints_after_unpinned_and_ranged_requirements_only(fixture_index):
    d = doc_of("alpha", "alpha==1.0.0", "alpha>=1.1", "alpha<1", "alpha==1.*", "alpha>=5")
    hints = inlay_hints(d, simple_context(d, MAC), reason="configured")
    assert [(h.line, h.col, h.label) for h in hints] == [
        (0, 5, "→ 1.0.0 (macOS arm64)"),
        (2, 10, "→ 2.0.0rc1 (macOS arm64)"),
        (3, 7, "→ 0.9.0 (macOS arm64, source build)"),
        (4, 10, "→ 1.0.0 (macOS arm64)"),
        (5, 8, "→ no release (macOS arm64)"),
    ]
    assert hints[0].tooltip == (
        "pip would install alpha 1.0.0 on macOS arm64, Python 3.11 (configured)."
        " Index snapshot of 2026-10-05."
    )


def test_inlay_hint_goes_after_the_closing_quote_of_a_string(fixture_index):
    line = '  "alpha>=1",  # c'
    dep = Dependency("alpha", Span(0, 3, 0, 11), Span(0, 3, 0, 8), "alpha>=1", ">=1", quoting='"')
    d = Document(Path("pyproject.toml"), Kind.PYPROJECT, line, [dep], lines=[line])
    (h,) = inlay_hints(d, simple_context(d, MAC))
    assert (h.line, h.col, h.label) == (0, 12, "→ 1.0.0 (macOS arm64)")


def test_inlay_hints_of_one_notebook_cell(fixture_index):
    cells = [["import x"], ["%pip install alpha"]]
    dep = Dependency("alpha", Span(0, 13, 0, 18, cell=1), Span(0, 13, 0, 18, cell=1), "alpha")
    d = Document(Path("n.ipynb"), Kind.NOTEBOOK, "{}", [dep], cells=cells)
    ctx = simple_context(d, LINUX)
    assert inlay_hints(d, ctx, cell=0) == []
    (h,) = inlay_hints(d, ctx, cell=1)
    assert (h.line, h.col, h.cell, h.label) == (0, 18, 1, "→ 1.2.0 (Linux x86_64)")


# --- completion -------------------------------------------------------------------------


def test_version_choices_order_files_first_finals_before_prereleases(fixture_index):
    mac = version_choices("alpha", MAC)
    assert [c.version for c in mac] == ["1.0.0", "0.9.0", "2.0.0rc1", "1.3.0", "1.2.0", "1.1.0"]
    by = {c.version: c for c in mac}
    assert by["1.0.0"].detail == "wheel for macOS arm64, Python 3.11"
    assert by["0.9.0"].detail == "source build on macOS arm64, Python 3.11"
    assert by["2.0.0rc1"].detail == "pre-release · wheel for macOS arm64, Python 3.11"
    assert by["1.3.0"].detail == "requires Python >=3.12"
    assert by["1.2.0"].detail == "no file for macOS arm64, Python 3.11"
    assert by["1.1.0"].yanked and by["1.1.0"].detail.startswith("yanked · ")
    linux = version_choices("alpha", LINUX)
    assert [c.version for c in linux] == ["1.2.0", "1.0.0", "0.9.0", "1.3.0", "1.1.0", "2.0.0rc1"]
    assert version_choices("nothing-here", MAC) is None


@pytest.mark.parametrize(
    ("kind", "lines", "line", "col", "expected"),
    [
        (Kind.REQUIREMENTS, ["alpha=="], 0, 7, ("alpha", "==", 7)),
        (Kind.REQUIREMENTS, ["Alpha[x] >= 1."], 0, 14, ("alpha", ">=", 12)),
        (Kind.REQUIREMENTS, ["alpha>=1.0,!=1.1", "x"], 0, 16, ("alpha", "!=", 13)),
        (Kind.REQUIREMENTS, ["alpha~=1 ; python_version > '3'"], 0, 8, ("alpha", "~=", 7)),
        (Kind.REQUIREMENTS, ["alpha<=2.0  # pinned"], 0, 8, ("alpha", "<=", 7)),
        (Kind.PYPROJECT, ['dependencies = ["numpy", "alpha>='], 0, 33, ("alpha", ">=", 33)),
        (Kind.PYPROJECT, ["[tool.poetry.dependencies]", 'alpha = ">='], 1, 11, ("alpha", ">=", 11)),
        (
            Kind.PYPROJECT,
            ["[tool.poetry.group.dev.dependencies]", 'alpha = { version = "==1', "x"],
            1,
            24,
            ("alpha", "==", 23),
        ),
        (Kind.NOTEBOOK, ["%pip install -q alpha=="], 0, 23, ("alpha", "==", 23)),
        (Kind.CONDA, ["dependencies:", "  - pip:", "    - alpha=="], 2, 13, ("alpha", "==", 13)),
    ],
)
def test_version_completion_where_a_version_is_typed(
    fixture_index, kind, lines, line, col, expected
):
    found = version_completion(kind, lines, line, col, MAC)
    assert found is not None
    assert (found.name, found.op, found.start) == expected and found.end == col
    assert found.choices[0].version == "1.0.0"


@pytest.mark.parametrize(
    ("kind", "lines", "line", "col"),
    [
        (Kind.REQUIREMENTS, ["alpha"], 0, 5),  # no operator yet
        (Kind.REQUIREMENTS, ["# alpha=="], 0, 9),  # a comment
        (Kind.REQUIREMENTS, ["unknown-pkg=="], 0, 13),  # not in the snapshot
        (Kind.PYPROJECT, ['requires-python = ">='], 0, 21),
        (Kind.PYPROJECT, ["[project]", 'alpha = ">='], 1, 11),  # not a Poetry table
        (Kind.PYPROJECT, ["[tool.poetry.dependencies]", 'python = ">='], 1, 12),
        (Kind.NOTEBOOK, ["x = alpha=="], 0, 11),  # not an install command
        (Kind.CONDA, ["dependencies:", "  - alpha=="], 1, 12),  # a conda package
        (Kind.REQUIREMENTS, ["alpha=="], 3, 0),  # past the end
    ],
)
def test_no_version_completion_elsewhere(fixture_index, kind, lines, line, col):
    assert version_completion(kind, lines, line, col, MAC) is None


# --- hovers -----------------------------------------------------------------------------


class FakeRule:
    def __init__(self, code, kind, params, summary="", references=(), targets=("*",)):
        self.code, self.kind, self.params, self.targets = code, kind, params, list(targets)
        self.name, self.summary, self.references = code.lower(), summary, list(references)
        self.explanation = "A long explanation that the hover must not show."


class FakeRuleSet:
    def __init__(self, *rules):
        self.rules = {r.code: r for r in rules}

    def get(self, code):
        return self.rules.get(code)

    def __iter__(self):
        return iter(self.rules.values())


PLUGIN_RULES = FakeRuleSet(
    FakeRule(
        "XX010",
        "pairing",
        {
            "a": ["alpha"],
            "b": "alpha-plugin",
            "table": [
                {"a": ">=1.0,<1.1", "b": "==0.5.*", "pin": "==0.5.0"},
                {"a": ">=2.0.0rc0", "b": "<0"},
            ],
        },
        "alpha and alpha-plugin must match.",
        ("https://example.org/pairs",),
    ),
    FakeRule("XX011", "banned", {"packages": ["alpha"]}, "Alpha is odd.", ("https://e.org",)),
    FakeRule(
        "XX012",
        "pairing",
        {"a": ["alpha"], "b": "alpha-plugin", "table": [{"a": ">=0", "pin": "==0.4.0"}]},
        targets=("linux-x86_64",),
    ),
)


def test_pairing_hints_use_the_pin_or_pips_pick(fixture_index):
    d = doc_of("alpha", "alpha-plugin")
    alpha, plugin = d.dependencies
    mac = [simple_context(d, MAC)]
    want = "Works with alpha 1.0.0 (pip's pick on macOS arm64): `alpha-plugin==0.5.0` (XX010)"
    assert pairing_hints(d, plugin, PLUGIN_RULES, mac) == [want]
    assert pairing_hints(d, alpha, PLUGIN_RULES, mac) == [want]  # either side of the pair
    pinned = doc_of("alpha==1.0.0", "alpha-plugin")
    assert pairing_hints(pinned, pinned.dependencies[1], PLUGIN_RULES, mac) == [
        "Works with alpha 1.0.0: `alpha-plugin==0.5.0` (XX010)"
    ]
    # pip picks the pre-release 2.0.0rc1 on macOS: no alpha-plugin works with it
    pre = doc_of("alpha>=1.1", "alpha-plugin")
    assert pairing_hints(pre, pre.dependencies[1], PLUGIN_RULES, [simple_context(pre, MAC)]) == [
        "With alpha 2.0.0rc1 (pip's pick on macOS arm64): no alpha-plugin release works (XX010)"
    ]
    # XX012 is a Linux rule: it speaks only where Linux is a target
    both = [simple_context(d, LINUX)]
    assert pairing_hints(d, plugin, PLUGIN_RULES, both) == [
        "Works with alpha 1.2.0 (pip's pick on Linux x86_64): `alpha-plugin==0.4.0` (XX012)"
    ]
    # no partner declared: nothing
    alone = doc_of("alpha-plugin")
    assert pairing_hints(alone, alone.dependencies[0], PLUGIN_RULES, mac) == []


def test_dependency_hover_is_short(fixture_index):
    d = doc_of("alpha>=1", "alpha-plugin")
    finding = Finding(
        d.path, d.dependencies[0].span, "XX011", "xx011", Severity.WARNING, "alpha is odd here"
    )
    contexts = [simple_context(d, MAC), simple_context(d, LINUX)]
    info = hover(d, [finding], 0, 2, ruleset=PLUGIN_RULES, contexts=contexts, reason="configured")
    assert info is not None and info.span == d.dependencies[0].span
    assert info.markdown == "\n\n".join(
        [
            "**alpha** `>=1`",
            "**XX011** (warning) alpha is odd here",
            "Alpha is odd. More: `lint-env explain XX011` · [docs](https://e.org)",
            "pip would install for Python 3.11 (configured), index snapshot of 2026-10-05:\n"
            "- macOS arm64: **1.0.0**\n"
            "- Linux x86_64: **1.2.0**",
            "Newest release: 1.3.0 (pre-release 2.0.0rc1)",
            "Works with alpha 1.0.0 (pip's pick on macOS arm64): `alpha-plugin==0.5.0` (XX010)",
            # XX012 is for Linux: the partner's version is pip's pick there
            "Works with alpha 1.2.0 (pip's pick on Linux x86_64): `alpha-plugin==0.4.0` (XX012)",
            "Rules: XX010, XX012 (`lint-env explain CODE`)",
        ]
    )
    assert "long explanation" not in info.markdown


def test_hover_when_nothing_installs(fixture_index):
    d = doc_of("alpha>=1.2,<1.3", "alpha>=5")
    mac = [simple_context(d, MAC)]
    none_here = hover(d, [], 0, 1, contexts=mac).markdown
    assert (
        "- macOS arm64: no release admitted by `>=1.2,<1.3` has a file here;"
        " releases with a wheel there: 1.0.0" in none_here
    )
    nothing = hover(d, [], 1, 1, contexts=mac).markdown
    assert (
        "- macOS arm64: no release admitted by `>=5`; releases with a wheel there: 1.0.0" in nothing
    )


def test_hover_of_a_package_the_snapshot_does_not_hold(fixture_index):
    d = doc_of("unknown-pkg>=1")
    assert hover(d, [], 0, 1, contexts=[simple_context(d, MAC)]).markdown == (
        "**unknown-pkg** `>=1`\n\nNot in lint-env's index snapshot: no versions known."
    )


# --- the shipped snapshot, through the engine ---------------------------------------------


def test_engine_contexts_give_the_target_python_and_why(tmp_path: Path):
    from lint_env.api import Project
    from lint_env.config import Config

    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nrequires-python = ">=3.10"\n'
        'dependencies = [\n  "tensorflow>=2.16,<2.17",\n  "tensorflow-metal",\n]\n'
    )
    (tmp_path / "environment.yml").write_text(
        "dependencies:\n  - python=3.11\n  - pip:\n    - tensorflow>=2.16,<2.17\n"
    )
    project = Project(tmp_path, Config(targets=("macos-arm64", "linux-x86_64")))
    engine = project.engine
    py = project.document(tmp_path / "pyproject.toml")
    contexts = engine.contexts_for(py)
    assert [(c.target.platform, c.target.python) for c in contexts] == [
        ("macos-arm64", "3.10"),
        ("linux-x86_64", "3.10"),
    ]
    assert engine.python_reason(py) == "the lowest your requires-python allows"
    env = project.document(tmp_path / "environment.yml")
    assert engine.python_reason(env) == "the python pin in environment.yml"
    assert engine.python_reason(py) != engine.python_reason(env)
    configured = Project(tmp_path, Config(python="3.12")).engine
    assert configured.python_reason(py) == "configured"
    # rules/index/tensorflow.json: 2.16.2 is the newest 2.16 release, with macOS arm64
    # (macosx_12_0_arm64) and manylinux x86_64 wheels for cp310
    tf = py.dependencies[0]
    assert [str(pick(c, tf).version) for c in contexts] == ["2.16.2", "2.16.2"]
    (h,) = [h for h in inlay_hints(py, contexts[0]) if h.line == 4]
    assert (h.col, h.label) == (26, "→ 2.16.2 (macOS arm64)")
    # rules/metal.toml MT001 (>=2.14,<2.18 -> ==1.1.0) and MT002 (>=2.16,<2.18 -> ==1.1.0)
    metal = py.dependencies[1]
    assert pairing_hints(py, metal, engine.rules, contexts) == [
        "Works with tensorflow 2.16.2 (pip's pick on macOS arm64):"
        " `tensorflow-metal==1.1.0` (MT001, MT002)"
    ]


def test_version_completion_on_a_huge_line_is_quick_and_safe(fixture_index):
    # a 200,000-character line: the search looks at the end of it only (no timing
    # asserted; a quadratic search would not finish in the suite's lifetime)
    long = "a" * 200_000
    assert version_completion(Kind.REQUIREMENTS, [long + "=="], 0, 200_002, MAC) is None
    assert version_completion(Kind.REQUIREMENTS, [long + " alpha=="], 0, 200_008, MAC) is None
    found = version_completion(
        Kind.NOTEBOOK, ["%pip install " + " " * 500 + "alpha=="], 0, 520, MAC
    )
    assert found is not None and found.name == "alpha"
    assert version_completion(Kind.PYPROJECT, ['"' + "b" * 100_000 + ">="], 0, 100_003, MAC) is None


def test_hover_names_the_python_per_target_when_they_differ(fixture_index):
    d = doc_of("alpha>=1")
    contexts = [simple_context(d, MAC), simple_context(d, Target("macos-arm64", "3.12"))]
    text = hover(d, [], 0, 1, contexts=contexts).markdown
    # Python 3.12: 1.3.0 (a cp312 wheel) is admitted and newest
    assert "pip would install, index snapshot of 2026-10-05:\n" in text
    assert "- macOS arm64, Python 3.11: **1.0.0**\n- macOS arm64, Python 3.12: **1.3.0**" in text


def test_hover_of_a_pin_the_snapshot_does_not_list(fixture_index):
    # alpha 3.0.0 is not in the made-up index (newer than it, or never released): pip
    # may or may not find it; lint-env does not claim it would
    d = doc_of("alpha==3.0.0")
    text = hover(d, [], 0, 1, contexts=[simple_context(d, MAC)]).markdown
    assert "- macOS arm64: 3.0.0 is not in the index snapshot" in text
    assert "**3.0.0**" not in text


def test_hover_of_a_conda_package_claims_no_pip_versions(fixture_index):
    d = doc_of("alpha>=1")
    conda = Document(d.path, Kind.CONDA, "", [req("alpha>=1", source="conda")], lines=["alpha>=1"])
    assert hover(conda, [], 0, 1, contexts=[simple_context(conda, MAC)]).markdown == (
        "**alpha** `>=1`"
    )
