"""Lock files: ``uv.lock``, ``poetry.lock``, ``pylock.toml`` (PEP 751) and ``pdm.lock``;
the YAML locks (``conda-lock.yml``, ``pixi.lock``) are read by :mod:`.conda_locks`, and a
``pixi.toml`` manifest gives only its ``platforms``.

A lock lists every distribution a resolver chose, with the exact version and the files
(wheels, sdist) it may be installed from, so for these packages lint-env does not need
its index snapshot: the lock itself says whether anything installs on a target.

Each locked package becomes a :class:`~lint_env.model.Dependency` (``==version``, spans on
the entry's ``name = ...`` line) and a :class:`~lint_env.model.LockedPackage` in
``Document.lock``. Which packages a target installs is decided by :func:`installed_on`:

- uv: a graph walk from the project packages (``source = { virtual | editable | directory
  = ... }``) along ``dependencies`` and ``dev-dependencies`` whose markers hold for the
  target (uv installs the ``dev`` group by default), into the extras an edge asks for;
- Poetry: its per-package ``markers`` (lock-version 2.1, Poetry 2); older locks carry
  markers only on edges, and their roots (the pyproject's dependencies) are not in the
  lock, so there every package counts as installed whose incoming edges do not all
  exclude the target;
- pylock: each package's ``marker``;
- pdm: each package's ``marker`` with the ``inherit_metadata`` strategy (PDM's default
  since 2.11); older locks carry markers only on ``dependencies`` strings, judged as old
  Poetry locks are. ``[[metadata.targets]]`` with a ``platform`` restrict the lock as
  uv's ``supported-markers`` do.

tomllib gives values without positions; generated locks write one ``[[package]]`` header
and then ``name = "..."`` / ``version = "..."`` lines, which a line scan finds.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..model import (
    Dependency,
    Document,
    Kind,
    Lock,
    LockEdge,
    LockedPackage,
    Problem,
    Setting,
    Span,
)
from .text import split_lines

if TYPE_CHECKING:
    from ..target import Target

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["Installs", "installed_on", "installs", "lock_format", "parse_lock"]

_CANON = re.compile(r"[-_.]+")
_HEADER = re.compile(r"^\s*\[\[\s*(package|packages)\s*\]\]\s*(#.*)?$")
_TABLE = re.compile(r"^\s*\[")
_KEY_STR = re.compile(r"""^(\s*)(name|version)\s*=\s*(["'])(.*?)\3""")


def lock_format(path: Path) -> str | None:
    """ "uv" | "poetry" | "pylock" | "pdm" | "conda-lock" | "pixi" | "pixi-manifest" by
    file name; None for other files."""
    name = path.name.lower()
    if name == "uv.lock":
        return "uv"
    if name == "poetry.lock":
        return "poetry"
    if name == "pdm.lock":
        return "pdm"
    if name == "pixi.lock":
        return "pixi"
    if name == "pixi.toml":
        return "pixi-manifest"
    if name in ("conda-lock.yml", "conda-lock.yaml") or name.endswith(
        (".conda-lock.yml", ".conda-lock.yaml")
    ):
        return "conda-lock"
    if name == "pylock.toml" or (name.startswith("pylock.") and name.endswith(".toml")):
        return "pylock"
    return None


def _canonical(name: str) -> str:
    return _CANON.sub("-", name).lower()


def parse_lock(path: Path, text: str) -> Document:
    fmt = lock_format(path) or "uv"
    if fmt in ("conda-lock", "pixi"):
        from .conda_locks import parse_yaml_lock

        return parse_yaml_lock(path, text, fmt)
    lines = split_lines(text)
    doc = Document(path=path, kind=Kind.LOCK, text=text, lines=lines)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = max(getattr(exc, "lineno", 1) - 1, 0)
        doc.problems.append(Problem(Span.point(line), f"invalid TOML in lock file: {exc}"))
        return doc
    if fmt == "pixi-manifest":
        pixi_platforms(doc, data)
        return doc
    raw = data.get("packages" if fmt == "pylock" else "package", [])
    if not isinstance(raw, list):
        raw = []
    where = _entry_lines(lines)
    lock = Lock(format=fmt, graph=fmt == "uv")
    rp = data.get("requires-python")
    meta = data.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    if fmt == "poetry":
        rp = meta.get("python-versions")
        lock.graph = not any(isinstance(p, dict) and "markers" in p for p in raw)
    elif fmt == "pdm":
        strategy = meta.get("strategy")
        lock.graph = not (isinstance(strategy, list) and "inherit_metadata" in strategy)
        rp = _pdm_targets(doc, lock, meta, lines)
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        spans = where[index] if index < len(where) else {}
        pkg = _package(fmt, entry, spans)
        if pkg is not None:
            lock.packages.append(pkg)
            doc.dependencies.append(pkg.dependency)
    if fmt in ("uv", "pylock"):
        key = "supported-markers" if fmt == "uv" else "environments"
        supported = data.get(key)
        if isinstance(supported, list):
            lock.supported_markers = tuple(m for m in supported if isinstance(m, str))
            row = next((i for i, ln in enumerate(lines) if _supported_line(ln, key)), 0)
            lock.supported_span = Span.on_line(row, 0, len(lines[row]))
    if isinstance(rp, str) and rp.strip():
        spec = _python_spec(rp) if fmt == "poetry" else rp.strip()
        if spec:
            row = next((i for i, ln in enumerate(lines) if "python" in ln and rp in ln), 0)
            doc.python = (spec, Span.on_line(row, 0, len(lines[row])))
            doc.settings.append(Setting("requires-python", spec, doc.python[1]))
    doc.lock = lock
    return doc


def _supported_line(line: str, key: str) -> bool:
    return line.lstrip().startswith(key) and line.split("=", 1)[0].strip() == key


def _entry_lines(lines: list[str]) -> list[dict[str, tuple[int, int, int]]]:
    """For each ``[[package]]`` entry in order: key -> (line, value start, value end) of its
    own ``name`` and ``version`` (sub-tables such as ``[package.metadata]`` are skipped)."""
    out: list[dict[str, tuple[int, int, int]]] = []
    current: dict[str, tuple[int, int, int]] | None = None
    for row, line in enumerate(lines):
        if _HEADER.match(line):
            current = {}
            out.append(current)
            continue
        if _TABLE.match(line):
            current = None  # a sub-table: its keys are not the entry's
            continue
        if current is None:
            continue
        m = _KEY_STR.match(line)
        if m and m.group(2) not in current:
            start = m.start(4)
            current[m.group(2)] = (row, start, start + len(m.group(4)))
    return out


def _package(fmt: str, entry: dict[str, Any], spans: dict) -> LockedPackage | None:
    name = _canonical(entry["name"])
    version = entry.get("version")
    version = version if isinstance(version, str) else ""
    row, start, end = spans.get("name", (0, 0, 0))
    name_span = Span.on_line(row, start, end)
    vspan = None
    if "version" in spans:
        vrow, vstart, vend = spans["version"]
        vspan = Span.on_line(vrow, vstart, vend)
    dep = Dependency(
        name=name,
        span=name_span,
        name_span=name_span,
        raw=f"{entry['name']}=={version}" if version else entry["name"],
        specifier=f"=={version}" if version else "",
        specifier_span=vspan,
        source="pip",
    )
    wheels, sdist, direct = _files(fmt, entry)
    marker = None
    if fmt == "pylock":
        marker = entry.get("marker") if isinstance(entry.get("marker"), str) else None
    elif fmt == "poetry":
        marker = _poetry_markers(entry.get("markers"))
    elif fmt == "pdm":
        marker = entry.get("marker") if isinstance(entry.get("marker"), str) else None
    rp = entry.get("requires-python") or entry.get("python-versions")
    rp = rp or entry.get("requires_python")
    rp = rp if isinstance(rp, str) and rp.strip() not in ("", "*") else None
    if fmt == "poetry" and rp:
        rp = _python_spec(rp)
    return LockedPackage(
        dependency=dep,
        version=version,
        wheels=wheels,
        sdist=sdist,
        direct=direct,
        marker=marker,
        requires_python=rp,
        edges=tuple(_edges(fmt, entry)),
        extras=_extras(fmt, entry),
        root=fmt == "uv" and _is_project(entry.get("source")),
        source=_source_key(entry.get("source")) if fmt == "uv" else None,
    )


def _is_project(source: Any) -> bool:
    return isinstance(source, dict) and any(k in source for k in ("virtual", "editable"))


def _files(fmt: str, entry: dict[str, Any]) -> tuple[tuple[str, ...], bool, bool]:
    """(wheel file names, has an sdist, installs from a path/URL/VCS as written)."""
    wheels: list[str] = []
    sdist = False
    direct = False
    if fmt in ("poetry", "pdm"):
        files = entry.get("files")
        for f in files if isinstance(files, list) else []:
            name = (f.get("file") or _basename(f.get("url"))) if isinstance(f, dict) else None
            if isinstance(name, str):
                if name.endswith(".whl"):
                    wheels.append(name)
                else:
                    sdist = True
        if fmt == "pdm":  # a path, URL or VCS requirement is installed as written
            direct = any(k in entry for k in ("path", "url", "git", "hg", "svn", "bzr"))
            return tuple(wheels), sdist, direct
        src = entry.get("source")
        direct = isinstance(src, dict) and src.get("type") in ("git", "directory", "file", "url")
        return tuple(wheels), sdist, direct
    for w in entry.get("wheels") or []:
        if not isinstance(w, dict):
            continue
        name = w.get("name") or w.get("filename") or _basename(w.get("url") or w.get("path"))
        if isinstance(name, str) and name.endswith(".whl"):
            wheels.append(name)
    sdist = isinstance(entry.get("sdist"), dict)
    if fmt == "uv":
        src = entry.get("source")
        direct = isinstance(src, dict) and "registry" not in src
    else:
        direct = any(k in entry for k in ("vcs", "directory", "archive"))
    return tuple(wheels), sdist, direct


def _basename(url: Any) -> str | None:
    if not isinstance(url, str):
        return None
    return url.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def _edge(raw: Any) -> LockEdge | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        return None
    extras = raw.get("extra") or ()
    return LockEdge(
        name=_canonical(raw["name"]),
        version=raw.get("version") if isinstance(raw.get("version"), str) else None,
        marker=raw.get("marker") if isinstance(raw.get("marker"), str) else None,
        extras=tuple(e for e in extras if isinstance(e, str)),
        source=_source_key(raw.get("source")),
    )


def _source_key(source: Any) -> str | None:
    """A uv ``source = { registry = "..." }`` table as one comparable string."""
    if not isinstance(source, dict):
        return None
    return ";".join(f"{k}={source[k]}" for k in sorted(source) if isinstance(source[k], str))


def _edges(fmt: str, entry: dict[str, Any]) -> Iterable[LockEdge]:
    if fmt == "uv":
        lists = [entry.get("dependencies") or []]
        dev = entry.get("dev-dependencies")
        if _is_project(entry.get("source")) and isinstance(dev, dict):
            lists.append(dev.get("dev") or [])  # uv installs the dev group by default
        for items in lists:
            for raw in items if isinstance(items, list) else []:
                edge = _edge(raw)
                if edge is not None:
                    yield edge
    elif fmt == "pdm":
        deps = entry.get("dependencies")
        for text in deps if isinstance(deps, list) else []:
            edge = _requirement_edge(text)
            if edge is not None:
                yield edge
    elif fmt == "poetry":
        deps = entry.get("dependencies")
        for name, value in (deps if isinstance(deps, dict) else {}).items():
            for one in value if isinstance(value, list) else [value]:
                marker = one.get("markers") if isinstance(one, dict) else None
                yield LockEdge(_canonical(name), marker=marker if isinstance(marker, str) else None)


def _requirement_edge(text: Any) -> LockEdge | None:
    """A PEP 508 string (pdm ``dependencies``) as an edge; None when unreadable."""
    if not isinstance(text, str):
        return None
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(text)
    except InvalidRequirement:
        return None
    marker = str(req.marker) if req.marker is not None else None
    return LockEdge(_canonical(req.name), marker=marker, extras=tuple(sorted(req.extras)))


# pdm platform names (dep_logic's Platform.parse, which PDM's `lock --platform` uses):
# the OS part -> sys_platform; arm64/aarch64/x86_64/amd64 -> platform_machine per OS
_PDM_OS = {"linux": "linux", "manylinux": "linux", "macos": "darwin", "windows": "win32"}
_PDM_ALIASES = {
    "linux": ("linux", "x86_64"),
    "windows": ("win32", "x86_64"),
    "macos": ("darwin", "arm64"),
    "macos_arm64": ("darwin", "arm64"),
    "macos_x86_64": ("darwin", "x86_64"),
}


def platform_marker(sys_platform: str, machine: str) -> str:
    """The marker that holds on one OS and CPU (machine names as each OS reports them:
    arm64 on macOS, aarch64 on Linux, AMD64 on Windows)."""
    m = machine.lower()
    if m in ("arm64", "aarch64"):
        m = "arm64" if sys_platform in ("darwin", "win32") else "aarch64"
        if sys_platform == "win32":
            m = "ARM64"
    elif m in ("x86_64", "amd64", "64"):
        m = "AMD64" if sys_platform == "win32" else "x86_64"
    return f"sys_platform == '{sys_platform}' and platform_machine == '{m}'"


def _pdm_platform_marker(name: str) -> str | None:
    """A pdm target ``platform`` as a marker; None for platforms no lint-env target is
    (musllinux/alpine: a different C library) or unreadable names."""
    if name in _PDM_ALIASES:
        return platform_marker(*_PDM_ALIASES[name])
    head, _, rest = name.partition("_")
    if head not in _PDM_OS:
        return None
    arch = rest.rsplit("_", 1)[-1] if head in ("manylinux", "macos") else rest
    if head in ("manylinux", "macos") and rest.count("_") >= 2:
        arch = rest.split("_", 2)[2]  # manylinux_2_28_x86_64 -> x86_64
    return platform_marker(_PDM_OS[head], arch) if arch else None


def _pdm_targets(doc: Document, lock: Lock, meta: dict, lines: list[str]) -> str | None:
    """``[[metadata.targets]]``: the lock's platforms (as supported markers, when every
    target names one) and its Python range (when there is one target)."""
    targets = meta.get("targets")
    targets = [t for t in targets if isinstance(t, dict)] if isinstance(targets, list) else []
    if targets and all(isinstance(t.get("platform"), str) for t in targets):
        markers = [_pdm_platform_marker(t["platform"]) for t in targets]
        lock.supported_markers = tuple(m for m in markers if m)
        row = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("platform")), 0)
        lock.supported_span = Span.on_line(row, 0, len(lines[row]))
    rps = {t.get("requires_python") for t in targets if isinstance(t.get("requires_python"), str)}
    if len(rps) == 1:
        return rps.pop()
    rp = meta.get("requires_python")  # locks before lock_version 4.5
    return rp if isinstance(rp, str) else None


