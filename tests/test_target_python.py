"""Which Python a check is for, when the files say it (issue 10 item 2), and the
pre-release rule end to end on the real rule database and index snapshot (item 1).

- an unpinned conda `python` is what the solver installs: the newest Python
  conda-forge builds (target.NEWEST_CONDA_PYTHON), not the lowest an empty
  specifier admits (3.6, which gave "no wheel for Python 3.6" on correct files);
- requires-python is a range the project promises: its lower bound is judged, and
  messages say so.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_tree
from lint_env.api import Project
from lint_env.config import Config
from lint_env.resolve import declared_python
from lint_env.target import NEWEST_CONDA_PYTHON


def check(tmp_path: Path, files: dict[str, str], target="macos-arm64", python=None):
    write_tree(tmp_path, files)
    return Project(tmp_path, Config(targets=(target,), python=python)).check([tmp_path]).findings


@pytest.mark.parametrize(
    ("spec", "conda", "expected"),
    [
        (
            "",
            True,
            (NEWEST_CONDA_PYTHON, "the newest Python conda-forge offers for an unpinned python"),
        ),
        ("==3.9.*", True, ("3.9", None)),
        ("==3.10.12.*", True, ("3.10", None)),
        (">=3.8,<3.11", True, ("3.10", "the newest Python conda installs for python>=3.8,<3.11")),
        (">=3.8", True, (NEWEST_CONDA_PYTHON, "the newest Python conda installs for python>=3.8")),
        (">=3.8", False, ("3.8", "the lowest your requires-python allows")),
        (">=3.10,<3.11", False, ("3.10", None)),
        ("not a spec", False, None),
    ],
)
def test_declared_python(spec, conda, expected):
    assert declared_python(spec, conda) == expected


ENV_METAL = """\
name: tf-metal
channels:
  - conda-forge
dependencies:
  - python{pin}
  - pip
  - pip:
    - tensorflow==2.16.2
    - tensorflow-metal==1.2.0
"""


def test_unpinned_conda_python_is_not_python_3_6(tmp_path):
    findings = check(tmp_path, {"environment.yml": ENV_METAL.format(pin="")})
    text = " | ".join(f.message for f in findings)
    assert "3.6" not in text
    # tensorflow 2.16.2 / metal 1.2.0 have no wheel for the newest conda-forge Python
    # (3.14): that is what `conda env create` then `pip install` really meets.
    assert {f.code for f in findings} >= {"MT003"}, text
    assert f"Python {NEWEST_CONDA_PYTHON} (the newest Python conda-forge offers" in text


def test_pinned_conda_python_correct_file_is_clean(tmp_path):
    assert check(tmp_path, {"environment.yml": ENV_METAL.format(pin="=3.11")}) == []


def test_requires_python_lower_bound_is_named(tmp_path):
    files = {
        "pyproject.toml": '[project]\nname = "x"\nversion = "1"\nrequires-python = ">=3.8"\n'
        'dependencies = ["tensorflow-metal==1.1.0", "tensorflow>=2.14,<2.15"]\n'
    }
    findings = check(tmp_path, files)
    assert {f.code for f in findings} == {"MT003", "TF006"}
    for f in findings:
        assert "Python 3.8 (the lowest your requires-python allows)" in f.message, f.message


def test_requires_python_that_fits_is_clean(tmp_path):
    files = {
        "pyproject.toml": '[project]\nname = "x"\nversion = "1"\nrequires-python = ">=3.9,<3.12"\n'
        'dependencies = ["tensorflow-metal==1.1.0", "tensorflow>=2.14,<2.15"]\n'
    }
    assert check(tmp_path, files) == []


def test_config_python_wins_and_carries_no_note(tmp_path):
    files = {
        "pyproject.toml": '[project]\nname = "x"\nversion = "1"\nrequires-python = ">=3.8"\n'
        'dependencies = ["tensorflow-metal==1.1.0"]\n'
    }
    findings = check(tmp_path, files, python="3.13")
    assert findings and all("(the lowest" not in f.message for f in findings)


# --- item 1 end to end: open ranges never pick a pre-release -------------------------


def test_open_range_likely_pick_is_a_final_release(tmp_path):
    # tensorflow 2.22.0rc0 is in the snapshot; pip does not pick it for tensorflow>=2.16
    findings = check(
        tmp_path,
        {"requirements.txt": "tensorflow>=2.16\ntensorflow-macos>=2.13\ntensorflow-metal\n"},
        python="3.11",
    )
    assert findings, "TF004/MT007 expected"
    for f in findings:
        assert "rc" not in f.message, f.message


def test_specifier_naming_a_prerelease_picks_it(tmp_path):
    findings = check(
        tmp_path,
        {"requirements.txt": "tensorflow==2.22.0rc0\ntensorflow-metal==1.2.0\n"},
        python="3.11",
    )
    assert any("2.22.0rc0" in f.message for f in findings), [f.message for f in findings]


def test_only_a_prerelease_has_a_wheel_pip_falls_back_to_it(tmp_path):
    # Python 3.14: no final tensorflow has cp314 wheels, 2.22.0rc0 has; pip installs the
    # pre-release (PEP 440 fallback), so "no wheel" is not an error and TF006 a warning
    findings = check(tmp_path, {"requirements.txt": "tensorflow>=2.16\n"}, python="3.14")
    assert [(f.code, f.severity.value) for f in findings] == [("TF006", "warning")]
    # naming the final release line keeps it an error
    findings = check(tmp_path, {"requirements.txt": "tensorflow==2.21.0\n"}, python="3.14")
    assert ("TF006", "error") in [(f.code, f.severity.value) for f in findings]


def test_fixes_judged_on_the_lowest_requires_python_are_not_applied_by_fix(project):
    """A finding that holds on Python 3.8, the floor of requires-python, may not hold on
    the other Pythons the project supports: --fix leaves the file alone, the quick fix
    stays available (unsafe), and the message says which Python it was judged on."""
    from conftest import run_cli

    text = (
        '[project]\nname = "x"\nversion = "1"\nrequires-python = ">=3.8"\n'
        'dependencies = ["tensorflow>=2.0,<=2.19", "keras>=3.5,<=3.12"]\n'
    )
    root = project({"pyproject.toml": text})
    out = run_cli("check", root, "--format", "json")
    import json

    (kr,) = [f for f in json.loads(out.stdout) if f["code"] == "KR002"]
    assert "Python 3.8 (the lowest your requires-python allows)" in kr["message"]
    assert kr["fixes"] and not any(fix["safe"] for fix in kr["fixes"])
    run_cli("check", root, "--fix")
    assert (root / "pyproject.toml").read_text() == text
    # with the Python given explicitly, the same fix is safe again
    pinned = json.loads(
        run_cli("check", root, "--python-version", "3.8", "--format", "json").stdout
    )
    assert any(fix["safe"] for f in pinned if f["code"] == "KR002" for fix in f["fixes"])
