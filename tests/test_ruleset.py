"""The rule loader validates the database and names file, rule and field on error."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from lint_env.ruleset import RuleError, load_file, load_ruleset

GOOD = """
schema = 1
[[rules]]
code = "XX001"
name = "some-rule"
kind = "banned"
severity = "error"
basis = "IDX"
summary = "s"
message = "{package} is banned on {target}"
explanation = "e"
references = ["https://example.org/source"]
params = { packages = ["foo"] }
[[rules.examples]]
expect = "bad"
file = "requirements.txt"
text = "foo\\n"
[[rules.examples]]
expect = "good"
file = "requirements.txt"
text = "bar\\n"
"""


def _write(tmp_path: Path, text: str, name: str = "x.toml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def test_good_rule_loads(tmp_path):
    (rule,) = load_file(_write(tmp_path, GOOD))
    assert rule.code == "XX001" and rule.kind == "banned"
    assert len(rule.targets) == 5  # omitted targets = every platform
    assert rule.format(package="foo", target="macOS arm64") == "foo is banned on macOS arm64"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (('code = "XX001"', 'code = "x1"'), "code"),
        (('kind = "banned"', 'kind = "nope"'), "kind"),
        (('severity = "error"', 'severity = "fatal"'), "severity"),
        (('references = ["https://example.org/source"]', "references = []"), "references"),
        (('basis = "IDX"', 'basis = "RECON"'), "severity"),  # RECON may not be an error
        (("{package} is banned", "{pkg} is banned"), "message"),
        (("packages = [", "pkgs = ["), "params.pkgs"),
        (('expect = "good"', 'expect = "bad"'), "examples"),
        (('name = "some-rule"', 'name = "Some Rule"'), "name"),
    ],
)
def test_errors_name_file_rule_and_field(tmp_path, change, field):
    old, new = change
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(RuleError) as info:
        load_file(path)
    msg = str(info.value)
    assert msg.startswith("x.toml: rule ")
    assert f"field '{field}'" in msg


def test_invalid_toml_is_a_clear_error(tmp_path):
    with pytest.raises(RuleError, match=r"^x\.toml: invalid TOML"):
        load_file(_write(tmp_path, "schema = 1\n[[rules]\n"))


def test_duplicate_codes_across_files(tmp_path):
    _write(tmp_path, GOOD, "a.toml")
    _write(tmp_path, GOOD.replace("some-rule", "other-rule"), "b.toml")
    with pytest.raises(RuleError, match=r"b\.toml: rule XX001: code already used in a\.toml"):
        load_ruleset(tmp_path)


def test_bad_specifier_in_params(tmp_path):
    text = GOOD.replace('kind = "banned"', 'kind = "version"').replace(
        'params = { packages = ["foo"] }', 'params = { packages = ["foo"], broken = "<<2" }'
    )
    text = text.replace("{package} is banned", "{package} {broken}")
    with pytest.raises(RuleError, match=r"field 'params.broken': not a version specifier"):
        load_file(_write(tmp_path, text))


def test_shipped_database_loads_and_every_rule_has_sources():
    rules = load_ruleset()
    assert len(rules) > 0
    for rule in rules:
        if rule.kind != "problem":
            assert rule.references, rule.code
        assert rule.summary and rule.explanation, rule.code