def pixi_platforms(doc: Document, data: dict) -> None:
    """``platforms`` of a pixi manifest (``[workspace]``/``[project]`` in pixi.toml,
    ``[tool.pixi.workspace|project]`` in pyproject.toml) as a ``pixi-platforms`` setting
    on its line."""
    tables = [data.get("workspace"), data.get("project")]
    tool = data.get("tool")
    pixi = tool.get("pixi") if isinstance(tool, dict) else None
    if isinstance(pixi, dict):
        tables += [pixi.get("workspace"), pixi.get("project")]
    for table in tables:
        value = table.get("platforms") if isinstance(table, dict) else None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            row = _platforms_row(doc.lines, pixi is not None)
            span = Span.on_line(row, 0, len(doc.lines[row])) if doc.lines else Span.point(0)
            doc.settings.append(Setting("pixi-platforms", ",".join(value), span))
            return


def _platforms_row(lines: list[str], in_tool: bool) -> int:
    """The ``platforms = [...]`` line under the pixi workspace/project table."""
    heads = (
        ("[tool.pixi.workspace]", "[tool.pixi.project]")
        if in_tool
        else ("[workspace]", "[project]")
    )
    inside = False
    for row, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped.split("#", 1)[0].strip() in heads
        elif inside and stripped.startswith("platforms") and "=" in stripped:
            return row
    return 0


