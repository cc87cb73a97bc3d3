"""Property tests: the requirements, conda and pyproject parsers (and read_document)
never raise on any input, and every span they return lies inside the document."""

from __future__ import annotations

from pathlib import Path

from fuzzing import FRAGMENTS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lint_env.model import Document, Kind, Span
from lint_env.sources import read_document
from lint_env.sources.conda import parse_conda
from lint_env.sources.pyproject import parse_pyproject
from lint_env.sources.requirements import parse_requirements
from lint_env.sources.text import split_lines

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Generated documents are slower to build: fewer examples keep the suite quick.
STRUCTURED = settings(SETTINGS, max_examples=120)


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


# One vocabulary for the parser properties here and the fuzzers (tests/fuzzing.py).
REQ_FRAGMENTS = FRAGMENTS["requirements"]
CONDA_FRAGMENTS = FRAGMENTS["conda"]
TOML_FRAGMENTS = FRAGMENTS["pyproject"]


@SETTINGS
@given(st.text())
def test_requirements_arbitrary_text(text):
    check_document(parse_requirements(Path("requirements.txt"), text), text, Kind.REQUIREMENTS)


@STRUCTURED
@given(lines_from(REQ_FRAGMENTS))
def test_requirements_structured_text(text):
    check_document(parse_requirements(Path("requirements.txt"), text), text, Kind.REQUIREMENTS)


@SETTINGS
@given(st.text())
def test_conda_arbitrary_text(text):
    check_document(parse_conda(Path("environment.yml"), text), text, Kind.CONDA)


@STRUCTURED
@given(lines_from(CONDA_FRAGMENTS))
def test_conda_structured_text(text):
    check_document(parse_conda(Path("environment.yml"), text), text, Kind.CONDA)


@SETTINGS
@given(st.text())
def test_pyproject_arbitrary_text(text):
    check_document(parse_pyproject(Path("pyproject.toml"), text), text, Kind.PYPROJECT)


@STRUCTURED
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


# --- spans point at what is written ------------------------------------------------------

DEP_STRINGS = st.sampled_from(
    [
        "numpy",
        "numpy>=1.21",
        "tensorflow-macos==2.13.0; sys_platform == 'darwin'",
        "jax[metal]>=0.4",
        "Tensor_Flow (>=2.0)",
        "foo @ https://example.invalid/foo.whl",
    ]
)
GAP = st.sampled_from(["", " ", "\n", '  # c, ] "x"\n  ', "\r\n\t", "\n# [section]\n"])


def slice_of(text: str, span: Span) -> str:
    lines = split_lines(text)
    assert span.line == span.end_line
    return lines[span.line][span.col : span.end_col]


@st.composite
def pyproject_texts(draw):
    items = draw(st.lists(st.tuples(DEP_STRINGS, st.sampled_from(['"', "'"]), GAP, GAP)))
    parts = []
    for s, q, g1, g2 in items:
        quote = '"' if "'" in s else q  # a literal string cannot hold a single quote
        parts.append(f"{g1}{quote}{s}{quote}{g2},")
    body = "".join(parts)
    poetry = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["numpy", '"Quoted_Name"', "'lit-name'", "torch"]),
                st.sampled_from(["^1.2.3", "~1.2", ">=1, <2", "*"]),
                st.booleans(),
                st.sampled_from([" ", "", "   "]),
            ),
            unique_by=lambda t: t[0].strip("'\""),
        )
    )
    rows = []
    for key, version, table, pad in poetry:
        value = f'{{ version{pad}={pad}"{version}" }}' if table else f'"{version}"'
        rows.append(f"{key}{pad}={pad}{value}  # note\n")
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = (
        f"[project]\nname = 'x'\ndependencies = [{body}]\n"
        + "[tool.poetry.dependencies]\n"
        + "".join(rows)
    )
    return text.replace("\r\n", "\n").replace("\n", newline), items, poetry


@STRUCTURED
@given(pyproject_texts())
def test_pyproject_spans_cover_what_is_written(case):
    text, items, poetry = case
    doc = parse_pyproject(Path("pyproject.toml"), text)
    assert doc.problems == []
    check_document(doc, text, Kind.PYPROJECT)
    pep621 = [d for d in doc.dependencies if d.raw in {s for s, *_ in items}]
    assert [d.raw for d in pep621] == [s for s, *_ in items]
    for d in pep621:
        assert slice_of(text, d.span) == d.raw
    others = [d for d in doc.dependencies if d not in pep621]
    assert len(others) == len(poetry)
    for d, (key, version, _, _) in zip(others, poetry, strict=True):
        assert slice_of(text, d.name_span) == key.strip("'\"")
        assert slice_of(text, d.specifier_span) == version


@st.composite
def requirements_texts(draw):
    items = draw(
        st.lists(st.tuples(DEP_STRINGS, st.sampled_from(["", "  # c", " \\\n  --hash=sha256:a"])))
    )
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = "".join(f"{s}{tail}\n" for s, tail in items)
    return text.replace("\n", newline), items


@STRUCTURED
@given(requirements_texts())
def test_requirements_spans_cover_what_is_written(case):
    text, items = case
    doc = parse_requirements(Path("requirements.txt"), text)
    assert doc.problems == []
    assert [d.raw for d in doc.dependencies] == [s for s, _ in items]
    for d in doc.dependencies:
        assert slice_of(text, d.span) == d.raw


CONDA_ITEMS = st.sampled_from(
    ["numpy", "numpy=1.21", "conda-forge::scipy>=1.11,<2", "mkl_fft 1.3 py39_0", "numpy=1.21=py39*"]
)


@st.composite
def conda_texts(draw):
    items = draw(st.lists(st.tuples(CONDA_ITEMS, st.sampled_from(["", "'", '"']))))
    pip = draw(st.lists(st.tuples(DEP_STRINGS, st.sampled_from(["", "'"]))))
    indent = draw(st.sampled_from(["", "  ", "    "]))
    rows = [f"{indent}- {q}{s}{q}  # c\n" for s, q in items]
    if pip:
        rows.append(f"{indent}- pip:\n")
        for s, q in pip:
            q = "" if "'" in s else q
            rows.append(f"{indent}  - {q}{s}{q}\n")
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = "channels:\n- conda-forge\ndependencies:\n" + "".join(rows)
    return text.replace("\n", newline), items, pip


@STRUCTURED
@given(conda_texts())
def test_conda_spans_cover_what_is_written(case):
    text, items, pip = case
    doc = parse_conda(Path("environment.yml"), text)
    assert doc.problems == []
    check_document(doc, text, Kind.CONDA)
    written = [s for s, _ in items] + [s for s, _ in pip]
    assert [d.raw for d in doc.dependencies] == written
    for d in doc.dependencies:
        assert slice_of(text, d.span) == d.raw
