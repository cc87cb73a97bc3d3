"""Lock files: uv.lock, poetry.lock and pylock.toml.

The fixtures in tests/fixtures/locks/ are real locks, written by uv 0.13 (`uv lock`,
`uv export --format pylock.toml`) and Poetry 2.5 (`poetry lock`) for the two
pyproject files next to them, with the index host and hashes replaced by neutral text.
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
    path = Path("/project") / name
    return parse_text(path, (FIX / fixture).read_text(encoding="utf-8"), Kind.LOCK)


def _installed(doc, platform: str, python: str = "3.11") -> dict[str, str]:
    target = Target(platform, python)
    return {p.dependency.name: p.version for p in installed_on(doc.lock, target.evaluate_marker)}


@pytest.mark.parametrize("name", ["uv.lock", "poetry.lock", "pylock.toml", "pylock.dev.toml"])
def test_lock_files_are_recognised_by_name(name):
    assert detect_kind(Path(name)) is Kind.LOCK


@pytest.mark.parametrize(
    ("fixture", "name"),
    [
        ("uvproj-uv.lock", "uv.lock"),
        ("uvproj-pylock.toml", "pylock.toml"),
        ("poproj-poetry.lock", "poetry.lock"),
    ],
)
def test_linux_only_cuda_packages_are_installed_on_linux_only(fixture, name):
    doc = _doc(fixture, name)
    assert not doc.problems
    mac = _installed(doc, "macos-arm64")
    linux = _installed(doc, "linux-x86_64")
    assert "torch" in mac and "torch" in linux
    assert not any(n.startswith("nvidia-") for n in mac)
    assert "nvidia-cublas-cu12" in linux
    assert ("triton" in linux) and ("triton" not in mac)


def test_uv_picks_the_locked_version_an_edge_names_for_the_target_python():
    doc = _doc("uvproj-uv.lock", "uv.lock")
    assert _installed(doc, "linux-x86_64", "3.10")["filelock"] == "4.1.0"
    assert _installed(doc, "linux-x86_64", "3.12")["filelock"] == "4.3.1"
    # the project itself is a root, never a locked dependency to judge
    assert "demo" in {p.dependency.name for p in doc.lock.packages if p.root}


def test_lock_entries_have_spans_on_their_name_and_version():
    doc = _doc("uvproj-uv.lock", "uv.lock")
    (torch,) = [d for d in doc.dependencies if d.name == "torch"]
    assert doc.line_text(torch.span)[torch.span.col : torch.span.end_col] == "torch"
    assert doc.line_text(torch.specifier_span).startswith('version = "2.5.1"')
    assert torch.specifier == "==2.5.1"


def _line_of(text: str, needle: str) -> int:
    """1-based number of the first line that starts with ``needle``."""
    return next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith(needle))


def _lock_project(tmp_path: Path, fixture: str, name: str) -> Path:
    shutil.copy(FIX / fixture, tmp_path / name)
    return tmp_path


def _codes(result) -> list[tuple[str, str]]:
    return [(f["code"], f["message"].split(" ", 1)[0]) for f in json.loads(result.stdout)]


def test_a_package_without_a_file_for_the_target_is_found_in_a_real_uv_lock(tmp_path):
    _lock_project(tmp_path, "uvproj-uv.lock", "uv.lock")
    # tensorflow-io-gcs-filesystem 0.37.1 ships no Windows wheel and no sdist; uv lock
    # succeeds (it resolves for every platform) and `uv sync` on Windows fails.
    win = run_cli("check", tmp_path, "--target", "windows-x86_64", "--format", "json")
    assert ("LK001", "tensorflow-io-gcs-filesystem") in _codes(win)
    mac = run_cli("check", tmp_path, "--target", "macos-arm64", "--format", "json")
    assert mac.returncode == 0, mac.stdout
    # Python 3.13: TF 2.16.2, torch 2.5.1 and metal 1.1.0 have no cp313 wheels
    py313 = run_cli("check", tmp_path, "--python-version", "3.13", "--format", "json")
    assert {"tensorflow", "torch", "tensorflow-metal"} <= {
        p for c, p in _codes(py313) if c == "LK001"
    }


def test_poetry_markers_keep_linux_packages_out_of_a_mac_check(tmp_path):
    _lock_project(tmp_path, "poproj-poetry.lock", "poetry.lock")
    mac = run_cli("check", tmp_path / "poetry.lock", "--python-version", "3.11", "--format", "json")
    # The project locks tensorflow-metal without tensorflow (true, MT004); nothing about
    # the Linux-only CUDA wheels and triton, which its markers keep off the Mac.
    assert _codes(mac) == [("MT004", "tensorflow-metal")]
    linux = run_cli(
        "check",
        tmp_path / "poetry.lock",
        "--target",
        "linux-x86_64",
        "--python-version",
        "3.13",
        "--format",
        "json",
    )
    assert ("LK001", "triton") in _codes(linux)


LOCK_WITH_PAIRING = """\
version = 1
requires-python = ">=3.11"