def _extras(fmt: str, entry: dict[str, Any]) -> dict[str, tuple[LockEdge, ...]]:
    if fmt != "uv":
        return {}
    table = entry.get("optional-dependencies")
    out: dict[str, tuple[LockEdge, ...]] = {}
    for extra, items in (table if isinstance(table, dict) else {}).items():
        edges = [e for e in map(_edge, items if isinstance(items, list) else []) if e]
        out[_canonical(extra)] = tuple(edges)
    return out


def _poetry_markers(value: Any) -> str | None:
    """Poetry writes ``markers = "..."`` or, per dependency group, a table of them."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        parts = [v for v in value.values() if isinstance(v, str) and v]
        if len(parts) == len(value) and parts:
            return " or ".join(f"({p})" for p in parts)
    return None


def _python_spec(text: str) -> str | None:
    """A Poetry python constraint as a PEP 440 specifier (None when unreadable)."""
    try:
        from .pyproject import poetry_to_pep440
    except ImportError:  # pragma: no cover
        return text
    try:
        return poetry_to_pep440(text) or None
    except Exception:  # an unusual constraint: judge nothing rather than fail the file
        return None


# --- which packages a target installs ---------------------------------------------


@dataclass(frozen=True)
class Installs:
    """What a lock installs on one target: ``packages`` by default and with each of the
    project's extras; ``only_with`` maps id() of a package that only some extras install
    to those extras' label ("the extra gpu")."""

    packages: list[LockedPackage]
    only_with: dict[int, str]


