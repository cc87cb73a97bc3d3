"""pdm.lock, conda-lock.yml, pixi.lock and pixi manifest platforms.

Fixtures in tests/fixtures/locks/:
- pdmproj-pdm.lock and pdmproj-linux-pdm.lock are real locks written by PDM 2.22.4
  (`pdm lock`, and `pdm lock --platform=manylinux_2_28_x86_64 --python="==3.11.*"`) for
  pdmproj-pyproject.toml, with the index host and hashes replaced by neutral text.
- tf-conda-lock.yml and torch-pixi.lock are written by hand (conda-lock and pixi need
  conda channels this machine cannot reach) from the documented formats: conda-lock's
  unified lockfile (https://conda.github.io/conda-lock/output/, version 1: metadata
  with platforms, `package:` entries with name/version/manager/platform/url) and
  pixi's lock file (https://pixi.sh/latest/workspace/lockfile/, version 6:
  environments.<env>.packages.<subdir> lists of conda/pypi URLs pointing at the
  top-level `packages:` entries). File names and versions are real releases.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import run_cli, write_tree
from lint_env.model import Kind
from lint_env.sources import detect_kind, parse_text
from lint_env.sources.locks import installed_on
from lint_env.target import Target

FIX = Path(__file__).parent / "fixtures" / "locks"


def _doc(fixture: str, name: str):
    return parse_text(Path("/project") / name, (FIX / fixture).read_text("utf-8"), Kind.LOCK)


def _installed(doc, platform: str, python: str = "3.11") -> dict[str, str]:
    target = Target(platform, python)
    return {p.dependency.name: p.version for p in installed_on(doc.lock, target.evaluate_marker)}


def _check(path: Path, *args: str) -> list[dict]:
    result = run_cli("check", path, "--format", "json", *args)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def _codes(findings: list[dict]) -> list[tuple[str, str]]:
    return [(f["code"], f["message"].split(" ", 1)[0]) for f in findings]


def _line_of(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if ln.strip().startswith(needle))


@pytest.mark.parametrize(
    "name",
    ["pdm.lock", "pixi.lock", "pixi.toml", "conda-lock.yml", "linux.conda-lock.yml"],
)
def test_the_new_lock_files_are_recognised_by_name(name):
    assert detect_kind(Path(name)) is Kind.LOCK


# --- pdm ------------------------------------------------------------------------------


def test_pdm_markers_decide_what_each_target_installs():
    doc = _doc("pdmproj-pdm.lock", "pdm.lock")
    assert not doc.problems and doc.lock.format == "pdm" and not doc.lock.graph
    mac = _installed(doc, "macos-arm64")
    linux = _installed(doc, "linux-x86_64")
    assert mac["tensorflow-metal"] == "1.1.0" and "tensorflow-metal" not in linux
    assert linux["triton"] == "3.1.0" and "triton" not in mac
    assert "pytest" in mac  # the dev group: pdm installs it by default
    assert "exceptiongroup" in _installed(doc, "macos-arm64", "3.10")  # python_version < "3.11"
    assert "exceptiongroup" not in mac
    assert doc.python[0] == ">=3.10,<3.13"


def test_a_real_pdm_lock_is_judged_per_target_and_python(tmp_path):
    shutil.copy(FIX / "pdmproj-pdm.lock", tmp_path / "pdm.lock")
    text = (tmp_path / "pdm.lock").read_text("utf-8")
    assert _check(tmp_path, "--python-version", "3.11") == []
    # tensorflow-metal 1.1.0 has cp310/cp311 wheels only
    py312 = _check(tmp_path, "--python-version", "3.12")
    lk1 = [f for f in py312 if f["code"] == "LK001"]
    assert [f["message"].split()[0] for f in lk1] == ["tensorflow-metal"]
    assert lk1[0]["line"] == _line_of(text, 'name = "tensorflow-metal"')
    # tensorflow-io-gcs-filesystem 0.37.1 has no Windows wheel and no sdist
    win = _check(tmp_path, "--target", "windows-x86_64", "--python-version", "3.11")
    assert _codes(win) == [("LK001", "tensorflow-io-gcs-filesystem")]
    assert all(not f["fixes"] for f in py312 + win)


def test_a_pdm_lock_for_other_platforms_is_one_lk003(tmp_path):
    shutil.copy(FIX / "pdmproj-linux-pdm.lock", tmp_path / "pdm.lock")
    text = (tmp_path / "pdm.lock").read_text("utf-8")
    mac = _check(tmp_path)
    # one problem, one finding: not also LK001/LK002 for every Linux-only wheel
    assert [f["code"] for f in mac] == ["LK003"]
    assert mac[0]["line"] == _line_of(text, "platform =")
    assert "sys_platform == 'linux'" in mac[0]["message"]
    assert _check(tmp_path, "--target", "linux-x86_64") == []


def test_an_old_pdm_lock_without_package_markers_follows_edge_markers(tmp_path):
    text = """\
