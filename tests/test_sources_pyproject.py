"""pyproject.toml: every edge case with exact spans.

Expected spans are computed from the test text with str.index, never by the parser.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import lines_of, on
from lint_env.model import Kind, Span
from lint_env.sources import read_document
from lint_env.sources.pyproject import parse_pyproject, poetry_to_pep440

FIXTURES = Path(__file__).parent / "fixtures" / "sources"


def parse(text: str):
    return parse_pyproject(Path("pyproject.toml"), text)


def deps(doc):
    return {(d.group, d.name): d for d in doc.dependencies}


def test_document_basics():
    text = "[project]\nname = 'x'\n"
    doc = parse(text)
    assert doc.kind is Kind.PYPROJECT
    assert doc.text == text
    assert doc.lines == ["[project]", "name = 'x'", ""]
    assert doc.dependencies == []
    assert doc.problems == []


def test_project_dependencies_multiline_array_comments_and_quote_styles():
    text = (
        "[project]\n"
        'name = "demo"\n'
        "dependencies = [\n"
        '  "numpy>=1.21",  # a comment with "quotes" and ] brackets\n'
        "  'tensorflow-macos==2.13.0; sys_platform == \"darwin\"',\n"
        "  # 'commented-out==1.0',\n"
        '  "tensorflow-metal==1.1.0"]\n'
    )
    doc = parse(text)
    assert doc.problems == []
    names = [d.name for d in doc.dependencies]
    assert names == ["numpy", "tensorflow-macos", "tensorflow-metal"]
    numpy, tfm, metal = doc.dependencies
    assert numpy.span == on(text, 3, "numpy>=1.21")
    assert numpy.name_span == on(text, 3, "numpy")
    assert numpy.specifier_span == on(text, 3, ">=1.21")
    assert numpy.group is None
    assert tfm.marker == 'sys_platform == "darwin"'
    assert tfm.span == on(text, 4, 'tensorflow-macos==2.13.0; sys_platform == "darwin"')
    assert metal.specifier_span == on(text, 6, "==1.1.0")


def test_single_line_array_and_literal_strings():
    text = "[project]\ndependencies = ['keras>=3', \"tf-keras\"]\n"
    doc = parse(text)
    keras, tfk = doc.dependencies
    assert keras.span == on(text, 1, "keras>=3")
    assert tfk.span == on(text, 1, "tf-keras")


def test_multiline_string_dependency():
    text = '[project]\ndependencies = [\n"""\ntorch>=2.0"""]\n'
    doc = parse(text)
    assert doc.problems == []
    (torch,) = doc.dependencies
    assert torch.name == "torch"
    assert torch.specifier_span == on(text, 3, ">=2.0")


def test_escaped_string_spans_cover_the_escapes():
    text = '[project]\ndependencies = ["n\\u0075mpy==1.0"]\n'
    doc = parse(text)
    (dep,) = doc.dependencies
    assert dep.name == "numpy"
    assert dep.span == on(text, 1, "n\\u0075mpy==1.0")
    assert dep.name_span == on(text, 1, "n\\u0075mpy")  # the escape is one character
    assert dep.specifier_span == on(text, 1, "==1.0")
    assert dep.quoting == '"'


def test_escaped_quotes_keep_exact_spans():
    text = '[project]\ndependencies = ["h5py==3.1.0 ; sys_platform == \\"darwin\\""]\n'
    doc = parse(text)
    (dep,) = doc.dependencies
    assert dep.marker == 'sys_platform == "darwin"'
    assert dep.name_span == on(text, 1, "h5py")
    assert dep.specifier_span == on(text, 1, "==3.1.0")
    assert dep.span == on(text, 1, 'h5py==3.1.0 ; sys_platform == \\"darwin\\"')


def test_optional_dependencies_group_is_the_extra_name():
    text = (
        "[project]\n"
        "dependencies = []\n"
        "[project.optional-dependencies]\n"
        'metal = ["tensorflow-metal>=1.0"]\n'
        "gpu = [\n"
        '  "jax[metal]",\n'
        "]\n"
    )
    doc = parse(text)
    d = deps(doc)
    assert d[("metal", "tensorflow-metal")].span == on(text, 3, "tensorflow-metal>=1.0")
    jax = d[("gpu", "jax")]
    assert jax.extras == ("metal",)
    assert jax.span == on(text, 5, "jax[metal]")


def test_requires_python():
    text = '[project]\nrequires-python = ">=3.9,<3.13"\n'
    doc = parse(text)
    assert doc.python is not None
    spec, span = doc.python
    assert spec in (">=3.9,<3.13", "<3.13,>=3.9")
    assert span == on(text, 1, ">=3.9,<3.13")


def test_invalid_requires_python_is_a_problem():
    text = '[project]\nrequires-python = "three"\n'
    doc = parse(text)
    assert doc.python is None
    assert [p.span.line for p in doc.problems] == [1]


def test_dependency_groups_skip_include_group():
    text = '[dependency-groups]\ntest = ["pytest>=8", {include-group = "lint"}]\nlint = ["ruff"]\n'
    doc = parse(text)
    assert doc.problems == []
    d = deps(doc)
    assert set(d) == {("test", "pytest"), ("lint", "ruff")}
    assert d[("test", "pytest")].span == on(text, 1, "pytest>=8")
    assert d[("lint", "ruff")].span == on(text, 2, "ruff")


def test_build_system_requires():
    text = '[build-system]\nrequires = ["setuptools>=61", "wheel"]\nbuild-backend = "x"\n'
    doc = parse(text)
    d = deps(doc)
    assert set(d) == {("build", "setuptools"), ("build", "wheel")}
    assert d[("build", "setuptools")].specifier_span == on(text, 1, ">=61")


def test_invalid_pep508_string_is_a_problem_on_its_span():
    text = '[project]\ndependencies = ["numpy", "tensorflow=2.9", "scipy"]\n'
    doc = parse(text)
    assert [d.name for d in doc.dependencies] == ["numpy", "scipy"]
    assert [(p.code, p.span) for p in doc.problems] == [("LE001", on(text, 1, "tensorflow=2.9"))]


def test_non_string_dependency_is_a_problem():
    text = "[project]\ndependencies = [42, 'numpy']\n"
    doc = parse(text)
    assert [d.name for d in doc.dependencies] == ["numpy"]
    assert [p.span for p in doc.problems] == [on(text, 1, "42")]


def test_invalid_toml_is_a_problem_with_line_and_column_and_no_dependencies():
    text = '[project]\ndependencies = ["numpy"]\nname = = "x"\n'
    doc = parse(text)
    assert doc.dependencies == []
    (problem,) = doc.problems
    assert problem.code == "LE001"
    assert problem.message.startswith("invalid TOML")
    assert (problem.span.line, problem.span.col) == (2, text.splitlines()[2].index("= ") + 2)


def test_invalid_toml_with_crlf_reports_the_right_line():
    text = "[project]\r\nname = 'x'\r\nbroken\r\n"
    doc = parse(text)
    (problem,) = doc.problems
    assert problem.span.line == 2


def test_bom_is_tolerated():
    text = '\ufeff[project]\ndependencies = ["numpy"]\n'
    doc = parse(text)
    assert doc.problems == []
    assert doc.dependencies[0].span == on(text, 1, "numpy")


def test_crlf():
    text = '[project]\r\ndependencies = [\r\n  "numpy==1.0",\r\n]\r\n'
    doc = parse(text)
    assert doc.dependencies[0].span == on(text, 2, "numpy==1.0")


# --- Poetry ------------------------------------------------------------------------------


POETRY = """\
[tool.poetry]
name = "demo"

