"""uv locks whose extras conflict: each extra is its own install.

tests/fixtures/locks/uvextras-uv.lock was written by uv 0.13.9 (`uv lock`, by
generate_uv_extras.py next to it, from local indexes of generated wheels) for a project
shaped like karpathy/nanochat: torch 2.9.1 from the default index, from a CPU index with
`--extra cpu` and from a CUDA 12.8 index with `--extra gpu`, the two extras declared as
conflicting. uv writes the conflict into the markers (`extra == 'extra-4-demo-gpu'`);
treating every such marker as "the extra may be requested" put the CUDA build into the
macOS default install (a false "installing this lock fails").
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import run_cli
from lint_env.model import Kind
from lint_env.sources import parse_text
from lint_env.sources.locks import installs
from lint_env.target import Target

FIX = Path(__file__).parent / "fixtures" / "locks"
CPU = "https://index.example/cpu/"
CUDA = "https://index.example/cu128/"
DEFAULT = "https://index.example/simple/"


@pytest.fixture(scope="module")
def doc():
    text = (FIX / "uvextras-uv.lock").read_text(encoding="utf-8")
    return parse_text(Path("/project/uv.lock"), text, Kind.LOCK)


def _torch(doc, platform: str) -> dict[tuple[str, str], str | None]:
    """(version, index) of each torch the target installs -> the extras it needs."""
    got = installs(doc.lock, Target(platform, "3.11"))
    out = {}
    for p in got.packages:
        if p.dependency.name == "torch":
            index = next(u for u in (CPU, CUDA, DEFAULT) if u in (p.source or ""))
            out[(p.version, index)] = got.only_with.get(id(p))
    return out


def test_the_default_install_is_the_default_index_s_torch_alone(doc):
    for platform in ("macos-arm64", "linux-x86_64", "windows-x86_64"):
        torch = _torch(doc, platform)
        assert torch[("2.9.1", DEFAULT)] is None, platform  # installed without extras


@pytest.mark.parametrize(
    ("platform", "cpu_build"),
    [("macos-arm64", "2.9.1"), ("linux-x86_64", "2.9.1+cpu"), ("windows-x86_64", "2.9.1+cpu")],
)
def test_each_extra_installs_its_own_index_s_build_and_says_so(doc, platform, cpu_build):
    torch = _torch(doc, platform)
    assert torch == {
        ("2.9.1", DEFAULT): None,
        (cpu_build, CPU): "the extra cpu",
        ("2.9.1+cu128", CUDA): "the extra gpu",
    }


def test_two_locked_torch_2_9_1_are_told_apart_by_their_index(doc):
    # the CPU index's 2.9.1 is its macOS build (resolution-markers: darwin); on Linux the
    # edge that names version 2.9.1 means the default index's one
    assert ("2.9.1", CPU) not in _torch(doc, "linux-x86_64")


def _findings(tmp_path: Path, *args: str) -> list[dict]:
    shutil.copy(FIX / "uvextras-uv.lock", tmp_path / "uv.lock")
    res = run_cli("check", tmp_path, "--format", "json", "--no-cache", *args)
    return json.loads(res.stdout)


def test_macos_only_the_cuda_extra_fails_and_the_finding_names_the_extra(tmp_path):
    found = _findings(tmp_path, "--target", "macos-arm64")
    assert [(f["code"], f["line"]) for f in found] == [("LK001", 120)], found
    assert "torch 2.9.1+cu128" in found[0]["message"]
    assert "installing this lock with the extra gpu fails" in found[0]["message"]
    assert found[0]["severity"] == "warning"  # only the optional install fails


@pytest.mark.parametrize("platform", ["linux-x86_64", "windows-x86_64"])
def test_every_build_installs_on_platforms_with_wheels_for_each_index(tmp_path, platform):
    assert _findings(tmp_path, "--target", platform) == []


def test_on_a_python_without_wheels_the_default_install_is_not_said_to_need_an_extra(tmp_path):
    found = _findings(tmp_path, "--target", "linux-x86_64", "--python-version", "3.14")
    said = {f["line"]: f["message"] for f in found if f["code"] == "LK001"}
    severity = {f["line"]: f["severity"] for f in found}
    assert said[69].endswith("installing this lock fails there")  # the default index's
    assert severity == {69: "error", 95: "warning", 120: "warning"}
    assert "with the extra cpu" in said[95] and "with the extra gpu" in said[120]
    assert 52 not in said  # the CPU index's macOS build is not installed on Linux


def test_markers_with_exactly_these_extras():
    t = Target("macos-arm64", "3.11")
    gpu = frozenset({"extra-4-demo-gpu"})
    assert t.evaluate_marker_with("extra == 'extra-4-demo-gpu'", gpu)
    assert not t.evaluate_marker_with("extra == 'extra-4-demo-cpu'", gpu)
    assert not t.evaluate_marker_with("extra != 'extra-4-demo-gpu'", gpu)
    assert t.evaluate_marker_with("extra != 'extra-4-demo-cpu' and sys_platform == 'darwin'", gpu)
    both = "extra == 'extra-4-demo-cpu' and extra == 'extra-4-demo-gpu'"
    assert not t.evaluate_marker_with(both, gpu)
    assert t.evaluate_marker_with(both, gpu | {"extra-4-demo-cpu"})
    assert not t.evaluate_marker_with(
        "extra == 'gpu' and sys_platform == 'linux'", frozenset({"gpu"})
    )
    assert t.evaluate_marker_with('extra == "GPU"', frozenset({"gpu"}))  # names compare canonical


WORKSPACE_LOCK = """\
version = 1
requires-python = ">=3.10"

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "app" }

[package.optional-dependencies]
gpu = [{ name = "cudaonly" }]

[[package]]
name = "lib"
version = "0.1.0"
source = { editable = "lib" }
dependencies = [{ name = "plain" }]

[package.optional-dependencies]
gpu = [{ name = "cudaonly" }]

[[package]]
name = "cudaonly"
version = "1.0"
source = { registry = "https://index.example/simple/" }
wheels = [{ url = "https://index.example/cudaonly-1.0-py3-none-manylinux_2_28_x86_64.whl" }]

[[package]]
name = "plain"
version = "1.0"
source = { registry = "https://index.example/simple/" }
wheels = [{ url = "https://index.example/plain-1.0-py3-none-any.whl" }]
"""


def test_a_workspace_names_each_member_s_extra():
    doc = parse_text(Path("/project/uv.lock"), WORKSPACE_LOCK, Kind.LOCK)
    got = installs(doc.lock, Target("macos-arm64", "3.11"))
    names = {p.dependency.name: got.only_with.get(id(p)) for p in got.packages if not p.root}
    assert names == {"plain": None, "cudaonly": "the extras app[gpu] or lib[gpu]"}
