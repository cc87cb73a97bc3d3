"""Packaging: the installed distribution (CI installs the wheel) ships the rule database
and declares the `metal` extra behind darwin/arm64 markers."""

from __future__ import annotations

import importlib.metadata as md

import pytest
from lint_env.paths import rules_dir
from packaging.requirements import Requirement


def _dist():
    try:
        return md.distribution("lint-env")
    except md.PackageNotFoundError:
        pytest.skip("lint-env is not installed (running from the source tree)")


def test_rule_database_is_found():
    d = rules_dir()
    assert (d / "problems.toml").is_file()
    assert (d / "index" / "_meta.json").is_file()


def test_installed_wheel_ships_the_rules_inside_the_package():
    dist = _dist()
    files = {str(f) for f in dist.files or []}
    if not any(f.startswith("lint_env/_rules/") for f in files):
        pytest.skip("an editable install reads rules/ from the checkout")
    assert "lint_env/_rules/problems.toml" in files
    assert rules_dir().name == "_rules"


def test_metal_extra_is_a_no_op_off_apple_silicon():
    reqs = [Requirement(r) for r in _dist().requires or []]
    metal = [r for r in reqs if r.marker and "metal" in str(r.marker)]
    assert {r.name for r in metal} == {"tensorflow-macos", "tensorflow-metal"}
    mac = {"sys_platform": "darwin", "platform_machine": "arm64", "extra": "metal"}
    linux = {"sys_platform": "linux", "platform_machine": "x86_64", "extra": "metal"}
    assert all(r.marker.evaluate(mac) for r in metal)
    assert not any(r.marker.evaluate(linux) for r in metal)
