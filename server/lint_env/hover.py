"""Hover text for a position in a document: pure core, no LSP.

For the requirement, import or suppression code under the cursor: the findings
there, the rules that apply to that package or module (summary, explanation,
links), and the versions known to work on each target (from the index snapshot),
including the pairing pin (the tensorflow-metal release that pairs with the pinned
TensorFlow). The language server wraps the Markdown in a Hover.
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
) -> HoverInfo | None:
    """Markdown for the thing at (cell, line, col), or None when there is nothing there."""
    for dep in doc.dependencies:
        if _at(dep.span, line, col, cell):
            return HoverInfo(_dependency(doc, dep, findings, targets, ruleset), dep.span)
    for imp in doc.imports:
        if _at(imp.span, line, col, cell):
            return HoverInfo(_import(imp, findings, ruleset), imp.span)
    code_span = _suppression_code(doc, line, col, cell)
    if code_span is not None:
        code, span = code_span
        return HoverInfo(_rule_block(code, ruleset, full=True) or f"`{code}`: unknown rule", span)
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
    targets: Sequence[Target],
    ruleset: Any,
) -> str:
    title = f"**{dep.name}**" + (f" `{dep.specifier}`" if dep.specifier else " (any version)")
    if dep.marker:
        title += f" ; `{dep.marker}`"
    parts = [title]
    mine = [f for f in findings if _on(f.span, dep.span)]
    if mine:
        parts.append(_findings_block(mine, ruleset))
    shown = {f.code for f in mine}
    rules = [r for r in rules_for_package(ruleset, dep.name) if _attr(r, "code") not in shown]
    if rules:
        lines = [f"- {_rule_line(r)}" for r in rules[:8]]
        parts.append("Rules for this package:\n" + "\n".join(lines))
    for target in targets or (Target(),):
        versions = versions_known_to_work(dep.name, dep.specifier, target)
        if versions is None:
            continue
        where = target.label + (f", Python {target.python}" if target.python else "")
        if versions:
            parts.append(f"Versions known to work on {where}: " + ", ".join(versions))
            continue
        others = versions_known_to_work(dep.name, "", target) if dep.specifier else []
        if others:
            parts.append(
                f"No release admitted by `{dep.specifier}` has a wheel for {where};"
                " releases that do: " + ", ".join(others)
            )
        else:
            parts.append(f"No release with a wheel for {where} in the index snapshot.")
    for text in pairing_hints(doc, dep, ruleset):
        parts.append(text)
    return "\n\n".join(parts)


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
    rules = [r for r in rules_for_module(ruleset, imp.module) if _attr(r, "code") not in shown]
    if rules:
        parts.append(
            "Rules for this import:\n" + "\n".join(f"- {_rule_line(r)}" for r in rules[:8])
        )
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
    out = []
    for f in findings:
        text = f"**{f.code}** ({f.severity.value}) {f.message}"
        rule = _get_rule(ruleset, f.code)
        if rule is not None:
            summary = _attr(rule, "summary")
            if summary:
                text += f"\n\n{summary}"
            explanation = _attr(rule, "explanation")
            if explanation:
                text += "\n\n" + str(explanation).strip()
            links = _links(rule)
            if links:
                text += "\n\n" + links
        for fix in f.fixes:
            text += f"\n\nFix: {fix.description}"
        out.append(text)
    return "\n\n---\n\n".join(out)


def _rule_block(code: str, ruleset: Any, full: bool = False) -> str | None:
    rule = _get_rule(ruleset, code)
    if rule is None:
        return None
    text = f"**{code}** `{_attr(rule, 'name') or ''}`: {_attr(rule, 'summary') or ''}"
    if full and _attr(rule, "explanation"):
        text += "\n\n" + str(_attr(rule, "explanation")).strip()
    links = _links(rule)
    return text + ("\n\n" + links if links else "")


def _rule_line(rule: Any) -> str:
    text = f"**{_attr(rule, 'code')}** {_attr(rule, 'summary') or _attr(rule, 'name') or ''}"
    refs = _references(rule)
    return text + (f" ([docs]({refs[0]}))" if refs else "")


def _links(rule: Any) -> str:
    return " · ".join(f"[{_short(u)}]({u})" for u in _references(rule)[:4])


def _short(url: str) -> str:
    host = re.sub(r"^[a-z]+://", "", url).split("/", 1)[0]
    return host or url


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


def pairing_hints(doc: Document, dep: Dependency, ruleset: Any) -> list[str]:
    """'Pairs with tensorflow 2.15: tensorflow-metal ==1.1.0' lines from pairing rules."""
    from packaging.version import InvalidVersion, Version

    from .resolve import in_range

    declared = {d.name: d for d in doc.dependencies}
    out = []
    for rule in _all_rules(ruleset):
        if _attr(rule, "kind") != "pairing":
            continue
        params = _attr(rule, "params") or {}
        a_names = [n.lower() for n in _names(params.get("a"))]
        b_name = str(params.get("b", "")).lower()
        table = params.get("table") or []
        if dep.name == b_name:
            partner = next((declared[n] for n in a_names if n in declared), None)
        elif dep.name in a_names:
            partner = dep
        else:
            continue
        if partner is None:
            continue
        version = pinned_version(partner.specifier)
        if version is None:
            continue
        try:
            v = Version(version)
        except InvalidVersion:
            continue
        for row in table:
            if not isinstance(row, dict):
                continue
            if in_range(str(row.get("a", "")), v):
                pin = row.get("pin") or row.get("b") or ""
                out.append(
                    f"Pairs with {partner.name} {version}: `{b_name}{pin}`"
                    f" (rule {_attr(rule, 'code')})"
                )
                break
    return out
