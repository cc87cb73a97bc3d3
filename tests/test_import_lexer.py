"""The marker-driven string lexer of the fast import path gives what tokenizing the
whole file gives (the reference below), on real code and on generated quote soup."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lint_env.sources.import_lexer import HEADER_RX, TOKEN_RX, header_matches, multiline_strings


def reference_strings(text: str, end: int) -> list[tuple[int, int]]:
    """Every token of the text, in order; those before ``end`` with a line break."""
    spans = []
    for m in TOKEN_RX.finditer(text):
        if m.start() >= end:
            break
        if "\n" in m.group() or "\r" in m.group():
            spans.append(m.span())
    return spans


def reference_headers(text: str, strings: list[tuple[int, int]]) -> list[tuple]:
    inside = lambda o: any(a < o < b for a, b in strings)  # noqa: E731
    return [m.span() + m.span(1) for m in HEADER_RX.finditer(text) if not inside(m.start(1))]


def check(text: str) -> None:
    whole = reference_strings(text, len(text))
    assert multiline_strings(text, len(text)) == whole
    ends = {0, 1, len(text) // 2, len(text) - 1, *(a for a, _ in whole), *(a + 1 for a, _ in whole)}
    for end in sorted(e for e in ends if 0 <= e <= len(text)):
        prefix = multiline_strings(text, end)
        assert prefix == reference_strings(text, end), end
        # going on from where a prefix's last span ends gives the rest
        more = multiline_strings(text, len(text), prefix[-1][1] if prefix else 0)
        assert prefix + more == whole, end
    got = [m.span() + m.span(1) for m in header_matches(text, whole)]
    assert got == reference_headers(text, whole)


_PARTS = [
    '"""', "'''", '"', "'", "\\", "\n", "\r\n", "\r", "#", " ", "x", "if", "try:",
    "\n    def", "\nclass", "\n\telse", "import", "\\\n", "\\\r\n", '""', "''",
]  # fmt: skip


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PARTS), max_size=30).map("".join))
@example('"a\\\nif x"\nif y: pass')
@example('x = "a\\\n\nif"')
@example("'''\n'''\"\"\"\n\"\"\"\nif z:")
@example("# '''\nif a:\n'''\nif b:'''")
@example('"""unterminated\nif a:')
@example("s = 'a\\\r\nb'\r\nif c:")
def test_lexer_agrees_with_tokenizing_everything_on_generated_text(text: str):
    check(text)


def _real_files() -> list[Path]:
    folder = Path(os.__file__).parent
    return sorted(folder.rglob("*.py"))[::5][:600]


@pytest.mark.parametrize("chunk", range(4))
def test_lexer_agrees_on_real_code(chunk: int):
    files = _real_files()[chunk::4]
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        whole = reference_strings(text, len(text))
        assert multiline_strings(text, len(text)) == whole, path
        half = len(text) // 2
        assert multiline_strings(text, half) == reference_strings(text, half), path
        got = [m.span() + m.span(1) for m in header_matches(text, whole)]
        assert got == reference_headers(text, whole), path
    assert len(files) > 100
