"""Which versions would a resolver pick for a requirement on a target?

Answers come from the index snapshot (``rules/index``). For a package that is not in
the snapshot only an exact pin (``==X``) is known; everything else is "unknown"
(None), and rules that need versions stay silent rather than guess.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from .snapshot import Release, load_package
from .target import Target


@lru_cache(maxsize=4096)
def specifier(text: str) -> SpecifierSet | None:
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None


# --- pre-releases: pip's rule, written out (never a library default) ---------------------
#
# packaging 26 changed what ``SpecifierSet.contains(v)`` answers for a pre-release when
# ``prereleases`` is left at None (it now admits it); older releases rejected it. Every
# version question in lint-env goes through the two functions below, which always pass
# ``prereleases=True`` to packaging and decide about pre-releases themselves:
#
# - in_range(): is this known version inside the range? (table rows, "broken" ranges,
#   Python windows): a membership test, pre-releases included.
# - pip_select(): which of these candidate versions may pip choose? pip's rule: a
#   pre-release only when the specifier itself names one, or when no final release
#   matches at all (PEP 440's "accept pre-releases when nothing else satisfies").

# The note a Target carries when its Python is only the lower bound of a range the project
# promises (requires-python): findings there hold for that Python, not necessarily others.
LOWEST_REQUIRES_PYTHON = "the lowest your requires-python allows"


def names_prerelease(spec: SpecifierSet | str) -> bool:
    """Does the specifier itself name a pre-release (``>=2.16.0rc0``, ``==2.0b1``)?

    Every operator but ``!=`` counts (``!=2.0rc1`` excludes one, it asks for none).
    """
    if isinstance(spec, str):
        parsed = specifier(spec)
        if parsed is None:
            return False
        spec = parsed
    for one in spec:
        if one.operator == "!=":
            continue
        text = one.version.removesuffix(".*")
        try:
            if Version(text).is_prerelease:
                return True
        except InvalidVersion:  # "===" arbitrary strings
            continue
    return False


def in_range(spec: str | SpecifierSet, version: Version | str) -> bool:
    """Is ``version`` inside the range ``spec`` (pre-releases are versions too)? False
    for an invalid specifier."""
    s = specifier(spec) if isinstance(spec, str) else spec
    return s is not None and s.contains(version, prereleases=True)


def pip_select(
    specs: Iterable[SpecifierSet],
    versions: Iterable[Version],
    has_file: Callable[[Version], bool] | None = None,
) -> list[Version]:
    """The candidate ``versions`` (any order kept) that pip may choose under all of
    ``specs``: finals that match; pre-releases only when one of ``specs`` names a
    pre-release, or when no final release matches.

    pip only sees releases with a file for the target; ``has_file`` says which have one.
    When no matching final has one but a matching pre-release does, pip installs the
    pre-release (tensorflow on Python 3.14: only 2.22.0rc0 has cp314 wheels), so the
    pre-releases are admitted next to the finals."""
    specs = list(specs)
    matching = [v for v in versions if all(s.contains(v, prereleases=True) for s in specs)]
    if any(names_prerelease(s) for s in specs):
        return matching
    finals = [v for v in matching if not v.is_prerelease]
    if not finals:
        return matching
    if has_file is not None and not any(has_file(v) for v in finals):
        pre = [v for v in matching if v.is_prerelease and has_file(v)]
        if pre:
            return matching
    return finals


def exact_pin(spec: str) -> Version | None:
    """The version of ``==X`` / ``===X`` (no wildcard), else None."""
    s = specifier(spec)
    if s is None or len(s) != 1:
        return None
    (one,) = tuple(s)
    if one.operator in ("==", "===") and "*" not in one.version:
        try:
            return Version(one.version)
        except InvalidVersion:
            return None
    return None


def python_ok(release: Release, target: Target) -> bool:
    if target.python is None or release.requires_python is None:
        return True
    rp = release.requires_python
    return in_range(rp, f"{target.python}.0") or in_range(rp, f"{target.python}.99")


def installable(release: Release, target: Target) -> str | None:
    """'wheel' when a wheel loads on the target (platform and Python), 'sdist' when only a
    source build is possible, None when pip finds nothing for the target."""
    for w in release.wheels:
        if target.wheel_platform_ok(w.platform) and target.wheel_python_ok(w.python, w.abi):
            return "wheel"
    return "sdist" if release.sdist else None


def admitted(
    name: str,
    spec: str,
    target: Target,
    constraints: Iterable[str] = (),
    *,
    check_python: bool = True,
    pip: bool = True,
) -> list[Version] | None:
    """Versions the specifier (and constraints) admit, ascending; None when unknown.
    ``pip``: the requirement is installed by pip from the index (not conda), so the
    snapshot's files for the target decide pip's pre-release fallback.

    Excludes yanked releases (unless pinned exactly), pre-releases (pip's rule, see
    :func:`pip_select`: unless the specifier names one or no final release matches),
    and, with ``check_python``, releases whose requires-python rejects the target
    Python.
    """
    found = _admitted(name, spec, target, tuple(constraints), check_python, pip)
    return None if found is None else list(found)


@lru_cache(maxsize=16384)
def _admitted(
    name: str,
    spec: str,
    target: Target,
    constraints: tuple[str, ...],
    check_python: bool,
    pip: bool,
) -> tuple[Version, ...] | None:
    specs = [s for s in (specifier(spec), *(specifier(c) for c in constraints)) if s is not None]
    if specifier(spec) is None:
        return None
    idx = load_package(name)
    pin = exact_pin(spec)
    if idx is None:
        return (pin,) if pin is not None else None
    candidates = [
        v for v, yanked in _candidates(name, target, check_python) if not (yanked and pin != v)
    ]
    has_file = (lambda v: file_kind(name, v, target) is not None) if pip else None
    out = pip_select(specs, candidates, has_file)
    if pin is not None and not out and all(r.version != pin for r in idx.releases):
        return (pin,)  # newer than the snapshot: judge the pin itself
    return tuple(out)


@lru_cache(maxsize=4096)
def _candidates(name: str, target: Target, check_python: bool) -> tuple[tuple[Version, bool], ...]:
    """(version, yanked) of the releases whose requires-python admits the target Python."""
    idx = load_package(name)
    if idx is None:
        return ()
    return tuple(
        (r.version, r.yanked) for r in idx.releases if not check_python or python_ok(r, target)
    )


@lru_cache(maxsize=256)
def _by_version(name: str) -> dict[Version, Release]:
    idx = load_package(name)
    return {} if idx is None else {r.version: r for r in idx.releases}


def release(name: str, version: Version) -> Release | None:
    return _by_version(name).get(version)


def pip_pick(name: str, versions: list[Version], target: Target) -> Version:
    """The version pip picks among ``versions`` (ascending, not empty): the newest one
    with a file for the target (a wheel that loads, or an sdist); releases the snapshot
    does not know count as installable."""
    for v in reversed(versions):
        if file_kind(name, v, target) is not None:
            return v
    return versions[-1]


@lru_cache(maxsize=65536)
def file_kind(name: str, version: Version, target: Target) -> str | None:
    """installable() of a snapshot release, cached (the same questions come on every
    edit in the editor): 'wheel', 'sdist', None, or 'unknown' when not in the snapshot.

    The sdist of a pure-Python project (snapshot.PackageIndex.pure_python) installs
    anywhere, like a wheel: it counts as 'wheel'."""
    r = release(name, version)
    if r is None:
        return "unknown"
    kind = installable(r, target)
    if kind == "sdist":
        idx = load_package(name)
        if idx is not None and idx.pure_python:
            return "wheel"
    return kind


def sdist_only_release(name: str, version: Version) -> bool:
    """True when this release has no wheel for any platform: it is built from source
    everywhere, so a source build on one target is not a fact about that target."""
    r = release(name, version)
    return r is not None and r.sdist and not r.wheels


@lru_cache(maxsize=1024)
def _with_wheel(name: str, target: Target) -> list[Version]:
    idx = load_package(name)
    if idx is None:
        return []
    return [
        r.version
        for r in idx.releases
        if not (r.version.is_prerelease or r.yanked)
        and installable(r, target) == "wheel"
        and python_ok(r, target)
    ]


def first_with_wheel(name: str, target: Target) -> Version | None:
    """The first final release with a wheel that installs on the target (and its Python)."""
    found = _with_wheel(name, target)
    return found[0] if found else None


def last_with_wheel(name: str, target: Target) -> Version | None:
    """The newest final release with such a wheel (a platform may have been dropped later)."""
    found = _with_wheel(name, target)
    return found[-1] if found else None


def nearest_with_wheel(
    name: str, target: Target, versions: list[Version]
) -> tuple[Version | None, Version | None]:
    """(the nearest newer, the newest older) final release with a wheel for the target and
    its Python, around the admitted ``versions`` (ascending)."""
    found = _with_wheel(name, target)
    newer = next((v for v in found if v > versions[-1]), None)
    older = next((v for v in reversed(found) if v < versions[0]), None)
    return newer, older


def wheel_pythons(name: str, version: Version, target: Target) -> list[str]:
    """The CPython minors ('3.9', ...) a release has wheels for on the target's platform
    (an abi3 wheel counts from its minor up to 3.14 or its requires-python)."""
    r = release(name, version)
    if r is None:
        return []
    out: set[tuple[int, int]] = set()
    for w in r.wheels:
        if not target.wheel_platform_ok(w.platform):
            continue
        for tag in w.python.lower().split("."):
            if tag.startswith("cp") and tag[2:].isdigit() and len(tag) >= 4:
                minor = int(tag[3:])
                out.add((3, minor))
                if "abi3" in w.abi.lower():
                    out.update((3, m) for m in range(minor, 15))
    if r.requires_python is not None:
        out = {p for p in out if in_range(r.requires_python, f"3.{p[1]}.0")}
    return [f"{a}.{b}" for a, b in sorted(out)]


@lru_cache(maxsize=256)
def _python_minors(spec: str) -> tuple[str, ...] | None:
    """The CPython 3.x minors (ascending) a python specifier admits; None when unparsable.
    Accepts conda's bare forms too ("3.9", "3.9.*")."""
    s = specifier(spec.strip())
    if s is None:
        try:
            v = Version(spec.strip().removesuffix(".*"))
        except InvalidVersion:
            return None
        return (f"{v.major}.{v.minor}",) if v.major == 3 else None
    # any patch release of the minor (a conda pin "3.10.12" is "==3.10.12.*")
    return tuple(
        f"3.{minor}"
        for minor in range(6, 20)
        if any(in_range(s, f"3.{minor}.{patch}") for patch in (*range(0, 31), 99))
    )


