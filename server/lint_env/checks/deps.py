"""Rule kinds over declared dependencies (requirements, conda, pyproject)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from functools import lru_cache

from packaging.version import Version

from ..model import Dependency, Finding, Fix, Kind, Related, Severity
from ..names import canonicalize_name
from ..resolve import (
    admitted,
    exact_pin,
    file_kind,
    first_with_wheel,
    last_with_wheel,
    names_prerelease,
    nearest_with_wheel,
    pip_pick,
    sdist_only_release,
    specifier,
    wheel_pythons,
)
from ..ruleset import Rule
from ..target import Target
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
    for dep in ctx.named_in(rule, ctx.own):
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
        related: tuple[Related, ...] = ()
        if p.get("once") == "project":
            places = _declared_places(ctx, patterns, sources)
            if not _is_first_place(ctx, dep, places):
                continue  # said once, at the first place that declares it
            related = tuple(
                Related(path, span, "also declared here")
                for path, span in places
                if (path, span) != (ctx.doc.path, dep.span)
            )
        yield ctx.finding(
            rule,
            dep.span,
            dep,
            fixes=_banned_fix(rule, ctx, dep),
            related=related,
            replacement=p.get("replacement", ""),
        )


def _declared_places(ctx: Context, patterns: list[str], sources: list[str]) -> list[tuple]:
    """(path, span) of every declaration of a matching package that applies on the target,
    in the project's dependency files and in this document, in path order."""
    docs = {d.path: d for d in ctx.declaration_documents()}
    docs[ctx.doc.path] = ctx.doc
    out = []
    for path in sorted(docs, key=str):
        for d in docs[path].dependencies:
            if d.constraint_only or d.source not in sources or not _matches(d.name, patterns):
                continue
            if ctx.target.evaluate_marker(d.marker):
                out.append((path, d.span))
    return out


def _is_first_place(ctx: Context, dep: Dependency, places: list[tuple]) -> bool:
    """A dependency file states the fact at the first place; a notebook only when no
    dependency file declares the package (the file is the more useful place to fix)."""
    if not places:
        return True
    if ctx.doc.kind is Kind.NOTEBOOK:
        return all(path == ctx.doc.path for path, _ in places) and places[0][1] == dep.span
    return places[0] == (ctx.doc.path, dep.span)


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
            versions, lambda v: spec_contains(p["broken"], v), ctx.pick(dep, versions)
        )
        if verdict is None or (verdict == "likely" and p.get("backtracks")):
            continue  # pip backtracks past a pick whose dependencies cannot install
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
    pool = snapshot_packages() if everything else frozenset(names)
    exclude = frozenset(rule.params.get("exclude", ()))
    memo = ctx.memo
    # a rule for named packages: only the lines with one of them (named_rules.py)
    for dep in ctx.own if everything else ctx.named_in(rule, ctx.own):
        if dep.name not in pool or dep.name in exclude or dep.url or dep.source != "pip":
            continue
        if memo is None:
            yield from _wheel_of(rule, ctx, dep)
        else:  # the same requirement on the same line: what the last check found
            yield from memo.findings(rule, ctx, dep, lambda d=dep: list(_wheel_of(rule, ctx, d)))


def _wheel_of(rule: Rule, ctx: Context, dep: Dependency) -> Iterator[Finding]:
    """The wheel rule on one requirement (rule_memo.py: a function of what it keys on)."""
    from ..import_map import optional_extension

    versions = ctx.versions(dep)
    if not versions:
        return
    kinds = [file_kind(dep.name, v, ctx.target) for v in versions]
    if "unknown" in kinds:
        return
    if "wheel" in kinds and kinds[-1] != "sdist":
        return
    if kinds[-1] == "sdist" and sdist_only_release(dep.name, versions[-1]):
        return  # built from source on every platform: nothing about this target
    if kinds[-1] == "sdist" and optional_extension(dep.name):
        return  # the sdist installs without a compiler (pure-Python fallback)
    first = first_with_wheel(dep.name, ctx.target)
    last = last_with_wheel(dep.name, ctx.target)
    newer, older = nearest_with_wheel(dep.name, ctx.target, versions)
    built = kinds[-1] == "sdist"  # the pick is a source build (else nothing installs)
    # an older release it allows has a wheel, but pip picks the newest: its sdist
    allowed = next(
        (v for v, k in zip(reversed(versions), reversed(kinds), strict=True) if k == "wheel"),
        None,
    )
    extra: dict[str, str] = {}
    if allowed is not None:
        extra["spec"] = f"{ctx.values(dep)['spec']} (pip picks {versions[-1]})"
    if "wheel" not in kinds and "sdist" not in kinds:
        severity = rule.severity
    else:
        severity = Severity.WARNING if rule.severity is Severity.ERROR else rule.severity
    later = _wheel_on_newer_python(ctx, dep)
    new = ""
    if later is not None:
        # only the oldest Pythons the project allows miss it: what users of the
        # newer ones get is said, and nothing is rewritten for them
        severity = Severity.WARNING if severity is Severity.ERROR else severity
    # the hint never points backwards: the nearest newer release with a wheel; the
    # newest older one only when no newer release has one
    elif newer is not None and _only_lower_bounds(dep.specifier):
        new = f">={newer}"
    elif newer is None and older is not None:
        new = f"<={older}"
    fixes: tuple[Fix, ...] = ()
    if new:
        fixes = (
            set_specifier(ctx.doc, dep, new, f"Change to {ctx.written_name(dep)}{new}", False),
        )
    hint = _wheel_hint(ctx, dep, versions, newer, older, allowed)
    if later is not None:
        hint += f"; on Python {later[0]} pip picks {later[1]}, which has one"
    yield ctx.finding(
        rule,
        dep.span,
        dep,
        fixes=fixes,
        severity=severity,
        first=str(first) if first else "none",
        last=str(last) if last else "none",
        version=_version_text(versions, dep),
        hint=(_sdist_note(dep.name) if built else "") + hint,
        **extra,
    )


