"""Property tests: the requirements, conda and pyproject parsers (and read_document)
never raise on any input, and every span they return lies inside the document."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lint_env.model import Document, Kind, Span
from lint_env.sources import read_document
from lint_env.sources.conda import parse_conda
from lint_env.sources.pyproject import parse_pyproject
from lint_env.sources.requirements import parse_requirements
from lint_env.sources.text import split_lines

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def all_spans(doc: Document) -> list[Span]:
    spans: list[Span] = []
    for d in doc.dependencies:
        spans += [d.span, d.name_span]
        if d.specifier_span is not None:
            spans.append(d.specifier_span)
    spans += [i.span for i in doc.includes]
    spans += [p.span for p in doc.problems]
    spans += [s.span for s in doc.settings]
    spans += [span for _, span in doc.channels]
    if doc.python is not None:
        spans.append(doc.python[1])
    return spans


def check_document(doc: Document, text: str, kind: Kind) -> None:
    assert doc.kind is kind
    assert doc.text == text
    assert doc.lines == split_lines(text)
    # The parsers turn their own bugs into a problem rather than raise: none may occur.
    assert not [p for p in doc.problems if p.message.startswith("internal error")]
    lines = doc.lines
    for span in all_spans(doc):
        assert span.cell is None
        assert 0 <= span.line < len(lines), span
        assert 0 <= span.end_line < len(lines), span
        assert 0 <= span.col <= len(lines[span.line]), span
        assert 0 <= span.end_col <= len(lines[span.end_line]), span
        assert (span.line, span.col) <= (span.end_line, span.end_col), span
    for d in doc.dependencies:
        assert d.name == d.name.lower()
        assert d.name_span.line >= d.span.line


NEWLINES = st.sampled_from(["\n", "\r\n", "\r"])


def lines_from(fragments: list[str]) -> st.SearchStrategy[str]:
    """Text built from format-specific fragments, to reach deep into each parser."""
    piece = st.one_of(st.sampled_from(fragments), st.text(max_size=6))
    line = st.lists(piece, max_size=6).map("".join)
    return st.lists(st.tuples(line, NEWLINES), max_size=12).map(
        lambda rows: "".join(a + b for a, b in rows)
    )


REQ_FRAGMENTS = [
    "numpy",
    "Tensor_Flow",
    "==",
    ">=1.21",
    "<2",
    ",",
    ";",
    " ",
    "\t",
    "\\",
    "#",
    " # c",
    "[extra]",
    "[",
    "]",
    "(",
    ")",
    "@",
    " @ ",
    "https://x.invalid/p.whl",
    "git+https://h/r.git",
    "#egg=pkg",
    "-r",
    "-c",
    "--requirement",
    "--constraint=",
    "-e",
    "--editable",
    "-i",
    "--pre",
    "--hash=sha256:ab",
    "--only-binary",
    ":all:",
    "--bogus",
    "${VAR}",
    "${",
    "./local",
    "file:",
    'python_version < "3.10"',
    "sys_platform == 'darwin'",
    "\ufeff",
    "'",
    '"',
    "=",
]
CONDA_FRAGMENTS = [
    "name: x",
    "channels:",
    "dependencies:",
    "variables:",
    "platforms:",
    "  - ",
    "- ",
    "    - ",
    "pip:",
    "  - pip:",
    "numpy",
    "=1.21",
    "==1.0",
    ">=1,<2",
    "::",
    "conda-forge::",
    "=py39*",
    " 1.21.*",
    "python=3.9",
    "-r req.txt",
    "CONDA_SUBDIR: osx-arm64",
    "[",
    "]",
    "{",
    "}",
    ":",
    "'",
    '"',
    "#",
    "---",
    "&a",
    "*a",
    "!!str",
    "?",
    "|",
    ">",
    "\t",
    "[version='>=1']",
]
TOML_FRAGMENTS = [
    "[project]",
    "[tool.poetry.dependencies]",
    "[tool.poetry.group.dev.dependencies]",
    "[dependency-groups]",
    "[build-system]",
    "[[x]]",
    "dependencies = ",
    "requires = ",
    "requires-python = ",
    "optional-dependencies",
    "python = ",
    "numpy = ",
    '"numpy>=1"',
    "'scipy'",
    '"^1.2.3"',
    '"~1.2"',
    "[",
    "]",
    "{",
    "}",
    ",",
    "=",
    '"""',
    "'''",
    "#",
    'version = "1.0"',
    "markers = ",
    "\"sys_platform == 'darwin'\"",
    "{include-group = 'a'}",
    '"\\u0061"',
    ".",
    '"a.b"',
    "\ufeff",
    "42",
    "true",
]


@SETTINGS
@given(st.text())
def test_requirements_arbitrary_text(text):
    check_document(parse_requirements(Path("requirements.txt"), text), text, Kind.REQUIREMENTS)


@SETTINGS
@given(lines_from(REQ_FRAGMENTS))
def test_requirements_structured_text(text):
    check_document(parse_requirements(Path("requirements.txt"), text), text, Kind.REQUIREMENTS)


@SETTINGS
@given(st.text())
def test_conda_arbitrary_text(text):
    check_document(parse_conda(Path("environment.yml"), text), text, Kind.CONDA)


@SETTINGS
@given(lines_from(CONDA_FRAGMENTS))
def test_conda_structured_text(text):
    check_document(parse_conda(Path("environment.yml"), text), text, Kind.CONDA)


@SETTINGS
@given(st.text())
def test_pyproject_arbitrary_text(text):
    check_document(parse_pyproject(Path("pyproject.toml"), text), text, Kind.PYPROJECT)


@SETTINGS
@given(lines_from(TOML_FRAGMENTS))
def test_pyproject_structured_text(text):
    check_document(parse_pyproject(Path("pyproject.toml"), text), text, Kind.PYPROJECT)


KINDS = st.sampled_from(
    [
        ("requirements.txt", Kind.REQUIREMENTS),
        ("environment.yml", Kind.CONDA),
        ("pyproject.toml", Kind.PYPROJECT),
    ]
)


@SETTINGS
@given(KINDS, st.binary(max_size=300))
def test_read_document_arbitrary_bytes(kind, data):
    name, k = kind
    doc = read_document(Path(name), k, data=data)
    check_document(doc, doc.text, k)


@SETTINGS
@given(
    KINDS,
    st.lists(
        st.sampled_from(
            [
                b"numpy",
                b"\xff",
                b"\xef\xbb\xbf",
                b"\r\n",
                b"\n",
                b"\xc3\xa9",
                b"- ",
                b"=",
                b'"',
                b"\x00",
            ]
        ),
        max_size=20,
    ),
)
def test_read_document_mixed_bytes(kind, chunks):
    name, k = kind
    doc = read_document(Path(name), k, data=b"".join(chunks))
    check_document(doc, doc.text, k)
