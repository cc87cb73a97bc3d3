"""Workspace discovery: which files under the given paths lint-env checks.

Walks folders with ``os.scandir``; honours ``.gitignore`` files (the root's and nested
ones, with the gitignore pattern rules that matter: ``*``, ``?``, ``[..]``, ``**``,
leading ``/`` anchoring, trailing ``/`` for folders only, ``!`` negation, comments,
escapes) and the extra gitignore-style ``exclude`` patterns of the configuration
(relative to the root; these win over ``.gitignore`` negations). Version-control
folders, virtual environments, ``site-packages``, ``node_modules``, caches and build
folders are always skipped; symlinked folders are followed once (by real path), so
links cannot loop.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .model import Kind
from .sources import sniff_kind

ALWAYS_SKIP = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        "site-packages",
        "node_modules",
        "__pycache__",
        "build",
        "dist",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".ipynb_checkpoints",
        ".hypothesis",
        ".lint-env-cache",
    }
)
_VENV_NAMES = frozenset({".venv", "venv", "env"})


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line each
    # a found file -> its real path (``Path.resolve()``), known without asking the OS
    # again when no name on the way from the walked folder is a symlink
    real: dict[Path, Path] = field(default_factory=dict)


@dataclass(frozen=True)
class Pattern:
    """One gitignore line, compiled. ``base`` is the folder of its file, relative to
    the root, as POSIX text ("" for the root)."""

    regex: re.Pattern[str]
    negate: bool
    dir_only: bool
    base: str
    text: str

    def matches(self, rel: str, is_dir: bool) -> bool:
        if self.dir_only and not is_dir:
            return False
        if self.base:
            if not rel.startswith(self.base + "/"):
                return False
            rel = rel[len(self.base) + 1 :]
        return self.regex.fullmatch(rel) is not None


def compile_pattern(line: str, base: str = "") -> Pattern | None:
    """A gitignore line -> Pattern; None for blank lines and comments."""
    line = line.rstrip("\r\n")
    if not line or line.startswith("#"):
        return None
    # Trailing blanks are dropped unless escaped with a backslash.
    stripped = line.rstrip(" ")
    if stripped.endswith("\\") and len(stripped) < len(line):
        stripped += " "
    line = stripped
    negate = line.startswith("!")
    if negate or line.startswith("\\!") or line.startswith("\\#"):
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    line = line.lstrip("/")
    body = _translate(line)
    regex = body if anchored else f"(?:.*/)?{body}"
    try:
        compiled = re.compile(regex, re.DOTALL)
    except re.error:
        return None
    return Pattern(compiled, negate, dir_only, base, line)


def _translate(pat: str) -> str:
    out: list[str] = []
    i, n = 0, len(pat)
    while i < n:
        c = pat[i]
        if c == "*":
            if pat.startswith("**", i) and (i == 0 or pat[i - 1] == "/"):
                j = i + 2
                if j == n:  # trailing "/**": everything inside
                    out.append(".*")
                    i = j
                    continue
                if pat[j] == "/":  # "**/": zero or more folders
                    out.append("(?:.*/)?")
                    i = j + 1
                    continue
            while i < n and pat[i] == "*":
                i += 1
            out.append("[^/]*")
            continue
        if c == "?":
            out.append("[^/]")
        elif c == "[":
            j = i + 1
            if j < n and pat[j] in "!^":
                j += 1
            if j < n and pat[j] == "]":
                j += 1
            while j < n and pat[j] != "]":
                j += 1
            if j >= n:
                out.append(re.escape(c))
            else:
                inner = pat[i + 1 : j]
                if inner[:1] in ("!", "^"):
                    inner = "^" + inner[1:]
                out.append("[" + inner.replace("\\", "\\\\") + "]")
                i = j
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pat[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def read_ignore_file(path: str, base: str) -> list[Pattern]:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return []
    return [p for p in (compile_pattern(line, base) for line in lines) if p is not None]


def is_ignored(patterns: Sequence[Pattern], rel: str, is_dir: bool) -> bool:
    """Gitignore verdict for ``rel`` (POSIX, relative to the root): the last matching
    pattern decides."""
    verdict = False
    for p in patterns:
        if p.negate is not verdict:
            continue  # cannot change the verdict
        if p.matches(rel, is_dir):
            verdict = not p.negate
    return verdict


def is_virtualenv(path: str, name: str) -> bool:
    if os.path.isfile(os.path.join(path, "pyvenv.cfg")):
        return True
    if os.path.isdir(os.path.join(path, "conda-meta")):
        return True
    if name in _VENV_NAMES:
        return any(
            os.path.exists(os.path.join(path, *p))
            for p in (("bin", "python"), ("Scripts", "python.exe"))
        )
    return False


def _skipped_name(name: str) -> bool:
    return name in ALWAYS_SKIP or name.endswith(".egg-info")


class _Walker:
    def __init__(self, root: Path, exclude: Sequence[str], result: Discovery) -> None:
        self.root = os.path.abspath(root)
        self.excludes = [p for p in (compile_pattern(x) for x in exclude) if p is not None]
        self.result = result
        self.seen: set[str] = set()

    def rel(self, path: str) -> str | None:
        """POSIX path relative to the root, None when outside it."""
        ap = os.path.abspath(path)
        if ap == self.root:
            return ""
        prefix = self.root.rstrip(os.sep) + os.sep
        if not ap.startswith(prefix):
            return None
        return ap[len(prefix) :].replace(os.sep, "/")

    def excluded(self, rel: str | None, is_dir: bool) -> bool:
        return rel is not None and bool(self.excludes) and is_ignored(self.excludes, rel, is_dir)

    def rules_above(self, rel: str) -> list[Pattern]:
        """.gitignore patterns of the root and of every folder above ``rel`` (a folder
        below the root; its own .gitignore is read when it is walked)."""
        if not rel:
            return []
        rules = read_ignore_file(os.path.join(self.root, ".gitignore"), "")
        parts = rel.split("/")
        for i in range(1, len(parts)):
            sub = "/".join(parts[:i])
            rules += read_ignore_file(os.path.join(self.root, sub, ".gitignore"), sub)
        return rules

    def walk(
        self, folder: str, rules: list[Pattern], base_rel: str | None, real: str | None = None
    ) -> None:
        """``real``: the folder's real path when the caller knows it (the walked folder's
        own real path and a name that is not a symlink)."""
        if real is None:
            real = os.path.realpath(folder)
        if real in self.seen:
            return
        self.seen.add(real)
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            self.result.errors.append(
                f"{folder}: cannot read directory: {exc.strerror or exc} (skipped)"
            )
            return
        own = next((e for e in entries if e.name == ".gitignore"), None)
        if own is not None:
            base = base_rel if base_rel is not None else ""
            rules = rules + read_ignore_file(own.path, base)
        for entry in entries:
            name = entry.name
            rel = self.rel_child(base_rel, name)
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if is_dir:
                if name == "build" and not is_virtualenv(entry.path, name):
                    self.dependency_files_in(entry.path, rules, rel)
                    continue
                if _skipped_name(name) or is_virtualenv(entry.path, name):
                    continue
                if rel is not None and (is_ignored(rules, rel, True) or self.excluded(rel, True)):
                    continue
                self.walk(entry.path, rules, rel, _real_child(real, entry))
                continue
            try:
                if not entry.is_file():
                    continue
            except OSError:
                continue
            if sniff_kind(Path(entry.path)) is None:
                continue
            if rel is not None and (is_ignored(rules, rel, False) or self.excluded(rel, False)):
                continue
            path = Path(entry.path)
            self.result.files.append(path)
            known = _real_child(real, entry)
            if known is not None:
                self.result.real[path] = Path(known)

    def dependency_files_in(self, folder: str, rules: list[Pattern], base_rel: str | None) -> None:
        """A build folder is output, except for the dependency files projects keep there
        (``build/test-requirements.txt``): those, directly in it, are found."""
        if base_rel is not None and (
            is_ignored(rules, base_rel, True) or self.excluded(base_rel, True)
        ):
            return
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            try:
                if not entry.is_file():
                    continue
            except OSError:
                continue
            if sniff_kind(Path(entry.path)) not in (Kind.REQUIREMENTS, Kind.CONDA):
                continue
            rel = self.rel_child(base_rel, entry.name)
            if rel is not None and (is_ignored(rules, rel, False) or self.excluded(rel, False)):
                continue
            self.result.files.append(Path(entry.path))

    def rel_child(self, base_rel: str | None, name: str) -> str | None:
        if base_rel is None:
            return None
        return f"{base_rel}/{name}" if base_rel else name


def _real_child(real: str, entry: os.DirEntry) -> str | None:
    """The real path of a folder's entry from the folder's real path, when the entry
    is not a symlink (DirEntry knows that without a system call on most file systems)."""
    try:
        if entry.is_symlink():
            return None
    except OSError:
        return None
    return (real if real.endswith(os.sep) else real + os.sep) + entry.name


def discover(paths: Sequence[Path], root: Path, exclude: Sequence[str] = ()) -> Discovery:
    """The files to check under ``paths``, sorted, plus one-line errors for paths that
    do not exist and folders that cannot be read. A file named explicitly is returned
    whatever its name, unless an ``exclude`` pattern matches it."""
    result = Discovery()
    walker = _Walker(root, exclude, result)
    for path in paths:
        p = str(path)
        if os.path.isdir(p):
            rel = walker.rel(p)
            if rel is None:  # outside the root: the folder is a root of its own
                outside = _Walker(Path(p), exclude, result)
                outside.seen = walker.seen
                outside.walk(p, [], "")
            elif not (rel and walker.excluded(rel, True)):
                walker.walk(p, walker.rules_above(rel), rel)
        elif os.path.isfile(p):
            if not walker.excluded(walker.rel(p), False):
                result.files.append(Path(p))
        elif os.path.lexists(p):
            result.errors.append(f"{p}: not a regular file or folder (skipped)")
        else:
            result.errors.append(f"{p}: no such file or folder")
    result.files = sorted(set(result.files))
    return result
