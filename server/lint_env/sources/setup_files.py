"""setuptools' ``setup.py`` and ``setup.cfg``, read statically (never executed).

``parse_setup_py`` reads the ``setup(...)`` call from the syntax tree: ``install_requires``,
``extras_require``, ``tests_require`` (runtime and test declarations) and
``setup_requires`` (build time, group ``"build"``). A value may be a literal list,
tuple or dict, a simple name bound to one at module level (also ``a + b``), or an
expression that reads a requirements file (``open("requirements.txt").read()
.splitlines()``, a helper function called with the file name or reading it in its body):
the file named by a string literal ending in ``.txt``/``.in``, next to setup.py, is
read as a requirements file. Anything else is not guessed at.

``parse_setup_cfg`` reads ``[options] install_requires``/``tests_require``/
``setup_requires`` and ``[options.extras_require]``.

Both give a :class:`Document` of kind ``REQUIREMENTS`` whose dependencies carry the
span of the string they were read from; the project model uses them as declarations
only (no rule checks these files). ``Document.settings`` holds ``name`` (the
distribution the project itself builds) when it is written as a literal.
"""

from __future__ import annotations

import ast
import configparser
import re
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from ..model import Dependency, Document, Kind, Setting, Span
from ..names import canonicalize_name
from .text import split_lines

_KEYS = {
    "install_requires": None,
    "extras_require": "extra",
    "tests_require": "test",
    "setup_requires": "build",
}
_REQ_FILE_RX = re.compile(r"[\w./-]*\.(?:txt|in|pip)$")
_MAX_FILE = 1 << 20


def _dependency(text: str, span: Span, group: str | None) -> Dependency | None:
    text = text.split("#", 1)[0].strip()
    if not text or text.startswith("-"):
        return None
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return None
    return Dependency(
        name=canonicalize_name(req.name),
        span=span,
        name_span=span,
        raw=text,
        specifier=str(req.specifier),
        extras=tuple(sorted(req.extras)),
        marker=str(req.marker) if req.marker else None,
        url=req.url,
        group=group,
    )


def _read_requirement_file(
    folder: Path, name: str, group: str | None, out: list[Dependency]
) -> None:
    """Requirements read by setup.py from a file: declared as that file's lines. Only a
    file inside the setup.py's own folder is read (never an absolute path, `..` or a
    link out of it)."""
    rel = Path(name)
    if rel.is_absolute() or ".." in rel.parts:
        return
    path = folder / rel
    try:
        if not path.resolve().is_relative_to(folder.resolve()):
            return
        if not path.is_file() or path.stat().st_size > _MAX_FILE:
            return
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except (OSError, ValueError):
        return
    for i, line in enumerate(split_lines(text)):
        dep = _dependency(line, Span.on_line(i, 0, len(line)), group)
        if dep is not None:
            out.append(dep)


class _SetupReader:
    def __init__(self, path: Path, tree: ast.Module) -> None:
        self.folder = path.parent
        self.names: dict[str, ast.expr] = {}
        self.functions: dict[str, ast.FunctionDef] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    self.names[target.id] = node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                if node.value is not None:
                    self.names[node.target.id] = node.value
            elif isinstance(node, ast.FunctionDef):
                self.functions[node.name] = node

    def strings(self, node: ast.expr, group: str | None, out: list[Dependency], depth=0) -> None:
        """Requirement strings of ``node`` (a list, a name bound to one, a file read)."""
        if depth > 8:
            return
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _REQ_FILE_RX.match(node.value) and "\n" not in node.value:
                _read_requirement_file(self.folder, node.value, group, out)
                return
            for line in node.value.splitlines():
                dep = _dependency(line, _span(node), group)
                if dep is not None:
                    out.append(dep)
            return
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            for elt in node.elts:
                if isinstance(elt, ast.Starred):
                    elt = elt.value
                self.strings(elt, group, out, depth + 1)
            return
        if isinstance(node, ast.Name):
            bound = self.names.get(node.id)
            if bound is not None:
                self.strings(bound, group, out, depth + 1)
            return
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            self.strings(node.left, group, out, depth + 1)
            self.strings(node.right, group, out, depth + 1)
            return
        # An expression that reads a file: open("requirements.txt"), read_reqs("x.txt"),
        # a comprehension over such a read, or a helper whose body names the file.
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                if _REQ_FILE_RX.match(sub.value):
                    _read_requirement_file(self.folder, sub.value, group, out)
            elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name):
                fn = self.functions.get(sub.func.id)
                if fn is not None and depth < 4:
                    for inner in ast.walk(fn):
                        if (
                            isinstance(inner, ast.Constant)
                            and isinstance(inner.value, str)
                            and _REQ_FILE_RX.match(inner.value)
                        ):
                            _read_requirement_file(self.folder, inner.value, group, out)
            elif isinstance(sub, ast.Name) and sub is not node and sub.id in self.names:
                self.strings(self.names[sub.id], group, out, depth + 1)

    def extras(self, node: ast.expr, out: list[Dependency], depth: int = 0) -> None:
        if isinstance(node, ast.Name) and depth < 8:
            bound = self.names.get(node.id)
            if bound is not None:
                self.extras(bound, out, depth + 1)
            return
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                extra = key.value if isinstance(key, ast.Constant) else "extra"
                self.strings(value, str(extra), out)
            return
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "dict":
            for kw in node.keywords:
                if kw.arg:
                    self.strings(kw.value, kw.arg, out)


