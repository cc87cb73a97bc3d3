"""Hover text for a position in a document: pure core, no LSP.

Short on purpose. For the requirement under the cursor: the findings there (message
and one line of why; the explanation is behind ``lint-env explain CODE`` and the
rule's link), what pip would pick on each target (version_hints.pick, with the
target Python the engine derives and why) with the snapshot's date, the newest
release, and the versions known to work with its partner (the pairing rules'
tables: tensorflow-metal and keras with tensorflow, torchvision with torch ...).
For an import: the distribution that provides it and its findings. The language
server wraps the Markdown in a Hover.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .model import Dependency, Document, Finding, Import, Span
from .target import Target

MAX_VERSIONS = 6
_IGNORE_RE = re.compile(r"#\s*lint-env:\s*ignore\[([^\]]*)\]")


@dataclass(frozen=True)
class HoverInfo:
    markdown: str
    span: Span


def hover(
    doc: Document,
    findings: Sequence[Finding],
    line: int,
    col: int,
    *,
    cell: int | None = None,
    targets: Sequence[Target] = (),
    ruleset: Any = None,
    contexts: Sequence[Any] | None = None,
    reason: str = "",
) -> HoverInfo | None:
    """Markdown for the thing at (cell, line, col), or None when there is nothing there.

    ``contexts``: the check contexts of the document, one per target (Engine.contexts_for);
    without them, plain ones are made for ``targets``. ``reason``: why the target Python
    is what it is (Engine.python_reason)."""
    for dep in doc.dependencies:
        if _at(dep.span, line, col, cell):
            if contexts is None:
                from .version_hints import simple_context

                contexts = [simple_context(doc, t) for t in targets or (Target(),)]
            text = _dependency(doc, dep, findings, contexts, ruleset, reason)
            return HoverInfo(text, dep.span)
    for imp in doc.imports:
        if _at(imp.span, line, col, cell):
            return HoverInfo(_import(imp, findings, ruleset), imp.span)
    code_span = _suppression_code(doc, line, col, cell)
    if code_span is not None:
        code, span = code_span
        return HoverInfo(_rule_block(code, ruleset) or f"`{code}`: unknown rule", span)
    here = [f for f in findings if _at(f.span, line, col, cell)]
    if here:
        return HoverInfo(_findings_block(here, ruleset), here[0].span)
    return None


# --- pieces -----------------------------------------------------------------------


def _at(span: Span, line: int, col: int, cell: int | None) -> bool:
    return span.cell == cell and span.contains(line, col)


def _on(span: Span, other: Span) -> bool:
    """Do two spans share a line (and cell)?"""
    return span.cell == other.cell and span.line <= other.end_line and other.line <= span.end_line


def _dependency(
    doc: Document,
    dep: Dependency,
    findings: Sequence[Finding],
    contexts: Sequence[Any],
    ruleset: Any,
    reason: str,
) -> str:
    title = f"**{dep.name}**" + (f" `{dep.specifier}`" if dep.specifier else " (any version)")
    if dep.marker:
        title += f" ; `{dep.marker}`"
    parts = [title]
    mine = [f for f in findings if _on(f.span, dep.span)]
    if mine:
        parts.append(_findings_block(mine, ruleset))
    parts += _versions_block(dep, contexts, reason)
    parts += pairing_hints(doc, dep, ruleset, contexts)
    shown = {f.code for f in mine}
    codes = [str(_attr(r, "code")) for r in rules_for_package(ruleset, dep.name)]
    line = _codes_line([c for c in codes if c not in shown])
    if line:
        parts.append(line)
    return "\n\n".join(parts)


def _versions_block(dep: Dependency, contexts: Sequence[Any], reason: str) -> list[str]:
    """'pip would install …' per target, the snapshot's date and the newest release."""
    from .snapshot import load_package
    from .version_hints import newest, pick, python_words, snapshot_date, where

    if dep.source != "pip" or dep.url:
        return []  # conda's channels (or the URL) decide, not the index
    if load_package(dep.name) is None:
        return ["Not in lint-env's index snapshot: no versions known."]
    # the engine gives every target of a file the same Python: say it once
    one_python = len({c.target.python for c in contexts}) == 1
    rows = []
    by = f" admitted by `{dep.specifier}`" if dep.specifier else ""
    for ctx in contexts:
        found = pick(ctx, dep)
        if found is None:
            continue
        on = found.target.label if one_python else where(found.target, reason)
        if found.skipped:
            rows.append(f"- {on}: not installed (the marker leaves it out)")
        elif found.version is None:
            rows.append(f"- {on}: no release{by}{_instead(dep, found.target)}")
        elif found.file is None:
            rows.append(f"- {on}: no release{by} has a file here{_instead(dep, found.target)}")
        elif found.file == "unknown":  # an exact pin the snapshot does not list
            rows.append(f"- {on}: {found.version} is not in the index snapshot")
        elif found.file == "sdist":
            rows.append(f"- {on}: **{found.version}** (source build: no wheel)")
        else:
            rows.append(f"- {on}: **{found.version}**")
    final, pre = newest(dep.name)
    date = snapshot_date(dep.name)
    snap = f"index snapshot of {date}" if date else ""
    out = []
    if rows:
        head = "pip would install"
        if one_python:
            head += f" for {python_words(contexts[0].target, reason)}"
        head += f", {snap}" if snap else ""
        out.append(head + ":\n" + "\n".join(rows))
    if final is not None or pre is not None:
        text = f"Newest release: {final}" if final is not None else "No final release"
        if pre is not None:
            text += f" (pre-release {pre})"
        out.append(text + (f", {snap}" if snap and not rows else ""))
    return out


