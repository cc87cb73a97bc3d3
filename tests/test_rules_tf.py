"""Targeted tests for the TensorFlow / Metal / Keras / TF-family / tensorflow-deps rules
(rules/tensorflow.toml, metal.toml, keras.toml, tf-family.toml, tensorflow-deps.toml),
beyond the per-rule examples that tests/test_rule_examples.py runs:

- precision: correct setups give no findings at all, on every target they are meant for;
- target awareness: one file, checked for each platform, gives exactly the findings true
  there (the expected codes below are written from the facts in the rules' explanations,
  not taken from the tool's output);
- ranges judged with the committed index snapshot (what pip would pick);
- the fixes, applied by the real CLI, give a file these rules no longer report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli, write_tree
from lint_env.api import Project
from lint_env.config import Config
from lint_env.model import Severity
from lint_env.ruleset import load_ruleset

MINE = ("TF", "MT", "KR", "NP", "TX", "IO", "AD", "TP", "CD001", "CD002", "CD010")
ALL_TARGETS = ("macos-arm64", "macos-x86_64", "linux-x86_64", "linux-aarch64", "windows-x86_64")


def _findings(tmp_path: Path, files: dict[str, str], target: str, python: str | None):
    write_tree(tmp_path, files)
    project = Project(tmp_path, Config(targets=(target,), python=python, root=None))
    return project.check([tmp_path]).findings


def _codes(tmp_path: Path, files: dict[str, str], target: str, python: str | None) -> set[str]:
    return {f.code for f in _findings(tmp_path, files, target, python) if f.code.startswith(MINE)}


# --- precision ------------------------------------------------------------------------

CLEAN = {
    "tf-2.16-metal-py311": (
        ("macos-arm64",),
        "3.11",
        {"requirements.txt": "tensorflow==2.16.2\ntensorflow-metal==1.2.0\n"},
    ),
    "tf-2.16-metal-py312-keras3-numpy1": (
        ("macos-arm64",),
        "3.12",
        {
            "requirements.txt": (
                "tensorflow==2.16.2\ntensorflow-metal==1.2.0\nkeras==3.3.3\nnumpy==1.26.4\n"
            )
        },
    ),
    "tf-2.18-metal-numpy2-family": (
        ("macos-arm64",),
        "3.11",
        {
            "requirements.txt": (
                "tensorflow==2.18.0\n"
                "tensorflow-metal==1.2.0\n"
                "numpy==2.0.2\n"
                "keras==3.6.0\n"
                "tf-keras==2.18.0\n"
                "tensorflow-text==2.18.1\n"
                "tensorflow-probability[tf]==0.25.0\n"
            )
        },
    ),
    "tf-macos-2.15-metal-1.1-keras2": (
        ("macos-arm64",),
        "3.11",
        {
            "requirements.txt": (
                "tensorflow-macos==2.15.0\n"
                "tensorflow-metal==1.1.0\n"
                "keras==2.15.0\n"
                "numpy==1.26.4\n"
                "tensorflow-io==0.36.0\n"
                "tensorflow-probability==0.23.0\n"
            )
        },
    ),
    "pyproject-tf-2.16-metal": (
        ("macos-arm64",),
        "3.11",
        {
            "pyproject.toml": (
                "[project]\n"
                'name = "demo"\n'
                'version = "0.1"\n'
                'requires-python = ">=3.11,<3.12"\n'
                "dependencies = [\n"
                '  "tensorflow==2.16.2",\n'
                "  \"tensorflow-metal==1.2.0; sys_platform == 'darwin'\",\n"
                "]\n"
            )
        },
    ),
    "conda-apple-tf-macos-2.9": (
        ("macos-arm64",),
        "3.9",
        {
            "environment.yml": (
                "name: tf\n"
                "channels:\n"
                "  - apple\n"
                "  - conda-forge\n"
                "dependencies:\n"
                "  - python=3.9\n"
                "  - tensorflow-deps==2.9.0\n"
                "  - pip\n"
                "  - pip:\n"
                "      - tensorflow-macos==2.9.0\n"
                "      - tensorflow-metal==0.5.0\n"
            )
        },
    ),
    "tf-macos-2.12-metal-0.8": (
        ("macos-arm64",),
        "3.11",
        {
            "requirements.txt": (
                "tensorflow-macos==2.12.0\ntensorflow-metal==0.8.0\nnumpy==1.23.5\nkeras==2.12.0\n"
            )
        },
    ),
    "tf-2.13-metal-1.0": (
        ("macos-arm64",),
        "3.11",
        {
            "requirements.txt": (
                "tensorflow==2.13.0\nkeras==2.13.1\ntensorflow-metal==1.0.0\nnumpy==1.24.3\n"
            )
        },
    ),
    "poetry-caret-tf-2.16": (
        ("macos-arm64",),
        "3.11",
        {
            "pyproject.toml": (
                "[tool.poetry]\n"
                'name = "demo"\n'
                'version = "0.1.0"\n'
                'description = ""\n'
                'authors = ["a <a@example.org>"]\n'
                "[tool.poetry.dependencies]\n"
                'python = ">=3.11,<3.12"\n'
                'tensorflow = "~2.16.2"\n'
                'tensorflow-metal = "1.2.0"\n'
            )
        },
    ),
    "intel-mac-unpinned-tensorflow": (
        ("macos-x86_64",),
        "3.11",
        # pip skips the releases without an Intel-Mac wheel and installs 2.16.2
        {"requirements.txt": "tensorflow\nkeras\nnumpy\n"},
    ),
    "cross-platform-markers": (
        ALL_TARGETS,
        "3.11",
        {
            "requirements.txt": (
                "tensorflow-macos==2.15.0; "
                'sys_platform == "darwin" and platform_machine == "arm64"\n'
                "tensorflow==2.15.0; "
                'sys_platform != "darwin" or platform_machine != "arm64"\n'
                "tensorflow-metal==1.1.0; "
                'sys_platform == "darwin" and platform_machine == "arm64"\n'
                "keras==2.15.0\n"
                "numpy==1.26.4\n"
            )
        },
    ),
    "cross-platform-tf-2.16-cuda-on-linux": (
        ALL_TARGETS,
        "3.11",
        {
            "requirements.txt": (
                'tensorflow[and-cuda]==2.16.2; sys_platform == "linux"\n'
                'tensorflow==2.16.2; sys_platform != "linux"\n'
                "tensorflow-metal==1.2.0; "
                'sys_platform == "darwin" and platform_machine == "arm64"\n'
            )
        },
    ),
}


@pytest.mark.parametrize(
    ("targets", "python", "files"),
    [pytest.param(*case, id=name) for name, case in CLEAN.items()],
)
def test_correct_setups_give_no_findings(tmp_path: Path, targets, python, files):
    for target in targets:
        findings = _findings(tmp_path, files, target, python)
        assert findings == [], (target, [(f.code, f.message) for f in findings])


# --- target awareness -------------------------------------------------------------------

# requirements text, Python, and the codes that are true on each target
# (a target left out expects no finding from these rule families).
MATRIX = [
    pytest.param(
        "tensorflow-macos==2.15.0\n",
        "3.11",
        {
            "macos-x86_64": {"TF010"},  # no Intel-Mac tensorflow-macos after 2.12.0
            "linux-x86_64": {"TF003"},
            "linux-aarch64": {"TF003"},
            "windows-x86_64": {"TF003"},
        },
        id="tensorflow-macos-unmarked",
    ),
    pytest.param(
        "tensorflow-gpu==2.10.0\n",
        "3.10",
        {"macos-arm64": {"TF005"}, "macos-x86_64": {"TF005"}},
        id="tensorflow-gpu",
    ),
    pytest.param(
        "tensorflow[and-cuda]==2.16.2\n",
        "3.11",
        {"macos-arm64": {"TF011"}, "macos-x86_64": {"TF011"}},
        id="and-cuda-extra",
    ),
    pytest.param(
        "tensorflow==2.18.0\n",
        "3.11",
        {"macos-x86_64": {"TF009"}},
        id="tf-2.18-intel-mac",
    ),
    pytest.param(
        "tensorflow==2.12.0\n",
        "3.10",
        {"macos-arm64": {"TF001"}},
        id="tf-2.12-apple-silicon",
    ),
    pytest.param(
        "tensorflow==2.16.2\ntensorflow-metal==1.1.0\n",
        "3.11",
        {
            "macos-x86_64": {"MT008"},  # metal for Intel Macs ends at 1.0.0
            "linux-x86_64": {"TF003"},
            "linux-aarch64": {"TF003"},
            "windows-x86_64": {"TF003"},
        },
        id="metal-everywhere",
    ),
    pytest.param(
        "tensorflow==2.15.0\n",
        "3.12",
        # 2.15 has no cp312 wheel anywhere; on an Intel Mac the wheel rule says so as well
        {**{t: {"TF006"} for t in ALL_TARGETS}, "macos-x86_64": {"TF006", "TF009"}},
        id="tf-2.15-python-3.12",
    ),
    pytest.param(
        "tensorflow==2.16.2\nkeras==2.15.0\nnumpy>=2\n",
        "3.11",
        {t: {"KR003", "NP001"} for t in ALL_TARGETS},
        id="keras2-numpy2-with-tf-2.16",
    ),
]


@pytest.mark.parametrize(("text", "python", "expected"), MATRIX)
def test_findings_follow_the_target(tmp_path: Path, text: str, python: str, expected):
    for target in ALL_TARGETS:
        got = _codes(tmp_path, {"requirements.txt": text}, target, python)
        assert got == expected.get(target, set()), target


def test_conda_tensorflow_deps_by_target(tmp_path: Path):
    env = (
        "name: tf\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.9\n  - tensorflow-deps\n"
    )
    files = {"environment.yml": env}
    assert _codes(tmp_path, files, "macos-arm64", "3.9") == {"CD002"}  # no apple channel
    for target in ("macos-x86_64", "linux-x86_64", "linux-aarch64", "windows-x86_64"):
        assert _codes(tmp_path, files, target, "3.9") == {"CD010"}, target


def test_keras_backend_variable(tmp_path: Path):
    env = (
        "name: k\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n"
        "variables:\n  KERAS_BACKEND: {}\n"
    )
    for bad in ("pytorch", "theano", "TensorFlow"):
        f = _findings(tmp_path, {"environment.yml": env.format(bad)}, "macos-arm64", "3.11")
        assert [x.code for x in f] == ["KR007"], bad
        assert f[0].span.line == 6
        assert bad in f[0].message
    for good in ("tensorflow", "jax", "torch", "numpy", "openvino"):
        f = _findings(tmp_path, {"environment.yml": env.format(good)}, "macos-arm64", "3.11")
        assert f == [], good


# --- ranges: what pip would pick (uses the committed snapshot) ----------------------------


def test_unpinned_tensorflow_with_metal_picks_a_tf_metal_cannot_load(tmp_path: Path):
    # pip takes the newest tensorflow (>= 2.20 on the snapshot) for an unpinned line;
    # no tensorflow-metal release loads there.
    files = {"requirements.txt": "tensorflow\ntensorflow-metal\n"}
    findings = [f for f in _findings(tmp_path, files, "macos-arm64", "3.11") if f.code == "MT007"]
    assert len(findings) == 1
    assert findings[0].span.line == 1
    assert "tensorflow 2.2" in findings[0].message


def test_capped_tensorflow_range_with_metal_is_quiet(tmp_path: Path):
    files = {"requirements.txt": "tensorflow>=2.16,<2.17\ntensorflow-metal==1.2.0\n"}
    assert _codes(tmp_path, files, "macos-arm64", "3.11") == set()


def test_tensorflow_cap_below_2_13_is_an_error_but_a_floor_is_not(tmp_path: Path):
    bad = _findings(tmp_path, {"requirements.txt": "tensorflow<2.13\n"}, "macos-arm64", "3.10")
    assert [(f.code, f.severity) for f in bad if f.code.startswith(MINE)] == [
        ("TF001", Severity.ERROR)
    ]
    good = {"requirements.txt": "tensorflow>=2.10\n"}
    assert _codes(tmp_path, good, "macos-arm64", "3.10") == set()


def test_unpinned_metal_with_old_tensorflow(tmp_path: Path):
    files = {"requirements.txt": "tensorflow==2.13.0\ntensorflow-metal\n"}
    assert _codes(tmp_path, files, "macos-arm64", "3.11") == {"MT002"}
    files = {"requirements.txt": "tensorflow==2.16.2\ntensorflow-metal\n"}
    assert _codes(tmp_path, files, "macos-arm64", "3.11") == set()


def test_unpinned_companions_are_left_to_pip(tmp_path: Path):
    # TF declares its keras/numpy ranges and tf-keras/tensorflow-text declare their TF:
    # pip picks matching versions for unpinned lines, so nothing is reported.
    files = {"requirements.txt": "tensorflow==2.15.0\nkeras\nnumpy\ntensorflow-text\n"}
    assert _codes(tmp_path, files, "linux-x86_64", "3.11") == set()


# --- fixes through the real CLI ---------------------------------------------------------


def test_cli_fix_repairs_a_broken_metal_project(tmp_path: Path):
    req = tmp_path / "requirements.txt"
    req.write_text(
        "tensorflow-gpu==2.16.2\ntensorflow-metal==1.0.0\nkeras==2.15.0\nnumpy==2.1.0\n",
        encoding="utf-8",
    )
    before = run_cli("check", "--python-version", "3.11", "--format", "json", tmp_path)
    assert before.returncode == 1, before.stderr
    codes = {f["code"] for f in json.loads(before.stdout)}
    assert {"TF005"} <= codes
    fixed = run_cli("check", "--python-version", "3.11", "--fix", tmp_path)
    assert fixed.returncode in (0, 1), fixed.stderr
    text = req.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "tensorflow==2.16.2"
    after = run_cli("check", "--python-version", "3.11", "--format", "json", tmp_path)
    left = {f["code"] for f in json.loads(after.stdout)}
    assert not {c for c in left if c.startswith(MINE)}, (text, left)
    assert after.returncode == 0, after.stdout


# --- the database itself ------------------------------------------------------------------


def test_rule_files_carry_the_expected_codes():
    rules = [r for r in load_ruleset() if r.code.startswith(MINE)]
    codes = {r.code for r in rules}
    for wanted in (
        {f"TF{n:03d}" for n in range(1, 14)}
        | {"MT001", "MT002", "MT003", "MT004", "MT006", "MT007", "MT008"}
        | {"KR001", "KR002", "KR003", "KR004", "KR006", "KR007", "KR011"}
        | {"NP001", "TX001", "TX002", "TX003", "IO001", "IO003", "IO004"}
        | {"AD001", "AD002", "AD003", "AD004", "TP001", "TP002", "CD001", "CD002", "CD010"}
    ):
        assert wanted in codes


def test_recon_rules_are_never_errors_and_messages_name_the_target():
    for rule in load_ruleset():
        if not rule.code.startswith(MINE):
            continue
        if rule.basis == "RECON":
            assert rule.severity is not Severity.ERROR, rule.code
        assert rule.references, rule.code
        assert "this machine" not in rule.message and "your Mac" not in rule.message


def test_messages_of_every_bad_example_read_cleanly(tmp_path: Path):
    """Each bad example's message: placeholders filled, no doubled words, one line."""
    for rule in load_ruleset():
        if not rule.code.startswith(MINE):
            continue
        for i, ex in enumerate(e for e in rule.examples if e.expect == "bad"):
            root = tmp_path / f"{rule.code}-{i}"
            root.mkdir()
            target = ex.target or rule.targets[0]
            if target == "*":
                target = "macos-arm64"
            files = {**ex.files, ex.file: ex.text}
            mine = [f for f in _findings(root, files, target, ex.python) if f.code == rule.code]
            assert mine, rule.code
            for f in mine:
                assert "{" not in f.message and "}" not in f.message, f.message
                assert "\n" not in f.message
                assert "Python Python" not in f.message, f.message
                assert "  " not in f.message, f.message