[tool.poetry.dependencies]
python = "^3.9"
numpy = "^1.2.3"
"Quoted_Name" = "~1.2.3"
torch = {version = "^0.2.3", markers = "sys_platform == 'darwin'", extras = ["vision"]}
jax = { version = ">=0.4", python = ">=3.10,<3.13" }
mylib = {git = "https://example.invalid/mylib.git", develop = true}
multi = [{version = "<1.2", python = "<3.8"}, {version = "^1.2", python = ">=3.8"}]
anything = "*"

[tool.poetry.group.dev.dependencies]
pytest = ">=8"

[tool.poetry.dev-dependencies]
black = "23.1.0"

[tool.poetry.dependencies.scipy]
version = "~1.11"
"""


def test_poetry_string_constraint_spans():
    doc = parse(POETRY)
    d = deps(doc)
    numpy = d[(None, "numpy")]
    assert numpy.specifier == ">=1.2.3,<2.0.0"
    assert numpy.name_span == on(POETRY, 5, "numpy")
    assert numpy.specifier_span == on(POETRY, 5, "^1.2.3")
    assert numpy.span == on(POETRY, 5, 'numpy = "^1.2.3"')


def test_poetry_quoted_key_and_tilde():
    d = deps(parse(POETRY))
    q = d[(None, "quoted-name")]
    assert q.specifier == ">=1.2.3,<1.3.0"
    assert q.name_span == on(POETRY, 6, "Quoted_Name")
    assert q.specifier_span == on(POETRY, 6, "~1.2.3")


def test_poetry_table_dependency():
    d = deps(parse(POETRY))
    torch = d[(None, "torch")]
    assert torch.specifier == ">=0.2.3,<0.3.0"
    assert torch.marker == "sys_platform == 'darwin'"
    assert torch.extras == ("vision",)
    assert torch.name_span == on(POETRY, 7, "torch")
    assert torch.specifier_span == on(POETRY, 7, "^0.2.3")
    assert torch.span == Span(7, 0, 7, len(lines_of(POETRY)[7]))


def test_poetry_python_field_becomes_a_marker():
    jax = deps(parse(POETRY))[(None, "jax")]
    assert jax.specifier == ">=0.4"
    assert jax.marker is not None
    assert 'python_version >= "3.10"' in jax.marker
    assert 'python_version < "3.13"' in jax.marker


def test_poetry_git_dependency():
    mylib = deps(parse(POETRY))[(None, "mylib")]
    assert mylib.url == "https://example.invalid/mylib.git"
    assert mylib.editable is True
    assert mylib.specifier == ""
    assert mylib.specifier_span is None


def test_poetry_multiple_constraints():
    doc = parse(POETRY)
    multi = [d for d in doc.dependencies if d.name == "multi"]
    assert [(m.specifier, m.marker) for m in multi] == [
        ("<1.2", 'python_version < "3.8"'),
        (">=1.2,<2.0", 'python_version >= "3.8"'),
    ]
    assert multi[0].specifier_span == on(POETRY, 10, "<1.2")
    assert multi[1].specifier_span == on(POETRY, 10, "^1.2")
    assert multi[0].name_span == on(POETRY, 10, "multi")


def test_poetry_python_is_the_document_python_not_a_dependency():
    doc = parse(POETRY)
    assert doc.python == (">=3.9,<4.0", on(POETRY, 4, "^3.9"))
    assert all(d.name != "python" for d in doc.dependencies)


def test_project_requires_python_wins_over_poetry_python():
    text = '[project]\nrequires-python = ">=3.10"\n[tool.poetry.dependencies]\npython = "^3.9"\n'
    doc = parse(text)
    assert doc.python == (">=3.10", on(text, 1, ">=3.10"))


def test_poetry_groups():
    doc = parse(POETRY)
    d = deps(doc)
    assert d[("dev", "pytest")].specifier_span == on(POETRY, 14, ">=8")
    assert d[("dev", "black")].specifier == "==23.1.0"
    assert d[(None, "anything")].specifier == ""
    assert doc.problems == []


def test_poetry_subtable_dependency():
    scipy = deps(parse(POETRY))[(None, "scipy")]
    assert scipy.specifier == ">=1.11,<1.12"
    assert scipy.name_span == on(POETRY, 19, "scipy")
    assert scipy.specifier_span == on(POETRY, 20, "~1.11")


def test_poetry_invalid_constraint_is_a_problem():
    text = '[tool.poetry.dependencies]\nnumpy = "not a version"\nscipy = "^1.0"\n'
    doc = parse(text)
    assert [d.name for d in doc.dependencies] == ["scipy"]
    assert [p.span for p in doc.problems] == [on(text, 1, "not a version")]


@pytest.mark.parametrize(
    ("poetry", "pep440"),
    [
        ("^1.2.3", ">=1.2.3,<2.0.0"),
        ("^0.2.3", ">=0.2.3,<0.3.0"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("^1", ">=1,<2"),
        ("^0", ">=0,<1"),
        ("~1.2.3", ">=1.2.3,<1.3.0"),
        ("~1.2", ">=1.2,<1.3"),
        ("~1", ">=1,<2"),
        ("~=1.2", "~=1.2"),
        ("1.2.3", "==1.2.3"),
        ("1.2.*", "==1.2.*"),
        ("==1.2", "==1.2"),
        (">=1.2,<2.0", ">=1.2,<2.0"),
        (">= 1.2, < 2.0", ">=1.2,<2.0"),
        (">=1.2 <2.0", ">=1.2,<2.0"),
        ("*", ""),
        ("^1.0 || ^2.0", ""),
        ("not a version", None),
        ("^x", None),
    ],
)
def test_poetry_constraint_translation(poetry, pep440):
    assert poetry_to_pep440(poetry) == pep440


def test_fixture_via_read_document():
    doc = read_document(FIXTURES / "pyproject.toml")
    assert doc.problems == []
    text = doc.text
    d = deps(doc)
    assert d[(None, "tensorflow")].span == on(text, 5, 'tensorflow>=2.13; sys_platform != "darwin"')
    assert d[("metal", "tensorflow-metal")].specifier_span == on(text, 10, "==1.1.0")
    assert doc.python == (">=3.9", on(text, 3, ">=3.9"))
