"""The index snapshot: release lists and wheel tags of the packages the rules cover.

Read lazily, one package file at a time, from ``rules/index/<name>.json`` (see
rules/README.md; written by ``python -m lint_env.snapshot_refresh``) and from the
user-level snapshot ``<cache>/index/<name>.json`` (written by ``lint-env update`` and
``--online`` look-ups, see snapshot_store). Per package the file with the newest
``taken`` date wins (the user's on a tie); the shipped one is the fallback.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from .names import canonicalize_name
from .paths import cache_dir, rules_dir


@dataclass(frozen=True)
class Wheel:
    python: str  # "cp311" / "py3" (may be a compressed set "py2.py3")
    abi: str  # "cp311" / "abi3" / "none"
    platform: str  # "macosx_12_0_arm64" / "any"

    @classmethod
    def parse(cls, tag: str) -> Wheel:
        python, abi, platform = tag.split("-", 2)
        return cls(python, abi, platform)


@dataclass(frozen=True)
class Release:
    version: Version
    yanked: bool
    requires_python: SpecifierSet | None
    sdist: bool
    wheels: tuple[Wheel, ...]


@dataclass(frozen=True)
class PackageIndex:
    name: str
    taken: str
    releases: tuple[Release, ...]  # ascending by version
    # Pure Python: every wheel the project ever published is `py*-none-any`, so an
    # sdist-only release builds anywhere (no compiler, no platform). The file's
    # "pure_python" key, when present, says it explicitly; otherwise it is derived.
    pure_python: bool = False


def _derive_pure(releases: list[Release]) -> bool:
    wheels = [w for r in releases for w in r.wheels]
    return bool(wheels) and all(
        w.abi == "none" and w.platform == "any" and w.python.startswith("py") for w in wheels
    )


def index_dir() -> Path:
    return rules_dir() / "index"


def user_index_dir() -> Path:
    """The user-level snapshot (snapshot_store writes it)."""
    return cache_dir() / "index"


@cache
def _shipped_taken(directory: Path) -> str:
    try:
        meta = json.loads((directory / "_meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    taken = meta.get("taken") if isinstance(meta, dict) else None
    return taken if isinstance(taken, str) else ""


@cache
def load_package(name: str, directory: Path | None = None) -> PackageIndex | None:
    """The snapshot of one package, or None when it is not in the snapshot.

    ``directory``: that folder only; default: the user's snapshot and the shipped one,
    the newer of the two (the shipped file is not read when the user's is at least as
    new as the shipped snapshot's date)."""
    canon = canonicalize_name(name)
    if directory is not None:
        return _load_file(directory / f"{canon}.json", canon)
    found = _newest(canon)
    _LOADED[canon] = found
    return found


def _newest(canon: str) -> PackageIndex | None:
    user = _load_file(user_index_dir() / f"{canon}.json", canon)
    shipped_dir = index_dir()
    if user is not None and user.taken >= _shipped_taken(shipped_dir):
        return user
    shipped = _load_file(shipped_dir / f"{canon}.json", canon)
    if user is None or shipped is None:
        return shipped or user
    return user if user.taken >= shipped.taken else shipped


def _load_file(path: Path, canon: str) -> PackageIndex | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("releases", []), list):
        return None
    rows = raw.get("releases", [])
    releases = _compact(raw, rows) if raw.get("format") == 2 else _objects(rows)
    releases.sort(key=lambda r: r.version)
    pure = raw.get("pure_python")
    if not isinstance(pure, bool):
        pure = _derive_pure(releases)
    return PackageIndex(canon, str(raw.get("taken", "")), tuple(releases), pure)


def _rp(text: object) -> SpecifierSet | None:
    try:
        return SpecifierSet(text) if isinstance(text, str) and text else None
    except InvalidSpecifier:
        return None


def _objects(rows: list) -> list[Release]:
    """The first encoding: one object per release with its tags written out."""
    releases = []
    for r in rows:
        if not isinstance(r, dict):
            continue
        try:
            version = Version(r["version"])
        except (InvalidVersion, KeyError, TypeError):
            continue
        wheels = []
        tags = r.get("wheels", [])
        for tag in tags if isinstance(tags, list) else []:
            try:
                wheels.append(Wheel.parse(tag))
            except (ValueError, AttributeError):
                continue
        rp = _rp(r.get("requires_python"))
        releases.append(
            Release(version, bool(r.get("yanked")), rp, bool(r.get("sdist")), tuple(wheels))
        )
    return releases


