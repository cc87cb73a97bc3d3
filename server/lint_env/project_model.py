"""What a project declares and what it is: one model for every import rule.

Built from the files discovery finds under the root, read statically (never run):

- declarations: every requirements-type file, conda environment file and
  pyproject.toml in the tree, plus ``setup.py``/``setup.cfg`` (read from their syntax).
  Each keeps the folder it serves (its *scope*): a file serves the code in its own
  folder and below; a file in a folder that holds no code (``requirements/``,
  ``envs/``, ``install/``, ``build/``) serves the folder above. A code file is judged
  against the declarations whose scope contains it (tests and docs code against their
  own files and the root's), plus, for a notebook, its own install cells;
- first-party modules: every name that Python can import as a top-level module from
  some folder of the tree that is not inside a regular package (a folder with
  ``__init__.py``): the root's packages and modules, ``src/`` layouts, namespace
  packages, and the modules next to a script. Nothing first-party is "undeclared";
- the distributions the project builds itself (``[project] name``, ``setup(name=…)``,
  ``[metadata] name``), so that its own package at the root is not a "shadow".
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .model import Dependency, Document, Kind
from .sources import REQUIREMENTS_FOLDERS

DEP_KINDS = (Kind.REQUIREMENTS, Kind.CONDA, Kind.PYPROJECT, Kind.LOCK)  # lockfiles list all
CODE_KINDS = (Kind.PYTHON, Kind.NOTEBOOK)
_CODE_SUFFIXES = (".py", ".pyi", ".ipynb")


def declared_names(deps: Iterable[Dependency], *, build: bool = False) -> frozenset[str]:
    """Canonical PyPI names of what ``deps`` install (conda names mapped; build-time
    requirements only when ``build``)."""
    from .import_map import canonical, conda_to_pypi

    out: set[str] = set()
    for d in deps:
        if d.constraint_only or (d.group == "build" and not build):
            continue
        if d.source == "conda":
            name = conda_to_pypi(d.name)
            if name:
                out.add(name)
        else:
            out.add(canonical(d.name))
            if d.url and "#egg=" in d.url:  # `-e git+…#egg=name`: the name is the egg's
                egg = d.url.split("#egg=", 1)[1].split("&", 1)[0]
                if egg:
                    out.add(canonical(egg))
    return frozenset(out)


@dataclass(frozen=True)
class Declaration:
    doc: Document
    scope: str  # absolute folder (os.path text) whose code this file serves
    names: frozenset[str]
    build_names: frozenset[str]


@dataclass
class ProjectModel:
    root: Path
    declarations: list[Declaration]
    code_files: list[Path]  # resolved, sorted
    package_dirs: frozenset[str]  # folders with __init__.py (absolute os.path text)
    own_distributions: frozenset[str]
    _cache: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def has_declarations(self) -> bool:
        return bool(self.declarations)

    def declared_for(self, path: Path, doc: Document | None = None) -> frozenset[str]:
        """Distributions declared for the code file ``path`` (with what they always
        install), from every declaration whose scope contains it."""
        from .import_map import with_brought

        folder = os.path.dirname(str(path))
        is_setup = os.path.basename(str(path)) in ("setup.py", "conftest.py")
        key = folder + ("\0setup" if is_setup else "")
        hit = self._cache.get(key)
        if hit is None:
            names: set[str] = set(self.own_distributions)
            for d in self.declarations:
                if folder == d.scope or folder.startswith(d.scope.rstrip(os.sep) + os.sep):
                    names |= d.names
                    if is_setup:
                        names |= d.build_names
            hit = with_brought(names)
            self._cache[key] = hit
        if doc is not None and doc.dependencies:
            return hit | with_brought(declared_names(doc.dependencies))
        return hit

    @cached_property
    def first_party(self) -> frozenset[str]:
        """Top-level names importable from some folder of the tree that is not inside a
        regular package."""
        root = str(self.root)
        names: set[str] = set()
        for path in self.code_files:
            rel = os.path.relpath(str(path), root)
            if rel.startswith(".."):
                continue
            parts = rel.split(os.sep)
            folder = root
            for i, part in enumerate(parts):
                if folder not in self.package_dirs:
                    name = part if i < len(parts) - 1 else part.split(".", 1)[0]
                    if name.isidentifier():
                        names.add(name)
                folder = os.path.join(folder, part)
        return frozenset(names)

    @cached_property
    def every_name(self) -> frozenset[str]:
        """Every module and folder name of the tree's code (for files that put other
        folders on sys.path themselves)."""
        root = str(self.root)
        names: set[str] = set(self.first_party)
        for path in self.code_files:
            rel = os.path.relpath(str(path), root)
            if rel.startswith(".."):
                continue
            parts = rel.split(os.sep)
            names.update(p for p in parts[:-1] if p.isidentifier())
            stem = parts[-1].split(".", 1)[0]
            if stem.isidentifier():
                names.add(stem)
        return frozenset(names)

    def is_script_folder(self, folder: Path) -> bool:
        """A folder Python puts first on sys.path when a file in it runs: not a package."""
        return str(folder) not in self.package_dirs


# Folders that keep a project's dependency files (and maybe build scripts) for the
# folder above them.
_DEPENDENCY_FOLDERS = frozenset(
    {
        "requirements", "requirement", "reqs", "deps", "build", "ci", ".ci", "envs",
        "env", "environments", "environment", "conda", "install", "docker", "tools",
        ".github", "dev", "setup", "scripts",
    }
)  # fmt: skip


# Words in a dependency file's name (or folder) that say which platforms it is for:
# `requirements-jax-cuda.txt`, `tpu-requirements.txt`, `environment-linux.yml`.
_PLATFORM_WORDS = {
    "cuda": ("linux", "windows"), "rocm": ("linux",), "tpu": ("linux",),
    "nvidia": ("linux", "windows"), "linux": ("linux",), "windows": ("windows",),
    "win": ("windows",), "win64": ("windows",), "macos": ("macos",), "osx": ("macos",),
    "mac": ("macos",), "metal": ("macos",), "m1": ("macos",), "apple": ("macos",),
}  # fmt: skip


def meant_for(path: Path) -> frozenset[str] | None:
    """The platform families (macos, linux, windows) a dependency file's name (its stem)
    says it is for, or None when it does not say. `cu121` and similar count as CUDA."""
    import re

    words = re.split(r"[^a-z0-9]+", path.stem.lower())
    out: set[str] = set()
    for w in words:
        if w in _PLATFORM_WORDS:
            out.update(_PLATFORM_WORDS[w])
        elif re.fullmatch(r"cu\d{2,3}", w):
            out.update(("linux", "windows"))
    return frozenset(out) or None


def _scope(path: Path, code_dirs: set[str], root: str) -> str:
    for anc in path.parents:  # requirements/pytorch/base.txt serves the folder above requirements/
        if len(str(anc)) <= len(root):
            break
        if anc.name.lower() in REQUIREMENTS_FOLDERS:
            return str(anc.parent)
    folder = str(path.parent)
    if folder != root and (folder not in code_dirs or path.parent.name in _DEPENDENCY_FOLDERS):
        parent = os.path.dirname(folder)
        if parent.startswith(root):
            return parent
    return folder


def build_model(
    root: Path, files: Iterable[Path], document: Callable[[Path], Document]
) -> ProjectModel:
    """The model from the discovered ``files`` (resolved paths under ``root``)."""
    from .sources import detect_kind

    root = root.resolve()
    root_s = str(root)
    code: list[Path] = []
    deps: list[Path] = []
    setup_files: list[Path] = []
    for p in files:
        name = p.name
        if name.endswith(_CODE_SUFFIXES):
            code.append(p)
            if name == "setup.py":
                setup_files.append(p)
            continue
        kind = detect_kind(p, explicit=True)
        if kind in DEP_KINDS:
            deps.append(p)
    code.sort()
    code_dirs = {str(p.parent) for p in code}
    package_dirs = frozenset(
        str(p.parent) for p in code if p.name in ("__init__.py", "__init__.pyi")
    )
    for folder in (
        {p.parent for p in deps} | {p.parent for p in code if p.name == "setup.py"} | {root}
    ):
        cfg = folder / "setup.cfg"
        if cfg.is_file():
            setup_files.append(cfg)
    declarations: list[Declaration] = []
    own: set[str] = set()
    # The project's own packages, run from its source tree: the regular packages next
    # to a setup.py / pyproject.toml (keras/ in keras' repository).
    for p in [*deps, *setup_files]:
        if p.name in ("pyproject.toml", "setup.py", "setup.cfg"):
            folder = str(p.parent)
            own |= {
                os.path.basename(d)
                for d in package_dirs
                if os.path.dirname(d) == folder or os.path.dirname(d) == os.path.join(folder, "src")
            }
    for p in sorted(set(deps)):
        doc = document(p)
        if doc.kind not in DEP_KINDS:
            continue
        declarations.append(_declaration(doc, _scope(p, code_dirs, root_s)))
        if doc.kind is Kind.PYPROJECT:
            own |= _pyproject_name(doc)
    for p in sorted(set(setup_files)):
        doc = _read_setup(p)
        if doc is None:
            continue
        own |= {s.value for s in doc.settings if s.key == "name"}
        if doc.dependencies:
            declarations.append(_declaration(doc, str(p.parent)))
    from .import_map import canonical

    return ProjectModel(
        root=root,
        declarations=declarations,
        code_files=code,
        package_dirs=package_dirs,
        own_distributions=frozenset(canonical(n) for n in own if n),
    )


def _declaration(doc: Document, scope: str) -> Declaration:
    # A URL or VCS requirement without #egg= (git+https://…/openai/CLIP.git) declares
    # the project of its last path part.
    urls = [s.value for s in doc.settings if s.key in ("url", "editable")]
    vcs: set[str | None] = set()
    if urls:
        from .sources.notebook_installs import _repo_name

        vcs = {_repo_name(u) for u in urls}
    return Declaration(
        doc=doc,
        scope=scope,
        names=declared_names(doc.dependencies) | {n for n in vcs if n},
        build_names=declared_names([d for d in doc.dependencies if d.group == "build"], build=True),
    )


def _read_setup(path: Path) -> Document | None:
    from .sources.setup_files import parse_setup_cfg, parse_setup_py
    from .sources.text import MAX_BYTES, decode

    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        text = decode(path.read_bytes()).text
    except OSError:
        return None
    if path.name == "setup.cfg":
        return parse_setup_cfg(path, text)
    return parse_setup_py(path, text)


def _pyproject_name(doc: Document) -> set[str]:
    """``[project] name`` / ``[tool.poetry] name`` of a pyproject.toml."""
    import re

    out = set()
    section = ""
    for row in doc.lines:
        s = row.strip()
        if s.startswith("["):
            section = s.strip("[] ")
            continue
        if section in ("project", "tool.poetry"):
            m = re.match(r"name\s*=\s*[\"']([^\"']+)[\"']", s)
            if m:
                out.add(m.group(1))
    return out


@dataclass
class Place:
    """One place a project-level finding concerns: an import in a code file."""

    path: Path
    span: object  # model.Span
    module: str


class ProjectView:
    """The model plus the project's code documents, for rules said once per project.

    ``focus``: the files a check reports on (None: all). A project-level finding sits
    at its first place (path order, then position) among the focused files; the other
    places are its related locations. ``memo`` keeps what rules computed over the
    whole project (the view is rebuilt whenever a file changes)."""

    def __init__(
        self,
        model: ProjectModel,
        document: Callable[[Path], Document],
        focus: frozenset[Path] | None = None,
    ) -> None:
        self.model = model
        self._document = document
        self.focus = focus
        self.memo: dict[object, object] = {}
        self._docs: list[Document] | None = None

    def code_documents(self) -> list[Document]:
        if self._docs is None:
            self._docs = [self._document(p) for p in self.model.code_files]
        return self._docs

    def primary(self, places: list[Place]) -> Place | None:
        """The place a project-level finding is reported at."""
        ordered = sorted(places, key=_place_key)
        if self.focus is not None:
            ordered = [p for p in ordered if p.path in self.focus] or []
        return ordered[0] if ordered else None


def _place_key(p: Place) -> tuple:
    span = p.span
    cell = -1 if span.cell is None else span.cell  # type: ignore[attr-defined]
    return (str(p.path), cell, span.line, span.col)  # type: ignore[attr-defined]
