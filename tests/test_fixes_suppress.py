"""Text edits and inline suppressions (the same in the CLI and the editor)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_env.fixes import apply_edits, select_fixes
from lint_env.model import Document, Finding, Fix, Kind, Severity, Span, TextEdit
from lint_env.suppress import codes_on_line, is_suppressed, suppression_comment


def test_edits_apply_in_original_coordinates():
    text = "a==1\r\nb==2\r\nc\r\n"
    edits = [
        TextEdit(Span.on_line(0, 1, 4), ">=2"),
        TextEdit(Span.on_line(2, 1, 1), "==3"),
        TextEdit(Span(1, 0, 2, 0), ""),  # delete the whole second line
    ]
    assert apply_edits(text, edits) == "a>=2\r\nc==3\r\n"


def test_overlapping_edits_are_refused():
    with pytest.raises(ValueError):
        apply_edits(
            "abcdef", [TextEdit(Span.on_line(0, 0, 3), "x"), TextEdit(Span.on_line(0, 2, 4), "y")]
        )


def test_select_fixes_skips_overlaps():
    a = Fix("a", (TextEdit(Span.on_line(0, 0, 3), "x"),))
    b = Fix("b", (TextEdit(Span.on_line(0, 2, 5), "y"),))
    c = Fix("c", (TextEdit(Span.on_line(1, 0, 1), "z"),))
    assert select_fixes([a, b, c]) == [a, c]


@pytest.mark.parametrize(
    ("line", "codes"),
    [
        ("tensorflow-gpu  # lint-env: ignore[TF005]", {"TF005"}),
        ("x # lint-env: ignore[TF005, MT001]", {"TF005", "MT001"}),
        ("x # lint-env: ignore", set()),
        ("x # LINT-ENV:IGNORE[tf005]", {"TF005"}),
        ("x # noqa", None),
    ],
)
def test_suppression_syntax(line, codes):
    assert codes_on_line(line) == codes


def _finding(line: int, code: str = "TF005", cell: int | None = None) -> Finding:
    return Finding(Path("r.txt"), Span.on_line(line, 0, 3, cell), code, "n", Severity.ERROR, "m")


def test_suppression_applies_to_its_line_and_code_prefix():
    doc = Document(Path("r.txt"), Kind.REQUIREMENTS, "", lines=["a  # lint-env: ignore[TF]", "b"])
    assert is_suppressed(doc, _finding(0))
    assert not is_suppressed(doc, _finding(1))
    assert not is_suppressed(doc, _finding(0, "MT001"))


def test_suppression_in_notebook_cells():
    doc = Document(
        Path("n.ipynb"),
        Kind.NOTEBOOK,
        "",
        cells=[["import keras"], ["import x  # lint-env: ignore"]],
    )
    assert not is_suppressed(doc, _finding(0, cell=0))
    assert is_suppressed(doc, _finding(0, cell=1))


def test_suppression_comment_insertion():
    assert suppression_comment("numpy==1.0   ", "TF001") == (
        len("numpy==1.0"),
        "  # lint-env: ignore[TF001]",
    )
    line = "numpy  # lint-env: ignore[TF001]"
    col, text = suppression_comment(line, "WH001")
    assert line[:col] + text + line[col:] == "numpy  # lint-env: ignore[TF001, WH001]"