def _sdist_note(name: str) -> str:
    """What installing the sdist means: a build (a compiler and the native libraries),
    or, for a pure-Python sdist of a package whose wheels bundle a program, that
    program missing."""
    from ..import_map import bundled_program

    program = bundled_program(name)
    if program:
        return (
            f"pip installs its sdist, which lacks the {program} executable the wheels bundle"
            f" ({program} must then be installed on the machine); "
        )
    return "pip builds it from its sdist (a compiler and its native libraries); "


def _wheel_on_newer_python(ctx: Context, dep: Dependency) -> tuple[str, Version] | None:
    """Judged on the lowest Python of the project's range: the first newer Python of the
    range on which pip's pick for the requirement has a wheel for the platform, and that
    pick; None when none has."""
    for py in ctx.target.newer_pythons:
        target = Target(ctx.target.platform, py)
        versions = admitted(
            dep.name, dep.specifier, target, ctx.constraints.get(dep.name, ()), pip=True
        )
        if not versions:
            continue
        pick = pip_pick(dep.name, versions, target)
        if file_kind(dep.name, pick, target) == "wheel":
            return py, pick
    return None


def _wheel_hint(ctx: Context, dep: Dependency, versions, newer, older, allowed=None) -> str:
    """'the nearest newer release with one is 2.0.0; 1.13.1 has macOS arm64 wheels for
    Python 3.8–3.10' (what a user can act on). ``allowed``: the newest release the
    requirement allows that has a wheel, when pip's pick (a newer one) has none."""
    if allowed is not None:
        parts = [f"{allowed} is the newest release it allows with one"]
    elif newer is not None:
        parts = [f"the nearest newer release with one is {newer}"]
    elif older is not None:
        parts = [f"no newer release has one; the newest older one is {older}"]
    else:
        parts = ["no release has one"]
    shown = exact_pin(dep.specifier) or versions[-1]
    pys = wheel_pythons(dep.name, shown, ctx.target)
    if pys and ctx.target.python not in pys:
        span = pys[0] if len(pys) == 1 else f"{pys[0]}–{pys[-1]}"
        parts.append(f"{shown} has {ctx.target.label} wheels for Python {span}")
    return "; ".join(parts)


def _only_lower_bounds(spec: str) -> bool:
    s = specifier(spec)
    return s is not None and len(s) > 0 and all(x.operator in (">=", ">", "==", "~=") for x in s)


# --- pairing -------------------------------------------------------------------------


def pairing(rule: Rule, ctx: Context) -> Iterator[Finding]:
    p = rule.params
    mode = p.get("mode", "mismatch")
    a_deps = ctx.find(p["a"])
    b_name = canonicalize_name(p["b"])
    b_deps = ctx.find([b_name], ctx.own)
    if not a_deps:
        return
    a = a_deps[0]
    absent = not b_deps and p.get("b_absent", False) and not ctx.find([b_name])
    if not b_deps and not absent:
        return
    if absent and id(a) not in {id(d) for d in ctx.own}:
        return  # said where a is written
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
    a_name = ctx.written_name(a) if id(a) in {id(d) for d in ctx.doc.dependencies} else a.name
    if absent:
        # b is not declared: pip installs it as a's dependency, at the newest release
        stand_in = Dependency(name=b_name, span=a.span, name_span=a.name_span, raw=b_name)
        b_versions = ctx.versions(stand_in)
        if not b_versions:
            return
        b_pick = ctx.pick(stand_in, b_versions)
        if spec_contains(row["b"], b_pick):
            return
        yield ctx.finding(
            rule,
            a.span,
            a,
            a=a_name,
            a_version=a_text,
            b=p["b"],
            b_spec="(not declared)",
            b_version=str(b_pick),
            pin=row.get("pin", row["b"]),
        )
        return
    for b in b_deps:
        b_versions = _channel_versions(p, b) or ctx.versions(b, check_python=False)
        if not b_versions:
            continue
        b_allowed = ctx.versions(b)  # for the target Python (requires-python filters)
        if "resolves" in p and b.source == "pip" and _pip_resolves(p, a_versions, b_allowed):
            continue
        b_pick = ctx.pick(b, b_allowed or b_versions)  # what pip installs
        if mode == "unpinned":
            # pip takes the newest release of an open b: fire when that one misses the row
            a_open = not a.specifier and not p.get("a_unpinned_too", False)
            if a_open or spec_contains(row["b"], b_pick):
                continue
            if b.specifier and not (
                p.get("b_open_too", False)
                and exact_pin(b.specifier) is None
                and any(spec_contains(row["b"], v) for v in b_versions)
            ):
                continue  # a range with nothing in the row is the mismatch rule's
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
        yield ctx.finding(
            rule,
            b.span,
            b,
            fixes=fixes,
            related=(ctx.related(a, f"{a_name} {a_text} is declared here"),),
            a=a_name,
            a_version=a_text,
            b=ctx.written_name(b),
            b_spec=b.specifier or "any version",
            b_version=str(b_pick),
            pin=row.get("pin", row["b"]),
        )