# --- TF014: several TensorFlow distributions in one environment (issue 10 item 6) ----


def _tf014(tmp_path, files, target, python="3.10"):
    from conftest import write_tree
    from lint_env.api import Project
    from lint_env.config import Config

    write_tree(tmp_path, files)
    project = Project(tmp_path, Config(targets=(target,), python=python))
    return [f for f in project.check([tmp_path]).findings if f.code == "TF014"]


def test_tf014_once_per_environment_with_the_other_lines_related(tmp_path):
    files = {
        "requirements.txt": "-r base.txt\ntensorflow-gpu==2.10.0  # GPU\ntensorflow-cpu==2.10.0\n",
        "base.txt": "numpy<2\ntensorflow==2.10.0\n",
    }
    found = [
        f for f in _tf014(tmp_path, files, "linux-x86_64") if f.path.name == "requirements.txt"
    ]
    assert len(found) == 1
    (f,) = found
    assert f.span.line == 1  # the first line to drop, not the one to keep
    assert "keep only tensorflow on Linux x86_64" in f.message
    assert sorted((r.path.name, r.span.line) for r in f.related) == [
        ("base.txt", 1),
        ("requirements.txt", 2),
    ]


def test_tf014_windows_installer_pair_of_one_version_is_normal(tmp_path):
    files = {"requirements.txt": "tensorflow==2.15.0\ntensorflow-intel==2.15.0\n"}
    assert _tf014(tmp_path, files, "windows-x86_64", "3.11") == []
    files = {"requirements.txt": "tensorflow==2.15.0\ntensorflow-intel==2.14.1\n"}
    assert len(_tf014(tmp_path, files, "windows-x86_64", "3.11")) == 1
    # on Linux tensorflow-intel (Windows-only wheels) cannot install: not counted
    assert _tf014(tmp_path, files, "linux-x86_64", "3.11") == []


def test_tf014_keeps_tensorflow_macos_where_tensorflow_cannot_install(tmp_path):
    files = {"requirements.txt": "tensorflow-macos==2.12.0\ntensorflow-cpu==2.12.0\n"}
    found = _tf014(tmp_path, files, "macos-x86_64")
    assert len(found) == 1 and "keep only tensorflow-macos on macOS x86_64" in found[0].message
    assert found[0].span.line == 1
