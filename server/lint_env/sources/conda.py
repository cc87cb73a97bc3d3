"""Conda environment files (``environment.yml``).

The YAML is composed, not loaded, so every node keeps its position; positions are
taken from the marks' character index and converted with the line breaking of
``split_lines`` (so they agree with editors even where YAML counts other line
breaks). Dependencies are conda match specs, translated to PEP 440 where that is
possible (``numpy=1.21`` -> ``==1.21.*``); the nested ``pip:`` list is read with the
requirements line parser, with spans inside this file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from ..model import Dependency, Document, Kind, Problem, Setting, Span
from ..names import canonicalize_name
from .requirements import OffsetMap, Positions, parse_requirement_line, quoted
from .text import split_lines

__all__ = ["conda_version_to_pep440", "parse_conda"]

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")
_OP = r"(?:==|!=|<=|>=|~=|<|>|=)"
_ATOM = r"[^\s,|<>=!~\[\]]+"
_VERSION_PART = re.compile(
    rf"(?P<sp>\s*)(?P<ver>(?:{_OP}\s*)?{_ATOM}(?:\s*[,|]\s*(?:{_OP}\s*)?{_ATOM})*)"
    r"(?:(?:\s+|=)(?P<build>[^\s=]+))?\s*$"
)
_BRACKET_ITEM = re.compile(r"\s*([A-Za-z_]+)\s*=\s*('[^']*'|\"[^\"]*\"|[^,\]]*)\s*,?")
_PIP_COMMENT = re.compile(r"(?:^|(?<=\s))#")
_CLAUSE = re.compile(rf"({_OP})?(.*)$", re.DOTALL)
# A comment that tells users which conda subdir to create the environment for:
# "CONDA_SUBDIR=osx-64 conda env create …", "conda env create --subdir=osx-64",
# "--platform osx-64", "conda config --env --set subdir osx-64".
_SUBDIR_COMMENT = re.compile(
    r"(?:\bCONDA_SUBDIR\s*=\s*|--subdir(?:=|\s+)|--platform(?:=|\s+)|\bset\s+subdir\s+)"
    r"[\"']?(?P<subdir>(?:osx|linux|win)-(?:64|arm64|aarch64|32|ppc64le))(?![\w-])"
)


def conda_version_to_pep440(version: str, *, fuzzy_bare: bool = False) -> str:
    """A conda version spec as a PEP 440 specifier, or "" when it cannot be expressed.

    ``=1.21`` (and a bare version in the ``name=1.21`` form, ``fuzzy_bare``) means
    "1.21 or any 1.21.x" -> ``==1.21.*``; a bare ``1.21`` in the space form is exact;
    ``1.21.*`` / ``1.21*`` -> ``==1.21.*``; ``|`` (or) and versions that are not
    PEP 440 (``1.1.1k``) give "".
    """
    v = re.sub(r"\s+", "", version)
    if "|" in v:
        return ""
    out: list[str] = []
    for clause in v.split(","):
        if clause in ("", "*"):
            continue
        m = _CLAUSE.match(clause)
        op, val = (m.group(1) or "", m.group(2)) if m else ("", clause)
        if not val:
            return ""
        star = val.endswith("*")
        base = val.rstrip("*").rstrip(".")
        if op == "=" or (op == "" and fuzzy_bare):
            if not base:
                continue
            out.append(f"=={base}.*")
        elif op == "":
            out.append(f"=={base}.*" if star else f"=={val}")
        elif op in ("==", "!="):
            out.append(f"{op}{base}.*" if star else f"{op}{val}")
        else:
            out.append(f"{op}{base}")
    spec = ",".join(out)
    try:
        SpecifierSet(spec)
    except InvalidSpecifier:
        return ""
    return spec


def _scalar_map(node: Any, pos: Positions) -> OffsetMap:
    """Where the characters of a scalar's value lie: exact for one-line plain and quoted
    scalars (escapes included); folded, literal and multi-line scalars are one span
    that fixes never edit."""
    start, end = node.start_mark.index, node.end_mark.index
    value = node.value
    style = node.style
    first = start + (1 if style in ("'", '"') else 0)
    one_line = "\n" not in pos.text[start:end] and "\r" not in pos.text[start:end]
    if one_line and style in (None, "'", '"'):
        quoting = {None: "yaml", "'": "''", '"': '"'}[style]
        if pos.text[first : first + len(value)] == value and (
            style is None or pos.text[first + len(value) : first + len(value) + 1] == style
        ):
            return OffsetMap.direct(pos, first, len(value), quoting)
        if style in ("'", '"'):
            found = _quoted_positions(pos.text, first, end - 1, style)
            if found is not None and found[0] == value:
                return OffsetMap(pos, found[1], (start, end), found[2], quoting)
    return OffsetMap(pos, None, (start, _trimmed_end(pos.text, start, end)), None, None)


_YAML_ESCAPE = re.compile(r"\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")


def _quoted_positions(
    text: str, a: int, b: int, style: str
) -> tuple[str, tuple[int, ...], tuple[int, ...]] | None:
    """The value of a one-line quoted scalar whose content is ``text[a:b]``, with where
    each character's source starts and ends (``''`` and escapes are one character)."""
    import yaml

    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = a
    while i < b:
        if style == "'" and text.startswith("''", i):
            j = i + 2
        elif style == '"' and text[i] == "\\":
            m = _YAML_ESCAPE.match(text, i, b)
            if m is None:
                return None
            j = m.end()
        else:
            j = i + 1
        piece = text[i:j]
        if j - i > 1:
            try:
                piece = yaml.safe_load(style + piece + style)
            except yaml.YAMLError:
                return None
            if not isinstance(piece, str) or len(piece) != 1:
                return None
        chars.append(piece)
        starts.append(i)
        ends.append(j)
        i = j
    return "".join(chars), tuple(starts), tuple(ends)


