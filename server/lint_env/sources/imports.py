"""Imports in Python files and in Jupyter notebooks.

``parse_python`` and ``parse_notebook`` never raise. Imports are statements, so the
walk visits statement bodies only (if/try/with/for/while/def/class/match), never
expressions; that is much cheaper than ``ast.walk``. Only files that mention
``__import__(`` or ``import_module(`` pay for a look inside expressions.

A file with a syntax error still yields the imports that can be found: it is parsed
again in top-level blocks, and a block that still fails is scanned line by line for
``import``/``from`` statements (each one parsed on its own). Syntax errors in user
code are not reported: that is the job of other tools.

Spans cover the module name as written: ``a.b`` in ``import a.b as c``, ``a.b`` in
``from a.b import c``, and the dots with the name (``..pkg``, ``.``) for relative
imports. Characters are code points, lines as ``split_lines`` counts them.
"""

from __future__ import annotations

import ast
import bisect
import functools
import gc
import itertools
import json
import re
import warnings
from collections.abc import Callable
from pathlib import Path

from ..lazy_re import LazyPattern
from ..model import Document, Import, Kind, Problem, Span
from .import_lexer import header_matches, multiline_strings
from .text import detect_newline, offset_table, split_lines

# Bump when the output of this module changes for some input (the import-scan cache
# stores parsed imports under this version).
PARSER_VERSION = 3

_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})
_DYNAMIC_RX = LazyPattern(r"__import__\s*\(|import_module\s*\(", 0, globals(), "_DYNAMIC_RX")
_SP = r"(?:[ \t\f]|\\\r\n|\\[\r\n])*"  # blanks and line continuations
_FROM_RX = LazyPattern(
    rf"from{_SP}((?:\.{_SP})*)((?!import\b)[^\W\d]\w*(?:{_SP}\.{_SP}[^\W\d]\w*)*)?",
    0,
    globals(),
    "_FROM_RX",
)
_LINE_IMPORT_RX = LazyPattern(
    r"[ \t\f]*(?:import|from)(?=[ \t\f\\(.])", 0, globals(), "_LINE_IMPORT_RX"
)
_TOP_CONTINUE = ("else", "elif", "except", "finally", "case")
_WS = " \t\f"
_MAX_STATEMENT_LINES = 5000  # a parenthesised import list longer than this is not read


class _Text:
    """The text being scanned: lines, line starts, and byte-to-character columns."""

    def __init__(self, text: str, lines: list[str], cell: int | None) -> None:
        self.text = text
        self.lines = lines
        self.cell = cell

    @functools.cached_property  # an attribute once computed (read per import)
    def starts(self) -> list[int]:
        if "\r" in self.text:
            return offset_table(self.text)
        # every line ends with one "\n": sums of lengths, at C speed
        lengths = map((1).__add__, map(len, self.lines[:-1]))
        return list(itertools.accumulate(lengths, initial=0))

    def char_col(self, line: int, byte_col: int) -> int:
        if not 0 <= line < len(self.lines):
            return 0
        row = self.lines[line]
        if row.isascii():
            return min(byte_col, len(row))
        return len(row.encode("utf-8", "surrogatepass")[:byte_col].decode("utf-8", "ignore"))

    def offset(self, line: int, col: int) -> int:
        starts = self.starts
        if line >= len(starts):
            return len(self.text)
        return starts[line] + col

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line, offset - self.starts[line]

    def span(self, start: int, end: int) -> Span:
        end = max(start, end)  # never reversed (a NUL where the dots should be, ...)
        line, col = self.position(start)
        end_line, end_col = self.position(end)
        return Span(line, col, end_line, end_col, self.cell)


