"""Import names <-> distribution names, as data (``data/import_names.toml``).

``distributions_for("cv2")`` gives every distribution that provides ``cv2``;
``imports_for("scikit-learn")`` the import names a distribution provides. Names not in
the table follow the default rule: module ``foo_bar`` <-> distribution ``foo-bar``.
``declared_covers`` answers "is this import provided by one of the declared
distributions", and ``is_local``/``local_modules`` find the project's own modules, so
that neither the standard library nor the project itself is ever reported as an
undeclared dependency.

The table is read lazily, once, on first use.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path

_CANON_RX = re.compile(r"[-_.]+")

# Modules that were in the standard library of some Python the project may target,
# but are missing from ``sys.stdlib_module_names`` of the interpreter running us.
_STDLIB_EXTRA = frozenset(
    {
        "__future__",
        "__main__",
        "_thread",
        "tomllib",  # 3.11+
        # removed in 3.12
        "asynchat",
        "asyncore",
        "distutils",
        "imp",
        "smtpd",
        # removed in 3.13
        "aifc",
        "audioop",
        "cgi",
        "cgitb",
        "chunk",
        "crypt",
        "imghdr",
        "lib2to3",
        "mailcap",
        "msilib",
        "nis",
        "nntplib",
        "ossaudiodev",
        "pipes",
        "sndhdr",
        "spwd",
        "sunau",
        "telnetlib",
        "uu",
        "xdrlib",
    }
)

_SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "env",
        "node_modules",
        "__pycache__",
        "build",
        "dist",
        "site-packages",
    }
)
_MODULE_SUFFIXES = (".py", ".pyi", ".so", ".pyd")


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return _CANON_RX.sub("-", name).lower()


@cache
def _tables() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    table = _toml("import_names.toml")["imports"]
    forward: dict[str, tuple[str, ...]] = {}
    reverse: dict[str, list[str]] = {}
    for module, dists in table.items():
        names = tuple(dict.fromkeys(canonical(d) for d in dists))
        forward[module] = names
        for dist in names:
            reverse.setdefault(dist, []).append(module)
    return forward, {d: tuple(m) for d, m in reverse.items()}


@cache
def _toml(name: str) -> dict:
    """A data table, parsed once per content (datacache: TOML parsing is most of the
    cost of loading these tables)."""
    from .datacache import cached

    data = (Path(__file__).resolve().parent / "data" / name).read_bytes()

    def parse() -> dict:
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - 3.10 only
            import tomli as tomllib

        return tomllib.loads(data.decode("utf-8"))

    return cached("data", [name.encode(), data], parse, dict)


@cache
def _direct() -> dict[str, tuple[str, ...]]:
    """Distribution -> the distributions it always installs itself (canonical names), kept
    in the data cache: canonicalising the tables' 3,000 names on every run costs more
    than reading the result."""
    from .datacache import cached

    folder = Path(__file__).resolve().parent / "data"
    blobs = [(folder / name).read_bytes() for name in ("requires.toml", "import_names.toml")]

    def build() -> dict[str, tuple[str, ...]]:
        direct: dict[str, set[str]] = {}
        for table in (
            _toml("requires.toml").get("requires", {}),
            _toml("import_names.toml").get("brings", {}),
        ):
            for k, v in table.items():
                direct.setdefault(canonical(k), set()).update(canonical(x) for x in v)
        return {k: tuple(sorted(v)) for k, v in direct.items()}

    return cached("data", [b"brings:1", *blobs], build, dict)


@cache
def _brings(dist: str) -> frozenset[str]:
    """Every distribution ``dist`` always installs (transitively)."""
    direct = _direct()
    seen: set[str] = set()
    todo = list(direct.get(dist, ()))
    while todo:
        d = todo.pop()
        if d not in seen:
            seen.add(d)
            todo.extend(direct.get(d, ()))
    return frozenset(seen)


def with_brought(declared: Iterable[str]) -> frozenset[str]:
    """``declared`` plus what those distributions always install."""
    out = set(declared)
    for d in list(out):
        out |= _brings(d)
    return frozenset(out)


@cache
def _conda_table() -> dict[str, str]:
    return {canonical(k): v for k, v in _toml("conda_names.toml").get("conda", {}).items()}


def conda_to_pypi(name: str) -> str | None:
    """The PyPI distribution a conda package installs (None when it installs no Python
    distribution: compilers, CUDA runtimes, native libraries)."""
    canon = canonical(name)
    hit = _conda_table().get(canon)
    if hit is None:
        return canon
    return canonical(hit) if hit else None


def distributions_for(module: str) -> tuple[str, ...]:
    """Canonical names of the distributions that may provide ``module`` (a top-level
    name or a dotted name; for namespace packages such as ``google.protobuf`` the
    longest listed prefix wins). The first one is the one to suggest."""
    forward, _ = _tables()
    parts = module.split(".")
    for i in range(len(parts), 0, -1):
        hit = forward.get(".".join(parts[:i]))
        if hit:
            return hit
    top = parts[0]
    return (canonical(top),) if top else ()


def imports_for(dist: str) -> tuple[str, ...]:
    """Import names a distribution provides (dotted for namespace packages)."""
    _, reverse = _tables()
    name = canonical(dist)
    return reverse.get(name) or (name.replace("-", "_"),)


def is_stdlib(module: str) -> bool:
    top = module.split(".", 1)[0]
    return top in sys.stdlib_module_names or top in _STDLIB_EXTRA


def declared_covers(module: str, declared: Iterable[str]) -> bool:
    """True when one of the ``declared`` distributions (canonical names) provides
    ``module``."""
    declared = declared if isinstance(declared, (set, frozenset)) else set(declared)
    if not declared or not module:
        return False
    if any(d in declared for d in distributions_for(module)):
        return True
    top = module.split(".", 1)[0]
    if canonical(top) in declared:
        return True
    for dist in declared:
        for name in imports_for(dist):
            if module == name or module.startswith(name + ".") or name == top:
                return True
    return False


@lru_cache(maxsize=4096)
def _names_in(folder: str) -> frozenset[str]:
    """Importable names directly in ``folder``: modules and packages."""
    names: set[str] = set()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return frozenset()
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            continue
        if is_dir:
            if name.isidentifier() and name not in _SKIP_DIRS and _is_package(entry.path):
                names.add(name)
        elif name.endswith(_MODULE_SUFFIXES):
            stem = name.split(".", 1)[0]
            if stem.isidentifier():
                names.add(stem)
    return frozenset(names)


def _is_package(folder: str) -> bool:
    """A package: has ``__init__.py``, or (a namespace package) holds Python files."""
    try:
        with os.scandir(folder) as it:
            for entry in it:
                if entry.name.endswith((".py", ".pyi")) and entry.is_file():
                    return True
    except OSError:
        return False
    return False


@lru_cache(maxsize=64)
def local_modules(root: Path) -> frozenset[str]:
    """Top-level modules and packages of the project at ``root``: the root itself and
    the common source folders (``src/`` layout, ``lib/``, ``python/``). Cached; call
    ``local_modules.cache_clear()`` after files are added or removed."""
    root = Path(root)
    names: set[str] = set(_names_in(str(root)))
    for sub in ("src", "lib", "python"):
        folder = root / sub
        if folder.is_dir():
            names |= _names_in(str(folder))
    return frozenset(names)


def is_local(module: str, root: Path, path: Path | None = None) -> bool:
    """True when ``module`` is the project's own code: found at the project root (see
    :func:`local_modules`) or next to ``path`` (a script importing its sibling), or in
    a folder between ``path`` and the root."""
    top = module.split(".", 1)[0]
    if not top:
        return True  # a bare relative import
    if top in local_modules(Path(root)):
        return True
    if path is None:
        return False
    root_s = os.path.abspath(root)
    folder = os.path.dirname(os.path.abspath(path))
    while True:
        if top in _names_in(folder):
            return True
        if folder == root_s or not folder.startswith(root_s):
            return False
        parent = os.path.dirname(folder)
        if parent == folder:
            return False
        folder = parent


def clear_caches() -> None:
    """Forget what was learned about local files (the editor calls this on changes)."""
    local_modules.cache_clear()
    _names_in.cache_clear()


def mapped_distributions(module: str) -> tuple[str, ...]:
    """Like :func:`distributions_for`, but only from the table: () for a name the table
    does not know (no guess from the import name, which may be an unrelated project)."""
    forward, _ = _tables()
    parts = module.split(".")
    for i in range(len(parts), 0, -1):
        hit = forward.get(".".join(parts[:i]))
        if hit is not None:
            return hit
    return ()


def optional_extension(dist: str) -> bool:
    """True when ``dist``'s sdist installs without a compiler (data/optional_extensions.toml:
    its C extension is optional, with a cited source)."""
    return canonical(dist) in _toml("optional_extensions.toml").get("packages", {})


def bundled_program(dist: str) -> str | None:
    """The program ``dist``'s wheels bundle and its pure-Python sdist lacks
    (data/optional_extensions.toml ``[bundled-programs]``: imageio-ffmpeg -> ffmpeg)."""
    entry = _toml("optional_extensions.toml").get("bundled-programs", {}).get(canonical(dist))
    return entry.split("|", 1)[0].strip() if isinstance(entry, str) else None