def installs(lock: Lock, target: Target) -> Installs:
    """The packages the lock installs on the target (in lock order).

    uv: the default install (``uv sync``: no extras, the ``dev`` group) and, for each
    extra of the project, the install with that extra alone (``uv sync --extra gpu``);
    a conflict between extras (``[tool.uv] conflicts``) is written into the markers as
    ``extra == 'extra-8-nanochat-gpu'``, so each extra is walked with only its own name
    requested. Other formats: every marker naming an extra counts as requested."""
    if lock.format != "uv" or not lock.graph:
        return Installs(installed_on(lock, target.evaluate_marker), {})
    roots = [p for p in lock.packages if p.root]
    groups = frozenset(_encoded("group", r.dependency.name, "dev") for r in roots)
    default = installed_on(lock, lambda m: target.evaluate_marker_with(m, groups))
    seen = {id(p) for p in default}
    extra: dict[int, list[str]] = {}  # id() of a package only extras install -> labels
    for root in roots:
        for name in sorted(root.extras):
            active = groups | {_encoded("extra", root.dependency.name, name)}
            label = name if len(roots) == 1 else f"{root.dependency.name}[{name}]"
            walked = installed_on(
                lock,
                lambda m, active=active: target.evaluate_marker_with(m, active),
                {id(root): (name,)},
            )
            for p in walked:
                if id(p) not in seen:
                    extra.setdefault(id(p), []).append(label)
    packages = [p for p in lock.packages if id(p) in seen or id(p) in extra]
    return Installs(packages, {k: _extras_label(v) for k, v in extra.items()})