[metadata]
groups = ["default"]
strategy = ["cross_platform"]
lock_version = "4.4"
content_hash = "sha256:00"

[[package]]
name = "torch"
version = "2.5.1"
requires_python = ">=3.8.0"
dependencies = [
    "triton==3.1.0; platform_system == \\"Linux\\"",
]
files = [
    {file = "torch-2.5.1-cp311-none-macosx_11_0_arm64.whl", hash = "sha256:00"},
]

[[package]]
name = "triton"
version = "3.1.0"
files = [
    {file = "triton-3.1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", hash = "sha256:00"},
]
"""
    doc = parse_text(Path("/p/pdm.lock"), text, Kind.LOCK)
    assert doc.lock.graph
    assert set(_installed(doc, "macos-arm64")) == {"torch"}
    assert set(_installed(doc, "linux-x86_64")) == {"torch", "triton"}
    write_tree(tmp_path, {"pdm.lock": text})
    assert _check(tmp_path, "--python-version", "3.11") == []


# --- conda-lock ----------------------------------------------------------------------


def test_conda_lock_pip_entries_get_the_pip_rules_on_their_platform(tmp_path):
    shutil.copy(FIX / "tf-conda-lock.yml", tmp_path / "conda-lock.yml")
    text = (tmp_path / "conda-lock.yml").read_text("utf-8")
    doc = _doc("tf-conda-lock.yml", "conda-lock.yml")
    assert doc.python[0] == "==3.11.*"  # the locked conda python
    assert _installed(doc, "macos-arm64") == {
        "python": "3.11.9",  # a conda package (the conda rules judge it)
        "tensorflow": "2.16.2",
        "tensorflow-metal": "1.0.0",
    }
    assert set(_installed(doc, "linux-x86_64")) == {
        "python",
        "tensorflow",
        "tensorflow-io-gcs-filesystem",
    }
    mac = _check(tmp_path)
    # tensorflow-metal 1.0.0 does not load in TF 2.16 (MT001), on the metal entry
    assert _codes(mac) == [("MT001", "tensorflow-metal")]
    metal_entry = text.index("- name: tensorflow-metal")
    assert mac[0]["line"] == text[:metal_entry].count("\n") + 1
    assert _check(tmp_path, "--target", "linux-x86_64") == []
    # an explicit Python 3.12: the locked cp311 wheels do not load
    py312 = _check(tmp_path, "--python-version", "3.12")
    assert {p for c, p in _codes(py312) if c == "LK001"} == {"tensorflow", "tensorflow-metal"}


def test_a_conda_lock_without_the_target_platform_is_lk004(tmp_path):
    shutil.copy(FIX / "tf-conda-lock.yml", tmp_path / "conda-lock.yml")
    text = (tmp_path / "conda-lock.yml").read_text("utf-8")
    intel = _check(tmp_path, "--target", "macos-x86_64")
    assert [f["code"] for f in intel] == ["LK004"]
    assert intel[0]["line"] == _line_of(text, "platforms:")
    assert "linux-64, osx-arm64" in intel[0]["message"] and "osx-64" in intel[0]["message"]
    # a platform named in metadata but with no packages is not covered either
    only_linux = text.replace("  platform: osx-arm64", "  platform: linux-64")
    write_tree(tmp_path, {"conda-lock.yml": only_linux})
    assert [f["code"] for f in _check(tmp_path)] == ["LK004"]


# --- pixi ------------------------------------------------------------------------------


def test_pixi_lock_pypi_packages_per_platform_and_missing_osx_arm64(tmp_path):
    doc = _doc("torch-pixi.lock", "pixi.lock")
    assert not doc.problems and doc.python[0] == "==3.12.*"
    assert doc.lock.platforms == ("linux-64", "osx-64")
    assert _installed(doc, "linux-x86_64", "3.12") == {
        "python": "3.12.7",  # the conda entry, from its file name
        "torch": "2.5.1",
        "triton": "3.1.0",
        "typing-extensions": "4.12.2",
    }
    assert _installed(doc, "macos-x86_64", "3.12") == {
        "python": "3.12.7",
        "torch": "2.2.2",
        "typing-extensions": "4.12.2",
    }
    shutil.copy(FIX / "torch-pixi.lock", tmp_path / "pixi.lock")
    mac = _check(tmp_path)
    assert [(f["code"], f["line"]) for f in mac] == [("LK004", 2)]  # `environments:`
    assert _check(tmp_path, "--target", "linux-x86_64") == []
    assert _check(tmp_path, "--target", "macos-x86_64") == []
    # torch 2.2.2's only file is a cp312 wheel: on Python 3.11 nothing installs
    intel311 = _check(tmp_path, "--target", "macos-x86_64", "--python-version", "3.11")
    assert ("LK001", "torch") in _codes(intel311)


PIXI_TOML = """\
[workspace]
name = "demo"
channels = ["conda-forge"]
# the platforms pixi solves for
platforms = ["linux-64", "win-64"]

