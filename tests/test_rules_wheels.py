"""WH001 messages users can act on (issue 14): the hint never points backwards, other
Pythons of the same release are named, and a pure-Python project's sdist is not "no
wheel". Over a made-up snapshot (tests/fixtures/wheels/index) and the real WH001 rule:

- `purelib`: 0.9.0 sdist only; 1.0.0 and 1.1.0 ship only py3-none-any wheels;
- `native`: 0.9.0 sdist only; 1.0.0 arm64 wheels for cp39/cp310 (Linux cp311);
  1.1.0 arm64 cp311; 2.0.0 Linux only.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO, write_tree
from lint_env import resolve, snapshot
from lint_env.api import Project
from lint_env.config import Config

INDEX = REPO / "tests" / "fixtures" / "wheels" / "index"


@pytest.fixture(autouse=True)
def fake_snapshot(monkeypatch):
    def forget():
        snapshot.load_package.cache_clear()
        snapshot.snapshot_packages.cache_clear()
        resolve.clear_caches()

    monkeypatch.setattr(snapshot, "index_dir", lambda: INDEX)
    forget()
    yield
    forget()


def wh001(tmp_path: Path, text: str, target="macos-arm64", python="3.11"):
    write_tree(tmp_path, {"requirements.txt": text})
    project = Project(tmp_path, Config(targets=(target,), python=python))
    return [f for f in project.check([tmp_path]).findings if f.code == "WH001"]


def test_pure_python_flag_is_derived():
    assert snapshot.load_package("purelib").pure_python is True
    assert snapshot.load_package("native").pure_python is False


def test_pure_python_sdist_is_not_no_wheel(tmp_path):
    assert wh001(tmp_path, "purelib==0.9.0\n") == []
    assert wh001(tmp_path, "purelib==0.9.0\n", target="windows-x86_64") == []


def test_native_sdist_is_still_a_source_build_warning(tmp_path):
    # 1.2.0 has a Linux wheel and an sdist: on the Mac it is built from source
    (f,) = wh001(tmp_path, "native==1.2.0\n")
    assert f.severity.value == "warning"
    assert "pip builds it from its sdist" in f.message
    assert "no newer release has one; the newest older one is 1.1.0" in f.message
    assert wh001(tmp_path, "native==1.2.0\n", target="linux-x86_64") == []


def test_a_release_built_from_source_everywhere_says_nothing_about_the_target(tmp_path):
    # 0.9.0 has no wheel for any platform: Linux builds it from source too
    assert wh001(tmp_path, "native==0.9.0\n") == []


def test_hint_points_forwards_and_names_other_pythons(tmp_path):
    (f,) = wh001(tmp_path, "native==1.0.0\n")
    assert f.severity.value == "error"
    assert f.message == (
        "native ==1.0.0 has no wheel for macOS arm64 / Python 3.11; the nearest newer"
        " release with one is 1.1.0; 1.0.0 has macOS arm64 wheels for Python 3.9–3.10"
    )
    assert [fix.description for fix in f.fixes] == ["Change to native>=1.1.0"]


def test_newest_older_only_when_no_newer_release_has_one(tmp_path):
    (f,) = wh001(tmp_path, "native==2.0.0\n")
    assert "no newer release has one; the newest older one is 1.1.0" in f.message
    assert [fix.description for fix in f.fixes] == ["Change to native<=1.1.0"]


def test_never_the_first_wheel_ever_when_it_is_older(tmp_path):
    # Python 3.10: 1.0.0 has a wheel, 1.1.0 and 2.0.0 do not; the old message said
    # "first version with one: 1.0.0" for a pin of 2.0.0
    (f,) = wh001(tmp_path, "native>=1.1\n", python="3.10")
    assert "nearest newer" not in f.message
    assert "the newest older one is 1.0.0" in f.message


def test_an_optional_c_extension_is_no_source_build_problem(tmp_path, monkeypatch):
    """tornado/wrapt fall back to pure Python when their extension cannot be built
    (data/optional_extensions.toml cites their setup.py/README): no WH001 warning for
    their sdist; a native package without that fallback keeps it."""
    from lint_env import import_map

    shipped = import_map.optional_extension
    assert shipped("tornado") and shipped("Wrapt")
    assert not shipped("pyyaml")  # its sdist build needs Cython and has failed with it
    assert wh001(tmp_path, "native==1.2.0\n")  # a source-build warning (see above)
    monkeypatch.setattr(import_map, "optional_extension", lambda name: name == "native")
    assert wh001(tmp_path, "native==1.2.0\n") == []


def test_a_pure_python_sdist_without_the_bundled_program_says_that_not_compiler(
    tmp_path, monkeypatch
):
    """imageio-ffmpeg's wheels bundle ffmpeg; its sdist is pure Python without it
    (data/optional_extensions.toml [bundled-programs] cites its README): WH001 says the
    program is missing, not that a compiler is needed (CompVis/latent-diffusion and
    ControlNet pin imageio-ffmpeg==0.4.2, which has no macOS arm64 wheel)."""
    from lint_env import import_map

    assert import_map.bundled_program("imageio_ffmpeg") == "ffmpeg"
    assert import_map.bundled_program("tornado") is None
    monkeypatch.setattr(import_map, "bundled_program", lambda n: "tool" if n == "native" else None)
    (f,) = wh001(tmp_path, "native==1.2.0\n")
    assert "pip installs its sdist, which lacks the tool executable the wheels bundle" in f.message
    assert "compiler" not in f.message


def test_pip_picks_a_newer_sdist_over_an_older_wheel_it_allows(tmp_path):
    """tokenizers on Python 3.8 (bark's pyproject): pip takes the newest release the
    requirement allows, 0.21.0, and builds its sdist, though 0.20.3 has a cp38 wheel.
    Here: 1.2.0 (an sdist on the Mac) is picked, 1.1.0 has the wheel. The finding names
    the pick and the release with a wheel, never "no release has one"."""
    (f,) = wh001(tmp_path, "native>=1.0,<2\n")
    assert f.message.startswith("native >=1.0,<2 (pip picks 1.2.0) has no wheel for macOS arm64")
    assert "pip builds it from its sdist" in f.message
    assert "1.1.0 is the newest release it allows with one" in f.message
    assert "no release has one" not in f.message