def _trimmed_end(text: str, start: int, end: int) -> int:
    """A block scalar's end mark lies on the next line: end at its last character."""
    while end > start and text[end - 1] in " \t\r\n":
        end -= 1
    return max(start, end)


def _node_span(node: Any, pos: Positions) -> Span:
    start = node.start_mark.index
    return pos.span(start, _trimmed_end(pos.text, start, max(start, node.end_mark.index)))


class _Reader:
    def __init__(self, doc: Document, pos: Positions) -> None:
        self.doc = doc
        self.pos = pos

    def problem(self, node: Any, message: str, code: str = "LE001") -> None:
        self.doc.problems.append(Problem(_node_span(node, self.pos), message, code))

    def scalar(self, node: Any, what: str) -> str | None:
        from yaml import ScalarNode

        if not isinstance(node, ScalarNode):
            self.problem(node, f"{what} must be a single value, not a list or mapping")
            return None
        return node.value

    def read(self, root: Any) -> None:
        from yaml import MappingNode

        if root is None:
            return
        if not isinstance(root, MappingNode):
            self.problem(
                root,
                "a conda environment file must be a mapping (name:, channels:, dependencies:)",
            )
            return
        for key, value in root.value:
            name = self.scalar(key, "a key")
            if name == "name":
                text = self.scalar(value, "name")
                if text is not None:
                    self.doc.settings.append(Setting("name", text, _node_span(value, self.pos)))
            elif name == "channels":
                for item in self.sequence(value, "channels"):
                    text = self.scalar(item, "a channel")
                    if text:
                        m = _scalar_map(item, self.pos)
                        self.doc.channels.append((text.strip(), m.span(0, len(text))))
                    elif text is not None:
                        self.problem(item, "empty channel")
            elif name == "dependencies":
                for item in self.sequence(value, "dependencies"):
                    self.dependency(item)
            elif name == "variables":
                self.variables(value)
            elif name == "prefix":
                # `conda env export` writes the path of the environment it exported
                text = self.scalar(value, "prefix")
                if text:
                    end = max(value.end_mark.index, key.end_mark.index)
                    span = self.pos.span(key.start_mark.index, end)
                    self.doc.settings.append(Setting("prefix", text, span))
            elif name == "platforms":
                for item in self.sequence(value, "platforms"):
                    text = self.scalar(item, "a platform")
                    if text:
                        self.doc.settings.append(
                            Setting("platform", text.strip(), _node_span(item, self.pos))
                        )

    def sequence(self, node: Any, what: str) -> list[Any]:
        from yaml import ScalarNode, SequenceNode

        if isinstance(node, SequenceNode):
            return list(node.value)
        if isinstance(node, ScalarNode) and node.value == "" and node.tag.endswith(":null"):
            return []  # "channels:" with nothing under it
        self.problem(node, f"{what} must be a list")
        return []

    def variables(self, node: Any) -> None:
        from yaml import MappingNode, ScalarNode

        if isinstance(node, ScalarNode) and node.tag.endswith(":null"):
            return
        if not isinstance(node, MappingNode):
            self.problem(node, "variables must be a mapping of NAME: value")
            return
        for key, value in node.value:
            k = self.scalar(key, "a variable name")
            v = self.scalar(value, f"variable {k}")
            if k is None or v is None:
                continue
            end = max(value.end_mark.index, key.end_mark.index)
            span = self.pos.span(key.start_mark.index, end)
            self.doc.settings.append(Setting(k, v, span))

    def dependency(self, node: Any) -> None:
        from yaml import MappingNode, ScalarNode

        if isinstance(node, MappingNode):
            for key, value in node.value:
                k = self.scalar(key, "a key")
                if k == "pip":
                    for item in self.sequence(value, "pip"):
                        self.pip_item(item)
                elif k is not None:
                    self.problem(key, f"unknown entry {k!r} in dependencies (expected pip:)")
            return
        if not isinstance(node, ScalarNode):
            self.problem(node, "a dependency must be a match spec such as numpy=1.21")
            return
        if not node.value.strip():
            self.problem(node, "empty dependency")
            return
        self.match_spec(node.value, _scalar_map(node, self.pos))

    def pip_item(self, node: Any) -> None:
        text = self.scalar(node, "a pip requirement")
        if text is None:
            return
        if not text.strip():
            self.problem(node, "empty pip requirement")
            return
        # conda hands these lines to pip in a requirements file: pip's comments apply.
        comment = _PIP_COMMENT.search(text)
        if comment:
            text = text[: comment.start()]
        res = parse_requirement_line(text, _scalar_map(node, self.pos))
        self.doc.dependencies += res.dependencies
        self.doc.includes += res.includes
        self.doc.settings += res.settings
        self.doc.problems += res.problems

    def match_spec(self, s: str, m: OffsetMap) -> None:
        a = len(s) - len(s.lstrip())
        b = len(s.rstrip())
        span = m.span(a, b)
        channel = None
        i = a
        sep = s.find("::", a, b)
        if sep != -1 and not any(c.isspace() for c in s[a:sep]):
            channel = s[a:sep] or None
            i = sep + 2
        nm = _NAME.match(s, i, b)
        if not nm:
            self.doc.problems.append(
                Problem(
                    span, f"cannot parse conda match spec {quoted(s[a:b])}: expected a package name"
                )
            )
            return
        rest_a = nm.end()
        specifier, spec_span, build = "", None, None
        if rest_a < b and s[rest_a] == "[":
            close = s.find("]", rest_a)
            if close == -1 or s[close + 1 : b].strip():
                self.doc.problems.append(
                    Problem(span, f"cannot parse conda match spec {quoted(s[a:b])}")
                )
                return
            k = rest_a + 1
            for item in _BRACKET_ITEM.finditer(s, k, close):
                key, raw = item.group(1), item.group(2).strip()
                va, vb = item.start(2), item.start(2) + len(raw)
                if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
                    raw, va, vb = raw[1:-1], va + 1, vb - 1
                if key == "version":
                    specifier = conda_version_to_pep440(raw, fuzzy_bare=False)
                    spec_span = m.span(va, vb)
                elif key == "build":
                    build = raw
                elif key == "channel":
                    channel = raw
        elif rest_a < b:
            vm = _VERSION_PART.match(s[:b], rest_a)
            if not vm or (not vm.group("sp") and not re.match(_OP, vm.group("ver"))):
                self.doc.problems.append(
                    Problem(span, f"cannot parse conda match spec {quoted(s[a:b])}")
                )
                return
            ver = vm.group("ver")
            fuzzy = ver.startswith("=") and not ver.startswith("==")
            specifier = conda_version_to_pep440(ver, fuzzy_bare=fuzzy)
            spec_span = m.span(vm.start("ver"), vm.end("ver"))
            build = vm.group("build")
        name = canonicalize_name(nm.group())
        if name == "python":
            if self.doc.python is None:
                self.doc.python = (specifier, span)
            return
        self.doc.dependencies.append(
            Dependency(
                name=name,
                span=span,
                name_span=m.span(nm.start(), nm.end()),
                raw=s[a:b],
                specifier=specifier,
                specifier_span=spec_span,
                source="conda",
                channel=channel,
                build=build,
                quoting=m.quoting if m.editable else None,
            )
        )


