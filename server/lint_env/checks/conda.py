"""The ``conda`` rule kind: channels, variables and build strings of environment files."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator

from packaging.version import InvalidVersion, Version

from ..model import (
    Dependency,
    Document,
    Finding,
    Fix,
    Kind,
    Related,
    Setting,
    Severity,
    Span,
    TextEdit,
)
from ..names import canonicalize_name
from ..ruleset import Rule
from . import Context, remove_line

# A build string made for one platform: it carries conda-build's variant hash
# (``py39h20f2e39_0``, ``h7b6447c_0``, ``nompi_h6a2412b_1114``, ``hd12c33a_0_cpython``) or names the platform
# (``11_linux64_openblas``) or a CUDA version (``py3.9_cuda11.3_cudnn8.2.0_0``). Noarch Python builds (``pyhd8ed1ab_0``, ``py_0``) fit every
# platform and do not count.
_PLATFORM_BUILD = re.compile(
    r"(?:^|[a-z0-9_])h[0-9a-f]{7}(?:_\d+(?:_[a-z]+)?)?$|(?:linux|osx|win)(?:64|-64|_64|arm64|_aarch64)"
    r"|cuda\d"
)
# Where an exported environment lived, from its ``prefix:`` line.
_PREFIX_OS = (
    (re.compile(r"^[A-Za-z]:[\\/]|^\\\\"), "windows"),
    (re.compile(r"^/Users/|^/opt/homebrew/"), "macos"),
    (re.compile(r"^/home/|^/root/|^/opt/conda(?:/|$)"), "linux"),
)
_OS_LABEL = {"windows": "Windows", "macos": "macOS", "linux": "Linux"}


def conda(rule: Rule, ctx: Context) -> Iterator[Finding]:
    p = rule.params
    check = p["check"]
    doc = ctx.doc
    if check == "channel-required":
        wanted = p["channel"]
        listed = {name for name, _ in doc.channels}
        for dep in ctx.find(p.get("packages", []), ctx.own):
            if dep.source != "conda" or wanted in listed or dep.channel == wanted:
                continue
            yield ctx.finding(rule, dep.span, dep, channel=wanted)
    elif check == "channel-banned":
        yield from _banned_channels(rule, ctx, set(p.get("channels", [])))
    elif check == "variable":
        values = set(p.get("values", []))
        for s in doc.settings:
            if s.key == p.get("key") and (not values or s.value in values):
                yield ctx.finding(rule, s.span, value=s.value)
    elif check == "exported-builds":
        yield from _exported_builds(rule, ctx)
    elif check == "first-build":
        yield from _first_build(rule, ctx)
    elif check == "prefix":
        for st in doc.settings:
            if st.key == "prefix":
                fix = _remove_setting_line(doc, st)
                yield ctx.finding(rule, st.span, fixes=(fix,) if fix else (), value=st.value)
    elif check == "build":
        patterns = [canonicalize_name(x) for x in p.get("packages", ["*"])]
        build = p.get("conda_build", "*")
        for dep in ctx.own:
            if dep.source != "conda" or not dep.build:
                continue
            if any(fnmatch.fnmatchcase(dep.name, x) for x in patterns) and fnmatch.fnmatchcase(
                dep.build, build
            ):
                fix = remove_line(doc, dep, f"Remove {ctx.written_name(dep)}")
                yield ctx.finding(rule, dep.span, dep, fixes=(fix,) if fix else ())


def export_origin(doc: Document, origin_packages: dict[str, list[str]]) -> str | None:
    """The OS an exported environment file was written on ("linux", "windows", "macos"),
    from its ``prefix:`` path or from packages that exist only there; None if unknown."""
    for st in doc.settings:
        if st.key == "prefix":
            for pattern, os_name in _PREFIX_OS:
                if pattern.search(st.value.strip()):
                    return os_name
    for os_name, patterns in origin_packages.items():
        globs = [canonicalize_name(x) for x in patterns]
        for dep in doc.dependencies:
            if dep.source == "conda" and any(fnmatch.fnmatchcase(dep.name, g) for g in globs):
                return os_name
    return None


def platform_build(build: str | None) -> bool:
    return (
        bool(build)
        and "*" not in build
        and not build.startswith("pyh")
        and bool(_PLATFORM_BUILD.search(build))
    )


def _banned_channels(rule: Rule, ctx: Context, banned: set[str]) -> Iterator[Finding]:
    """One finding per banned channel and file, at its first place (the `channels:`
    entry, else the first `channel::package`), with the other places as related."""
    places: dict[str, list[tuple[Span, Dependency | None]]] = {}
    for name, span in ctx.doc.channels:
        if name in banned:
            places.setdefault(name, []).append((span, None))
    for dep in ctx.own:
        if dep.source == "conda" and dep.channel in banned:
            places.setdefault(dep.channel, []).append((dep.span, dep))
    for channel, found in places.items():
        (span, dep), rest = found[0], found[1:]
        related = tuple(
            ctx.related(d, f"{d.raw}: from the {channel} channel")
            if d is not None
            else Related(ctx.doc.path, s, f"the {channel} channel is listed here")
            for s, d in rest
        )
        yield ctx.finding(rule, span, dep, channel=channel, related=related)


def _exported_builds(rule: Rule, ctx: Context) -> Iterator[Finding]:
    """One finding per file: conda packages pinned to builds made for another platform."""
    doc = ctx.doc
    deps = [*_python_dep(doc), *ctx.own]
    pinned = [d for d in deps if d.source == "conda" and platform_build(d.build)]
    pinned.sort(key=lambda d: (d.span.line, d.span.col))
    if not pinned:
        return
    origin = export_origin(doc, rule.params.get("origin_packages", {}))
    target_os = ctx.target.platform.split("-", 1)[0]
    if origin == target_os:
        return  # exported on this OS: the builds may well solve here
    severity = rule.severity if origin else Severity.WARNING
    examples = ", ".join(d.raw for d in pinned[:3]) + (", …" if len(pinned) > 3 else "")
    edits = [e for e in (_drop_build(doc, d) for d in pinned) if e is not None]
    fixes: tuple[Fix, ...] = ()
    if edits:  # a line written another way (name[build=…]) keeps its build
        fixes = (Fix(f"Drop the build strings of {len(edits)} packages", tuple(edits), True),)
    yield ctx.finding(
        rule,
        pinned[0].span,
        pinned[0],
        fixes=fixes,
        severity=severity,
        count=len(pinned),
        builds=examples,
        origin=f" on {_OS_LABEL[origin]}" if origin else "",
    )


_PYTHON_SPEC = re.compile(r"python(?:\s*==?\s*|\s+)[^\s=]+(?:=|\s+)(?P<build>[^\s=]+)")


def _drop_build(doc: Document, dep: Dependency) -> TextEdit | None:
    """The edit that deletes ``=build`` (or `` build``) at the end of a match spec, when
    the text there is exactly that."""
    sp = dep.span
    if sp.line != sp.end_line or not dep.build:
        return None
    line = doc.line_text(sp)
    text = line[sp.col : sp.end_col]
    if not text.endswith(dep.build):
        return None
    cut = len(text) - len(dep.build)
    head = text[:cut]
    if head.endswith("="):
        start = cut - 1
    elif head and head[-1].isspace():
        start = len(head.rstrip())
    else:
        return None
    if start <= 0 or text[:start].rstrip("=").strip() == "":
        return None
    return TextEdit(Span.on_line(sp.line, sp.col + start, sp.end_col), "")


def _remove_setting_line(doc: Document, st: Setting) -> Fix | None:
    """Delete a one-line top-level ``key: value`` (with a comment after it, if any)."""
    sp = st.span
    if sp.line != sp.end_line or sp.line >= len(doc.lines):
        return None
    line = doc.lines[sp.line]
    if line[: sp.col].strip() or (line[sp.end_col :].strip()[:1] not in ("", "#")):
        return None
    if sp.line + 1 < len(doc.lines):
        span = Span(sp.line, 0, sp.line + 1, 0)
    elif sp.line > 0:
        span = Span(sp.line - 1, len(doc.lines[sp.line - 1]), sp.line, len(line))
    else:
        span = Span(sp.line, 0, sp.line, len(line))
    return Fix(f"Remove the {st.key}: line", (TextEdit(span, ""),), True)


# --- first builds for a subdir -------------------------------------------------------

_DEFAULTS = {"defaults", "anaconda", "main", "pkgs/main"}


def channel_name(channel: str) -> str:
    """``conda-forge`` for ``conda-forge``, a channel URL ending in ``/conda-forge``, …;
    ``defaults`` for the names of Anaconda's main channel."""
    name = channel.strip().rstrip("/")
    if name.endswith("/pkgs/main"):
        return "defaults"
    name = name.rsplit("/", 1)[-1] if "://" in name else name
    return "defaults" if name in _DEFAULTS else name


