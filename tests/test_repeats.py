"""A problem a dependency file repeats is one finding (repeats.py): unsloth's
pyproject.toml (@015bdef) repeats bitsandbytes>=0.45.5,!=0.46.0,!=0.48.0 in 87 extras,
which gave 87 identical WH001 findings."""

from __future__ import annotations

import json
import re

from conftest import run_cli, write_tree


def _check(root, *args: str) -> list[dict]:
    res = run_cli("check", root, "--format", "json", "--no-cache", *args)
    assert res.returncode in (0, 1), res.stderr
    return json.loads(res.stdout)


def test_a_repeated_requirement_is_one_finding_naming_the_other_lines(tmp_path):
    text = "tensorflow-gpu==2.10.0\nnumpy\ntensorflow-gpu==2.10.0\n\ntensorflow-gpu==2.10.0\n"
    root = write_tree(tmp_path, {"requirements.txt": text})
    (tf,) = [f for f in _check(root, "--python-version", "3.10") if f["code"] == "TF005"]
    assert tf["line"] == 1
    assert tf["message"].endswith("(also on lines 3 and 5)")
    assert [r["line"] for r in tf["related"]] == [3, 5]


def test_different_requirements_with_the_same_words_stay_apart(tmp_path):
    # the message names no version, but the lines differ: each is its own finding
    text = "tensorflow-gpu==2.10.0\ntensorflow-gpu==2.9.0\n"
    root = write_tree(tmp_path, {"requirements.txt": text})
    found = [f for f in _check(root, "--python-version", "3.10") if f["code"] == "TF005"]
    assert [f["line"] for f in found] == [1, 2]
    assert not any("also on" in f["message"] for f in found)


def test_a_suppressed_repeat_is_not_merged_into_the_others(tmp_path):
    text = (
        "tensorflow-gpu==2.10.0  # lint-env: ignore[TF005]\n"
        "tensorflow-gpu==2.10.0\ntensorflow-gpu==2.10.0\n"
    )
    root = write_tree(tmp_path, {"requirements.txt": text})
    (tf,) = [f for f in _check(root, "--python-version", "3.10") if f["code"] == "TF005"]
    assert tf["line"] == 2 and tf["message"].endswith("(also on line 3)")


def test_fix_repairs_every_repeated_line_and_keeps_comments_and_line_endings(tmp_path):
    text = "tensorflow-cpu==2.16.2  # CPU\r\nnumpy\r\ntensorflow-cpu==2.16.2\r\n"
    root = write_tree(tmp_path, {"requirements.txt": ""})
    (root / "requirements.txt").write_bytes(text.encode())
    res = run_cli("check", root, "--python-version", "3.11", "--no-cache", "--fix")
    assert res.returncode == 0, res.stdout
    got = (root / "requirements.txt").read_bytes().decode()
    assert got == "tensorflow==2.16.2  # CPU\r\nnumpy\r\ntensorflow==2.16.2\r\n"


def test_a_wheel_only_newer_pythons_of_the_range_have_is_a_warning_that_says_so(tmp_path):
    # bitsandbytes: macOS arm64 wheels from 0.49.0, which requires Python >= 3.10
    # (snapshot); judged on 3.9, the floor of >=3.9, nothing installs, on 3.10 it does
    pyproject = (
        '[project]\nname = "x"\nversion = "1"\nrequires-python = ">=3.9"\n'
        'dependencies = ["bitsandbytes>=0.45.5", "bitsandbytes==0.45.5 ; python_version < \'4\'"]\n'
    )
    root = write_tree(tmp_path, {"pyproject.toml": pyproject})
    found = {f["message"].split(" has ")[0]: f for f in _check(root) if f["code"] == "WH001"}
    ranged, pinned = found["bitsandbytes >=0.45.5"], found["bitsandbytes ==0.45.5"]
    assert ranged["severity"] == "warning"
    assert re.search(r"on Python 3\.10 pip picks \d+\.\d+\.\d+, which has one$", ranged["message"])
    assert ranged["fixes"] == []  # nothing is rewritten for the users of newer Pythons
    assert pinned["severity"] == "error" and "on Python 3.1" not in pinned["message"]