[dependencies]
python = "3.12.*"
"""

PYPROJECT_PIXI = """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []

[tool.pixi.project]
channels = ["conda-forge"]
platforms = ["linux-64"]
"""


def test_pixi_manifest_platforms_without_the_target_are_lk005(tmp_path):
    write_tree(tmp_path, {"a/pixi.toml": PIXI_TOML, "b/pyproject.toml": PYPROJECT_PIXI})
    mac = _check(tmp_path)
    got = sorted((Path(f["path"]).parent.name, f["code"], f["line"]) for f in mac)
    assert got == [("a", "LK005", 5), ("b", "LK005", 9)]
    assert "linux-64, win-64" in next(f for f in mac if f["line"] == 5)["message"]
    assert _check(tmp_path, "--target", "linux-x86_64") == []
    assert [f["code"] for f in _check(tmp_path, "--target", "windows-x86_64")] == ["LK005"]
    fixed = PIXI_TOML.replace('"win-64"]', '"win-64", "osx-arm64"]')
    write_tree(tmp_path, {"a/pixi.toml": fixed, "b/pyproject.toml": "[project]\nname='x'\n"})
    assert _check(tmp_path) == []


@pytest.mark.parametrize(
    ("fixture", "name", "mac"),
    [
        # conda-lock: mkl and cudatoolkit entries of the osx-arm64 solve (cudatoolkit's
        # linux-64 entry is not judged for a Mac)
        (
            "mkl-conda-lock.yml",
            "conda-lock.yml",
            [("CD003", "osx-arm64/mkl-"), ("CU004", "osx-arm64/cudatoolkit-")],
        ),
        # pixi: pytorch-cuda (noarch) in the osx-arm64 environment; mkl only on linux-64
        ("mkl-pixi.lock", "pixi.lock", [("CU004", "noarch/pytorch-cuda-")]),
    ],
)
def test_conda_packages_in_a_lock_get_the_conda_rules_on_their_platform(
    tmp_path, fixture, name, mac
):
    """The conda entries of a lock are conda dependencies where their platform's marker
    holds; the conda rules judge them, with the finding on the lock entry."""
    shutil.copy(FIX / fixture, tmp_path / name)
    rows = (tmp_path / name).read_text("utf-8").splitlines()

    def entry(file: str) -> int:
        """The 1-based line of the top-level entry whose file is ``file``."""
        at = next(i for i, ln in enumerate(rows) if file in ln and not ln.startswith("      "))
        return next(i for i in range(at, -1, -1) if rows[i].startswith("- ")) + 1

    found = _check(tmp_path)
    assert [(f["code"], f["line"]) for f in found] == [(c, entry(f)) for c, f in mac], found
    assert _check(tmp_path, "--target", "linux-x86_64") == []


def test_a_pixi_lock_and_its_manifest_lacking_the_target_are_one_finding(tmp_path):
    """pixi writes pixi.lock from the manifest's platforms: when both lack osx-arm64 the
    manifest is the cause (LK005), and the lock is its related location, not LK004 too."""
    shutil.copy(FIX / "torch-pixi.lock", tmp_path / "pixi.lock")  # linux-64, osx-64
    manifest = PIXI_TOML.replace('"win-64"]', '"osx-64"]')
    write_tree(tmp_path, {"pixi.toml": manifest})
    mac = _check(tmp_path)
    assert [(Path(f["path"]).name, f["code"], f["line"]) for f in mac] == [
        ("pixi.toml", "LK005", 5)
    ]
    related = mac[0]["related"]
    assert [(Path(r["path"]).name, r["line"]) for r in related] == [("pixi.lock", 2)]
    # LK005 ignored: the lock's own finding comes back
    ignored = _check(tmp_path, "--ignore", "LK005")
    assert [(Path(f["path"]).name, f["code"]) for f in ignored] == [("pixi.lock", "LK004")]
    # the manifest has osx-arm64 but the lock was not re-generated: LK004 alone
    write_tree(tmp_path, {"pixi.toml": manifest.replace('"osx-64"]', '"osx-arm64"]')})
    stale = _check(tmp_path)
    assert [(Path(f["path"]).name, f["code"]) for f in stale] == [("pixi.lock", "LK004")]
    # a manifest in another folder is not this lock's
    (tmp_path / "pixi.toml").unlink()
    write_tree(tmp_path, {"sub/pixi.toml": manifest})
    apart = sorted((Path(f["path"]).name, f["code"]) for f in _check(tmp_path))
    assert apart == [("pixi.lock", "LK004"), ("pixi.toml", "LK005")]


@pytest.mark.parametrize(
    "text",
    [
        "version: 6\nenvironments: [\n",  # invalid YAML
        "- just\n- a list\n",
        "version: 1\nmetadata: 5\npackage: {a: 1}\n",
        "version: 1\nmetadata:\n  platforms: [osx-arm64, 7]\npackage:\n- name: 3\n  manager: pip\n"
        "- manager: pip\n  name: x\n  platform: osx-arm64\n  url: [1]\n",
        "version: 6\nenvironments:\n  default:\n    packages:\n      osx-arm64:\n      - pypi: 5\n"
        "      - conda: {}\npackages:\n- pypi: x.whl\n  name: [1]\n",
    ],
)
def test_a_broken_yaml_lock_is_a_finding_or_nothing_never_a_crash(tmp_path, text):
    write_tree(tmp_path, {"conda-lock.yml": text, "pixi.lock": text, "pixi.toml": text})
    result = run_cli("check", tmp_path, "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    for f in json.loads(result.stdout):
        assert f["code"] in ("LE001", "LK004") and f["line"] >= 1