def admits_from(spec: str, first: Version) -> bool:
    """Whether a version specifier can admit a version >= ``first``: False only when some
    clause caps it below (``==1.19.2``, ``==1.19.*``, ``<1.20``, ``~=1.19.2``)."""
    from ..resolve import specifier

    s = specifier(spec)
    if s is None:
        return True
    for clause in s:
        try:
            if not _clause_admits(clause.operator, clause.version, first):
                return False
        except (InvalidVersion, IndexError):
            continue
    return True


def _clause_admits(op: str, text: str, first: Version) -> bool:
    """One clause of a specifier: can it admit a version >= ``first``?"""
    if op in ("==", "===") and text.endswith(".*"):
        prefix = Version(text[:-2]).release
        return first < _next(prefix)
    if op in ("==", "==="):
        return Version(text) >= first
    if op == "<":
        return first < Version(text)
    if op == "<=":
        return first <= Version(text)
    if op == "~=":
        return first < _next(Version(text).release[:-1])
    return True  # >, >=, != are open upwards


def _next(release: tuple[int, ...]) -> Version:
    """The first version after every ``release.*``: (1, 19) -> 1.20."""
    return Version(".".join(map(str, (*release[:-1], release[-1] + 1))))


def _first_build(rule: Rule, ctx: Context) -> Iterator[Finding]:
    """Conda pins older than the first build the listed channels have for the target."""
    doc = ctx.doc
    rows: dict[tuple[str, str], dict] = {}
    for row in rule.params.get("table", []):
        rows[(canonicalize_name(row["package"]), channel_name(row["channel"]))] = row
    listed = [channel_name(c) for c, _ in doc.channels if c.strip() != "nodefaults"]
    for dep in [*_python_dep(doc), *ctx.own]:
        if dep.source != "conda" or not dep.specifier:
            continue  # unpinned: the solver takes what the channel has
        channels = [channel_name(dep.channel)] if dep.channel else listed
        if not channels:
            continue  # the user's .condarc decides: unknown
        used = [rows.get((dep.name, c)) for c in channels]
        if any(r is None for r in used):
            continue
        if any(admits_from(dep.specifier, Version(r["first"])) for r in used):
            continue
        recon = any(r.get("recon", False) for r in used)
        firsts = "; ".join(f"{channel_name(r['channel'])} from {r['first']}" for r in used)
        yield ctx.finding(
            rule,
            dep.span,
            dep,
            severity=Severity.WARNING if recon else None,
            channel=", ".join(dict.fromkeys(channels)),
            first=firsts,
        )


def _python_dep(doc: Document) -> list[Dependency]:
    """The environment's python pin as a conda dependency (the parser keeps it apart)."""
    if doc.python is None or doc.kind is not Kind.CONDA:
        return []
    spec, span = doc.python
    raw = doc.line_text(span)[span.col : span.end_col] if span.line == span.end_line else "python"
    channel, _, bare = raw.rpartition("::")
    m = _PYTHON_SPEC.fullmatch(bare.strip())
    return [
        Dependency(
            "python",
            span,
            span,
            raw,
            specifier=spec,
            source="conda",
            channel=channel.strip() or None,
            build=m.group("build") if m else None,
        )
    ]