def _encoded(kind: str, package: str, name: str) -> str:
    """uv's marker name for a project's extra or group in a conflict set
    (``extra-8-nanochat-gpu``: the length of the package name, then the name)."""
    return f"{kind}-{len(package)}-{package}-{_canonical(name)}"


def _extras_label(names: list[str]) -> str:
    if len(names) == 1:
        return f"the extra {names[0]}"
    return "the extras " + ", ".join(names[:-1]) + f" or {names[-1]}"


def installed_on(
    lock: Lock, applies, extras: dict[int, tuple[str, ...]] | None = None
) -> list[LockedPackage]:
    """The packages the lock installs where ``applies(marker)`` holds (a target's
    marker evaluation), in lock order; ``extras``: id() of a root -> the extras
    requested for it."""
    if not lock.graph:
        return [p for p in lock.packages if applies(p.marker)]
    by_name: dict[str, list[LockedPackage]] = {}
    for p in lock.packages:
        by_name.setdefault(p.dependency.name, []).append(p)
    if lock.format in ("poetry", "pdm"):
        return _reached_by_edges(lock, by_name, applies)
    roots = [p for p in lock.packages if p.root]
    if not roots:  # a lock without project entries: everything it lists
        return list(lock.packages)
    seen: set[int] = set()
    seen_extras: set[tuple[int, str]] = set()
    requested = extras or {}
    todo: list[tuple[LockedPackage, tuple[str, ...]]] = [
        (p, requested.get(id(p), ())) for p in roots
    ]
    while todo:
        pkg, extras_here = todo.pop()
        edges: list[LockEdge] = []
        if id(pkg) not in seen:
            seen.add(id(pkg))
            edges.extend(pkg.edges)
        for extra in map(_canonical, extras_here):
            if (id(pkg), extra) not in seen_extras:
                seen_extras.add((id(pkg), extra))
                edges.extend(pkg.extras.get(extra, ()))
        for edge in edges:
            if applies(edge.marker):
                todo.extend(
                    (t, edge.extras)
                    for t in _pick(by_name.get(edge.name, []), edge.version, edge.source)
                )
    return [p for p in lock.packages if id(p) in seen]


def _pick(
    candidates: list[LockedPackage], version: str | None, source: str | None = None
) -> list[LockedPackage]:
    """The locked package an edge means: uv names the version (and the source, when two
    indexes give the same version: torch 2.9.1 from two indexes) only when several are
    locked."""
    if version is None:
        return candidates[:1]
    same = [c for c in candidates if c.version == version]
    if source is not None and len(same) > 1:
        same = [c for c in same if c.source == source] or same
    return same or candidates[:1]


def _reached_by_edges(lock: Lock, by_name, applies) -> list[LockedPackage]:
    """Old Poetry and pdm locks: a package is out only when every edge into it excludes
    the target (the roots, from pyproject, have no edges in the lock and count as in)."""
    incoming: dict[str, list[LockEdge]] = {}
    for p in lock.packages:
        for e in p.edges:
            incoming.setdefault(e.name, []).append(e)
    out = []
    for p in lock.packages:
        edges = incoming.get(p.dependency.name)
        if not edges or any(applies(e.marker) for e in edges):
            out.append(p)
    return out
