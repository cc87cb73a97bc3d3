"""Rule kinds over declared dependencies (requirements, conda, pyproject)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from functools import lru_cache

from packaging.utils import canonicalize_name
from packaging.version import Version

from ..model import Dependency, Finding, Fix, Severity
from ..resolve import (
    exact_pin,
    file_kind,
    first_with_wheel,
    last_with_wheel,
    specifier,
)
from ..ruleset import Rule
from . import Context, add_marker, remove_line, replace_name, set_specifier, spec_contains


def _matches(name: str, patterns: list[str]) -> bool:
    """Glob patterns on canonical names ("nvidia-*-cu12", "mkl_fft" == "mkl-fft")."""
    return _pattern(tuple(patterns)).match(name) is not None


@lru_cache(maxsize=1024)
def _pattern(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(fnmatch.translate(canonicalize_name(p)) for p in patterns))


def _verdict(versions: list[Version], bad, pick: Version) -> str | None:
    """'all' when every admitted version is bad, 'likely' when the one pip would pick
    is, else None."""
    if not versions:
        return None
    if all(bad(v) for v in versions):
        return "all"
    if bad(pick):
        return "likely"
    return None


def _severity(rule: Rule, verdict: str) -> Severity:
    if verdict == "likely" and rule.severity is Severity.ERROR:
        return Severity.WARNING
    return rule.severity


def _version_text(versions: list[Version], dep: Dependency) -> str:
    pin = exact_pin(dep.specifier)
    if pin is not None:
        return str(pin)
    if not versions:
        return dep.specifier or "any version"
    return str(versions[-1])


# --- banned ------------------------------------------------------------------------


def banned(rule: Rule, ctx: Context) -> Iterator[Finding]:
    p = rule.params
    patterns = p["packages"]
    sources = p.get("sources", ["pip", "conda"])
    for dep in ctx.own:
        if dep.source not in sources or not _matches(dep.name, patterns):
            continue
        if "extras" in p and not set(map(canonicalize_name, dep.extras)) & {
            canonicalize_name(e) for e in p["extras"]
        }:
            continue
        if "local_version" in p:
            pin = exact_pin(dep.specifier)
            local = pin.local if pin is not None else None
            if local is None:
                m = re.search(r"\+([A-Za-z0-9.]+)", dep.specifier)
                local = m.group(1) if m else None
            if local is None or not re.search(p["local_version"], local):
                continue
        if "conda_build" in p and not (
            dep.build and fnmatch.fnmatchcase(dep.build, p["conda_build"])
        ):
            continue
        yield ctx.finding(
            rule,
            dep.span,
            dep,
            fixes=_banned_fix(rule, ctx, dep),
            replacement=p.get("replacement", ""),
        )


def _banned_fix(rule: Rule, ctx: Context, dep: Dependency) -> tuple[Fix | None, ...]:
    p = rule.params
    how = p.get("fix", "remove")
    safe = p.get("fix_safe", True)
    name = ctx.written_name(dep)
    if how == "replace":
        return (
            replace_name(dep, p["replacement"], f"Replace {name} with {p['replacement']}", safe),
        )
    if how == "marker":
        marker = p["fix_marker"]
        return (add_marker(ctx.doc, dep, marker, f"Install {name} only where {marker}", safe),)
    if how == "remove":
        fix = remove_line(ctx.doc, dep, f"Remove {name}", safe)
        return (fix,) if fix else ()
    return ()


# --- version -------------------------------------------------------------------------


def version(rule: Rule, ctx: Context) -> Iterator[Finding]:
    p = rule.params
    broken = specifier(p["broken"])
    if "python" in p and (
        ctx.target.python is None
        or not spec_contains(p["python"], Version(ctx.target.python + ".0"))
    ):
        return
    for dep in ctx.find(p["packages"], ctx.own):
        versions = ctx.versions(dep)
        if not versions:
            continue
        verdict = _verdict(
            versions, lambda v: broken.contains(v, prereleases=True), ctx.pick(dep, versions)
        )
        if verdict is None:
            continue
        fixes: tuple[Fix, ...] = ()
        if "fix_specifier" in p:
            fixes = (
                set_specifier(
                    ctx.doc,
                    dep,
                    p["fix_specifier"],
                    f"Change to {ctx.written_name(dep)}{p['fix_specifier']}",
                    p.get("fix_safe", True),
                ),
            )
        yield ctx.finding(
            rule,
            dep.span,
            dep,
            fixes=fixes,
            severity=_severity(rule, verdict),
            broken=p["broken"],
            fix_specifier=p.get("fix_specifier", ""),
            version=_version_text(versions, dep),
        )


# --- wheel ---------------------------------------------------------------------------


def wheel(rule: Rule, ctx: Context) -> Iterator[Finding]:
    from ..snapshot import snapshot_packages

    names = rule.params["packages"]
    everything = names == ["*"]
    pool = (snapshot_packages() if everything else set(names)) - set(rule.params.get("exclude", []))
    for dep in ctx.own:
        if dep.name not in pool or dep.url or dep.source != "pip":
            continue
        versions = ctx.versions(dep)
        if not versions:
            continue
        kinds = [file_kind(dep.name, v, ctx.target) for v in versions]
        if "unknown" in kinds:
            continue
        if "wheel" in kinds and kinds[-1] != "sdist":
            continue
        first = first_with_wheel(dep.name, ctx.target)
        last = last_with_wheel(dep.name, ctx.target)
        if "wheel" not in kinds and "sdist" not in kinds:
            severity = rule.severity
        else:
            severity = Severity.WARNING if rule.severity is Severity.ERROR else rule.severity
        fixes: tuple[Fix, ...] = ()
        if first is not None and first > versions[-1] and _only_lower_bounds(dep.specifier):
            new = f">={first}"  # wheels start after the admitted versions: raise the floor
        elif last is not None and last < versions[0]:
            new = f"<={last}"  # wheels stopped before them (a platform was dropped): cap
        else:
            new = ""
        if new:
            fixes = (
                set_specifier(ctx.doc, dep, new, f"Change to {ctx.written_name(dep)}{new}", False),
            )
        yield ctx.finding(
            rule,
            dep.span,
            dep,
            fixes=fixes,
            severity=severity,
            first=str(first) if first else "none",
            last=str(last) if last else "none",
            version=_version_text(versions, dep),
        )


def _only_lower_bounds(spec: str) -> bool:
    s = specifier(spec)
    return s is not None and len(s) > 0 and all(x.operator in (">=", ">", "==", "~=") for x in s)


# --- pairing -------------------------------------------------------------------------


def pairing(rule: Rule, ctx: Context) -> Iterator[Finding]:
    p = rule.params
    mode = p.get("mode", "mismatch")
    a_deps = ctx.find(p["a"])
    b_deps = [d for d in ctx.own if d.name == canonicalize_name(p["b"])]
    if not a_deps or not b_deps:
        return
    a = a_deps[0]
    if p.get("a_pinned", False) and exact_pin(a.specifier) is None:
        return  # an open `a` is resolved by pip together with b's own requirement
    a_versions = ctx.versions(a)
    if not a_versions:
        return
    a_version = ctx.pick(a, a_versions)
    a_text = str(exact_pin(a.specifier) or a_version)
    row = next((r for r in p["table"] if spec_contains(r["a"], a_version)), None)
    if row is None:
        return
    for b in b_deps:
        b_versions = ctx.versions(b, check_python=False)
        if not b_versions:
            continue
        if mode == "unpinned":
            # pip takes the newest release of an unpinned b: fire when that one misses the row
            a_open = not a.specifier and not p.get("a_unpinned_too", False)
            if b.specifier or a_open or spec_contains(row["b"], b_versions[-1]):
                continue
        elif any(spec_contains(row["b"], v) for v in b_versions):
            continue
        fixes: tuple[Fix, ...] = ()
        if "pin" in row:
            fixes = (
                set_specifier(
                    ctx.doc,
                    b,
                    row["pin"],
                    f"Pin {ctx.written_name(b)}{row['pin']}",
                    p.get("fix_safe", True),
                ),
            )
        a_name = ctx.written_name(a) if id(a) in {id(d) for d in ctx.doc.dependencies} else a.name
        yield ctx.finding(
            rule,
            b.span,
            b,
            fixes=fixes,
            related=(ctx.related(a, f"{a_name} {a_text} is declared here"),),
            a=a_name,
            a_version=a_text,
            b=ctx.written_name(b),
            pin=row.get("pin", row["b"]),
        )


# --- exclusive -----------------------------------------------------------------------


def exclusive(rule: Rule, ctx: Context) -> Iterator[Finding]:
    p = rule.params
    present = ctx.find(p["packages"])
    names = {d.name for d in present}
    if len(names) < 2:
        return
    if p.get("unless") == "same-version":
        pins = {exact_pin(d.specifier) for d in present}
        if len(pins) == 1 and None not in pins:
            return
    first = present[0]
    own = {id(d) for d in ctx.doc.dependencies}
    for dep in present[1:]:
        if id(dep) not in own or dep.name == first.name:
            continue
        others = sorted(n for n in names if n != dep.name)
        yield ctx.finding(
            rule,
            dep.span,
            dep,
            related=(ctx.related(first, f"{first.name} is declared here"),),
            others=", ".join(others),
        )


# --- python --------------------------------------------------------------------------


def python_window(rule: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.target.python is None:
        return
    py = Version(ctx.target.python + ".0")
    table = rule.params["table"]
    for dep in ctx.find(rule.params["packages"], ctx.own):
        versions = ctx.versions(dep, check_python=False)
        if not versions:
            continue
        rows = [next((r for r in table if spec_contains(r["versions"], v)), None) for v in versions]
        if all(r is None for r in rows):
            continue
        if any(r is not None and spec_contains(r["python"], py) for r in rows):
            continue
        last = next(r for r in reversed(rows) if r is not None)
        yield ctx.finding(
            rule,
            dep.span,
            dep,
            window=f"Python {last['python']}",
            version=_version_text(versions, dep),
        )


# --- requires ------------------------------------------------------------------------


def requires(rule: Rule, ctx: Context) -> Iterator[Finding]:
    p = rule.params
    needs = [canonicalize_name(n) for n in p["needs"]]
    for dep in ctx.find([p["package"]], ctx.own):
        if "versions" in p:
            versions = ctx.versions(dep)
            if not versions or not any(spec_contains(p["versions"], v) for v in versions):
                continue
        if ctx.find(needs):
            continue
        yield ctx.finding(rule, dep.span, dep, needs=" or ".join(p["needs"]))
