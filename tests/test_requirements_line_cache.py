"""parse_requirements reads a one-line requirement once (cached by its text, moved to its
line): what it gives must be what reading every line in place gives, for any text, also
when the same line reappears elsewhere (the cache then answers) or lines move."""

from __future__ import annotations

import random
from pathlib import Path

from fuzzing import random_text
from lint_env.sources.requirements import (
    LineResult,
    OffsetMap,
    Positions,
    _logical_lines,
    parse_requirement_line,
    parse_requirements,
)

PATH = Path("requirements.txt")


def in_place(text: str) -> LineResult:
    """Every logical line parsed where it lies in the whole text (no cache)."""
    pos = Positions(text)
    out = LineResult()
    for s, offs, _ in _logical_lines(text):
        if not s.strip():
            continue
        offs = tuple(offs)
        out.extend(parse_requirement_line(s, OffsetMap(pos, offs, (offs[0], offs[-1] + 1))))
    return out


def same(text: str) -> None:
    doc = parse_requirements(PATH, text)
    ref = in_place(text)
    assert doc.dependencies == ref.dependencies, text
    assert doc.includes == ref.includes, text
    assert doc.settings == ref.settings, text
    assert doc.problems == ref.problems, text


CASES = [
    "numpy==1.26.4\n",
    "\ufeffnumpy==1.26.4\r\nscipy>=1.0 # pinned\r\n",
    "numpy\n  numpy  \nnumpy\n",  # the same name at other columns
    'tensorflow-macos==2.12; sys_platform == "darwin" --hash=sha256:ab\n',
    "-r other.txt\n-c constraints.txt\n--index-url https://x.invalid/simple\n",
    "-e ./local[dev]\n./pkg.whl\ngit+https://h/r.git#egg=pkg\n",
    "pkg @ https://x.invalid/p.whl ; python_version < '3.9'\n",
    "numpy==\\\n1.26.4\nscipy\n",  # a continuation, then a one-line requirement
    "# comment \\\nnumpy\n",
    "numpy==1.x\n[broken\n--bogus\n${NAME}==1.0\npkg==${VERSION}\n",
    "a\rb\r\nc\n",
    "x" * 3000 + "==1\n",  # longer than the cached lines
]


def test_known_texts_read_as_in_place() -> None:
    for text in CASES:
        same(text)


def test_lines_that_move_read_as_in_place() -> None:
    body = "numpy==1.26.4\nh5py==3.1.0 # c\n-r more.txt\nbad line here\n"
    same(body)
    same("# a new first line\n" + body)  # every line one down: the cache gives moved copies
    same("\ufeff" + body)  # and one column right on the first line
    same(body.replace("\n", "\r\n"))


def test_generated_texts_read_as_in_place() -> None:
    rng = random.Random("line-cache")
    for _ in range(1500):
        text = random_text("requirements", rng)
        same(text)
        same("\n" + text)
