"""pyproject.toml: PEP 621 ``[project]``, PEP 735 ``[dependency-groups]``,
``[build-system] requires`` and Poetry's dependency tables.

``tomllib`` gives values without positions, so a small locator walks the (already
validated) TOML text once and records where every key and value is written; each
dependency string is then read with the PEP 508 reader of the requirements parser
with exact spans (strings with escapes get the span of the whole string).
Poetry's caret and tilde constraints are translated to PEP 440.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from ..lazy_re import LazyPattern
from ..model import Dependency, Document, Kind, Problem, Setting, Span
from ..names import canonicalize_name
from .requirements import OffsetMap, Positions, parse_pep508
from .text import split_lines

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["parse_pyproject", "poetry_to_pep440"]

KeyPath = tuple[Any, ...]

# --- where things are written -------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END = LazyPattern(r"[,\]}#\r\n]", 0, globals(), "_SCALAR_END")


class _Stop(Exception):
    """The locator met something it does not understand; what it found so far stands."""


@dataclass
class _Located:
    keys: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)  # last key, as written
    entries: dict[KeyPath, int] = field(default_factory=dict)  # where `key = value` starts
    values: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)  # whole value
    strings: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)  # string contents
    quotes: dict[KeyPath, str] = field(default_factory=dict)  # ", ', """ or '''


class _Locator:
    def __init__(self, text: str, start: int) -> None:
        self.t = text
        self.i = start
        self.n = len(text)
        self.found = _Located()
        self.aot: dict[KeyPath, int] = {}

    # whitespace and comments
    def ws(self) -> None:
        while self.i < self.n and self.t[self.i] in " \t":
            self.i += 1

    def ws_nl(self) -> None:
        while self.i < self.n:
            c = self.t[self.i]
            if c in " \t\r\n":
                self.i += 1
            elif c == "#":
                while self.i < self.n and self.t[self.i] not in "\r\n":
                    self.i += 1
            else:
                return

    def expect(self, s: str) -> None:
        if not self.t.startswith(s, self.i):
            raise _Stop
        self.i += len(s)

    def run(self) -> _Located:
        prefix: KeyPath = ()
        try:
            while True:
                self.ws_nl()
                if self.i >= self.n:
                    break
                before = self.i
                if self.t[self.i] == "[":
                    aot = self.t.startswith("[[", self.i)
                    self.i += 2 if aot else 1
                    self.ws()
                    keys = self.key_path()
                    self.ws()
                    self.expect("]]" if aot else "]")
                    prefix = self.header(keys, aot)
                else:
                    self.entry(prefix)
                if self.i <= before:
                    raise _Stop
        except (_Stop, IndexError):
            pass
        return self.found

    def header(self, keys: list[tuple[str, int, int]], aot: bool) -> KeyPath:
        path: list[Any] = []
        for k, (name, a, b) in enumerate(keys):
            path.append(name)
            p = tuple(path)
            self.found.keys.setdefault(p, (a, b))
            if aot and k == len(keys) - 1:
                count = self.aot.get(p, 0)
                self.aot[p] = count + 1
                path.append(count)
            elif p in self.aot:
                path.append(self.aot[p] - 1)
        return tuple(path)

    def entry(self, prefix: KeyPath) -> None:
        start = self.i
        keys = self.key_path()
        self.ws()
        self.expect("=")
        self.ws()
        path = prefix
        for name, a, b in keys:
            path = (*path, name)
            self.found.keys.setdefault(path, (a, b))
        self.found.entries[path] = start
        self.value(path)

    def key_path(self) -> list[tuple[str, int, int]]:
        keys = []
        while True:
            self.ws()
            c = self.t[self.i] if self.i < self.n else ""
            if c == '"':
                a = self.i + 1
                b = self.basic_end(a)
                keys.append((_unescape(self.t[a:b]), a, b))
                self.i = b + 1
            elif c == "'":
                a = self.i + 1
                b = self.t.find("'", a)
                if b == -1:
                    raise _Stop
                keys.append((self.t[a:b], a, b))
                self.i = b + 1
            else:
                m = _BARE_KEY.match(self.t, self.i)
                if not m:
                    raise _Stop
                keys.append((m.group(), m.start(), m.end()))
                self.i = m.end()
            self.ws()
            if self.i < self.n and self.t[self.i] == ".":
                self.i += 1
                continue
            return keys

    def basic_end(self, j: int) -> int:
        while j < self.n:
            c = self.t[j]
            if c == "\\":
                j += 2
            elif c == '"':
                return j
            elif c in "\r\n":
                break
            else:
                j += 1
        raise _Stop

    def value(self, path: KeyPath) -> None:
        t, start = self.t, self.i
        if t.startswith('"""', start) or t.startswith("'''", start):
            quote = t[start : start + 3]
            a = start + 3
            if t.startswith("\r\n", a):
                a += 2
            elif t.startswith("\n", a):
                a += 1
            j = a
            while True:
                if j >= self.n:
                    raise _Stop
                if quote == '"""' and t[j] == "\\":
                    j += 2
                    continue
                if t.startswith(quote, j):
                    extra = 0
                    while extra < 2 and t.startswith(quote[0], j + 3 + extra):
                        extra += 1
                    b = j + extra
                    break
                j += 1
            self.found.strings[path] = (a, b)
            self.found.quotes[path] = quote
            self.i = b + 3
        elif t.startswith('"', start):
            b = self.basic_end(start + 1)
            self.found.strings[path] = (start + 1, b)
            self.found.quotes[path] = '"'
            self.i = b + 1
        elif t.startswith("'", start):
            b = t.find("'", start + 1)
            if b == -1 or any(c in "\r\n" for c in t[start + 1 : b]):
                raise _Stop
            self.found.strings[path] = (start + 1, b)
            self.found.quotes[path] = "'"
            self.i = b + 1
        elif t.startswith("[", start):
            self.i += 1
            k = 0
            while True:
                self.ws_nl()
                if t.startswith("]", self.i):
                    self.i += 1
                    break
                self.value((*path, k))
                k += 1
                self.ws_nl()
                if t.startswith(",", self.i):
                    self.i += 1
                elif not t.startswith("]", self.i):
                    raise _Stop
        elif t.startswith("{", start):
            self.i += 1
            while True:
                self.ws()
                if t.startswith("}", self.i):
                    self.i += 1
                    break
                self.entry(path)
                self.ws()
                if t.startswith(",", self.i):
                    self.i += 1
                elif not t.startswith("}", self.i):
                    raise _Stop
        else:
            m = _SCALAR_END.search(t, start)
            end = m.start() if m else self.n
            while end > start and t[end - 1] in " \t":
                end -= 1
            if end == start:
                raise _Stop
            self.i = end
        self.found.values[path] = (start, self.i)


