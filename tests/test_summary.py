"""Summary rules (CU009): many findings that say "this file is for a GPU machine" are
one finding at the first of them, with every line as a related location."""

from __future__ import annotations

import json

from conftest import run_cli

GPU = [
    "nvidia-cublas-cu12==12.1.3.1",
    "nvidia-cudnn-cu12==9.1.0.70",
    "nvidia-nccl-cu12==2.21.5",
    "nvidia-cufft-cu12==11.0.2.54",
    "nvidia-curand-cu12==10.3.2.106",
]


def _check(root, *args):
    return json.loads(
        run_cli("check", root, "--python-version", "3.11", "--format", "json", *args).stdout
    )


def test_five_gpu_only_lines_are_one_finding_with_every_line_related(project):
    root = project({"requirements.txt": "numpy==1.26.4\n" + "\n".join(GPU) + "\n"})
    found = _check(root)
    assert [f["code"] for f in found] == ["CU009"]
    (f,) = found
    assert f["line"] == 2  # the first GPU-only line
    assert [r["line"] for r in f["related"]] == [2, 3, 4, 5, 6]
    assert all(r["message"].startswith("CU001: ") for r in f["related"])
    assert "5 packages" in f["message"] and "nvidia-cublas-cu12" in f["message"]
    # every line has a (safe) marker fix: one combined fix, applied by --fix
    run_cli("check", root, "--python-version", "3.11", "--fix")
    text = (root / "requirements.txt").read_text()
    assert text.count('; sys_platform != "darwin"') == 5
    assert _check(root) == []


def test_below_the_threshold_or_suppressed_lines_stay_separate(project):
    lines = [*GPU[:4], GPU[4] + "  # lint-env: ignore[CU001]"]
    root = project({"requirements.txt": "\n".join(lines) + "\n"})
    assert [f["code"] for f in _check(root)] == ["CU001"] * 4


def test_linux_targets_see_nothing_and_the_summary_can_be_ignored(project):
    root = project({"requirements.txt": "\n".join(GPU) + "\n"})
    assert _check(root, "--target", "linux-x86_64") == []
    codes = [f["code"] for f in _check(root, "--ignore", "CU009")]
    assert codes == ["CU001"] * 5
