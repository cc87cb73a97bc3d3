"""Several targets: a finding that reads the same on each (but for the target's name)
is said once, naming every target it holds on; findings that differ stay apart."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli, write_tree
from lint_env.model import Finding, Severity, Span
from lint_env.target_merge import join_labels, merge_across_targets

PROJECT = {
    "environment.yml": "name: t\ndependencies:\n  - python=3.11\n  - numpy\n  - vc\n",
    "train.py": "import numpy\nimport torch\n",
}


def _check(root: Path, targets: str) -> list[dict]:
    out = run_cli("check", "--format", "json", "--exit-zero", "--target", targets, ".", cwd=root)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_a_finding_true_on_two_targets_is_said_once_naming_both(tmp_path: Path) -> None:
    root = write_tree(tmp_path, PROJECT)
    found = _check(root, "macos-arm64,linux-x86_64")
    by_code = {}
    for f in found:
        by_code.setdefault(f["code"], []).append(f)
    assert len(by_code["CD007"]) == 1, by_code["CD007"]  # vc: Windows only
    assert "macOS arm64 and Linux x86_64" in by_code["CD007"][0]["message"]
    assert len(by_code["IM001"]) == 1, by_code["IM001"]  # torch: undeclared
    assert "macOS arm64 and Linux x86_64" in by_code["IM001"][0]["message"]


def test_a_finding_true_on_one_target_names_only_that_one(tmp_path: Path) -> None:
    root = write_tree(tmp_path, PROJECT)
    cd007 = [f for f in _check(root, "windows-x86_64,macos-arm64") if f["code"] == "CD007"]
    assert len(cd007) == 1
    assert "macOS arm64" in cd007[0]["message"]
    assert "Windows x86_64" not in cd007[0]["message"]


def test_one_target_keeps_its_own_words(tmp_path: Path) -> None:
    root = write_tree(tmp_path, PROJECT)
    messages = [f["message"] for f in _check(root, "linux-x86_64")]
    assert any("installed on Linux x86_64 —" in m for m in messages), messages
    assert not any(" and " in m and "macOS" in m for m in messages)


def _finding(message: str, line: int = 1, fixes: tuple = ()) -> Finding:
    return Finding(
        Path("r.txt"), Span(line, 0, line, 3), "X001", "x", Severity.WARNING, message, fixes
    )


def test_findings_that_differ_beyond_the_target_name_stay_apart() -> None:
    merged = merge_across_targets(
        [
            ("macOS arm64", [_finding("no wheel for macOS arm64 / Python 3.9"), _finding("a", 2)]),
            (
                "Linux x86_64",
                [_finding("no wheel for Linux x86_64 / Python 3.10"), _finding("a", 2)],
            ),
        ]
    )
    assert [f.message for f in merged] == [
        "no wheel for macOS arm64 / Python 3.9",
        "a",  # the same words on both targets, no target named: once, as it was
        "no wheel for Linux x86_64 / Python 3.10",
    ]


def test_three_targets_are_listed_in_the_order_checked() -> None:
    labels = ["macOS arm64", "Linux x86_64", "Windows x86_64"]
    merged = merge_across_targets([(t, [_finding(f"missing on {t}")]) for t in labels])
    assert [f.message for f in merged] == [
        "missing on macOS arm64, Linux x86_64 and Windows x86_64"
    ]
    assert join_labels(["A"]) == "A"