def _span(node: ast.expr) -> Span:
    line = max(node.lineno - 1, 0)
    end_line = max((node.end_lineno or node.lineno) - 1, line)
    end_col = node.end_col_offset if node.end_col_offset is not None else node.col_offset
    if end_line == line and end_col < node.col_offset:
        end_col = node.col_offset
    return Span(line, node.col_offset, end_line, end_col)


def _setup_calls(tree: ast.Module) -> list[ast.Call]:
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else None
            )
            if name == "setup":
                calls.append(node)
    return calls


def parse_setup_py(path: Path, text: str) -> Document:
    """The declarations of a ``setup.py``. Never raises; unreadable code declares nothing."""
    doc = Document(path=path, kind=Kind.REQUIREMENTS, text=text, lines=split_lines(text))
    try:
        tree = ast.parse(text.lstrip("\ufeff"))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return doc
    try:
        reader = _SetupReader(path, tree)
        for call in _setup_calls(tree):
            for kw in call.keywords:
                if kw.arg == "name":
                    value = kw.value
                    if isinstance(value, ast.Name):  # name=project_name
                        value = reader.names.get(value.id, value)
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        doc.settings.append(Setting("name", value.value, _span(value)))
                elif kw.arg == "extras_require":
                    reader.extras(kw.value, doc.dependencies)
                elif kw.arg in _KEYS:
                    reader.strings(kw.value, _KEYS[kw.arg], doc.dependencies)
                elif kw.arg is None:  # setup(**kwargs): a dict bound to a name
                    bound = reader.names.get(getattr(kw.value, "id", ""))
                    if isinstance(bound, ast.Dict):
                        for key, value in zip(bound.keys, bound.values, strict=True):
                            k = key.value if isinstance(key, ast.Constant) else None
                            if k == "extras_require":
                                reader.extras(value, doc.dependencies)
                            elif k in _KEYS:
                                reader.strings(value, _KEYS[k], doc.dependencies)
    except RecursionError:
        pass
    return doc


def parse_setup_cfg(path: Path, text: str) -> Document:
    """The declarations of a ``setup.cfg``. Never raises."""
    lines = split_lines(text)
    doc = Document(path=path, kind=Kind.REQUIREMENTS, text=text, lines=lines)
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text.lstrip("\ufeff"))
    except (configparser.Error, ValueError):
        return doc

    def line_of(value: str) -> Span:
        for i, row in enumerate(lines):
            col = row.find(value)
            if col != -1:
                return Span.on_line(i, col, col + len(value))
        return Span.point(0)

    def add(value: str, group: str | None) -> None:
        for item in value.replace(";\n", "\n").splitlines():
            item = item.strip()
            if item.startswith("file:"):
                for name in item[5:].split(","):
                    _read_requirement_file(path.parent, name.strip(), group, doc.dependencies)
                continue
            dep = _dependency(item, line_of(item), group) if item else None
            if dep is not None:
                doc.dependencies.append(dep)

    if parser.has_section("metadata") and parser.has_option("metadata", "name"):
        name = parser.get("metadata", "name").strip()
        if name:
            doc.settings.append(Setting("name", name, line_of(name)))
    if parser.has_section("options"):
        for key, group in (
            ("install_requires", None),
            ("tests_require", "test"),
            ("setup_requires", "build"),
        ):
            if parser.has_option("options", key):
                add(parser.get("options", key), group)
    if parser.has_section("options.extras_require"):
        for extra, value in parser.items("options.extras_require"):
            add(value, extra)
    return doc