def _instead(dep: Dependency, target: Target) -> str:
    """'; releases with a wheel there: 2.21.0, 2.20.0, 2.19.1' (or '')."""
    others = versions_known_to_work(dep.name, "", target) or []
    return f"; releases with a wheel there: {', '.join(others[:3])}" if others else ""


def _codes_line(codes: list[str], limit: int = 8) -> str:
    if not codes:
        return ""
    text = ", ".join(codes[:limit]) + (
        f" and {len(codes) - limit} more" if len(codes) > limit else ""
    )
    return f"Rules: {text} (`lint-env explain CODE`)"


def _import(imp: Import, findings: Sequence[Finding], ruleset: Any) -> str:
    parts = [f"**import {imp.module}**"]
    try:
        from .import_map import distributions_for, is_stdlib

        if imp.level == 0 and imp.module:
            if is_stdlib(imp.top):
                parts[0] += " (standard library)"
            else:
                dists = distributions_for(imp.module)
                if dists:
                    parts[0] += " — provided by " + ", ".join(f"`{d}`" for d in dists)
    except Exception:  # the map is a nicety here; the hover still works without it
        pass
    mine = [f for f in findings if _on(f.span, imp.span)]
    if mine:
        parts.append(_findings_block(mine, ruleset))
    shown = {f.code for f in mine}
    codes = [str(_attr(r, "code")) for r in rules_for_module(ruleset, imp.module)]
    line = _codes_line([c for c in codes if c not in shown])
    if line:
        parts.append(line)
    return "\n\n".join(parts)


def rules_for_module(ruleset: Any, module: str) -> list[Any]:
    """Import rules whose module prefixes cover ``module`` (``keras`` covers ``keras.layers``)."""
    out = []
    for rule in _all_rules(ruleset):
        params = _attr(rule, "params") or {}
        if not isinstance(params, dict) or not str(_attr(rule, "kind") or "").startswith("import"):
            continue
        prefixes = _names(params.get("modules")) + _names(params.get("a")) + _names(params.get("b"))
        if any(p != "*" and (module == p or module.startswith(p + ".")) for p in prefixes):
            out.append(rule)
    return out


def _findings_block(findings: Iterable[Finding], ruleset: Any) -> str:
    """Each finding: its message, then one line of why (the rule's summary), the command
    that explains it and the rule's first link."""
    out = []
    for f in findings:
        text = f"**{f.code}** ({f.severity.value}) {f.message}"
        rule = _get_rule(ruleset, f.code)
        why = _why_line(f.code, rule)
        out.append(text + ("\n\n" + why if why else ""))
    return "\n\n".join(out)


def _why_line(code: str, rule: Any) -> str:
    if rule is None:
        return ""
    summary = str(_attr(rule, "summary") or "").strip()
    text = (f"{summary} " if summary else "") + f"More: `lint-env explain {code}`"
    refs = _references(rule)
    return text + (f" · [docs]({refs[0]})" if refs else "")


def _rule_block(code: str, ruleset: Any) -> str | None:
    rule = _get_rule(ruleset, code)
    if rule is None:
        return None
    return f"**{code}** `{_attr(rule, 'name') or ''}`\n\n{_why_line(code, rule)}"


def _suppression_code(
    doc: Document, line: int, col: int, cell: int | None
) -> tuple[str, Span] | None:
    text = doc.line_text(Span.point(line, 0, cell))
    for m in _IGNORE_RE.finditer(text):
        start = m.start(1)
        for part in m.group(1).split(","):
            code = part.strip()
            end = start + len(part)
            if code and start <= col <= end:
                lead = len(part) - len(part.lstrip())
                s = start + lead
                return code, Span.on_line(line, s, s + len(code), cell)
            start = end + 1
    return None


# --- rule database access (the ruleset API is duck-typed on purpose) -----------