class _Walker:
    """Collects imports from parsed statements.

    ``line0`` is the real line of the parsed source's first line and ``shift0`` the
    bytes removed from the start of that first line (indentation, a BOM).
    """

    def __init__(
        self, src: _Text, out: list[Import], line0: int, shift0: int, dynamic: list[int] | None
    ):
        self.src = src
        self.out = out
        self.line0 = line0
        self.shift0 = shift0
        self.dynamic = dynamic  # sorted real lines with __import__( / import_module( on them

    def pos(self, lineno: int, col: int) -> tuple[int, int]:
        line = self.line0 + lineno - 1
        if lineno == 1:
            col += self.shift0
        return line, self.src.char_col(line, col)

    def walk(self, body: list[ast.stmt], guarded: bool, tc: bool) -> None:
        for node in body:
            t = type(node)
            if t is ast.Import:
                self._import(node, guarded, tc)  # type: ignore[arg-type]
            elif t is ast.ImportFrom:
                self._import_from(node, guarded, tc)  # type: ignore[arg-type]
            elif t is ast.If:
                is_tc = _is_type_checking(node.test)  # type: ignore[attr-defined]
                if self.dynamic:
                    self._dynamic(node.test, guarded, tc)  # type: ignore[attr-defined]
                self.walk(node.body, guarded, tc or is_tc)  # type: ignore[attr-defined]
                self.walk(node.orelse, guarded, tc)  # type: ignore[attr-defined]
            elif t is ast.Try or t is getattr(ast, "TryStar", None):
                catches = _catches_import_error(node.handlers)  # type: ignore[attr-defined]
                self.walk(node.body, guarded or catches, tc)  # type: ignore[attr-defined]
                for handler in node.handlers:  # type: ignore[attr-defined]
                    self.walk(handler.body, guarded, tc)
                self.walk(node.orelse, guarded, tc)  # type: ignore[attr-defined]
                self.walk(node.finalbody, guarded, tc)  # type: ignore[attr-defined]
            elif t in _BLOCKS:
                self.walk(node.body, guarded, tc)  # type: ignore[attr-defined]
                orelse = getattr(node, "orelse", None)
                if orelse:
                    self.walk(orelse, guarded, tc)
                if self.dynamic and t is not ast.FunctionDef and t is not ast.ClassDef:
                    for field in ("iter", "test", "items"):
                        value = getattr(node, field, None)
                        if value is not None:
                            self._dynamic(value, guarded, tc)
            elif t is _MATCH:
                for case in node.cases:  # type: ignore[attr-defined]
                    self.walk(case.body, guarded, tc)
            elif self.dynamic:
                self._dynamic(node, guarded, tc)

    def _import(self, node: ast.Import, guarded: bool, tc: bool) -> None:
        for alias in node.names:
            line, col = self.pos(alias.lineno, alias.col_offset)
            name = alias.name
            row = self.src.lines[line] if line < len(self.src.lines) else ""
            if row[col : col + len(name)] == name:
                span = Span(line, col, line, col + len(name), self.src.cell)
            else:  # spaces around dots or a line continuation: find the name's end
                start = self.src.offset(line, col)
                end = _dotted_end(self.src.text, start)
                span = self.src.span(start, end)
            self.out.append(Import(name, span, 0, guarded, tc))

    def _import_from(self, node: ast.ImportFrom, guarded: bool, tc: bool) -> None:
        line, col = self.pos(node.lineno, node.col_offset)
        start = self.src.offset(line, col)
        m = _FROM_RX.match(self.src.text, start)
        module = node.module or ""
        if m is None:  # cannot happen for a parsed statement; keep a sane span anyway
            span = Span(line, col, line, col + 4, self.src.cell)
        elif node.level:
            dots_start = m.start(1)
            end = m.end(2) if m.group(2) is not None else _strip_end(self.src.text, m.end(1))
            span = self.src.span(dots_start, end)
        elif m.group(2) is not None:
            span = self.src.span(m.start(2), m.end(2))
        else:
            span = Span(line, col, line, col + 4, self.src.cell)
        self.out.append(Import(module, span, node.level or 0, guarded, tc))

    def _dynamic(self, node: ast.AST | list, guarded: bool, tc: bool) -> None:
        if isinstance(node, list):
            for item in node:
                self._dynamic(item, guarded, tc)
            return
        # Only statements on the lines where such a call is written are searched.
        lineno = getattr(node, "lineno", None)  # (a withitem has no position)
        if lineno is not None and self.dynamic is not None:
            first = self.line0 + lineno - 1
            last = self.line0 + (getattr(node, "end_lineno", None) or lineno) - 1
            k = bisect.bisect_left(self.dynamic, first)
            if k >= len(self.dynamic) or self.dynamic[k] > last:
                return
        for sub in ast.walk(node):
            if type(sub) is not ast.Call:
                continue
            func = sub.func  # type: ignore[attr-defined]
            name = (
                func.id
                if type(func) is ast.Name
                else func.attr
                if type(func) is ast.Attribute
                else None
            )
            if name not in ("__import__", "import_module") or not sub.args:  # type: ignore[attr-defined]
                continue
            arg = sub.args[0]  # type: ignore[attr-defined]
            if type(arg) is not ast.Constant or not isinstance(arg.value, str):
                continue
            if name == "import_module" and len(sub.args) > 1:  # type: ignore[attr-defined]
                continue  # relative to a package given at run time
            module = arg.value
            if not module or module.startswith(".") or not _is_dotted(module):
                continue
            line, col = self.pos(arg.lineno, arg.col_offset)
            end_line, end_col = self.pos(arg.end_lineno or arg.lineno, arg.end_col_offset or 0)
            # The span covers the string literal's text, quotes excluded when on one line.
            if end_line == line and end_col - col >= 2:
                span = Span(line, col + 1, line, end_col - 1, self.src.cell)
            else:
                span = Span(line, col, end_line, end_col, self.src.cell)
            self.out.append(Import(module, span, 0, guarded, tc))