_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


def _basic_positions(text: str, a: int, b: int) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """The value of the one-line basic string ``text[a:b]`` with, for each character,
    where its source (one character or a whole escape) starts and ends."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = a
    while i < b:
        if text[i] == "\\" and i + 1 < b:
            m = _ESCAPE_RX.match(text, i, b)
            if m is None:
                raise ValueError("unknown escape")
            chars.append(_unescape(m.group()))
            starts.append(i)
            ends.append(m.end())
            i = m.end()
        else:
            chars.append(text[i])
            starts.append(i)
            ends.append(i + 1)
            i += 1
    return "".join(chars), tuple(starts), tuple(ends)


_ESCAPE_RX = LazyPattern(
    r"\\(?:u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[btnfr\"\\])", 0, globals(), "_ESCAPE_RX"
)


def _unescape(s: str) -> str:
    if "\\" not in s:
        return s

    def sub(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] in "uU":
            try:
                return chr(int(e[1:], 16))
            except (ValueError, OverflowError):
                return m.group()
        return _ESCAPES.get(e, m.group())

    return re.sub(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", sub, s)


# --- Poetry constraints ---------------------------------------------------------------

_POETRY_OP = LazyPattern(
    r"(==|!=|<=|>=|~=|<|>|\^|~|=)?\s*(.*)$", re.DOTALL, globals(), "_POETRY_OP"
)


def _bump(release: tuple[int, ...], index: int) -> str:
    parts = [*release[:index], release[index] + 1] + [0] * (len(release) - index - 1)
    return ".".join(str(p) for p in parts)


def _poetry_clause(clause: str) -> str | None:
    m = _POETRY_OP.match(clause)
    if not m:  # pragma: no cover - the pattern matches every string
        return None
    op, v = m.group(1) or "", m.group(2).strip()
    if not v:
        return None
    if op in ("^", "~"):
        try:
            release = Version(v).release
        except InvalidVersion:
            return None
        if op == "^":
            nonzero = [k for k, p in enumerate(release) if p != 0]
            index = nonzero[0] if nonzero else len(release) - 1
        else:
            index = 0 if len(release) == 1 else 1
        return f">={v},<{_bump(release, index)}"
    if op in ("", "="):
        if v == "*":
            return ""
        return f"=={v}"
    return f"{op}{v}"


def poetry_to_pep440(constraint: str) -> str | None:
    """A Poetry version constraint as a PEP 440 specifier.

    "" when it cannot be expressed (``||`` alternatives) or allows everything; None
    when it is not a valid constraint.
    """
    c = constraint.strip()
    if c in ("", "*"):
        return ""
    if "|" in c:
        alternatives = [a for a in re.split(r"\|\|?", c)]
        if all(a.strip() and poetry_to_pep440(a) is not None for a in alternatives):
            return ""
        return None
    c = re.sub(r"(==|!=|<=|>=|~=|<|>|\^|~|=)\s+", r"\1", c)
    out = []
    for clause in re.split(r"[,\s]+", c):
        if not clause:
            continue
        spec = _poetry_clause(clause)
        if spec is None:
            return None
        if spec:
            out.append(spec)
    result = ",".join(out)
    try:
        SpecifierSet(result)
    except InvalidSpecifier:
        return None
    return result


def _python_marker(spec: str) -> str:
    parts = []
    for s in SpecifierSet(spec):
        var = "python_full_version" if s.version.count(".") >= 2 else "python_version"
        parts.append(f'{var} {s.operator} "{s.version}"')
    return " and ".join(sorted(parts))


# Poetry turns a dependency's `python` and `platform` keys into markers and intersects
# them with its `markers` key (poetry-core, factory.py `create_dependency`:
# markers ∩ python_version(python) ∩ sys_platform(platform)). Both keys take `||`
# alternatives; `platform` is a generic constraint ("linux", "!=win32", "linux || darwin").


def _or(parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    return " or ".join(f"({p})" if " and " in p else p for p in parts)


def poetry_python_marker(constraint: str) -> str | None:
    """A Poetry ``python = "..."`` constraint as a marker; "" when it admits every
    Python, None when it is not a valid constraint."""
    alternatives = [a.strip() for a in re.split(r"\|\|?", constraint)]
    if not all(alternatives):
        return None
    parts = []
    for alt in alternatives:
        spec = poetry_to_pep440(alt)
        if spec is None:
            return None
        if not spec:
            return ""  # one alternative admits everything
        parts.append(_python_marker(spec))
    return _or(parts)


_PLATFORM = LazyPattern(r"^(==|!=)?\s*([A-Za-z0-9_.-]+)$", 0, globals(), "_PLATFORM")


def poetry_platform_marker(constraint: str) -> str | None:
    """A Poetry ``platform = "..."`` constraint (a sys_platform value) as a marker; None
    when it cannot be read."""
    alternatives = []
    for alt in re.split(r"\|\|?", constraint):
        clauses = []
        for clause in alt.split(","):
            c = clause.strip()
            if c in ("", "*"):
                continue
            m = _PLATFORM.match(c)
            if m is None:
                return None
            op = m.group(1) or "=="
            clauses.append(f'sys_platform {op} "{m.group(2)}"')
        if not clauses:
            return ""
        alternatives.append(" and ".join(clauses))
    return _or(alternatives) if alternatives else ""


# --- reading the document -------------------------------------------------------------


class _Reader:
    def __init__(self, doc: Document, pos: Positions, found: _Located) -> None:
        self.doc = doc
        self.pos = pos
        self.found = found

    def extent(self, path: KeyPath) -> Span:
        if path in self.found.values:
            return self.pos.span(*self.found.values[path])
        if path in self.found.keys:
            return self.pos.span(*self.found.keys[path])
        return Span.point(0)

    def string_map(self, path: KeyPath, value: str) -> OffsetMap:
        if path in self.found.strings:
            a, b = self.found.strings[path]
            quote = self.found.quotes.get(path, "")
            quoting = {'"': '"', '"""': '"', "'": "'", "'''": "'"}.get(quote)
            if self.pos.text[a:b] == value:
                return OffsetMap.direct(self.pos, a, len(value), quoting or "")
            if quote == '"':
                try:
                    got, starts, ends = _basic_positions(self.pos.text, a, b)
                except ValueError:
                    got = None
                if got == value:
                    return OffsetMap(self.pos, starts, (a, b), ends, '"')
            return OffsetMap(self.pos, None, (a, b), None, None)
        if path in self.found.values:
            return OffsetMap(self.pos, None, self.found.values[path], None, None)
        return OffsetMap(self.pos, None, (0, 0), None, None)

    def problem(self, span: Span, message: str) -> None:
        self.doc.problems.append(Problem(span, message))

    def pep508_list(self, items: Any, path: KeyPath, group: str | None, what: str) -> None:
        if not isinstance(items, list):
            self.problem(self.extent(path), f"{what} must be an array of strings")
            return
        for k, item in enumerate(items):
            p = (*path, k)
            if (
                isinstance(item, dict)
                and "include-group" in item
                and path[0] == ("dependency-groups")
            ):
                continue
            if not isinstance(item, str):
                self.problem(self.extent(p), f"{what}: a dependency must be a string")
                continue
            res = parse_pep508(item, self.string_map(p, item), 0, len(item), allow_direct=False)
            if isinstance(res, Dependency):
                self.doc.dependencies.append(replace(res, group=group))
            elif isinstance(res, Setting):
                self.doc.settings.append(res)
            else:
                self.doc.problems.append(res)

    def python(self, value: Any, path: KeyPath, spec: str | None) -> None:
        if not isinstance(value, str) or spec is None:
            self.problem(self.extent(path), f"{path[-1]} is not a valid version specifier")
            return
        if self.doc.python is None:
            m = self.string_map(path, value)
            a = len(value) - len(value.lstrip())
            self.doc.python = (spec, m.span(a, len(value.rstrip())))

    def read(self, data: dict[str, Any]) -> None:
        project = data.get("project")
        if isinstance(project, dict):
            rp = project.get("requires-python")
            if rp is not None:
                spec = None
                if isinstance(rp, str):
                    try:
                        SpecifierSet(rp)
                        spec = re.sub(r"\s+", "", rp)
                    except InvalidSpecifier:
                        spec = None
                self.python(rp, ("project", "requires-python"), spec)
            if "dependencies" in project:
                self.pep508_list(
                    project["dependencies"], ("project", "dependencies"), None, "dependencies"
                )
            optional = project.get("optional-dependencies")
            if isinstance(optional, dict):
                for extra, items in optional.items():
                    path = ("project", "optional-dependencies", extra)
                    self.pep508_list(items, path, extra, f"optional-dependencies.{extra}")
        groups = data.get("dependency-groups")
        if isinstance(groups, dict):
            for name, items in groups.items():
                path = ("dependency-groups", name)
                self.pep508_list(items, path, name, f"dependency-groups.{name}")
        build = data.get("build-system")
        if isinstance(build, dict) and "requires" in build:
            self.pep508_list(build["requires"], ("build-system", "requires"), "build", "requires")
        poetry = (
            (data.get("tool") or {}).get("poetry") if isinstance(data.get("tool"), dict) else None
        )
        if isinstance(poetry, dict):
            base = ("tool", "poetry")
            self.poetry_table(poetry.get("dependencies"), (*base, "dependencies"), None)
            self.poetry_table(poetry.get("dev-dependencies"), (*base, "dev-dependencies"), "dev")
            pgroups = poetry.get("group")
            if isinstance(pgroups, dict):
                for g, table in pgroups.items():
                    if isinstance(table, dict):
                        path = (*base, "group", g, "dependencies")
                        self.poetry_table(table.get("dependencies"), path, g)

    # Poetry -------------------------------------------------------------------------

    def poetry_table(self, table: Any, path: KeyPath, group: str | None) -> None:
        if table is None:
            return
        if not isinstance(table, dict):
            self.problem(self.extent(path), f"{'.'.join(path)} must be a table")
            return
        for name, value in table.items():
            p = (*path, name)
            if name == "python":
                spec = poetry_to_pep440(value) if isinstance(value, str) else None
                self.python(value, p, spec)
                continue
            if isinstance(value, list):
                for k, item in enumerate(value):
                    self.poetry_dependency(name, item, p, (*p, k), group)
            else:
                self.poetry_dependency(name, value, p, p, group)

    def poetry_dependency(
        self, name: str, value: Any, key_path: KeyPath, path: KeyPath, group: str | None
    ) -> None:
        found = self.found
        name_span = (
            self.pos.span(*found.keys[key_path]) if key_path in found.keys else self.extent(path)
        )
        where: tuple[int, int] | None = None
        if key_path == path and key_path in found.entries and path in found.values:
            where = (found.entries[key_path], found.values[path][1])
        elif path in found.values:
            where = found.values[path]
        elif key_path in found.keys:
            where = found.keys[key_path]
        span = self.pos.span(*where) if where else Span.point(0)
        raw = self.pos.text[where[0] : where[1]] if where else name
        if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?", name):
            self.problem(name_span, f"{name!r} is not a valid package name")
            return
        version: Any = None
        version_path = path
        markers: list[str] = []
        extras: tuple[str, ...] = ()
        url = None
        editable = False
        if isinstance(value, str):
            version = value
        elif isinstance(value, dict):
            version = value.get("version")
            version_path = (*path, "version")
            for key in ("git", "url", "path"):
                if isinstance(value.get(key), str):
                    url = value[key]
            editable = value.get("develop") is True
            ex = value.get("extras")
            if isinstance(ex, list):
                extras = tuple(str(e) for e in ex)
            mk = value.get("markers")
            if isinstance(mk, str) and mk.strip():
                from packaging.markers import InvalidMarker, Marker  # slow to import: only here

                try:
                    Marker(mk)
                    markers.append(f"({mk})" if " or " in mk else mk)
                except InvalidMarker as exc:
                    detail = str(exc).splitlines()[0]
                    self.problem(self.extent((*path, "markers")), f"invalid marker: {detail}")
            py = value.get("python")
            if isinstance(py, str):
                py_marker = poetry_python_marker(py)
                if py_marker is None:
                    self.problem(
                        self.extent((*path, "python")), f"invalid python constraint {py!r}"
                    )
                elif py_marker:
                    markers.append(f"({py_marker})" if " or " in py_marker else py_marker)
            plat = value.get("platform")
            if isinstance(plat, str):
                plat_marker = poetry_platform_marker(plat)
                if plat_marker is None:
                    self.problem(
                        self.extent((*path, "platform")), f"invalid platform constraint {plat!r}"
                    )
                elif plat_marker:
                    markers.append(f"({plat_marker})" if " or " in plat_marker else plat_marker)
        else:
            self.problem(span, f"dependency {name} must be a version string or a table")
            return
        specifier = ""
        spec_span = None
        # Fixes may edit a Poetry entry `name = value` (not a list item, not a table of
        # its own) and the version string inside it.
        quoting: str | None = "poetry" if key_path == path and where is not None else None
        if version is not None:
            if not isinstance(version, str):
                self.problem(self.extent(version_path), f"version of {name} must be a string")
                return
            translated = poetry_to_pep440(version)
            m = self.string_map(version_path, version)
            if not m.editable:
                quoting = None
            a = len(version) - len(version.lstrip())
            spec_span = m.span(a, len(version.rstrip()))
            if translated is None:
                self.problem(spec_span, f"cannot parse version constraint {version!r} of {name}")
                return
            specifier = translated
        self.doc.dependencies.append(
            Dependency(
                name=canonicalize_name(name),
                span=span,
                name_span=name_span,
                raw=raw,
                specifier=specifier,
                specifier_span=spec_span,
                extras=extras,
                marker=" and ".join(markers) or None,
                url=url,
                editable=editable,
                group=group,
                quoting=quoting,
            )
        )


# --- entry point ---------------------------------------------------------------------------


def _decode_error(exc: Exception, text: str, off: int, pos: Positions) -> Problem:
    msg = str(exc)
    m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
    if m:
        line_no, col_no = int(m.group(1)), int(m.group(2))
        body = text[off:]
        start = 0
        for _ in range(line_no - 1):
            nl = body.find("\n", start)
            if nl == -1:
                break
            start = nl + 1
        offset = off + start + col_no - 1
    elif "end of document" in msg:
        offset = len(text)
    else:
        offset = off
    line, col = pos.at(offset)
    detail = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", msg) or "invalid TOML"
    return Problem(Span.on_line(line, col, len(pos.lines[line])), f"invalid TOML: {detail}")


def parse_pyproject(path: Path, text: str) -> Document:
    """Parse pyproject.toml. Never raises."""
    lines = split_lines(text)
    doc = Document(path=path, kind=Kind.PYPROJECT, text=text, lines=lines)
    pos = Positions(text, lines)
    off = 1 if text.startswith("\ufeff") else 0
    try:
        data = tomllib.loads(text[off:])
    except tomllib.TOMLDecodeError as exc:
        doc.problems.append(_decode_error(exc, text, off, pos))
        return doc
    except (RecursionError, ValueError, MemoryError) as exc:
        doc.problems.append(Problem(Span.point(0), f"invalid TOML: {exc}"))
        return doc
    try:
        found = _Locator(text, off).run()
        _Reader(doc, pos, found).read(data)
        tool = data.get("tool")
        if isinstance(tool, dict) and "pixi" in tool:  # [tool.pixi.workspace] platforms
            from .locks import pixi_platforms

            pixi_platforms(doc, data)
    except Exception as exc:  # pragma: no cover - a bug, reported instead of raised
        doc.problems.append(Problem(Span.point(0), f"internal error reading this file: {exc}"))
    return doc