def _compact(raw: dict, rows: list) -> list[Release]:
    """``"format": 2``: a ``tags`` table and rows ``[version, flags, requires_python,
    [tag indices]]`` (see snapshot_refresh.render_package)."""
    table: list[Wheel | None] = []
    tags = raw.get("tags")
    for tag in tags if isinstance(tags, list) else []:
        try:
            table.append(Wheel.parse(tag))
        except (ValueError, AttributeError):
            table.append(None)
    specs: dict[str, SpecifierSet | None] = {}  # requires-python values repeat
    releases = []
    for row in rows:
        if not isinstance(row, list) or len(row) != 4:
            continue
        version_text, flags, rp, indices = row
        try:
            version = Version(version_text)
        except (InvalidVersion, TypeError):
            continue
        flags = flags if isinstance(flags, str) else ""
        key = rp if isinstance(rp, str) else ""
        if key not in specs:
            specs[key] = _rp(key)
        wheels = tuple(
            w
            for i in (indices if isinstance(indices, list) else [])
            if isinstance(i, int) and 0 <= i < len(table) and (w := table[i]) is not None
        )
        releases.append(Release(version, "y" in flags, specs[key], "s" in flags, wheels))
    return releases


@cache
def snapshot_packages(directory: Path | None = None) -> frozenset[str]:
    """Names of every package in the snapshot (``directory``: in that folder only;
    default: the shipped snapshot and the user's)."""
    if directory is not None:
        return _names_in(directory)
    return _names_in(index_dir()) | _names_in(user_index_dir())


@cache
def shipped_packages() -> frozenset[str]:
    return _names_in(index_dir())


def _names_in(d: Path) -> frozenset[str]:
    """The stems of the ``*.json`` entries of ``d`` (what ``d.glob("*.json")`` lists),
    without ``_meta``-style names and temporary files: one ``listdir``, no ``Path`` per
    entry (the shipped snapshot has some 900 files)."""
    try:
        names = os.listdir(d)
    except OSError:
        return frozenset()
    out = set()
    for name in names:
        if not name.endswith(".json") or ".tmp" in name:
            continue
        cut = len(name) - 5
        stem = name[:cut] if cut > 0 else name  # Path(".json").stem is ".json"
        if not stem.startswith("_"):
            out.add(stem)
    return frozenset(out)


def rules_packages(directory: Path | None = None) -> frozenset[str]:
    """The packages the rules cover (``rules_packages`` in ``_meta.json``, written by
    snapshot_refresh from its DEFAULT_PACKAGES); every snapshot package when a snapshot
    does not say. Cached per folder (a test or a user snapshot may point elsewhere)."""
    return _rules_packages(directory or index_dir())


@cache
def _rules_packages(d: Path) -> frozenset[str]:
    try:
        meta = json.loads((d / "_meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = None
    names = meta.get("rules_packages") if isinstance(meta, dict) else None
    if isinstance(names, list) and all(isinstance(n, str) for n in names):
        return frozenset(names)
    return snapshot_packages(d)


def loaded_taken() -> list[str]:
    """The ``taken`` dates of the packages loaded so far in this process (for the
    data-age note of ``lint-env check``)."""
    return sorted({p.taken for p in _LOADED.values() if p is not None and p.taken})


_LOADED: dict[str, PackageIndex | None] = {}


_USER_STAMP: list[int | None] = []  # the user folder's mtime when last looked at


def reload_if_changed() -> bool:
    """Forget what was read when the user snapshot folder changed since the last call
    (one stat; a long-running language server sees `lint-env update`). True if so."""
    try:
        stamp: int | None = user_index_dir().stat().st_mtime_ns
    except OSError:
        stamp = None
    if not _USER_STAMP:
        _USER_STAMP.append(stamp)
        return False
    if _USER_STAMP[0] == stamp:
        return False
    _USER_STAMP[0] = stamp
    clear_caches()
    return True


def clear_caches() -> None:
    """Forget what was read (after the user snapshot changed), here and in resolve."""
    load_package.cache_clear()
    snapshot_packages.cache_clear()
    shipped_packages.cache_clear()
    _shipped_taken.cache_clear()
    _rules_packages.cache_clear()
    _LOADED.clear()
    import sys

    resolve = sys.modules.get(__package__ + ".resolve")
    for value in vars(resolve).values() if resolve is not None else ():
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()