_BLOCKS = frozenset(
    {
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.ClassDef,
        ast.With,
        ast.AsyncWith,
        ast.For,
        ast.AsyncFor,
        ast.While,
    }
)
_MATCH = getattr(ast, "Match", None)


def _is_dotted(name: str) -> bool:
    return all(part.isidentifier() for part in name.split("."))


def _dotted_end(text: str, start: int) -> int:
    m = re.compile(r"\w+(?:(?:\s|\\)*\.(?:\s|\\)*\w+)*").match(text, start)
    return m.end() if m else start


def _strip_end(text: str, end: int) -> int:
    while end > 0 and text[end - 1] in " \t\f\\\r\n":
        end -= 1
    return end


def _is_type_checking(test: ast.expr) -> bool:
    if type(test) is ast.Name:
        return test.id == "TYPE_CHECKING"
    if type(test) is ast.Attribute:
        return test.attr == "TYPE_CHECKING" and type(test.value) is ast.Name
    return False


def _catches_import_error(handlers: list[ast.ExceptHandler]) -> bool:
    for handler in handlers:
        kind = handler.type
        if kind is None:
            return True
        names = kind.elts if type(kind) is ast.Tuple else [kind]
        for n in names:
            ident = n.id if type(n) is ast.Name else n.attr if type(n) is ast.Attribute else None
            if ident in _IMPORT_ERRORS:
                return True
    return False


def _quiet() -> None:
    # Only the compiler's warnings about the parsed code (a SyntaxWarning, or the
    # DeprecationWarning of Python < 3.12): others stay visible, even in threads.
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)


def _parse(source: str) -> ast.Module | None:
    # The cyclic GC is paused while the tree is built: a syntax tree has no cycles, and
    # collections triggered by its many allocations make parsing about twice as slow.
    enabled = gc.isenabled()
    gc.disable()
    try:
        with warnings.catch_warnings():  # "invalid escape sequence" is not ours to print
            _quiet()
            return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None
    finally:
        if enabled:
            gc.enable()


def find_imports(text: str, lines: list[str], cell: int | None = None) -> list[Import]:
    """Every import in ``text`` (whose lines are ``lines``), in source order."""
    return scan_imports(text, lines, cell)[0]


