"""The ``conda`` rule kind: channels, variables and build strings of environment files."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from packaging.utils import canonicalize_name

from ..model import Finding
from ..ruleset import Rule
from . import Context, remove_line


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
        banned = set(p.get("channels", []))
        for name, span in doc.channels:
            if name in banned:
                yield ctx.finding(rule, span, channel=name)
        for dep in ctx.own:
            if dep.source == "conda" and dep.channel in banned:
                yield ctx.finding(rule, dep.span, dep, channel=dep.channel)
    elif check == "variable":
        values = set(p.get("values", []))
        for s in doc.settings:
            if s.key == p.get("key") and (not values or s.value in values):
                yield ctx.finding(rule, s.span, value=s.value)
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
