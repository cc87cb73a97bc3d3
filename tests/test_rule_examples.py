"""Every example of every rule in the shipped database runs here: `bad` must produce the
rule, `good` must not, and `fixed` is what the rule's fixes turn the text into. This is
what keeps the database from rotting silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import write_tree
from lint_env.api import Project
from lint_env.config import Config
from lint_env.fixes import apply_edits, select_fixes
from lint_env.ruleset import Example, Rule, load_ruleset

RULES = load_ruleset()
CASES = [
    pytest.param(rule, ex, id=f"{rule.code}-{ex.expect}{i}")
    for rule in RULES
    for i, ex in enumerate(rule.examples)
]


def _config(rule: Rule, ex: Example) -> Config:
    return Config(
        targets=(ex.target or rule.targets[0],),
        python=ex.python,
        root=None,
        extend_select=(rule.code,) if rule.opt_in else (),
    )


def _runtime_codes(ex: Example) -> set[str]:
    from lint_env.probe.validate import findings_from_report

    return {f.code for f in findings_from_report(json.loads(ex.text))}


@pytest.mark.parametrize(("rule", "ex"), CASES)
def test_rule_example(rule: Rule, ex: Example, tmp_path: Path):
    if rule.kind == "runtime":
        codes = _runtime_codes(ex)
        assert (rule.code in codes) is (ex.expect == "bad"), codes
        return
    write_tree(tmp_path, {**ex.files, ex.file: ex.text})
    project = Project(tmp_path, _config(rule, ex))
    findings = project.check([tmp_path]).findings
    codes = {f.code for f in findings}
    if ex.expect == "bad":
        assert rule.code in codes, f"{rule.code} did not fire; got {sorted(codes)}"
    else:
        assert rule.code not in codes, [f.message for f in findings if f.code == rule.code]
    if ex.fixed is not None:
        assert _fix(project, tmp_path / ex.file, rule.code) == ex.fixed


def _fix(project: Project, path: Path, code: str) -> str:
    """Apply this rule's first fix of each finding, in rounds, as --fix does."""
    text = path.read_text(encoding="utf-8")
    for _ in range(5):
        project.set_overlay(path, text)
        mine = [f for f in project.check_file(path) if f.code == code and f.fixes]
        chosen = select_fixes([f.fixes[0] for f in mine])
        if not chosen:
            break
        text = apply_edits(text, [e for fix in chosen for e in fix.edits])
    return text


def test_every_rule_has_bad_and_good_examples():
    for rule in RULES:
        if rule.kind == "problem":
            continue
        kinds = {e.expect for e in rule.examples}
        assert kinds == {"bad", "good"}, rule.code