def scan_imports(text: str, lines: list[str], cell: int | None = None) -> tuple[list[Import], bool]:
    """:func:`find_imports`, and whether the fast path (below) read them, or there was no
    ``import`` to read (the language server's incremental re-parse relies on it)."""
    if "import" not in text:
        return [], True
    src = _Text(text, lines, cell)
    if _fast_eligible(text):
        found = _fast_imports(src)
        if found is not None:
            return found, True
    return _ast_imports(src), False


def _ast_imports(src: _Text) -> list[Import]:
    """The reference walk: the whole file through ``ast``."""
    text = src.text
    out: list[Import] = []
    dynamic = None
    if "__import__" in text or "import_module" in text:
        dynamic = [src.position(m.start())[0] for m in _DYNAMIC_RX.finditer(text)] or None
    source, shift0 = text, 0
    if source.startswith("\ufeff"):
        source, shift0 = source[1:], 3
    if "\x00" in source:
        source = source.replace("\x00", " ")
    tree = _parse(source)
    if tree is not None:
        _Walker(src, out, 0, shift0, dynamic).walk(tree.body, False, False)
    else:
        _find_in_blocks(src, source, shift0, out, dynamic)
    out.sort(key=lambda i: (i.span.line, i.span.col))
    return out


# --- the fast path ------------------------------------------------------------------
#
# Parsing a whole file with ``ast`` builds every expression node; only import
# statements matter. The fast path finds the lines that start with ``import``/``from``
# outside strings (a small lexer that only needs to know where multi-line strings
# are), parses each such statement on its own, and reads the enclosing block headers
# (``try:`` with its ``except`` clauses, ``if TYPE_CHECKING:``) by indentation. Files
# with anything it does not model (an import after ``:`` or ``;`` on one line,
# ``__import__``/``import_module`` calls, a BOM, NUL characters, quotes or ``;`` on
# an import line) take the ``ast`` path. tests/test_sources_imports.py checks that
# both paths agree on real code (the standard library).

_ONE_LINER_RX = LazyPattern(r"[:;][ \t]*(?:import|from)\b", 0, globals(), "_ONE_LINER_RX")
# old Mac line ends: "^" does not see them
_BARE_CR_RX = LazyPattern(r"\r(?!\n)", 0, globals(), "_BARE_CR_RX")
# Line starts are found after a literal "\n" (much faster than "^" with re.M, which
# tries every position); the first line is matched on its own.
_CANDIDATE_RX = re.compile(r"\n[ \t\f]*(?:import|from)\b")
_CANDIDATE0_RX = re.compile(r"[ \t\f]*(?:import|from)\b")
_TRY_RX = LazyPattern(r"try[ \t]*:", 0, globals(), "_TRY_RX")
_TC_RX = LazyPattern(
    r"(?:el)?if[ \t]+(?:[A-Za-z_]\w*[ \t]*\.[ \t]*)?TYPE_CHECKING[ \t]*:", 0, globals(), "_TC_RX"
)
_HANDLER_NAME_RX = LazyPattern(r"[A-Za-z_]\w*", 0, globals(), "_HANDLER_NAME_RX")


@functools.lru_cache(maxsize=8192)
def _parse_statement(stmt: str) -> ast.Module | None:
    """One import statement (trees are only read, so equal statements share one)."""
    try:
        with warnings.catch_warnings():
            _quiet()
            return ast.parse(stmt)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def forget_parsed_statements() -> None:
    """Drop the statement trees kept for reuse (a big scan leaves thousands)."""
    _parse_statement.cache_clear()


def _fast_eligible(text: str) -> bool:
    if "\x00" in text:
        return False
    if text.startswith("\ufeff") or ("\r" in text and _BARE_CR_RX.search(text)):
        return False
    return not _has_one_liner(text)


def _has_one_liner(text: str) -> bool:
    """``_ONE_LINER_RX.search(text) is not None``, about five times faster: the regex
    tries every ":" and ";" of the file (Python code is full of them); this looks at each
    ``import``/``from`` (a fast substring search) and at what comes before it."""
    find, n = text.find, len(text)
    for word in ("import", "from"):
        i = find(word)
        while i != -1:
            j = i + len(word)
            if j == n or not (text[j].isalnum() or text[j] == "_"):  # the regex's \b
                k = i
                while k > 0 and text[k - 1] in " \t":
                    k -= 1
                if k > 0 and text[k - 1] in ":;":
                    return True
            i = find(word, j)
    return False