def _pip_resolves(p: dict, a_versions: list, b_versions: list | None) -> bool:
    """Rule param ``resolves``: the b releases whose metadata requires an a of their own
    row (torchvision >= 0.15 requires its torch). pip's resolver then picks a pair that
    matches (an open torch becomes the one a torchvision pin asks for), so there is no
    mismatch when one of the a versions the declaration allows and one of those b
    releases it allows share a row."""
    rows = [r for r in p["table"] if any(spec_contains(r["a"], v) for v in a_versions)]
    return any(
        spec_contains(p["resolves"], v) and any(spec_contains(r["b"], v) for r in rows)
        for v in b_versions or ()
    )


def _channel_versions(p: dict, dep: Dependency) -> list[Version] | None:
    """The releases a conda package has on its channel (the rule's ``b_versions``, with
    their source in the rule), admitted by the declared specifier."""
    if dep.source != "conda" or "b_versions" not in p:
        return None
    spec = specifier(dep.specifier)
    if spec is None:
        return None
    listed = sorted(Version(v) for v in p["b_versions"])
    return [v for v in listed if spec.contains(v, prereleases=True)] or None


# --- exclusive -----------------------------------------------------------------------


def exclusive(rule: Rule, ctx: Context) -> Iterator[Finding]:
    """Two or more of ``packages`` in one environment: one finding for the environment,
    at the first line that should go, with the other lines as related locations.

    Only distributions that can install on the target count (one that cannot is another
    rule's finding). ``keep`` is the order of preference for the one to keep; ``allow``
    lists combinations that are normal on some targets (an installer shim and the
    package it pulls in), optionally only when their versions agree.
    """
    p = rule.params
    sources = p.get("sources", ["pip", "conda"])
    present = [d for d in ctx.find(p["packages"]) if d.source in sources and _installs(ctx, d)]
    names = {d.name for d in present}
    if len(names) < 2:
        return
    if p.get("unless") == "same-version" and _same_pin(present):
        return
    for row in p.get("allow", []):
        targets = row.get("targets", ["*"])
        if (
            set(names) <= set(row["packages"])
            and ("*" in targets or ctx.target.platform in targets)
            and (not row.get("same_version", False) or _same_pin(present, allow_open=True))
        ):
            return
    preference = [*p.get("keep", []), *p["packages"]]
    keep = next(n for n in preference if n in names)
    own = {id(d) for d in ctx.doc.dependencies}
    drop = [d for d in present if d.name != keep]
    at = next((d for d in drop if id(d) in own), None)
    if at is None:
        if not any(id(d) in own for d in present):
            return
        # only the one to keep is written in this file: the others come from -r files
        at = next(d for d in present if id(d) in own)
    related = tuple(
        ctx.related(d, f"{ctx.written_name(d)} is declared here") for d in present if d is not at
    )
    ordered = sorted(names, key=lambda n: (n != keep, preference.index(n)))
    yield ctx.finding(
        rule,
        at.span,
        at,
        related=related,
        others=", ".join(n for n in ordered if n != at.name),
        keep=keep,
        names=_and(ordered),
    )


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _installs(ctx: Context, dep: Dependency) -> bool:
    """Can some admitted version of ``dep`` install on the target (True when unknown)?"""
    if dep.source != "pip" or dep.url:
        return True
    versions = ctx.versions(dep)
    if versions is None:
        return True
    return any(file_kind(dep.name, v, ctx.target) is not None for v in versions)


def _same_pin(deps: list[Dependency], allow_open: bool = False) -> bool:
    """Do all these requirements pin one version (``allow_open``: or leave it open)?"""
    pins = {exact_pin(d.specifier) for d in deps if d.specifier or not allow_open}
    return len(pins) <= 1 and None not in pins


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
        # pip's pre-release fallback: when only a pre-release has a file for the target,
        # pip installs that one; the final releases' window is then a warning
        pick = ctx.pick(dep, versions)
        fallback = (
            getattr(pick, "is_prerelease", False)
            and not names_prerelease(dep.specifier)
            and file_kind(dep.name, pick, ctx.target) not in (None, "unknown")
        )
        yield ctx.finding(
            rule,
            dep.span,
            dep,
            severity=_severity(rule, "likely") if fallback else None,
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