def lowest_python(spec: str) -> str | None:
    """The lowest CPython 3.x minor a python specifier admits ('>=3.9' -> '3.9')."""
    minors = _python_minors(spec)
    return minors[0] if minors else None


def newer_pythons(spec: str, lowest: str | None) -> tuple[str, ...]:
    """The CPython minors a python specifier admits above ``lowest``, up to the newest
    CPython (target.NEWEST_CONDA_PYTHON: the newest minor conda-forge builds; the
    snapshot knows no wheels for later ones)."""
    from .target import NEWEST_CONDA_PYTHON

    def key(minor: str) -> tuple[int, ...]:
        return tuple(map(int, minor.split(".")))

    if lowest is None:
        return ()
    top = key(NEWEST_CONDA_PYTHON)
    return tuple(m for m in _python_minors(spec) or () if key(lowest) < key(m) <= top)


def declared_python(spec: str, conda: bool) -> tuple[str, str | None] | None:
    """The Python a declaration stands for, and why (for messages), or None.

    - A conda environment's ``python`` is what the solver installs: the newest Python
      the channels offer that the pin admits (an unpinned ``python`` is the newest one,
      not the lowest an empty specifier admits).
    - ``requires-python`` (and Poetry's ``python``) is a range the project promises to
      support: its lower bound is what it must work on.

    The reason is None when the declaration names one minor version only.
    """
    from .target import NEWEST_CONDA_PYTHON

    minors = _python_minors(spec)
    if not minors:
        return None
    if conda:
        newest = tuple(map(int, NEWEST_CONDA_PYTHON.split(".")))
        offered = [m for m in minors if tuple(map(int, m.split("."))) <= newest]
        if not offered:
            return minors[0], None
        if not spec.strip():
            return offered[-1], "the newest Python conda-forge offers for an unpinned python"
        if len(offered) == 1:
            return offered[0], None
        return offered[-1], f"the newest Python conda installs for python{spec.strip()}"
    if len(minors) == 1:
        return minors[0], None
    return minors[0], LOWEST_REQUIRES_PYTHON


def clear_caches() -> None:
    """Forget cached answers (after the snapshot directory changed, e.g. in tests)."""
    for f in (
        _by_version,
        file_kind,
        _with_wheel,
        specifier,
        _python_minors,
        _admitted,
        _candidates,
    ):
        f.cache_clear()
