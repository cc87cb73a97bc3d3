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


# --- the compiled database in the cache folder -----------------------------------


def _fresh_load(directory: Path):
    """load_ruleset without its in-process memo: what a new process would do."""
    return load_ruleset.__wrapped__(directory)


def test_validated_rules_are_cached_and_reused(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("LINT_ENV_CACHE_DIR", str(cache))
    rules = tmp_path / "rules"
    rules.mkdir()
    _write(rules, GOOD)
    first = _fresh_load(rules)
    (stored,) = cache.glob("rules-*.pickle")
    # A second process gets the same rules from the cache, without reading TOML:
    # break the TOML parser and load again.
    monkeypatch.setattr("lint_env.ruleset._load_bytes", lambda *a: pytest.fail("parsed TOML"))
    second = _fresh_load(rules)
    assert second.get("XX001") == first.get("XX001")
    assert list(cache.glob("rules-*.pickle")) == [stored]


def test_an_edited_rule_file_is_never_served_stale(tmp_path, monkeypatch):
    monkeypatch.setenv("LINT_ENV_CACHE_DIR", str(tmp_path / "cache"))
    rules = tmp_path / "rules"
    rules.mkdir()
    _write(rules, GOOD)
    assert _fresh_load(rules).get("XX001").severity.value == "error"
    _write(rules, GOOD.replace('severity = "error"', 'severity = "warning"'))
    assert _fresh_load(rules).get("XX001").severity.value == "warning"
    # and a broken edit is reported, not hidden by the cache
    _write(rules, GOOD.replace('severity = "error"', 'severity = "fatal"'))
    with pytest.raises(RuleError, match="severity"):
        _fresh_load(rules)


@pytest.mark.parametrize("garbage", [b"", b"not a pickle", b"\x80\x05K\x01."])
def test_a_corrupt_cache_file_is_a_miss_and_is_rewritten(tmp_path, monkeypatch, garbage):
    cache = tmp_path / "cache"
    monkeypatch.setenv("LINT_ENV_CACHE_DIR", str(cache))
    rules = tmp_path / "rules"
    rules.mkdir()
    _write(rules, GOOD)
    _fresh_load(rules)
    (stored,) = cache.glob("rules-*.pickle")
    stored.write_bytes(garbage)
    assert _fresh_load(rules).get("XX001").name == "some-rule"
    assert stored.read_bytes() != garbage


def test_an_unwritable_cache_folder_only_costs_speed(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("LINT_ENV_CACHE_DIR", str(blocker / "sub"))  # cannot be a folder
    rules = tmp_path / "rules"
    rules.mkdir()
    _write(rules, GOOD)
    assert _fresh_load(rules).get("XX001").name == "some-rule"
