"""The YAML lock files of the conda world: ``conda-lock.yml`` and ``pixi.lock``.

Both lock one environment per conda platform (subdir: ``osx-arm64``, ``linux-64``, …),
from conda channels and, for pip/PyPI packages, from a Python index:

- conda-lock (unified format, version 1; https://conda.github.io/conda-lock/output/):
  ``metadata.platforms`` lists the subdirs; each ``package:`` entry has ``name``,
  ``version``, ``manager: conda | pip``, ``platform`` and the ``url`` of its file;
- pixi (``pixi.lock`` version 5/6, https://pixi.sh/latest/workspace/lockfile/):
  ``environments.<env>.packages.<subdir>`` lists ``conda: URL`` / ``pypi: URL`` items
  that point at the top-level ``packages:`` entries (a ``pypi`` entry has ``name`` and
  ``version``). ``pixi install`` installs the ``default`` environment.

The lock's platforms become ``Lock.platforms`` (a lock without the target's subdir
cannot be installed there: LK004). The pip/PyPI packages become locked packages with
their wheel file name, installed where the platform's marker holds, so the pip rules
(LK001/LK002, pairings) judge them per target. The conda packages become conda
dependencies (``==version``, the build string from the file name) installed where their
platform's marker holds, so the rules that judge conda packages (``cudatoolkit`` or
``mkl`` locked for a Mac, ...) see what the lock installs on the target; they have no
files for LK001/LK002 (a conda build is not a wheel).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..model import Dependency, Document, Kind, Lock, LockedPackage, Problem, Span
from .locks import _basename, _canonical, platform_marker
from .text import split_lines

__all__ = ["parse_yaml_lock", "subdir_marker"]

_OS = {"osx": "darwin", "linux": "linux", "win": "win32"}
_ITEM = re.compile(r"^(\s*)-\s+(name|pypi|conda)\s*:\s*(.*?)\s*$")
_KEY = re.compile(r"^(\s*)(name|version)\s*:\s*['\"]?(.*?)['\"]?\s*$")


def subdir_marker(subdir: str) -> str:
    """The marker that holds on a conda subdir's OS and CPU (``osx-arm64`` ->
    darwin/arm64, ``linux-64`` -> linux/x86_64); a marker that no target meets for
    subdirs such as ``noarch``."""
    os_name, _, arch = subdir.partition("-")
    if os_name not in _OS or not arch:
        return "sys_platform == 'none'"
    return platform_marker(_OS[os_name], arch)


def _problem(doc: Document, line: int, message: str) -> Document:
    doc.problems.append(Problem(Span.point(line), message))
    return doc


def parse_yaml_lock(path: Path, text: str, fmt: str) -> Document:
    import yaml

    lines = split_lines(text)
    doc = Document(path=path, kind=Kind.LOCK, text=text, lines=lines)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line if mark is not None else 0
        return _problem(doc, line, f"invalid YAML in lock file: {str(exc).splitlines()[0]}")
    except (RecursionError, ValueError) as exc:
        return _problem(doc, 0, f"invalid YAML in lock file: {exc}")
    if not isinstance(data, dict):
        return _problem(doc, 0, "not a lock file: the top level is not a mapping")
    lock = Lock(format=fmt)
    if fmt == "conda-lock":
        pythons = _conda_lock(doc, lock, data, lines)
    else:
        pythons = _pixi(doc, lock, data, lines)
    _python(doc, pythons, lines)
    doc.lock = lock
    return doc


_PY_FILE = re.compile(r"^python-(\d+)\.(\d+)[.\d]*-[^-]+\.(?:conda|tar\.bz2)$")


def _python(doc: Document, versions: set[str], lines: list[str]) -> None:
    """The locked conda ``python`` as the document's Python (``==3.11.*``) when every
    platform locks the same minor version."""
    minors = {".".join(v.split(".")[:2]) for v in versions}
    if len(minors) != 1:
        return
    (minor,) = minors
    row = next(
        (
            i
            for i, ln in enumerate(lines)
            if re.search(r"\bpython[-:= ]+\s*" + re.escape(minor), ln)
        ),
        0,
    )
    span = Span.on_line(row, 0, len(lines[row])) if lines else Span.point(0)
    doc.python = (f"=={minor}.*", span)


def _row_of(lines: list[str], key: str, top: bool = False) -> int:
    """The first line of ``key:`` (``top``: at the top level, not indented)."""
    indent = "" if top else "[ \t]*"
    pat = re.compile("^" + indent + re.escape(key) + r"\s*:")
    return next((i for i, ln in enumerate(lines) if pat.match(ln)), 0)


def _entries(lines: list[str], start: int) -> list[dict[str, tuple[int, int, int]]]:
    """Positions in a top-level ``package:``/``packages:`` list from ``start``: for each
    ``- key: value`` item, key -> (line, value start, value end) of its first line and of
    its ``name`` / ``version`` keys."""
    out: list[dict[str, tuple[int, int, int]]] = []
    indent: int | None = None
    for row in range(start + 1, len(lines)):
        line = lines[row]
        if line and not line[0].isspace() and not line.startswith("-") and ":" in line:
            break  # the next top-level key
        m = _ITEM.match(line)
        if m and (indent is None or len(m.group(1)) == indent):
            indent = len(m.group(1))
            item = {m.group(2): (row, m.start(3), m.end(3)), "_item": (row, 0, len(line))}
            out.append(item)
            continue
        k = _KEY.match(line)
        if k and out and k.group(2) not in out[-1]:
            out[-1][k.group(2)] = (row, k.start(3), k.end(3))
    return out


def _span(pos: dict[str, tuple[int, int, int]], *keys: str) -> Span:
    for key in keys:
        if key in pos:
            row, a, b = pos[key]
            return Span.on_line(row, a, b)
    return Span.point(0)


_CONDA_FILE = re.compile(r"^(.+)-([^-]+)-([^-]+)\.(?:conda|tar\.bz2)$")


def conda_file(url: Any) -> tuple[str, str, str] | None:
    """(name, version, build) of a conda package file name
    (``python-3.12.7-hc5c86c4_0_cpython.conda``), None for anything else."""
    m = _CONDA_FILE.match(_basename(url) or "")
    return (m.group(1), m.group(2), m.group(3)) if m else None


def _conda(name: str, version: str, build: str | None, marker: str, pos: dict) -> LockedPackage:
    """A locked conda package: a conda dependency pinned ``==version`` on its entry."""
    span = _span(pos, "name", "conda", "_item")
    vspan = _span(pos, "version") if "version" in pos else None
    dep = Dependency(
        name=_canonical(name),
        span=span,
        name_span=span,
        raw=f"{name}=={version}" if version else name,
        specifier=f"=={version}" if version else "",
        specifier_span=vspan,
        source="conda",
        build=build,
        quoting=None,  # a lock is re-generated, never edited
    )
    return LockedPackage(dependency=dep, version=version, marker=marker)


def _locked(name: str, version: str, url: Any, marker: str, pos: dict) -> LockedPackage:
    span = _span(pos, "name", "pypi", "_item")
    vspan = _span(pos, "version") if "version" in pos else None
    dep = Dependency(
        name=_canonical(name),
        span=span,
        name_span=span,
        raw=f"{name}=={version}" if version else name,
        specifier=f"=={version}" if version else "",
        specifier_span=vspan,
        source="pip",
    )
    file = _basename(url) or ""
    wheel = file.endswith(".whl")
    direct = not isinstance(url, str) or not url.startswith(("http://", "https://"))
    return LockedPackage(
        dependency=dep,
        version=version,
        wheels=(file,) if wheel else (),
        sdist=bool(file) and not wheel,
        direct=direct,
        marker=marker,
    )


def _conda_lock(doc: Document, lock: Lock, data: dict, lines: list[str]) -> set[str]:
    meta = data.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    platforms = meta.get("platforms")
    raw = data.get("package")
    raw = raw if isinstance(raw, list) else []
    present = {p.get("platform") for p in raw if isinstance(p, dict)}
    declared = [p for p in platforms if isinstance(p, str)] if isinstance(platforms, list) else []
    lock.platforms = tuple(declared or sorted(p for p in present if isinstance(p, str)))
    lock.covered = tuple(p for p in lock.platforms if p in present)
    row = _row_of(lines, "platforms")
    lock.supported_span = Span.on_line(row, 0, len(lines[row])) if lines else Span.point(0)
    where = _entries(lines, _row_of(lines, "package", top=True))
    pythons: set[str] = set()
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            continue
        if entry.get("manager") == "conda" and entry.get("name") == "python":
            pythons.add(str(entry.get("version") or ""))
        manager = entry.get("manager")
        if manager not in ("pip", "conda"):
            continue
        name, version, platform = entry.get("name"), entry.get("version"), entry.get("platform")
        if not isinstance(name, str) or not isinstance(platform, str):
            continue
        version = str(version) if version is not None else ""
        pos = where[index] if index < len(where) else {}
        if manager == "conda":
            parts = conda_file(entry.get("url"))
            build = parts[2] if parts else None
            pkg = _conda(name, version, build, subdir_marker(platform), pos)
        else:
            pkg = _locked(name, version, entry.get("url"), subdir_marker(platform), pos)
        lock.packages.append(pkg)
        doc.dependencies.append(pkg.dependency)
    return {v for v in pythons if v}


def _pixi(doc: Document, lock: Lock, data: dict, lines: list[str]) -> set[str]:
    envs = data.get("environments")
    envs = envs if isinstance(envs, dict) else {}
    env = envs.get("default")
    if not isinstance(env, dict):
        env = next((e for e in envs.values() if isinstance(e, dict)), {})
    per_platform = env.get("packages")
    per_platform = per_platform if isinstance(per_platform, dict) else {}
    lock.platforms = tuple(p for p in per_platform if isinstance(p, str))
    lock.covered = tuple(p for p in lock.platforms if per_platform.get(p))
    row = _row_of(lines, "environments")
    lock.supported_span = Span.on_line(row, 0, len(lines[row])) if lines else Span.point(0)
    # which platforms each PyPI file is installed on
    where_used: dict[str, list[str]] = {}
    pythons: set[str] = set()
    for platform, items in per_platform.items():
        for item in items if isinstance(items, list) else []:
            url = item.get("pypi") if isinstance(item, dict) else None
            if isinstance(url, str):
                where_used.setdefault(url, []).append(str(platform))
            conda = item.get("conda") if isinstance(item, dict) else None
            if isinstance(conda, str):
                where_used.setdefault(conda, []).append(str(platform))
            m = _PY_FILE.match(_basename(conda) or "")
            if m:
                pythons.add(f"{m.group(1)}.{m.group(2)}")
    raw = data.get("packages")
    raw = raw if isinstance(raw, list) else []
    where = _entries(lines, _row_of(lines, "packages", top=True))
    for index, entry in enumerate(raw):
        if isinstance(entry, dict) and isinstance(entry.get("conda"), str):
            _pixi_conda(doc, lock, entry, where_used, where[index] if index < len(where) else {})
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("pypi"), str):
            continue
        url = entry["pypi"]
        platforms = where_used.get(url)
        name = entry.get("name")
        if not platforms or not isinstance(name, str):
            continue  # not in the installed environment, or no name (older formats)
        version = str(entry.get("version") or "")
        marker = " or ".join(f"({subdir_marker(p)})" for p in platforms)
        pos = where[index] if index < len(where) else {}
        pkg = _locked(name, version, url, marker, pos)
        if isinstance(entry.get("requires_python"), str):
            from dataclasses import replace

            pkg = replace(pkg, requires_python=entry["requires_python"])
        lock.packages.append(pkg)
        doc.dependencies.append(pkg.dependency)
    return pythons


def _pixi_conda(doc: Document, lock: Lock, entry: dict, where_used: dict, pos: dict) -> None:
    """A pixi conda entry in the installed environment: name, version and build from its
    file name (version 6 locks write no ``name`` for conda entries)."""
    url = entry["conda"]
    platforms = where_used.get(url)
    parts = conda_file(url)
    if not platforms or parts is None:
        return
    name, version, build = parts
    if isinstance(entry.get("name"), str):
        name = entry["name"]
    if isinstance(entry.get("version"), str):
        version = entry["version"]
    marker = " or ".join(f"({subdir_marker(p)})" for p in platforms)
    pkg = _conda(name, version, build, marker, pos)
    lock.packages.append(pkg)
    doc.dependencies.append(pkg.dependency)