def _compose(text: str, doc: Document, pos: Positions) -> Any:
    """Compose the YAML; errors become problems and what precedes them is still read."""
    import yaml

    bad = yaml.reader.Reader.NON_PRINTABLE
    first_bad = bad.search(text)
    if first_bad:
        doc.problems.append(
            Problem(
                pos.span(first_bad.start(), first_bad.start() + 1),
                "control character not allowed in YAML (read as a space)",
            )
        )
        text = bad.sub(" ", text)
    fast = _fast_compose(text)
    if fast is not None:
        return fast
    source = text
    for attempt in range(4):
        try:
            return yaml.compose(source, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            marks = [mk for mk in (exc.problem_mark, exc.context_mark) if mk is not None]
            index = marks[0].index if marks else 0
            if attempt == 0:
                parts = [exc.context, exc.problem]
                if parts[0] and parts[0].startswith("while "):
                    parts[0] = None
                what = ", ".join(p for p in parts if p) or "cannot parse"
                line, col = pos.at(index)
                doc.problems.append(
                    Problem(Span.on_line(line, col, len(doc.lines[line])), f"invalid YAML: {what}")
                )
            # Read what precedes the line of the error.
            cut = pos.starts[pos.at(index)[0]]
            if cut >= len(source) and source:
                cut = pos.starts[pos.at(len(source) - 1)[0]]
            if cut <= 0 or cut >= len(source):
                return None
            source = source[:cut]
        except (yaml.YAMLError, RecursionError, ValueError) as exc:
            if attempt == 0:
                doc.problems.append(Problem(Span.point(0), f"invalid YAML: {exc}"))
            return None
    return None


def _c_loader() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", None)  # libyaml's, where PyYAML was built with it


def _fast_compose(text: str) -> Any:
    """The YAML composed by libyaml (several times faster), or None: no libyaml, an error
    (the pure loader reads the file again, so problems are worded as always), or an empty
    document. Its marks are the pure loader's (character indexes; tests compare both on
    every fixture); only a plain scalar's style differs ("" for None) and is set back."""
    loader = _c_loader()
    if loader is None:
        return None
    import yaml

    try:
        root = yaml.compose(text, Loader=loader)
    except Exception:
        return None
    if root is None:
        return None
    todo = [root]
    while todo:
        node = todo.pop()
        if type(node) is yaml.ScalarNode:
            if node.style == "":
                node.style = None
        elif type(node) is yaml.SequenceNode:
            todo.extend(node.value)
        elif type(node) is yaml.MappingNode:
            for key, value in node.value:
                todo.append(key)
                todo.append(value)
    return root


def _subdir_comments(doc: Document) -> None:
    """A comment line naming the subdir to create the environment with becomes a
    ``CONDA_SUBDIR`` setting, like ``variables: {CONDA_SUBDIR: …}``."""
    for i, line in enumerate(doc.lines):
        if not line.lstrip().startswith("#"):
            continue
        for m in _SUBDIR_COMMENT.finditer(line):
            span = Span.on_line(i, m.start(), m.end())
            doc.settings.append(Setting("CONDA_SUBDIR", m.group("subdir"), span))


def parse_conda(path: Path, text: str) -> Document:
    """Parse a conda environment file. Never raises."""
    lines = split_lines(text)
    doc = Document(path=path, kind=Kind.CONDA, text=text, lines=lines)
    pos = Positions(text, lines)
    try:
        root = _compose(text, doc, pos)
        _Reader(doc, pos).read(root)
        _subdir_comments(doc)
    except Exception as exc:  # pragma: no cover - a bug, reported instead of raised
        doc.problems.append(Problem(Span.point(0), f"internal error reading this file: {exc}"))
    return doc
