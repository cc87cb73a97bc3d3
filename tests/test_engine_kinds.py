"""Each rule kind, end to end (real parsers, real files), over test-only rules and a
made-up index snapshot in tests/fixtures/kinds/ (packages alpha, beta, gamma)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO, write_tree
from lint_env import resolve, snapshot
from lint_env.api import Project
from lint_env.config import Config
from lint_env.fixes import apply_edits
from lint_env.model import Severity
from lint_env.ruleset import load_ruleset

KINDS = REPO / "tests" / "fixtures" / "kinds"
RULES = load_ruleset(KINDS / "rules")


@pytest.fixture(autouse=True)
def fake_snapshot(monkeypatch):
    def forget():
        snapshot.load_package.cache_clear()
        snapshot.snapshot_packages.cache_clear()
        resolve.clear_caches()

    monkeypatch.setattr(snapshot, "index_dir", lambda: KINDS / "index")
    forget()
    yield
    forget()


def check(tmp_path: Path, files: dict[str, str], target="macos-arm64", python="3.11", **cfg):
    write_tree(tmp_path, files)
    project = Project(tmp_path, Config(targets=(target,), python=python, **cfg), RULES)
    return project.check([tmp_path]).findings


@pytest.mark.parametrize(
    ("rule", "ex"),
    [
        pytest.param(r, e, id=f"{r.code}-{e.expect}{i}")
        for r in RULES
        for i, e in enumerate(r.examples)
    ],
)
def test_kind_examples(rule, ex, tmp_path):
    findings = check(
        tmp_path, {**ex.files, ex.file: ex.text}, ex.target or rule.targets[0], ex.python or "3.11"
    )
    codes = [f.code for f in findings]
    assert (rule.code in codes) is (ex.expect == "bad"), [f.message for f in findings]


def test_every_kind_is_exercised():
    from lint_env.ruleset import KINDS as ALL

    assert {r.kind for r in RULES} == set(ALL) - {"problem", "runtime"}


def test_banned_replace_fix_and_message(tmp_path):
    (f,) = check(tmp_path, {"requirements.txt": "Thing_GPU==1.0  # gpu\n"})
    assert f.code == "KB001"
    assert f.message == "Thing_GPU has no build for macOS arm64; use thing"
    text = (tmp_path / "requirements.txt").read_text()
    assert apply_edits(text, f.fixes[0].edits) == "thing==1.0  # gpu\n"


def test_banned_glob_and_target_awareness(tmp_path):
    files = {"requirements.txt": "cuda-runtime\nthing-gpu; sys_platform == 'linux'\n"}
    assert [f.code for f in check(tmp_path, files)] == ["KB001"]  # the linux-only line is skipped
    assert check(tmp_path, files, target="linux-x86_64") == []  # rule targets macOS only


def test_banned_remove_fix_deletes_the_line(tmp_path):
    findings = check(tmp_path, {"requirements.txt": "numpy\nmkl\nscipy\n"})
    (f,) = [x for x in findings if x.code == "KB002"]
    assert apply_edits("numpy\nmkl\nscipy\n", f.fixes[0].edits) == "numpy\nscipy\n"


def test_banned_remove_fix_keeps_the_comment_by_commenting_the_line_out(tmp_path):
    findings = check(tmp_path, {"requirements.txt": "numpy\nmkl  # intel\nscipy\n"})
    (f,) = [x for x in findings if x.code == "KB002"]
    text = apply_edits("numpy\nmkl  # intel\nscipy\n", f.fixes[0].edits)
    assert text == "numpy\n# mkl  # intel\nscipy\n"


def test_banned_marker_fix(tmp_path):
    (f,) = check(tmp_path, {"requirements.txt": "linuxonly>=1\n"})
    assert (
        apply_edits("linuxonly>=1\n", f.fixes[0].edits) == 'linuxonly>=1; sys_platform == "linux"\n'
    )


def test_version_all_broken_is_error_likely_broken_is_warning(tmp_path):
    (f,) = check(tmp_path, {"requirements.txt": "alpha<2\n"})
    assert (f.code, f.severity) == ("KV001", Severity.ERROR)
    assert f.message == "alpha 1.5.0 is broken (<2); use >=2"
    assert apply_edits("alpha<2\n", f.fixes[0].edits) == "alpha>=2\n"


def test_version_ignores_yanked_and_prereleases(tmp_path):
    # alpha>=1.5: admitted 1.5.0 and 2.0.0 (2.1.0 is yanked, 3.0.0rc1 a pre-release):
    # the likely pick 2.0.0 is fine, so no finding.
    assert [f.code for f in check(tmp_path, {"requirements.txt": "alpha>=1.5\n"})] == []


def test_version_respects_constraints_files(tmp_path):
    files = {"requirements.txt": "-c constraints.txt\nalpha\n", "constraints.txt": "alpha<2\n"}
    codes = [(f.path.name, f.code) for f in check(tmp_path, files)]
    assert ("requirements.txt", "KV001") in codes


@pytest.mark.parametrize(
    "name", ["constraints.txt", "constraints-dev.txt", "requirements/test-constraints.in"]
)
def test_a_constraints_file_installs_nothing_so_its_pins_alone_are_no_finding(tmp_path, name):
    # instructlab's constraints-dev.txt (pip-compiled for Linux, used with `-c`) gave
    # WH001 for bitsandbytes, triton, vllm and a CU009 "this file installs 15 GPU-only
    # packages": pip installs none of them from a constraints file
    assert check(tmp_path, {name: "alpha<2\ngamma==2.0.0\n"}) == []
    files = {"requirements.txt": f"-c {name}\nalpha\n", name: "alpha<2\n"}
    codes = [(f.path.name, f.code) for f in check(tmp_path, files)]
    assert codes == [("requirements.txt", "KV001")]  # it still limits what pip picks


def test_version_unknown_package_judges_only_exact_pins(tmp_path):
    assert check(tmp_path, {"requirements.txt": "zeta>=1\n"}) == []


def test_wheel_no_wheel_for_target(tmp_path):
    (f,) = [x for x in check(tmp_path, {"requirements.txt": "gamma==2.0.0\n"}) if x.code == "KW001"]
    assert f.severity is Severity.ERROR  # no wheel and no sdist
    assert f.message == "gamma 2.0.0 has no wheel for macOS arm64 and Python 3.11; first: none"
    (f,) = [x for x in check(tmp_path, {"requirements.txt": "gamma==1.0.0\n"}) if x.code == "KW001"]
    assert f.severity is Severity.WARNING  # an sdist: a source build
    assert check(tmp_path, {"requirements.txt": "gamma\n"}, target="linux-x86_64") == []


def test_wheel_finding_gives_way_to_a_specific_rule(tmp_path):
    codes = [f.code for f in check(tmp_path, {"requirements.txt": "alpha==1.0.0\n"})]
    assert codes == ["KV001"]  # KV001 says why; the generic no-wheel finding is dropped


def test_wheel_cap_fix_when_a_platform_was_dropped(tmp_path):
    # gamma's wheels are Linux-only; beta 0.9.0 is sdist-only; here: alpha on linux-x86_64
    # has wheels up to 1.5.0 only, so alpha>=2 gets the cap <=1.5.0 (unsafe).
    findings = check(
        tmp_path, {"requirements.txt": "alpha>=2\n"}, target="linux-x86_64", ignore=("KV",)
    )
    (f,) = [x for x in findings if x.code == "KW001"]
    assert apply_edits("alpha>=2\n", f.fixes[0].edits) == "alpha<=1.5.0\n"


def test_wheel_floor_fix(tmp_path):
    findings = check(tmp_path, {"requirements.txt": "alpha==1.0.0\n"}, ignore=("KV",))
    (f,) = [x for x in findings if x.code == "KW001"]
    assert "first: 1.5.0" in f.message
    assert not f.fixes[0].safe  # changing versions is opt-in
    assert apply_edits("alpha==1.0.0\n", f.fixes[0].edits) == "alpha>=1.5.0\n"


def test_pairing_fix_and_related(tmp_path):
    text = "alpha==2.0.0\nbeta==1.0.0\n"
    (f,) = [x for x in check(tmp_path, {"requirements.txt": text}) if x.code == "KP001"]
    assert f.span.line == 1
    assert f.message == "beta does not match alpha 2.0.0; pin beta==1.2.0"
    assert f.related[0].span.line == 0
    assert apply_edits(text, f.fixes[0].edits) == "alpha==2.0.0\nbeta==1.2.0\n"


def test_pairing_partner_from_an_included_file(tmp_path):
    files = {"requirements.txt": "-r base.txt\nbeta==1.0.0\n", "base.txt": "alpha==2.0.0\n"}
    (f,) = [x for x in check(tmp_path, files) if x.code == "KP001"]
    assert f.path.name == "requirements.txt" and f.related[0].path.name == "base.txt"


def test_pairing_unpinned_inserts_a_pin_after_extras(tmp_path):
    text = "alpha==1.5.0\nbeta[extra]  # comment\n"
    (f,) = [x for x in check(tmp_path, {"requirements.txt": text}) if x.code == "KP002"]
    assert apply_edits(text, f.fixes[0].edits) == "alpha==1.5.0\nbeta[extra]==1.1.0  # comment\n"


def test_python_window_uses_the_env_file_pin(tmp_path):
    files = {
        "environment.yml": "dependencies:\n  - python=3.13\n  - pip\n  - pip:\n    - alpha==2.0.0\n"
    }
    (f,) = [x for x in check(tmp_path, files, python=None) if x.code == "KY001"]
    assert f.message == "alpha 2.0.0 supports Python >=3.9,<3.13, not Python 3.13"


def test_multiple_targets_give_findings_true_for_each(tmp_path):
    files = {"requirements.txt": "thing-gpu\ngamma==2.0.0\n"}
    write_tree(tmp_path, files)
    cfg = Config(targets=("macos-arm64", "linux-x86_64"), python="3.11")
    findings = Project(tmp_path, cfg, RULES).check([tmp_path]).findings
    assert sorted({(f.code, f.span.line) for f in findings}) == [("KB001", 0), ("KW001", 1)]
    assert all("macOS arm64" in f.message for f in findings)


def test_select_ignore_and_per_file_ignores(tmp_path):
    files = {"requirements.txt": "thing-gpu\n", "legacy/requirements.txt": "thing-gpu\n"}
    assert check(tmp_path, files, ignore=("KB",)) == []
    findings = check(tmp_path, files, per_file_ignores=(("legacy/*", ("KB001",)),), root=tmp_path)
    assert [f.path.parent.name for f in findings] == [tmp_path.name]


def test_conda_variable_span(tmp_path):
    text = "variables:\n  CONDA_SUBDIR: osx-64\n"
    (f,) = check(tmp_path, {"environment.yml": text})
    assert f.code == "KC002" and f.span.line == 1


def test_undeclared_import_ignores_stdlib_local_and_mapped_names(tmp_path):
    files = {
        "requirements.txt": "scikit-learn\npillow\nopencv-python\n",
        "mypkg/__init__.py": "",
        "helpers.py": "",
        "train.py": "import os, json\nimport sklearn\nfrom PIL import Image\nimport cv2\nimport mypkg\nimport helpers\nimport yaml\ntry:\n    import ujson\nexcept ImportError:\n    ujson = None\n",
    }
    findings = [f for f in check(tmp_path, files) if f.code == "KI001"]
    assert [(f.path.name, f.span.line, f.message) for f in findings] == [
        ("train.py", 6, "yaml is imported but not declared (install pyyaml)")
    ]


def test_suppressed_import(tmp_path):
    files = {"requirements.txt": "numpy\n", "train.py": "import yaml  # lint-env: ignore[KI001]\n"}
    assert [f for f in check(tmp_path, files) if f.code == "KI001"] == []


def test_a_line_an_included_file_repeats_at_the_same_place_is_still_this_file_s(tmp_path):
    # The requirements line cache handed both files one Dependency object for
    # `alpha<2` on line 1; the engine tells declarations apart by identity, so the
    # main file's line counted as base.txt's and lost its fix (found by a randomized
    # test of the language server: a fresh engine offered no fix, a long-lived one did).
    from lint_env.model import Kind
    from lint_env.sources import parse_text

    a = parse_text(tmp_path / "requirements.txt", "alpha<2\n-r base.txt\n", Kind.REQUIREMENTS)
    b = parse_text(tmp_path / "base.txt", "alpha<2\n", Kind.REQUIREMENTS)
    assert a.dependencies[0] == b.dependencies[0] and a.dependencies[0] is not b.dependencies[0]
    files = {"requirements.txt": "alpha<2\n-r base.txt\n", "base.txt": "alpha<2\n"}
    found = [f for f in check(tmp_path, files) if f.code == "KV001"]
    mine = [f for f in found if f.path.name == "requirements.txt"]
    assert mine and mine[0].fixes, found  # this file's own line: its fix is offered