def _indent(row: str) -> int:
    return len(row) - len(row.lstrip(" \t\f"))


def _fast_imports(src: _Text) -> list[Import] | None:
    text = src.text
    candidates = [m.start() + 1 for m in _CANDIDATE_RX.finditer(text)]
    if _CANDIDATE0_RX.match(text):
        candidates.insert(0, 0)
    dynamic = []
    if "__import__" in text or "import_module" in text:
        dynamic = [m.start() for m in _DYNAMIC_RX.finditer(text)]
    if not candidates and not dynamic:
        return []
    strings = multiline_strings(text, len(text) if dynamic else candidates[-1])
    string_starts = [a for a, _ in strings]
    starts = src.starts
    lines = src.lines

    def in_string(offset: int) -> bool:
        k = bisect.bisect_right(string_starts, offset) - 1
        return k >= 0 and string_starts[k] < offset < strings[k][1]

    out: list[Import] = []
    by_ast: list[tuple[int, int]] = []  # line ranges read by ast (dynamic imports in them)
    if dynamic:
        found = _dynamic_blocks(src, dynamic, in_string, out)
        if found is None:
            return None
        by_ast = found
    by_ast_starts = [a for a, _ in by_ast]

    headers: _Headers | None = None
    done_until = -1
    for offset in candidates:
        if in_string(offset):
            continue
        line = bisect.bisect_right(starts, offset) - 1
        if by_ast:
            k = bisect.bisect_right(by_ast_starts, line) - 1
            if k >= 0 and line < by_ast[k][1]:
                continue
        if line <= done_until:
            continue  # inside a statement already read (a parenthesised import list)
        row = lines[line]
        if "'" in row or '"' in row or ";" in row:
            return None
        indent = _indent(row)
        stmt = [row[indent:]]
        depth = _depth(row)
        j = line + 1
        n = len(lines)
        while (depth > 0 or stmt[-1].rstrip().endswith("\\")) and j < n:
            if j - line >= _MAX_STATEMENT_LINES:
                break
            stmt.append(lines[j])
            depth += _depth(lines[j])
            j += 1
        tree = _parse_statement("\n".join(stmt))
        if tree is None:
            continue  # not an import statement after all (or a broken one)
        done_until = j - 1
        guarded = tc = False
        if indent:
            if headers is None:
                # The except clauses of a try may lie after the last candidate: know
                # every string of the file before reading headers.
                # (the spans so far end where tokenizing can go on)
                more_from = strings[-1][1] if strings else 0
                strings.extend(multiline_strings(text, len(text), more_from))
                string_starts[:] = [a for a, _ in strings]
                headers = _Headers(text, strings)
            guarded, tc = headers.context(line, indent)
        _Walker(src, out, line, indent, None).walk(tree.body, guarded, tc)
    if by_ast:
        out.sort(key=lambda i: (i.span.line, i.span.col))
    return out


def _dynamic_blocks(
    src: _Text, offsets: list[int], in_string: Callable[[int], bool], out: list[Import]
) -> list[tuple[int, int]] | None:
    """``__import__(``/``import_module(`` calls need expressions: the top-level blocks
    that contain them are parsed with ``ast`` (imports found there go to ``out``). Returns
    the line ranges of those blocks, or None when a block does not parse on its own."""
    lines, starts = src.lines, src.starts
    bounds = _top_level_starts(lines, starts, in_string)
    if not bounds or bounds[0] != 0:
        bounds.insert(0, 0)
    dyn_lines = sorted({bisect.bisect_right(starts, o) - 1 for o in offsets})
    ranges: list[tuple[int, int]] = []
    for ln in dyn_lines:
        k = bisect.bisect_right(bounds, ln) - 1
        block = (bounds[k], bounds[k + 1] if k + 1 < len(bounds) else len(lines))
        if not ranges or ranges[-1] != block:
            ranges.append(block)
    for a, b in ranges:
        tree = _parse("\n".join(lines[a:b]))
        if tree is None:
            return None
        _Walker(src, out, a, 0, dyn_lines).walk(tree.body, False, False)
    return ranges