def _attr(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _references(rule: Any) -> list[str]:
    refs = _attr(rule, "references") or ()
    return [str(r) for r in refs if isinstance(r, str)]


def _get_rule(ruleset: Any, code: str) -> Any:
    if ruleset is None:
        return None
    try:
        return ruleset.get(code)
    except (KeyError, LookupError, AttributeError, TypeError):
        return None


def _all_rules(ruleset: Any) -> list[Any]:
    if ruleset is None:
        return []
    rules = getattr(ruleset, "rules", None)
    if rules is None:
        try:
            rules = list(ruleset)
        except TypeError:
            return []
    if isinstance(rules, dict):
        rules = list(rules.values())
    return list(rules)


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return []


def rules_for_package(ruleset: Any, name: str) -> list[Any]:
    """Rules whose parameters name this (canonical) package."""
    out = []
    for rule in _all_rules(ruleset):
        params = _attr(rule, "params") or {}
        if not isinstance(params, dict):
            continue
        patterns: list[str] = []
        for key in ("packages", "a", "b", "package", "needs"):
            patterns += _names(params.get(key))
        if any(p != "*" and fnmatch.fnmatch(name, p.lower()) for p in patterns):
            out.append(rule)
    return out


# --- versions -------------------------------------------------------------------


def versions_known_to_work(name: str, specifier: str, target: Target) -> list[str] | None:
    """Newest releases admitted by ``specifier`` with a wheel for the target and its
    Python (newest first); None when the package is not in the snapshot."""
    from .resolve import installable, pip_select, python_ok
    from .resolve import specifier as parse_specifier
    from .snapshot import load_package

    index = load_package(name)
    if index is None:
        return None
    working = [
        rel.version
        for rel in reversed(index.releases)
        if not rel.yanked and python_ok(rel, target) and installable(rel, target) == "wheel"
    ]
    spec = parse_specifier(specifier) if specifier else None
    # pip's pre-release rule, as everywhere (resolve.pip_select)
    admitted = pip_select([spec] if spec is not None else [], working)
    return [str(v) for v in admitted[:MAX_VERSIONS]]


def pinned_version(specifier: str) -> str | None:
    """'==2.15.0' -> '2.15.0'; '==2.15.*' -> '2.15'; anything else -> None."""
    m = re.fullmatch(r"\s*===?\s*([0-9][0-9A-Za-z.+!-]*?)(\.\*)?\s*", specifier or "")
    return m.group(1) if m else None


def pairing_hints(
    doc: Document, dep: Dependency, ruleset: Any, contexts: Sequence[Any] = ()
) -> list[str]:
    """'Works with tensorflow 2.16.2 (pip's pick on macOS arm64): `tensorflow-metal==1.1.0`
    (MT001, MT002)' lines, from the tables of the pairing rules that tie ``dep`` to a
    partner the document declares (either side of the pair). The partner's version is its
    exact pin, else the version pip would pick for it on the first target the rule is
    for. Rules for no target of ``contexts`` are left out."""
    declared: dict[str, Dependency] = {}
    for d in doc.dependencies:
        declared.setdefault(d.name, d)
    lines: dict[str, list[str]] = {}  # text -> rule codes, in order
    for rule in _all_rules(ruleset):
        if _attr(rule, "kind") != "pairing":
            continue
        params = _attr(rule, "params") or {}
        a_names = [n.lower() for n in _names(params.get("a"))]
        b_name = str(params.get("b", "")).lower()
        if dep.name == b_name:
            partner = next((declared[n] for n in a_names if n in declared), None)
        elif dep.name in a_names and b_name in declared:
            partner = dep
        else:
            continue
        if partner is None:
            continue
        ctxs = [c for c in contexts if _for_target(rule, c.target)]
        if contexts and not ctxs:
            continue
        found = _partner_version(partner, ctxs)
        if found is None:
            continue
        version, how = found
        row = _table_row(params.get("table"), version)
        if row is None:
            continue
        pin = str(row.get("pin") or "").strip()
        allowed = str(row.get("b") or "").strip()
        if not pin and allowed.replace(" ", "") == "<0":
            text = f"With {partner.name} {version}{how}: no {b_name} release works"
        else:
            text = f"Works with {partner.name} {version}{how}: `{b_name}{pin or allowed}`"
        lines.setdefault(text, []).append(str(_attr(rule, "code")))
    return [f"{text} ({', '.join(codes)})" for text, codes in lines.items()]


def _for_target(rule: Any, target: Target) -> bool:
    platforms = _names(_attr(rule, "targets")) or ["*"]
    return "*" in platforms or target.platform in platforms


def _partner_version(partner: Dependency, contexts: Sequence[Any]) -> tuple[str, str] | None:
    """(version, how it was found): the exact pin ('2.15.0', ''), else pip's pick on the
    first of ``contexts`` ('2.16.2', " (pip's pick on macOS arm64)")."""
    version = pinned_version(partner.specifier)
    if version is not None:
        return version, ""
    from .version_hints import pick

    for ctx in contexts[:1]:
        found = pick(ctx, partner)
        if found is not None and found.installs:
            return str(found.version), f" (pip's pick on {found.target.label})"
    return None


def _table_row(table: Any, version: str) -> dict | None:
    from packaging.version import InvalidVersion, Version

    from .resolve import in_range

    try:
        v = Version(version)
    except InvalidVersion:
        return None
    for row in table or []:
        if isinstance(row, dict) and in_range(str(row.get("a", "")), v):
            return row
    return None
