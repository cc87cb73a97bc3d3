"""Where the strings that span lines are, and the block headers outside them, for the
fast import path of :mod:`.imports`, without tokenizing the whole file.

A string literal can only span lines if it is triple-quoted or a quoted string whose
line break is escaped (``"a\\<newline>b"``). Every other token (a one-line string, a
comment) ends before its line ends, so the start of any line that is not inside a
multi-line string is outside every token. :func:`multiline_strings` therefore jumps
from one *marker* (``\"\"\"``, ``'''``, a backslash before a line break) to the next
and tokenizes only from the start of the marker's line until it knows what the marker
is: the opening of a multi-line string, part of a one-line token (``"'''"``,
``# \"\"\"``), or a line continuation in code. The spans are those that tokenizing the
whole file with ``TOKEN_RX`` gives (tests/test_import_lexer.py compares the two).
"""

from __future__ import annotations

import re

# String literals and comments, each one match (so that quotes in comments and "#" in
# strings are not mistaken); an unterminated string runs to the end of its line (or, for
# triple quotes, of the text).
TOKEN_RX = re.compile(
    r'"""[^"\\]*(?:(?:\\.?|"(?!""))[^"\\]*)*(?:"""|\Z)'
    r"|'''[^'\\]*(?:(?:\\.?|'(?!''))[^'\\]*)*(?:'''|\Z)"
    r'|"[^"\\\r\n]*(?:\\(?:\r\n|.)?[^"\\\r\n]*)*"?'
    r"|'[^'\\\r\n]*(?:\\(?:\r\n|.)?[^'\\\r\n]*)*'?"
    r"|#[^\r\n]*",
    re.S,
)
# What every multi-line token holds at or after its start, on its first line.
_MARKER_RX = re.compile(r"\"\"\"|'''|\\[\r\n]")


def multiline_strings(text: str, end: int, start: int = 0) -> list[tuple[int, int]]:
    """(start, end) offsets of the string literals that span lines and start before
    ``end``, in order: those of ``TOKEN_RX.finditer(text)`` with a line break in them.
    ``start`` must be a position outside every token (0, or where such a span ends)."""
    spans: list[tuple[int, int]] = []
    search, finditer, rfind = _MARKER_RX.search, TOKEN_RX.finditer, text.rfind
    pos = start
    while True:
        marker = search(text, pos)
        if marker is None:
            return spans
        k = marker.start()
        line_start = max(rfind("\n", pos, k), rfind("\r", pos, k)) + 1
        pos = max(line_start, pos)
        if pos >= end:
            return spans
        for m in finditer(text, pos):
            a, b = m.span()
            if a >= end:
                return spans
            if b <= k:
                continue  # a token before the marker, on its line
            if a <= k:  # the token holds the marker
                token = m.group()
                if "\n" in token or "\r" in token:
                    spans.append((a, b))
                pos = b
            else:  # the marker is a line continuation in code
                pos = marker.end()
            break
        else:
            return spans


_KEYWORDS = r"(try|if|elif|else|except|finally|def|class|with|for|while|async|match|case)\b"
HEADER_RX = re.compile(r"\n([ \t\f]*)" + _KEYWORDS)


def header_matches(text: str, strings: list[tuple[int, int]]) -> list[re.Match]:
    """``HEADER_RX`` matches whose line start (group 1) is not inside one of ``strings``
    (every multi-line string of the text, in order): the regex runs over the text
    between them only."""
    if not strings:
        return list(HEADER_RX.finditer(text))
    found: list[re.Match] = []
    finditer = HEADER_RX.finditer
    pos = 0
    for a, b in strings:
        # Matches that start before ``a`` (their "\n" before it) end before it too: the
        # string starts with a quote, which is no part of a header's keyword.
        if a > pos:
            found.extend(finditer(text, pos, a))
        pos = max(pos, b - 1)  # a header may start right after the string's last "\n"
    found.extend(finditer(text, pos))
    return found
