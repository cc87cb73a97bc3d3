"""SARIF 2.1.0, as GitHub code scanning accepts it."""

from __future__ import annotations

import json

from .. import __version__
from ..model import Finding, Severity
from . import RenderContext

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(findings: list[Finding], ctx: RenderContext) -> str:
    from ..ruleset import load_ruleset

    rules = load_ruleset()
    codes = sorted({f.code for f in findings})
    index = {c: i for i, c in enumerate(codes)}
    descriptors = []
    for code in codes:
        rule = rules.get(code)
        d: dict = {"id": code}
        if rule is not None:
            d.update(
                name=rule.name,
                shortDescription={"text": rule.summary},
                fullDescription={"text": rule.summary},
                help={"text": rule.explanation, "markdown": rule.explanation},
                defaultConfiguration={"level": _LEVEL[rule.severity]},
                properties={"tags": [rule.kind], "basis": rule.basis},
            )
            if rule.url:
                d["helpUri"] = rule.url
        descriptors.append(d)
    results = []
    for f in findings:
        sp = f.span
        region = {
            "startLine": sp.line + 1,
            "startColumn": sp.col + 1,
            "endLine": sp.end_line + 1,
            "endColumn": sp.end_col + 1,
        }
        result: dict = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": _LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": ctx.rel(f.path), "uriBaseId": "%SRCROOT%"},
                        "region": region,
                    }
                }
            ],
        }
        if sp.cell is not None:
            result["properties"] = {"notebookCell": sp.cell + 1}
        if f.related:
            result["relatedLocations"] = [
                {
                    "id": i,
                    "message": {"text": r.message},
                    "physicalLocation": {
                        "artifactLocation": {"uri": ctx.rel(r.path), "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": r.span.line + 1, "startColumn": r.span.col + 1},
                    },
                }
                for i, r in enumerate(f.related)
            ]
        results.append(result)
    doc = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "lint-env",
                        "version": __version__,
                        "rules": descriptors,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": ctx.root.resolve().as_uri() + "/"}},
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2) + "\n"