[[package]]
name = "demo"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "tensorflow" },
    { name = "tensorflow-metal", marker = "sys_platform == 'darwin'" },
]

[[package]]
name = "tensorflow"
version = "2.16.2"
source = { registry = "https://index.example/simple" }
wheels = [
    { url = "https://index.example/f/tensorflow-2.16.2-cp311-cp311-macosx_12_0_arm64.whl" },
    { url = "https://index.example/f/tensorflow-2.16.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl" },
]

[[package]]
name = "tensorflow-metal"
version = "1.0.0"
source = { registry = "https://index.example/simple" }
wheels = [
    { url = "https://index.example/f/tensorflow_metal-1.0.0-cp311-cp311-macosx_12_0_arm64.whl" },
]
"""


def test_pairing_rules_run_on_locked_versions_and_offer_no_edit(tmp_path):
    write_tree(tmp_path, {"uv.lock": LOCK_WITH_PAIRING})
    mac = json.loads(run_cli("check", tmp_path, "--format", "json").stdout)
    metal = [f for f in mac if f["code"] == "MT001"]
    assert metal and metal[0]["line"] == _line_of(LOCK_WITH_PAIRING, 'name = "tensorflow-metal"')
    assert all(not f["fixes"] for f in mac)  # a lock is re-generated, not edited
    linux = run_cli("check", tmp_path, "--target", "linux-x86_64", "--format", "json")
    assert "MT001" not in {c for c, _ in _codes(linux)}  # metal is darwin-only here
    before = (tmp_path / "uv.lock").read_bytes()
    run_cli("check", tmp_path, "--fix")
    assert (tmp_path / "uv.lock").read_bytes() == before


def test_a_lock_limited_to_other_environments_is_reported(tmp_path):
    text = LOCK_WITH_PAIRING.replace(
        'requires-python = ">=3.11"\n',
        'requires-python = ">=3.11"\nsupported-markers = [\n    "sys_platform == \'linux\'",\n]\n',
    )
    write_tree(tmp_path, {"uv.lock": text})
    mac = json.loads(run_cli("check", tmp_path, "--format", "json").stdout)
    (lk3,) = [f for f in mac if f["code"] == "LK003"]
    assert lk3["line"] == 3 and "sys_platform == 'linux'" in lk3["message"]
    linux = run_cli("check", tmp_path, "--target", "linux-x86_64", "--format", "json")
    assert "LK003" not in {c for c, _ in _codes(linux)}


def test_pylock_environments_are_the_lock_s_supported_environments(tmp_path):
    text = (
        (FIX / "uvproj-pylock.toml")
        .read_text(encoding="utf-8")
        .replace(
            'requires-python = ">=3.10"\n',
            'requires-python = ">=3.10"\nenvironments = ["sys_platform == \'win32\'"]\n',
        )
    )
    write_tree(tmp_path, {"pylock.toml": text})
    mac = json.loads(run_cli("check", tmp_path, "--format", "json").stdout)
    assert [f["line"] for f in mac if f["code"] == "LK003"] == [_line_of(text, "environments =")]


@pytest.mark.parametrize(
    "text",
    [
        "version = 1\n[[package]\nname = 'x'\n",  # invalid TOML
        "package = 5\n",  # wrong shape
        "[[package]]\nversion = 3\n",  # no name, wrong types
        "[[package]]\nname = 'x'\nwheels = 'no'\ndependencies = [1, {name = 2}]\n",
        "[[package]]\nname = 'x'\nsource = { virtual = '.' }\ndependencies = [{ name = 'x', extra = ['a'] }]\n"
        "[package.optional-dependencies]\na = [{ name = 'x', extra = ['a'] }]\n",  # a cycle
    ],
)
def test_a_broken_lock_is_a_finding_or_nothing_never_a_crash(tmp_path, text):
    write_tree(tmp_path, {"uv.lock": text, "poetry.lock": text, "pylock.toml": text})
    result = run_cli("check", tmp_path, "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    for f in json.loads(result.stdout):
        assert f["code"] == "LE001" and f["line"] >= 1
