"""conda-meta records with osx-64 packages in an osx-arm64 environment.

The prefixes under tests/fixtures/probe/ are FAKE (only conda-meta/*.json; conda and
macOS are not available here). The probe reads them through --prefix, for real, in
this interpreter.
"""

from __future__ import annotations

import sys
from pathlib import Path

from lint_env.probe.validate import findings_from_report, run_validation

FIXTURES = Path(__file__).parent / "fixtures" / "probe"


def _validate(prefix: Path, tmp_path: Path):
    empty_site = tmp_path / "site-packages"
    empty_site.mkdir()
    return run_validation(
        sys.executable,
        cwd=tmp_path,
        timeout=60,
        prefix=str(prefix),
        sites=[str(empty_site)],
        tensorflow=False,
    )


def test_osx64_packages_in_osx_arm64_env_are_flagged(tmp_path: Path) -> None:
    report = _validate(FIXTURES / "conda-mixed", tmp_path)
    conda = report.data["conda"]
    assert conda["is_conda"] is True
    assert conda["env_subdir"] == "osx-arm64"  # from the python record
    assert conda["packages_total"] == 6 and conda["unreadable"] == 1
    assert sorted(r["name"] for r in conda["mismatched"]) == ["libopenblas", "numpy"]
    rt004 = [f for f in report.findings if f.code == "RT004"]
    assert sorted(f.package for f in rt004) == ["libopenblas", "numpy"]
    numpy = next(f for f in rt004 if f.package == "numpy")
    assert "osx-64" in numpy.message and "osx-arm64" in numpy.message
    assert report.has_errors


def test_native_env_is_clean(tmp_path: Path) -> None:
    report = _validate(FIXTURES / "conda-native", tmp_path)
    assert report.data["conda"]["env_subdir"] == "osx-arm64"
    assert report.data["conda"]["mismatched"] == []
    assert [f for f in report.findings if f.code == "RT004"] == []


def test_many_mismatched_packages_are_summarised() -> None:
    records = [{"name": f"pkg{i}", "version": "1.0", "subdir": "osx-64"} for i in range(25)]
    data = {"conda": {"env_subdir": "osx-arm64", "mismatched": records, "mismatched_total": 25}}
    found = [f for f in findings_from_report(data) if f.code == "RT004"]
    assert len(found) == 11
    assert any("15 more packages" in f.message for f in found)


def test_osx64_env_on_apple_silicon_is_rosetta() -> None:
    # An excerpt as a Rosetta conda env on an M-series Mac would report it (cannot run here).
    data = {
        "interpreter": {"os": "macos", "arch": "x86_64", "apple_silicon": True, "rosetta": True},
        "conda": {"is_conda": True, "env_subdir": "osx-64", "mismatched": []},
        "versions": {"tensorflow": "2.16.2"},
    }
    found = [f for f in findings_from_report(data) if f.code == "RT001"]
    assert len(found) == 1
    assert found[0].severity.value == "error"  # TensorFlow present
