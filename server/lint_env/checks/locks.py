"""The ``lock`` rule kind: what a lock file installs on the target, judged from the files
the lock itself lists (not from the index snapshot).

- ``check = "no-file"``: a locked package that the target installs has no wheel whose
  tags load there and no sdist: the install fails.
- ``check = "source-build"``: the same, but the lock has its sdist: it is built from
  source on the target (a compiler and the library's native build dependencies).
- ``check = "environments"``: the lock is restricted to environments (uv
  ``supported-markers``, pylock ``environments``, pdm ``[[metadata.targets]]``
  platforms) none of which is the target.
- ``check = "platforms"``: a conda-lock/pixi lock has no packages for the target's
  conda subdir.
- ``check = "manifest-platforms"``: a pixi manifest's ``platforms`` lack the target's
  conda subdir (pixi.toml, or ``[tool.pixi.*]`` in pyproject.toml).
- ``check = "hash-unpinned"`` / ``"hash-missing"``: a requirements file in pip's
  hash-checking mode (any ``--hash``, or ``--require-hashes``) with a requirement the
  target installs that is not pinned with ``==`` / has no hash: pip refuses the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..lazy_re import LazyPattern
from ..model import Dependency, Finding, Kind, LockedPackage, Related, Setting, Span
from ..ruleset import Rule
from . import Context


def wheel_tags(filename: str) -> tuple[str, str, str] | None:
    """(python, abi, platform) tags of a wheel file name (PEP 427), None if malformed."""
    stem = filename.removesuffix(".whl")
    parts = stem.split("-")
    if len(parts) not in (5, 6) or not filename.endswith(".whl"):
        return None
    return parts[-3], parts[-2], parts[-1]


def loads_on(pkg: LockedPackage, ctx: Context) -> bool:
    """Does one of the package's wheels install on the target (platform and Python)?"""
    for name in pkg.wheels:
        tags = wheel_tags(name)
        if tags is None:
            continue
        python, abi, platform = tags
        if ctx.target.wheel_platform_ok(platform) and ctx.target.wheel_python_ok(python, abi):
            return True
    return False


def _excludes(lk, ctx: Context) -> bool:
    return bool(lk.supported_markers) and not any(
        ctx.target.evaluate_marker(m) for m in lk.supported_markers
    )


def lock(rule: Rule, ctx: Context) -> Iterator[Finding]:
    if rule.params["check"] in ("hash-unpinned", "hash-missing"):
        yield from _hash_mode(rule, ctx)
        return
    if rule.params["check"] == "manifest-platforms":
        yield from _manifest_platforms(rule, ctx)
        return
    lk = ctx.doc.lock
    if lk is None:
        return
    if rule.params["check"] == "platforms":
        subdir = ctx.target.conda_subdir
        if lk.platforms and subdir not in lk.covered:
            if lk.format == "pixi" and ctx.config_enabled("LK005") and _pixi_manifest(ctx):
                return  # the manifest's platforms are the cause: LK005 says it, once
            span = lk.supported_span or Span.point(0)
            yield ctx.finding(rule, span, platforms=", ".join(lk.covered) or "none", subdir=subdir)
        return
    if rule.params["check"] == "environments":
        if _excludes(lk, ctx):
            span = lk.supported_span or Span.point(0)
            yield ctx.finding(rule, span, environments=" or ".join(lk.supported_markers))
        return
    if _excludes(lk, ctx):
        return  # one problem, one finding: LK003 says the lock is not for this target
    source_build = rule.params["check"] == "source-build"
    locked = {id(p.dependency): p for p in lk.packages}
    for pkg in (locked[id(d)] for d in ctx.own if id(d) in locked):  # installed on the target
        if pkg.root or pkg.direct or not pkg.wheels or pkg.sdist != source_build:
            continue  # sdist-only packages build anywhere; direct sources are as written
        if not loads_on(pkg, ctx):
            yield ctx.finding(rule, pkg.dependency.span, pkg.dependency, version=pkg.version)


