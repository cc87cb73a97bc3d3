"""pip requirements files (``requirements*.txt``, ``*.in``, constraints files).

The parser follows pip's own reading order: ``\\`` continuations are joined first
(a comment line ends a continuation), then comments (``#`` at the start or after
whitespace) are removed, then each logical line is either an option line (it starts
with ``-``) or a requirement followed by per-requirement options (``--hash``).

Every character of a logical line keeps its absolute offset in the file, so spans
stay exact across continuations. The same line reader is used for the ``pip:`` list
of a conda environment file and for PEP 508 strings in pyproject.toml.

Includes (``-r``/``-c``) are recorded, never resolved here (the engine resolves them
and expands ``${NAME}`` in their file names as pip does); in requirements ``${VAR}``
references are kept as written; nothing named in the file is fetched.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from ..lazy_re import LazyPattern
from ..model import Dependency, Document, Include, Kind, Problem, Setting, Span
from ..names import canonicalize_name
from .text import offset_table, split_lines

TYPE_CHECKING = False  # typing itself is not imported
if TYPE_CHECKING:
    from packaging.requirements import Requirement

__all__ = [
    "LineResult",
    "OffsetMap",
    "Positions",
    "parse_pep508",
    "parse_requirement_line",
    "parse_requirements",
    "quoted",
]

# --- positions ----------------------------------------------------------------


class Positions:
    """Absolute string offsets -> (line, col), with the line breaking of split_lines."""

    def __init__(self, text: str, lines: list[str] | None = None) -> None:
        self.text = text
        self.lines = lines if lines is not None else split_lines(text)
        self.starts = offset_table(text)

    def at(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        line = max(0, min(line, len(self.lines) - 1))
        col = max(0, min(offset - self.starts[line], len(self.lines[line])))
        return line, col

    def span(self, start: int, end: int) -> Span:
        end = max(start, end)
        line, col = self.at(start)
        end_line, end_col = self.at(end)
        return Span(line, col, end_line, end_col)


@dataclass(frozen=True)
class OffsetMap:
    """Where the characters of a logical string lie in the file.

    ``offsets[i]`` is the absolute offset of character ``i`` and ``ends[i]`` where its
    source ends (an escape such as ``\\"`` is two characters for one; None: one each).
    When ``offsets`` is None (a folded or multi-line YAML/TOML string) every sub-span is
    the whole ``whole`` span and nothing in it can be edited.

    ``quoting`` says how text written into the string must be encoded: "" as is (a
    requirements file), '"' a TOML basic or YAML double-quoted string (escape ``\\``
    and ``"``), "'" a TOML literal string (no ``'``), "''" a YAML single-quoted string
    (``'`` doubled), "yaml" a YAML plain scalar; None: no edits.
    """

    pos: Positions
    offsets: tuple[int, ...] | None
    whole: tuple[int, int]
    ends: tuple[int, ...] | None = None
    quoting: str | None = ""

    @classmethod
    def direct(cls, pos: Positions, start: int, length: int, quoting: str = "") -> OffsetMap:
        return cls(pos, tuple(range(start, start + length)), (start, start + length), None, quoting)

    @property
    def editable(self) -> bool:
        return self.offsets is not None and self.quoting is not None

    def _end(self, i: int) -> int:
        assert self.offsets is not None
        return self.ends[i] if self.ends is not None else self.offsets[i] + 1

    def span(self, a: int, b: int) -> Span:
        """The span of logical characters ``[a, b)``."""
        if self.offsets is None or not self.offsets:
            return self.pos.span(*self.whole)
        n = len(self.offsets)
        a = max(0, min(a, n))
        b = max(a, min(b, n))
        if a == n:
            end = self._end(n - 1)
            return self.pos.span(end, end)
        if a == b:
            return self.pos.span(self.offsets[a], self.offsets[a])
        return self.pos.span(self.offsets[a], self._end(b - 1))


@dataclass
class LineResult:
    """What one logical requirements line declares."""

    dependencies: list[Dependency] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    settings: list[Setting] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def extend(self, other: LineResult) -> None:
        self.dependencies += other.dependencies
        self.includes += other.includes
        self.settings += other.settings
        self.problems += other.problems


# --- options --------------------------------------------------------------------

# Option lines: long name -> (short names, takes a value).
_LINE_OPTIONS: dict[str, tuple[tuple[str, ...], bool]] = {
    "--requirement": (("-r",), True),
    "--constraint": (("-c",), True),
    "--editable": (("-e",), True),
    "--index-url": (("-i",), True),
    "--extra-index-url": ((), True),
    "--no-index": ((), False),
    "--find-links": (("-f",), True),
    "--no-binary": ((), True),
    "--only-binary": ((), True),
    "--prefer-binary": ((), False),
    "--require-hashes": ((), False),
    "--pre": ((), False),
    "--trusted-host": ((), True),
    "--use-feature": ((), True),
}
# Options allowed after a requirement on the same line.
_REQ_OPTIONS: dict[str, tuple[tuple[str, ...], bool]] = {
    "--hash": ((), True),
    "--global-option": ((), True),
    "--config-settings": (("-C",), True),
}
_SHORT = {
    s: long
    for table in (_LINE_OPTIONS, _REQ_OPTIONS)
    for long, (ss, _) in table.items()
    for s in ss
}
_INCLUDE_OPTIONS = {"--requirement": False, "--constraint": True}

_COMMENT_LINE = LazyPattern(r"\s*#", 0, globals(), "_COMMENT_LINE")
_COMMENT = re.compile(r"(?:^|(?<=\s))#")
_ENV_VAR = LazyPattern(r"\$\{[A-Za-z0-9_]+\}", 0, globals(), "_ENV_VAR")
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_URL_SCHEME = re.compile(
    r"(?:https?|ftp|file|(?:git|hg|svn|bzr)\+[A-Za-z][A-Za-z0-9+.-]*|git|svn|hg|bzr):",
    re.IGNORECASE,
)
_EGG = LazyPattern(r"[#&]egg=([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)", 0, globals(), "_EGG")
_ARCHIVE = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip")
# The requirements whose reading needs no parser: a name, then nothing or comma-separated
# `OP VERSION` clauses with distinct operators, plain release numbers (no `.*`, no
# pre/post/dev/local part, no epoch), no whitespace, extras, marker or URL. Every such
# string is a valid PEP 508 requirement, and what packaging's Requirement makes of it
# (the name as written, no extras, one specifier per clause) is what :func:`_simple`
# returns (tests/test_sources_requirements.py compares both readings on generated
# strings; tests/version_logic_cases.py under each supported packaging release). Anything
# else goes to packaging, whose import is a large part of a small project's cold check.
_SIMPLE_CLAUSE = r"(?:==|!=|<=|>=|~=|<|>)[0-9]{1,16}(?:\.[0-9]{1,16})*"
_SIMPLE = re.compile(
    rf"([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)((?:{_SIMPLE_CLAUSE})(?:,{_SIMPLE_CLAUSE})*)?",
    re.ASCII,
)
_PEP508_URL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\s*(?:\[[^\]]*\])?\s*@")


def quoted(text: str, limit: int = 120) -> str:
    """``repr`` of text echoed in a message, shortened: a finding is one readable line."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "..."


def _tokens(s: str) -> list[tuple[int, int]]:
    """Whitespace-separated tokens of ``s`` as (start, end) index pairs."""
    return [(t.start(), t.end()) for t in re.finditer(r"\S+", s)]


def _unquote(s: str, a: int, b: int) -> tuple[int, int]:
    if b - a >= 2 and s[a] == s[b - 1] and s[a] in "'\"":
        return a + 1, b - 1
    return a, b


# --- one requirement --------------------------------------------------------------


def _looks_like_path(req: str) -> bool:
    if req.startswith((".", "/", "~", "\\")) or re.match(r"[A-Za-z]:[\\/]", req):
        return True
    if _PEP508_URL.match(req):
        return False
    head = re.split(r"\s*;\s", req, maxsplit=1)[0]
    return "/" in head or "\\" in head or head.lower().endswith(_ARCHIVE)


def _direct(
    s: str, m: OffsetMap, a: int, b: int, *, editable: bool, source: str, key: str
) -> Dependency | Setting:
    """A URL or path requirement (pip's non-PEP 508 form)."""
    text = s[a:b]
    marker = None
    # pip splits a URL's marker at "; " and a path's at ";".
    cut = re.search(r";\s" if key == "url" else ";", text)
    end = b
    if cut:
        marker = text[cut.end() :].strip() or None
        end = a + cut.start()
        while end > a and s[end - 1].isspace():
            end -= 1
    url = s[a:end]
    egg = _EGG.search(url)
    span = m.span(a, b)
    if not egg:
        return Setting("editable" if editable else key, url, span)
    na, nb = a + egg.start(1), a + egg.end(1)
    return Dependency(
        name=canonicalize_name(egg.group(1)),
        span=span,
        name_span=m.span(na, nb),
        raw=s[a:b],
        url=url,
        marker=marker,
        editable=editable,
        source=source,
        quoting=m.quoting if m.editable else None,
    )


@lru_cache(maxsize=16384)
def _requirement(text: str) -> Requirement:
    """packaging's parse, cached: an editor re-parses the same lines on every keystroke.
    (Callers only read the result.) Errors are not cached; they raise each time."""
    from packaging.requirements import Requirement

    return Requirement(text)


def _simple(req: str) -> tuple[str, str] | None:
    """(name as written, specifier) of a requirement in the subset :data:`_SIMPLE`
    describes, None for every other string (packaging reads those)."""
    m = _SIMPLE.fullmatch(req)
    if m is None:
        return None
    spec = m.group(2) or ""
    if spec:
        ops = set()
        for clause in spec.split(","):
            op = clause[:2] if clause[1] == "=" else clause[:1]
            if op in ops or (op == "~=" and "." not in clause):
                return None  # packaging merges equal clauses; `~=1` is invalid
            ops.add(op)
    return m.group(1), spec


def parse_pep508(
    s: str,
    m: OffsetMap,
    a: int,
    b: int,
    *,
    source: str = "pip",
    editable: bool = False,
    allow_direct: bool = True,
) -> Dependency | Setting | Problem:
    """Read the requirement ``s[a:b]`` (already stripped of comments and options)."""
    while a < b and s[a].isspace():
        a += 1
    while b > a and s[b - 1].isspace():
        b -= 1
    req = s[a:b]
    span = m.span(a, b)
    if not req:
        return Problem(span, "empty requirement")
    if allow_direct and _URL_SCHEME.match(req):
        return _direct(s, m, a, b, editable=editable, source=source, key="url")
    if allow_direct and (editable or _looks_like_path(req)):
        return _direct(s, m, a, b, editable=editable, source=source, key="path")
    name_m = _NAME.match(req)
    if not name_m:
        if req.startswith("${"):
            # The name itself comes from the environment: nothing to check.
            return Setting("unresolved", req, span)
        return Problem(span, f"cannot parse requirement {quoted(req)}: expected a package name")
    i = name_m.end()
    n = len(req)

    def skip_ws(k: int) -> int:
        while k < n and req[k].isspace():
            k += 1
        return k

    extras: list[str] = []
    i = skip_ws(i)
    if i < n and req[i] == "[":
        close = req.find("]", i)
        if close != -1:
            extras = [e.strip() for e in req[i + 1 : close].split(",") if e.strip()]
            i = skip_ws(close + 1)
    url: str | None = None
    spec_a = spec_b = i
    marker_a: int | None = None
    if i < n and req[i] == "@":
        ua = skip_ws(i + 1)
        ub = ua
        while ub < n and not req[ub].isspace():
            ub += 1
        url = req[ua:ub]
        semi = req.find(";", ub)
        if semi != -1:
            marker_a = semi + 1
    else:
        semi = req.find(";", i)
        spec_b = semi if semi != -1 else n
        if semi != -1:
            marker_a = semi + 1
        while spec_b > spec_a and req[spec_b - 1].isspace():
            spec_b -= 1
    marker = req[marker_a:].strip() if marker_a is not None else None

    simple = _simple(req)
    if simple is not None:
        name, specifier = simple
    else:
        # ${VAR}: "0" keeps a version valid, "x" keeps a URL or marker string valid.
        dynamic_spec = "${" in req[spec_a:spec_b]

        def mask(mt: re.Match[str]) -> str:
            inside = spec_a <= mt.start() < spec_b
            return ("0" if inside else "x") * len(mt.group())

        try:
            parsed = _requirement(_ENV_VAR.sub(mask, req))
        except Exception as exc:
            from packaging.requirements import InvalidRequirement

            if not isinstance(exc, InvalidRequirement):  # pragma: no cover - packaging raises that
                return Problem(span, f"cannot parse requirement {quoted(req)}: {exc}")
            if "${" in req[: name_m.end() + 2]:
                return Setting("unresolved", req, span)
            detail = str(exc).splitlines()[0] if str(exc) else "invalid requirement"
            return Problem(span, f"cannot parse requirement {quoted(req)}: {detail}")
        if not extras and parsed.extras:
            extras = sorted(parsed.extras)
        name = parsed.name
        specifier = "" if dynamic_spec else _normal_spec(req[spec_a:spec_b], parsed)
    has_spec = spec_b > spec_a and url is None
    return Dependency(
        name=canonicalize_name(name),
        span=span,
        name_span=m.span(a + name_m.start(), a + name_m.end()),
        raw=req,
        specifier=specifier,
        specifier_span=m.span(a + spec_a, a + spec_b) if has_spec else None,
        extras=tuple(extras),
        marker=marker or None,
        url=url,
        editable=editable,
        source=source,
        quoting=m.quoting if m.editable else None,
    )


def _normal_spec(written: str, parsed: Requirement) -> str:
    """The specifier in the order written, without spaces or parentheses."""
    if not parsed.specifier:
        return ""
    spec = re.sub(r"\s+", "", written)
    if spec.startswith("(") and spec.endswith(")"):
        spec = spec[1:-1]
    if len(spec.split(",")) != len(parsed.specifier):  # pragma: no cover - defensive
        return str(parsed.specifier)
    return spec


# --- one logical line -------------------------------------------------------------


def _option_name(tok: str) -> tuple[str | None, str | None, int]:
    """(long option name, inline value, index where the value starts) of an option token."""
    if tok.startswith("--"):
        name, eq, value = tok.partition("=")
        if name in _LINE_OPTIONS or name in _REQ_OPTIONS:
            return name, (value if eq else None), len(name) + 1
        return None, None, 0
    short = tok[:2]
    if short in _SHORT:
        rest = tok[2:]
        if rest.startswith("="):
            return _SHORT[short], rest[1:], 3
        return _SHORT[short], (rest or None), 2
    return None, None, 0


def parse_requirement_line(s: str, m: OffsetMap, *, source: str = "pip") -> LineResult:
    """Read one logical line (comments already removed, continuations joined)."""
    out = LineResult()
    toks = _tokens(s)
    if not toks:
        return out
    first = 0
    while first < len(toks) and not s[toks[first][0]].startswith("-"):
        first += 1
    if first:
        req_end = toks[first - 1][1]
        res = parse_pep508(s, m, toks[0][0], req_end, source=source)
        _add(out, res)
        table = _REQ_OPTIONS
    else:
        table = _LINE_OPTIONS
    k = first
    while k < len(toks):
        ta, tb = toks[k]
        tok = s[ta:tb]
        name, value, voff = _option_name(tok)
        if name is None or name not in table:
            where = "after a requirement" if first else "here"
            if name is not None:
                msg = f"option {tok.split('=', 1)[0]} is not allowed {where}"
            elif tok.startswith("-"):
                msg = f"unknown pip option {tok.split('=', 1)[0]!r}"
            else:
                msg = f"unexpected text {quoted(tok)} after options"
            out.problems.append(Problem(m.span(ta, tb), msg))
            if name is not None or tok.startswith("-"):
                break  # the option may take a value: one problem for the rest of the line
            k += 1
            continue
        takes_value = table[name][1]
        include = name in _INCLUDE_OPTIONS
        if not takes_value:
            if value is not None:
                out.problems.append(Problem(m.span(ta, tb), f"option {name} takes no value"))
            else:
                out.settings.append(Setting(name, "", m.span(ta, tb)))
            k += 1
            continue
        if value is not None:
            va, vb = ta + voff, tb
            end = tb
            k += 1
        elif k + 1 < len(toks):
            if name == "--editable":
                # -e takes the rest up to the next option (a path may be followed by a marker).
                j = k + 1
                while j + 1 < len(toks) and not s[toks[j + 1][0]].startswith("-"):
                    j += 1
                va, vb = toks[k + 1][0], toks[j][1]
                k = j + 1
            else:
                va, vb = toks[k + 1]
                k += 2
            end = vb
        else:
            code = "LE002" if include else "LE001"
            out.problems.append(Problem(m.span(ta, tb), f"option {name} needs a value", code))
            k += 1
            continue
        va, vb = _unquote(s, va, vb)
        value = s[va:vb]
        if include:
            if not value:
                out.problems.append(
                    Problem(m.span(ta, end), f"option {name} needs a file name", "LE002")
                )
            else:
                out.includes.append(Include(value, m.span(va, vb), _INCLUDE_OPTIONS[name]))
        elif name == "--editable":
            _add(out, parse_pep508(s, m, va, vb, source=source, editable=True))
        elif table is _LINE_OPTIONS or name == "--hash":  # --hash: hash-checking mode
            out.settings.append(Setting(name, value, m.span(ta, end)))
    return out


def _add(out: LineResult, res: Dependency | Setting | Problem) -> None:
    if isinstance(res, Dependency):
        out.dependencies.append(res)
    elif isinstance(res, Setting):
        out.settings.append(res)
    else:
        out.problems.append(res)


# --- the file ---------------------------------------------------------------------


def _logical_lines(
    text: str, lines: list[str] | None = None, starts: list[int] | None = None
) -> list[tuple[str, tuple[int, ...], tuple[int, int] | None]]:
    """pip's join_lines + ignore_comments, keeping every character's offset. The third
    item is (line, column) of the first character when the logical line is one physical
    line (its characters then lie at consecutive offsets), None for joined lines.
    ``lines``/``starts``: split_lines(text) and offset_table(text) when the caller has them."""
    if lines is None:
        lines = split_lines(text)
    if starts is None:
        starts = offset_table(text)
    result: list[tuple[str, tuple[int, ...], tuple[int, int] | None]] = []
    chars: list[str] = []
    offs: list[int] = []

    def flush() -> None:
        if chars:
            s = "".join(chars)
            cm = _COMMENT.search(s)
            if cm:
                s = s[: cm.start()]
            result.append((s, tuple(offs[: len(s)]), None))
        chars.clear()
        offs.clear()

    search = _COMMENT.search
    for number, line in enumerate(lines):
        start = starts[number]
        col = 0
        if number == 0 and line.startswith("\ufeff"):
            line = line[1:]
            start = col = 1
        if not chars and not line.endswith("\\"):
            # One physical line (most lines): its characters lie at start, start + 1, ...
            if "#" in line:
                cm = search(line)
                if cm:
                    line = line[: cm.start()]
            result.append((line, range(start, start + len(line)), (number, col)))  # type: ignore[arg-type]
        elif _COMMENT_LINE.match(line) or not line.endswith("\\"):
            chars.extend(line)
            offs.extend(range(start, start + len(line)))
            flush()
        else:
            body = line.rstrip("\\")
            chars.extend(body)
            offs.extend(range(start, start + len(body)))
    flush()
    return result


_CACHED_LINE = 2000  # longer lines are parsed each time (the cache holds its keys)


@lru_cache(maxsize=16384)
def _one_line(s: str) -> LineResult:
    """``s`` read as if it were line 0 of a file, cached by its text: an editor re-parses
    the same lines on every keystroke (and every quick fix is verified by a re-parse).
    Shared: callers only read it (_placed moves copies of it to their line)."""
    pos = Positions(s, [s])
    return parse_requirement_line(s, OffsetMap.direct(pos, 0, len(s)))


@lru_cache(maxsize=16384)
def _placed(s: str, line: int, col: int) -> LineResult:
    """_one_line's result on ``line`` from column ``col``, cached too: unchanged lines of an
    edited buffer keep their place. Shared: callers only read it (see :func:`placed`)."""
    return _shifted(_one_line(s), line, col)


def placed(s: str, line: int, col: int) -> LineResult:
    """:func:`_placed` with dependencies of this document's own: the engine tells
    dependencies apart by identity (which file declared one, what a lock installs), and
    the same line at the same place of two files (``pandas==1.2.0`` on line 1 of
    requirements.txt and of the base.txt it includes) must not be one object."""
    res = _placed(s, line, col)
    if not res.dependencies:
        return res
    return LineResult(
        [_own_copy(d) for d in res.dependencies], res.includes, res.settings, res.problems
    )


def _own_copy(dep: Dependency) -> Dependency:
    """An equal, distinct Dependency (a shallow copy without __init__'s cost)."""
    copy = object.__new__(Dependency)
    copy.__dict__.update(dep.__dict__)
    return copy


def _move(span: Span, line: int, col: int) -> Span:
    # A one-line logical line: every span lies on its line (line 0 of the template).
    return Span(span.line + line, span.col + col, span.end_line + line, span.end_col + col)


def _shifted(res: LineResult, line: int, col: int) -> LineResult:
    """The template result of _one_line with its spans on ``line``, from column ``col``."""
    if not line and not col:
        return res
    return LineResult(
        [
            replace(
                d,
                span=_move(d.span, line, col),
                name_span=_move(d.name_span, line, col),
                specifier_span=None
                if d.specifier_span is None
                else _move(d.specifier_span, line, col),
            )
            for d in res.dependencies
        ],
        [replace(i, span=_move(i.span, line, col)) for i in res.includes],
        [replace(t, span=_move(t.span, line, col)) for t in res.settings],
        [replace(p, span=_move(p.span, line, col)) for p in res.problems],
    )


# pip's constraints files (``pip install -c constraints.txt``) have the requirements
# format, but "only control which version of a requirement is installed, not whether it
# is installed or not" (pip's user guide, Constraints Files); by name: constraints.txt,
# constraints-dev.txt, requirements/constraints.in, test-constraints.txt
_CONSTRAINTS_NAME = re.compile(r"(?:^|[-_.])constraints?(?:[-_.]|$)", re.IGNORECASE)


def is_constraints_file(path: Path) -> bool:
    return bool(_CONSTRAINTS_NAME.search(path.name))


def parse_requirements(path: Path, text: str) -> Document:
    """Parse a pip requirements file. Never raises. The entries of a constraints file
    (by its name) are ``constraint_only``: they install nothing on their own."""
    lines = split_lines(text)
    doc = Document(path=path, kind=Kind.REQUIREMENTS, text=text, lines=lines)
    pos = Positions(text, lines)
    try:
        for s, offs, where in _logical_lines(text, lines, pos.starts):
            if not s.strip():
                continue
            if where is not None and len(s) <= _CACHED_LINE:
                res = placed(s, *where)
            else:
                m = OffsetMap(pos, offs, (offs[0], offs[-1] + 1) if offs else (0, 0))
                res = parse_requirement_line(s, m)
            doc.dependencies += res.dependencies
            doc.includes += res.includes
            doc.settings += res.settings
            doc.problems += res.problems
    except Exception as exc:  # pragma: no cover - a bug, reported instead of raised
        doc.problems.append(Problem(Span.point(0), f"internal error reading this file: {exc}"))
    if is_constraints_file(path):
        doc.dependencies = [replace(d, constraint_only=True) for d in doc.dependencies]
    return doc
