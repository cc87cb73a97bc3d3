"""Conda environment files: every edge case with exact spans.

Expected spans are computed from the test text with str.index, never by the parser.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import on
from lint_env.model import Include, Kind, Setting, Span
from lint_env.sources import read_document
from lint_env.sources.conda import conda_version_to_pep440, parse_conda

FIXTURES = Path(__file__).parent / "fixtures" / "sources"


def parse(text: str):
    return parse_conda(Path("environment.yml"), text)


def spec_of(item: str):
    """Parse one dependency item; return (document, text)."""
    text = f"dependencies:\n  - {item}\n"
    return parse(text), text


def test_document_basics():
    text = "name: tf\n"
    doc = parse(text)
    assert doc.kind is Kind.CONDA
    assert doc.text == text
    assert doc.lines == ["name: tf", ""]
    assert doc.settings == [Setting("name", "tf", on(text, 0, "tf"))]


def test_channels_in_order_with_spans():
    text = "channels:\n  - apple\n  - conda-forge\n  - defaults\n"
    doc = parse(text)
    assert doc.problems == []
    assert doc.channels == [
        ("apple", on(text, 1, "apple")),
        ("conda-forge", on(text, 2, "conda-forge")),
        ("defaults", on(text, 3, "defaults")),
    ]


def test_flow_style_channels():
    text = "channels: [conda-forge, 'apple']\n"
    doc = parse(text)
    assert doc.channels == [
        ("conda-forge", on(text, 0, "conda-forge")),
        ("apple", on(text, 0, "apple")),
    ]


@pytest.mark.parametrize(
    ("item", "name", "specifier", "spec_text", "channel", "build"),
    [
        ("numpy", "numpy", "", None, None, None),
        ("numpy=1.21", "numpy", "==1.21.*", "=1.21", None, None),
        ("numpy==1.21.0", "numpy", "==1.21.0", "==1.21.0", None, None),
        ("numpy>=1.21,<2", "numpy", ">=1.21,<2", ">=1.21,<2", None, None),
        ("conda-forge::numpy", "numpy", "", None, "conda-forge", None),
        ("conda-forge::numpy>=1.21", "numpy", ">=1.21", ">=1.21", "conda-forge", None),
        ("numpy=1.21=py39*", "numpy", "==1.21.*", "=1.21", None, "py39*"),
        ("numpy 1.21.*", "numpy", "==1.21.*", "1.21.*", None, None),
        ("numpy 1.21.0", "numpy", "==1.21.0", "1.21.0", None, None),
        ("numpy 1.21.0 py39_0", "numpy", "==1.21.0", "1.21.0", None, "py39_0"),
        ("numpy >=1.21", "numpy", ">=1.21", ">=1.21", None, None),
        ("numpy=1.21.*", "numpy", "==1.21.*", "=1.21.*", None, None),
        ("numpy 1.21|1.22", "numpy", "", "1.21|1.22", None, None),
        ("openssl=1.1.1k", "openssl", "", "=1.1.1k", None, None),
        ("numpy *", "numpy", "", "*", None, None),
    ],
)
def test_match_specs(item, name, specifier, spec_text, channel, build):
    doc, text = spec_of(item)
    assert doc.problems == []
    (dep,) = doc.dependencies
    assert dep.name == name
    assert dep.specifier == specifier
    assert dep.source == "conda"
    assert dep.channel == channel
    assert dep.build == build
    assert dep.span == on(text, 1, item)
    assert dep.raw == item
    assert dep.name_span == on(text, 1, name)
    assert dep.specifier_span == (on(text, 1, spec_text) if spec_text else None)


def test_bracket_match_spec():
    item = "numpy[version='>=1.21,<2', build=py39*]"
    doc, text = spec_of(item)
    assert doc.problems == []
    (dep,) = doc.dependencies
    assert (dep.name, dep.specifier, dep.build) == ("numpy", ">=1.21,<2", "py39*")
    assert dep.specifier_span == on(text, 1, ">=1.21,<2")


def test_conda_names_are_canonical():
    doc, text = spec_of("mkl_fft=1.3")
    (dep,) = doc.dependencies
    assert dep.name == "mkl-fft"
    assert dep.name_span == on(text, 1, "mkl_fft")


def test_python_pin_is_not_a_dependency():
    text = "dependencies:\n  - python=3.9\n  - numpy\n"
    doc = parse(text)
    assert doc.problems == []
    assert doc.python == ("==3.9.*", on(text, 1, "python=3.9"))
    assert [d.name for d in doc.dependencies] == ["numpy"]


def test_quoted_items_have_exact_spans():
    text = "dependencies:\n  - \"numpy >=1.21\"\n  - 'scipy=1.11'\n"
    doc = parse(text)
    numpy, scipy = doc.dependencies
    assert numpy.span == on(text, 1, "numpy >=1.21")
    assert numpy.specifier_span == on(text, 1, ">=1.21")
    assert scipy.specifier_span == on(text, 2, "=1.11")


def test_pip_list_is_parsed_as_requirements_with_spans_in_the_yaml_file():
    text = (
        "dependencies:\n"
        "  - python=3.10\n"
        "  - pip\n"
        "  - pip:\n"
        "    - tensorflow-macos==2.13.0\n"
        '    - tensorflow-metal==1.1.0 ; sys_platform == "darwin"\n'
        "    - -r requirements-extra.txt\n"
        "    - -c constraints.txt\n"
        "    - --extra-index-url https://example.invalid/simple\n"
        "    - git+https://example.invalid/x.git#egg=xpkg\n"
    )
    doc = parse(text)
    assert doc.problems == []
    names = [(d.name, d.source) for d in doc.dependencies]
    assert names == [
        ("pip", "conda"),
        ("tensorflow-macos", "pip"),
        ("tensorflow-metal", "pip"),
        ("xpkg", "pip"),
    ]
    tfm = doc.dependencies[1]
    assert tfm.span == on(text, 4, "tensorflow-macos==2.13.0")
    assert tfm.name_span == on(text, 4, "tensorflow-macos")
    assert tfm.specifier_span == on(text, 4, "==2.13.0")
    metal = doc.dependencies[2]
    assert metal.marker == 'sys_platform == "darwin"'
    assert metal.specifier_span == on(text, 5, "==1.1.0")
    assert doc.includes == [
        Include("requirements-extra.txt", on(text, 6, "requirements-extra.txt")),
        Include("constraints.txt", on(text, 7, "constraints.txt"), constraint=True),
    ]
    assert doc.settings == [
        Setting(
            "--extra-index-url",
            "https://example.invalid/simple",
            on(text, 8, "--extra-index-url https://example.invalid/simple"),
        )
    ]


def test_bad_pip_item_is_a_problem_and_the_rest_is_read():
    text = "dependencies:\n  - pip:\n    - tensorflow=2.9\n    - numpy\n"
    doc = parse(text)
    assert [d.name for d in doc.dependencies] == ["numpy"]
    assert [p.span for p in doc.problems] == [on(text, 2, "tensorflow=2.9")]


def test_variables_and_platforms():
    text = (
        "variables:\n"
        "  CONDA_SUBDIR: osx-arm64\n"
        "  KERAS_BACKEND: tensorflow\n"
        "platforms:\n"
        "  - osx-arm64\n"
        "  - linux-64\n"
    )
    doc = parse(text)
    assert doc.problems == []
    assert doc.settings == [
        Setting("CONDA_SUBDIR", "osx-arm64", on(text, 1, "CONDA_SUBDIR: osx-arm64")),
        Setting("KERAS_BACKEND", "tensorflow", on(text, 2, "KERAS_BACKEND: tensorflow")),
        Setting("platform", "osx-arm64", on(text, 4, "osx-arm64")),
        Setting("platform", "linux-64", on(text, 5, "linux-64")),
    ]


def test_yaml_error_is_a_problem_on_its_line_and_what_precedes_is_read():
    text = "channels:\n  - conda-forge\ndependencies:\n  - numpy\n  - scipy\n bad: : x\n  - y\n"
    doc = parse(text)
    assert len(doc.problems) == 1
    problem = doc.problems[0]
    assert problem.code == "LE001"
    assert problem.span.line == 5
    assert problem.message.startswith("invalid YAML")
    assert [c for c, _ in doc.channels] == ["conda-forge"]
    assert [d.name for d in doc.dependencies] == ["numpy", "scipy"]


def test_unclosed_flow_sequence():
    text = "dependencies:\n  - numpy\n  - x: [\n"
    doc = parse(text)
    assert [p.message.startswith("invalid YAML") for p in doc.problems] == [True]
    assert [d.name for d in doc.dependencies] == ["numpy"]


def test_several_documents_is_a_problem_and_the_first_is_read():
    text = "dependencies:\n  - numpy\n---\nname: other\n"
    doc = parse(text)
    assert [p.span.line for p in doc.problems] == [2]
    assert [d.name for d in doc.dependencies] == ["numpy"]


@pytest.mark.parametrize("text", ["- numpy\n- scipy\n", "just a string\n", "42\n"])
def test_non_mapping_document_is_a_problem(text):
    doc = parse(text)
    assert len(doc.problems) == 1
    assert "mapping" in doc.problems[0].message
    assert doc.problems[0].span.line == 0
    assert doc.dependencies == []


def test_wrong_shapes_are_problems():
    text = "channels: conda-forge\ndependencies:\n  - [a, b]\n  - {conda: x}\n  - numpy\n"
    doc = parse(text)
    assert [d.name for d in doc.dependencies] == ["numpy"]
    assert [p.span.line for p in doc.problems] == [0, 2, 3]


def test_unparsable_match_spec_is_a_problem():
    doc, text = spec_of("numpy@@1")
    assert doc.dependencies == []
    assert [p.span for p in doc.problems] == [on(text, 1, "numpy@@1")]


def test_empty_sections_are_fine():
    doc = parse("name: x\nchannels:\ndependencies:\nvariables:\n")
    assert doc.problems == []


def test_control_character_is_a_problem_and_the_rest_is_read():
    text = "dependencies:\n  - numpy\x07\n  - scipy\n"
    doc = parse(text)
    assert [p.span for p in doc.problems] == [Span(1, 9, 1, 10)]
    assert [d.name for d in doc.dependencies] == ["numpy", "scipy"]


def test_empty_file():
    doc = parse("")
    assert (doc.dependencies, doc.problems, doc.channels) == ([], [], [])


def test_crlf_fixture_via_read_document():
    doc = read_document(FIXTURES / "environment-crlf.yml")
    assert doc.newline == "\r\n"
    assert doc.problems == []
    text = doc.text
    assert doc.channels == [
        ("apple", on(text, 2, "apple")),
        ("conda-forge", on(text, 3, "conda-forge")),
    ]
    assert doc.python == ("==3.10.*", on(text, 5, "python=3.10"))
    names = [d.name for d in doc.dependencies]
    assert names == ["tensorflow-deps", "pip", "tensorflow-macos", "tensorflow-metal"]
    assert doc.dependencies[3].specifier_span == on(text, 10, "==1.1.0")
    assert doc.settings[-1] == Setting(
        "CONDA_SUBDIR", "osx-arm64", on(text, 12, "CONDA_SUBDIR: osx-arm64")
    )


@pytest.mark.parametrize(
    ("conda", "pep440"),
    [
        ("1.21", "==1.21"),
        ("=1.21", "==1.21.*"),
        ("1.21.*", "==1.21.*"),
        ("1.21*", "==1.21.*"),
        (">=1.21,<2", ">=1.21,<2"),
        ("!=1.5.*", "!=1.5.*"),
        ("1.0|2.0", ""),
        ("*", ""),
        ("1.1.1k", ""),
    ],
)
def test_conda_version_translation(conda, pep440):
    assert conda_version_to_pep440(conda) == pep440


def test_pip_comment_inside_a_quoted_item_is_a_pip_comment():
    text = "dependencies:\n  - pip:\n    - 'numpy==1.26  # pinned'\n"
    doc = parse(text)
    assert doc.problems == []
    (dep,) = doc.dependencies
    assert dep.span == on(text, 2, "numpy==1.26")


def test_prefix_line_and_subdir_comments_become_settings():
    from lint_env.sources.conda import parse_conda

    text = (
        "# CONDA_SUBDIR=osx-64 conda env create -f environment.yml\n"
        "name: x\n"
        "dependencies:\n"
        "  - python=3.9  # --subdir=osx-64 in a trailing comment is not an instruction line\n"
        "prefix: /home/me/miniconda3/envs/x\n"
    )
    doc = parse_conda(Path("environment.yml"), text)
    got = {(s.key, s.value, s.span.line) for s in doc.settings}
    assert got == {
        ("name", "x", 1),
        ("CONDA_SUBDIR", "osx-64", 0),
        ("prefix", "/home/me/miniconda3/envs/x", 4),
    }
    prefix = next(s for s in doc.settings if s.key == "prefix")
    assert text.splitlines()[4][prefix.span.col : prefix.span.end_col] == text.splitlines()[4]


_TRICKY_CONDA = [
    "name: x\nchannels: [conda-forge, 'apple']\ndependencies:\n  - python=3.11\n  - pip\n"
    '  - pip:\n    - numpy==1.26  # c\n    - "torch>=2"\n',
    'name: "\\u00e9t\\x41"\ndependencies:\n  - \'numpy=1.2\'\n  - "scipy\\t>=1"\n',
    "dependencies:\r\n  - numpy\r\n  - pip:\r\n    - -r req.txt\r\n",
    "# \U0001f600 é\nname: ü\ndependencies: &d\n  - numpy # ü\nother: *d\n",
    "variables:\n  CONDA_SUBDIR: osx-arm64\ndependencies:\n  - >\n    numpy\n  - |\n    scipy\n",
    "dependencies:\n  - numpy\n  - [bad\n",
    "dependencies:\n\t- numpy\n",
    "name: x\n",
    "",
    "# only a comment\n",
    "- a\n- b\n",
    "dependencies:\n  - numpy\n---\nname: two\n",
]


@pytest.mark.parametrize("text", _TRICKY_CONDA)
def test_libyaml_and_pure_loader_give_the_same_document(text: str, monkeypatch):
    """The C loader, where PyYAML has it, gives the pure loader's document: spans, values,
    problems."""
    import yaml
    from lint_env.sources import conda

    if getattr(yaml, "CSafeLoader", None) is None:
        pytest.skip("PyYAML without libyaml")
    fast = parse(text)
    monkeypatch.setattr(conda, "_c_loader", lambda: None)
    assert parse(text) == fast


def test_libyaml_and_pure_loader_agree_on_every_yaml_fixture(monkeypatch):
    import yaml
    from lint_env.sources import conda

    if getattr(yaml, "CSafeLoader", None) is None:
        pytest.skip("PyYAML without libyaml")
    root = Path(__file__).parent.parent
    paths = sorted({*root.glob("tests/fixtures/**/*.yml"), *root.glob("examples/**/*.yml")})
    assert paths
    fast = {p: read_document(p) for p in paths}
    monkeypatch.setattr(conda, "_c_loader", lambda: None)
    assert {p: read_document(p) for p in paths} == fast


def test_the_c_loader_is_used_where_it_is_installed(monkeypatch):
    import yaml
    from lint_env.sources import conda

    if getattr(yaml, "CSafeLoader", None) is None:
        pytest.skip("PyYAML without libyaml")
    used = []
    real = yaml.compose
    monkeypatch.setattr(yaml, "compose", lambda s, Loader: used.append(Loader) or real(s, Loader))
    parse("dependencies:\n  - numpy\n")
    assert used == [yaml.CSafeLoader]
    assert conda._c_loader() is yaml.CSafeLoader