def _lacking(doc, subdir: str) -> Setting | None:
    """The pixi ``platforms`` setting of a manifest document that lacks ``subdir``."""
    for st in doc.settings:
        if st.key == "pixi-platforms" and subdir not in st.value.split(","):
            return st
    return None


def _pixi_manifest(ctx: Context) -> bool:
    """Is the lock next to a pixi manifest (pixi.toml, pyproject.toml ``[tool.pixi]``)
    whose platforms lack the target's subdir? pixi writes the lock from it."""
    folder = ctx.doc.path.parent
    subdir = ctx.target.conda_subdir
    return any(d.path.parent == folder and _lacking(d, subdir) for d in ctx.declaration_documents())


def _manifest_platforms(rule: Rule, ctx: Context) -> Iterator[Finding]:
    """A pixi manifest's ``platforms`` without the target's conda subdir; the pixi.lock
    next to it that lacks the subdir too is a related location, not a second finding."""
    subdir = ctx.target.conda_subdir
    st = _lacking(ctx.doc, subdir)
    if st is None:
        return
    related = tuple(
        Related(
            d.path,
            d.lock.supported_span or Span.point(0),
            f"{d.path.name} has no {subdir} packages either",
        )
        for d in ctx.declaration_documents()
        if d.path.parent == ctx.doc.path.parent
        and d.lock is not None
        and d.lock.format == "pixi"
        and d.lock.platforms
        and subdir not in d.lock.covered
    )
    names = [p for p in st.value.split(",") if p]
    yield ctx.finding(
        rule, st.span, related=related, platforms=", ".join(names) or "none", subdir=subdir
    )


# --- requirements files in pip's hash-checking mode ------------------------------------

# a hash in a direct URL's fragment counts as the requirement's hash (pip's Link.hash)
_URL_HASH = LazyPattern(
    r"#(?:.*&)?(?:sha1|sha224|sha256|sha384|sha512|md5)=", re.IGNORECASE, globals(), "_URL_HASH"
)


def hashed_requirements(settings: list[Setting], deps: list[Dependency]) -> set[int]:
    """ids of the dependencies that carry a ``--hash``: pip allows ``--hash`` only after a
    requirement on its logical line, so a hash belongs to the nearest requirement before it."""
    order = sorted(deps, key=lambda d: (d.span.line, d.span.col))
    starts = [(d.span.line, d.span.col) for d in order]
    out: set[int] = set()
    for st in settings:
        if st.key != "--hash":
            continue
        at = (st.span.line, st.span.col)
        k = next((i for i in range(len(starts) - 1, -1, -1) if starts[i] <= at), None)
        if k is not None:
            out.add(id(order[k]))
    return out


def is_pinned(dep: Dependency) -> bool:
    """pip's ``is_pinned``: exactly one ``==``/``===`` clause, not a ``.*`` wildcard."""
    spec = dep.specifier.strip()
    if "," in spec or not spec.startswith("=="):
        return False
    return spec.startswith("===") or not spec.endswith(".*")


def _hash_mode(rule: Rule, ctx: Context) -> Iterator[Finding]:
    doc = ctx.doc
    if doc.kind is not Kind.REQUIREMENTS:
        return
    if not any(s.key in ("--hash", "--require-hashes") for s in doc.settings):
        return  # not in hash-checking mode
    hashed = hashed_requirements(doc.settings, doc.dependencies)
    unpinned = rule.params["check"] == "hash-unpinned"
    for dep in ctx.own:  # what the target installs; pip skips lines whose markers fail
        if ctx.origin.get(id(dep), doc.path) != doc.path or dep.span.cell is not None:
            continue
        loose = dep.url is None and not dep.editable and not is_pinned(dep)
        if unpinned:
            if loose:
                yield ctx.finding(rule, dep.specifier_span or dep.name_span, dep)
        elif not loose and (
            dep.editable or (id(dep) not in hashed and not _URL_HASH.search(dep.url or ""))
        ):
            yield ctx.finding(rule, dep.span, dep)
    if not unpinned:  # ``-e PATH`` without a name (a Setting): nothing to hash either
        for st in doc.settings:
            if st.key == "editable":
                yield ctx.finding(rule, st.span, package=st.value)
