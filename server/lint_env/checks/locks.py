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
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Finding, LockedPackage, Span
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
    if rule.params["check"] == "manifest-platforms":
        yield from _manifest_platforms(rule, ctx)
        return
    lk = ctx.doc.lock
    if lk is None:
        return
    if rule.params["check"] == "platforms":
        subdir = ctx.target.conda_subdir
        if lk.platforms and subdir not in lk.covered:
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


def _manifest_platforms(rule: Rule, ctx: Context) -> Iterator[Finding]:
    """A pixi manifest's ``platforms`` without the target's conda subdir."""
    subdir = ctx.target.conda_subdir
    for st in ctx.doc.settings:
        if st.key == "pixi-platforms":
            names = [p for p in st.value.split(",") if p]
            if subdir not in names:
                yield ctx.finding(
                    rule, st.span, platforms=", ".join(names) or "none", subdir=subdir
                )