def _top_level_starts(
    lines: list[str], starts: list[int], in_string: Callable[[int], bool]
) -> list[int]:
    """Lines that begin a top-level statement (decorators and their def/class together)."""
    bounds: list[int] = []
    in_decorators = False
    for i, row in enumerate(lines):
        if not row or row[0] in " \t\f#)]}" or in_string(starts[i]):
            continue
        parts = row.split(None, 1)
        if not parts:  # only whitespace str.split() knows (\x0b, \x1c, ...): not code
            continue
        word = parts[0].split(":", 1)[0]
        if word in _TOP_CONTINUE:
            continue
        decorator = row.startswith("@")
        if not in_decorators:
            bounds.append(i)
        in_decorators = decorator
    return bounds


_KEYWORDS = r"(try|if|elif|else|except|finally|def|class|with|for|while|async|match|case)\b"
_HEADER0_RX = LazyPattern(r"([ \t\f]*)" + _KEYWORDS, 0, globals(), "_HEADER0_RX")


class _Headers:
    """Lines that start with a compound-statement keyword (outside strings), to find the
    blocks around a statement: the nearest one above with less indentation encloses it.
    (In valid code any other line with less indentation would have closed the block.)"""

    def __init__(self, text: str, strings: list[tuple[int, int]]) -> None:
        self.text = text
        found = [
            (m.start(1), m.end(1) - m.start(1), m.group(2), m.end())
            for m in header_matches(text, strings)
        ]
        first = _HEADER0_RX.match(text)
        if first is not None:
            found.insert(0, (0, first.end(1), first.group(2), first.end()))
        self.offsets: list[int] = [f[0] for f in found]
        self.indents: list[int] = [f[1] for f in found]
        self.words: list[str] = [f[2] for f in found]
        self.ends: list[int] = [f[3] for f in found]
        self._lines: list[int] | None = None

    def line_numbers(self) -> list[int]:
        if self._lines is None:
            count = self.text.count
            lines: list[int] = []
            prev_off, prev_line = 0, 0
            for off in self.offsets:
                prev_line += count("\n", prev_off, off)
                prev_off = off
                lines.append(prev_line)
            self._lines = lines
        return self._lines

    def context(self, line: int, indent: int) -> tuple[bool, bool]:
        """(guarded, type_checking) for a statement at ``line`` indented by ``indent``."""
        guarded = tc = False
        k = bisect.bisect_left(self.line_numbers(), line) - 1
        while k >= 0 and indent > 0:
            ind = self.indents[k]
            if ind < indent:
                word = self.words[k]
                if word == "try" and _TRY_RX.match(self.text, self.offsets[k] + ind):
                    guarded = guarded or self._catches_import_error(k)
                elif word in ("if", "elif") and _TC_RX.match(self.text, self.offsets[k] + ind):
                    tc = True
                indent = ind
            k -= 1
        return guarded, tc

    def _catches_import_error(self, k: int) -> bool:
        """Do the ``except`` clauses of the ``try`` at header ``k`` catch ImportError?"""
        indent = self.indents[k]
        for i in range(k + 1, len(self.offsets)):
            ind = self.indents[i]
            if ind > indent:
                continue
            if ind < indent or self.words[i] != "except":
                return False
            end = self.text.find(":", self.ends[i])
            clause = self.text[self.ends[i] : end if end != -1 else len(self.text)]
            clause = clause.lstrip("* \t").split(" as ", 1)[0]
            names = _HANDLER_NAME_RX.findall(clause)
            if not names or any(name in _IMPORT_ERRORS for name in names):
                return True
        return False


def _find_in_blocks(
    src: _Text, source: str, shift0: int, out: list[Import], dynamic: list[int] | None
):
    """A file that does not parse: parse each top-level block on its own."""
    rows = split_lines(source)
    starts = [i for i, row in enumerate(rows) if _starts_block(row)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    starts.append(len(rows))
    for a, b in itertools.pairwise(starts):
        chunk = "\n".join(rows[a:b])
        if "import" not in chunk:
            continue
        tree = _parse(chunk)
        if tree is not None:
            _Walker(src, out, a, shift0 if a == 0 else 0, dynamic).walk(tree.body, False, False)
        else:
            _find_in_lines(src, rows, a, b, shift0, out)


def _starts_block(row: str) -> bool:
    if not row or row[0] in " \t\f#)]}":
        return False
    parts = row.split(None, 1)
    if not parts:  # a row of only whitespace str.split() knows (\x0b, \x1c, ...)
        return False
    return parts[0].rstrip(":") not in _TOP_CONTINUE


def _find_in_lines(src: _Text, rows: list[str], a: int, b: int, shift0: int, out: list[Import]):
    """Last resort: each line that starts an import statement, parsed on its own."""
    i = a
    while i < b:
        row = rows[i]
        m = _LINE_IMPORT_RX.match(row)
        if m is None:
            i += 1
            continue
        indent = len(row) - len(row.lstrip(_WS))
        stmt = [row[indent:]]
        depth = _depth(row)
        j = i + 1
        while (
            j < b
            and j - i < _MAX_STATEMENT_LINES
            and (depth > 0 or stmt[-1].rstrip().endswith("\\"))
        ):
            stmt.append(rows[j])
            depth += _depth(rows[j])
            j += 1
        tree = _parse("\n".join(stmt))
        if tree is not None:
            extra = shift0 if i == 0 else 0
            _Walker(src, out, i, indent + extra, None).walk(tree.body, False, False)
            i = j
        else:
            i += 1


def _depth(row: str) -> int:
    code = row.split("#", 1)[0]
    return code.count("(") - code.count(")")


def parse_python(path: Path, text: str) -> Document:
    return parse_python_scanned(path, text)[0]


def parse_python_scanned(path: Path, text: str) -> tuple[Document, bool]:
    """:func:`parse_python`, and whether the fast path read the imports (scan_imports)."""
    lines = split_lines(text)
    imports, fast = scan_imports(text, lines)
    return python_document(path, text, lines, imports), fast


def python_document(path: Path, text: str, lines: list[str], imports: list[Import]) -> Document:
    return Document(
        path=path,
        kind=Kind.PYTHON,
        text=text,
        imports=imports,
        lines=lines,
        newline=detect_newline(text),
    )


# --- notebooks --------------------------------------------------------------------

# Cell magics whose body is Python (only the magic line is blanked); any other cell
# magic (%%bash, %%writefile, %%html ...) makes the cell not Python at all.
_PYTHON_CELL_MAGICS = frozenset(
    {"time", "timeit", "capture", "prun", "debug", "profile", "memit", "python", "python3"}
)
_MAGIC_LINE_RX = LazyPattern(
    r"[ \t]*(?:[%!?]|\w[\w.]*\s*=\s*[%!]|[\w.]+\?{1,2}[ \t]*$)", 0, globals(), "_MAGIC_LINE_RX"
)


def parse_notebook(path: Path, text: str) -> Document:
    """A Jupyter notebook: imports from code cells, spans with ``cell`` = the index of
    the cell among all cells and the line within that cell."""
    doc = Document(
        path=path,
        kind=Kind.NOTEBOOK,
        text=text,
        lines=split_lines(text),
        cells=[],
        newline=detect_newline(text),
    )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        # json counts lines by "\n" only; the document's lines also break at "\r":
        # place the problem from the character offset so it stays inside the file.
        line, col = _line_col(text, doc.lines, exc.pos)
        doc.problems.append(Problem(Span.point(line, col), f"invalid notebook JSON: {exc.msg}"))
        return doc
    except (RecursionError, ValueError) as exc:
        doc.problems.append(Problem(Span.point(0), f"invalid notebook JSON: {exc}"))
        return doc
    cells, key = _notebook_cells(data)
    if cells is None:
        doc.problems.append(Problem(Span.point(0), "not a Jupyter notebook: no list of cells"))
        return doc
    doc.python = _kernel_python(data, cells)
    assert doc.cells is not None
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            doc.cells.append([])
            continue
        source = _cell_source(cell.get(key, cell.get("source", "")))
        cell_lines = split_lines(source)
        doc.cells.append(cell_lines)
        _install_lines(doc, cell_lines, index)
        masked = _mask_magics(cell_lines)
        if masked is None:
            continue
        doc.imports.extend(find_imports("\n".join(masked), masked, cell=index))
    return doc


def _install_lines(doc: Document, cell_lines: list[str], index: int) -> None:
    """``!pip install`` / ``%conda install`` lines: the notebook's own declarations."""
    if not any("install" in row for row in cell_lines):
        return
    from .notebook_installs import parse_install_line

    for line_no, row in enumerate(cell_lines):
        if "install" not in row:
            continue
        found = parse_install_line(row, line_no, index)
        if found is not None:
            deps, includes, problems = found
            doc.dependencies += deps
            doc.includes += includes
            doc.problems += problems


def _kernel_python(data: dict, cells: list) -> tuple[str, Span] | None:
    """The Python the notebook last ran with (nbformat's ``metadata.language_info.version``)
    as a ``==X.Y.*`` pin: its install cells install into that interpreter."""
    meta = data.get("metadata")
    info = meta.get("language_info") if isinstance(meta, dict) else None
    version = info.get("version") if isinstance(info, dict) else None
    if not isinstance(version, str) or info.get("name", "python") != "python":
        return None
    m = re.match(r"(3)\.(\d{1,2})(?:\.|$)", version.strip())
    if m is None or int(m.group(2)) < 8:
        # Older kernels (Colab's 3.6/3.7) say where it last ran, not what it will run
        # on: CPython for macOS arm64 starts at 3.8, and 3.7 is end-of-life.
        return None
    first = next(
        (i for i, c in enumerate(cells) if isinstance(c, dict) and c.get("cell_type") == "code"),
        None,
    )
    return f"=={m.group(1)}.{m.group(2)}.*", Span.point(0, 0, first)


def _line_col(text: str, lines: list[str], offset: int) -> tuple[int, int]:
    """(line, col) of a character offset, with the line breaking of ``split_lines``."""
    starts = offset_table(text)
    offset = max(0, min(offset, len(text)))
    line = max(0, min(bisect.bisect_right(starts, offset) - 1, len(lines) - 1))
    return line, max(0, min(offset - starts[line], len(lines[line])))


def _notebook_cells(data: object) -> tuple[list | None, str]:
    if not isinstance(data, dict):
        return None, "source"
    cells = data.get("cells")
    if isinstance(cells, list):
        return cells, "source"
    sheets = data.get("worksheets")  # nbformat 3
    if isinstance(sheets, list) and sheets and isinstance(sheets[0], dict):
        cells = sheets[0].get("cells")
        if isinstance(cells, list):
            return cells, "input"
    return None, "source"


def _cell_source(source: object) -> str:
    if isinstance(source, str):
        return source
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return ""


def _mask_magics(lines: list[str]) -> list[str] | None:
    """The cell's lines with IPython magics and shell escapes replaced by ``pass``
    (same indentation, so line numbers and blocks stay); None for a non-Python cell."""
    out = list(lines)
    first = next((i for i, row in enumerate(lines) if row.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].lstrip()[2:].split(None, 1)
        if not magic or magic[0] not in _PYTHON_CELL_MAGICS:
            return None
        out[first] = ""
    mask: Callable[[str], str] = lambda row: row[: len(row) - len(row.lstrip())] + "pass"  # noqa: E731
    for i, row in enumerate(out):
        if row and _MAGIC_LINE_RX.match(row):
            out[i] = mask(row)
    return out
