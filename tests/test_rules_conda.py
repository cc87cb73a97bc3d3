"""Conda environment files and the widened index snapshot (issue 10, items 4, 5, 8, 9,
10, 12): real-shaped files (exports from Windows and Linux, Apple's Metal recipes, GPU
requirement files), checked per target with the committed rules and snapshot. The
expected codes are written from the facts in the rules' explanations and the snapshot's
file lists, not taken from the tool's output."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_tree
from lint_env.api import Project
from lint_env.config import Config
from lint_env.model import Severity


def _findings(tmp_path: Path, files: dict[str, str], target: str, python: str | None = "3.11"):
    write_tree(tmp_path, files)
    project = Project(tmp_path, Config(targets=(target,), python=python, root=None))
    return project.check([tmp_path]).findings


# --- item 12: the widened snapshot -----------------------------------------------------

GPU_REQUIREMENTS = """\
# training stack copied from a CUDA box
torch==2.7.0
triton==3.3.0
scann==1.4.0
tflite-runtime==2.14.0
tensorrt==10.9.0.34
"""


def test_triton_pin_has_no_wheel_on_apple_silicon(tmp_path: Path):
    found = _findings(tmp_path, {"requirements.txt": GPU_REQUIREMENTS}, "macos-arm64")
    by_line = {(f.span.line, f.code): f for f in found}
    # triton, scann and tflite-runtime publish Linux (and for scann/tflite no macOS arm64)
    # wheels and no sdist: pip stops with "No matching distribution found".
    for line in (2, 3, 4):
        assert (line, "WH001") in by_line, [f.message for f in found]
        assert by_line[(line, "WH001")].severity is Severity.ERROR
    assert "triton ==3.3.0" in by_line[(2, "WH001")].message


def test_triton_pin_is_fine_on_linux(tmp_path: Path):
    found = _findings(tmp_path, {"requirements.txt": GPU_REQUIREMENTS}, "linux-x86_64")
    assert not [f for f in found if f.span.line in (1, 2, 3, 4)], [f.message for f in found]


@pytest.mark.parametrize(
    "name",
    [
        "triton",
        "scann",
        "bitsandbytes",
        "flash-attn",
        "mamba-ssm",
        "causal-conv1d",
        "xformers",
        "deepspeed",
        "nvidia-dali-cuda120",
        "cupy-cuda11x",
        "cupy-cuda12x",
        "tensorrt",
        "onnxruntime-gpu",
        "tflite-runtime",
        "pyaudio",
        "dlib",
        "tbb",
    ],
)
def test_snapshot_holds_the_gpu_and_native_packages(name: str):
    from lint_env.snapshot import load_package

    idx = load_package(name)
    assert idx is not None and idx.releases, name


# --- item 10: the subdir named in the file's own instructions ---------------------------

ROSETTA_HEADER = """\
# This environment must be created as an Intel one:
#   CONDA_SUBDIR=osx-64 conda env create -f environment.yml
#   conda activate legacy && conda config --env --set subdir osx-64
name: legacy
channels:
  - conda-forge
dependencies:
  - python=3.9
  - numpy=1.21
"""


def test_subdir_instruction_in_a_comment_is_rs001(tmp_path: Path):
    found = [f for f in _findings(tmp_path, {"environment.yml": ROSETTA_HEADER}, "macos-arm64")]
    rs = [f for f in found if f.code == "RS001"]
    lines = ROSETTA_HEADER.splitlines()
    assert [f.span.line for f in rs] == [1, 2], [f.message for f in rs]
    assert [lines[f.span.line][f.span.col : f.span.end_col] for f in rs] == [
        "CONDA_SUBDIR=osx-64",
        "set subdir osx-64",
    ]
    # an Intel Mac is what the instruction asks for
    assert not [
        f
        for f in _findings(tmp_path, {"environment.yml": ROSETTA_HEADER}, "macos-x86_64")
        if f.code == "RS001"
    ]


@pytest.mark.parametrize(
    "comment",
    [
        "# conda env create --subdir osx-64 -f environment.yml",
        "# mamba env create --platform=osx-64 -f environment.yml",
        "#CONDA_SUBDIR='osx-64' conda env create",
    ],
)
def test_subdir_instruction_forms(tmp_path: Path, comment: str):
    text = f"{comment}\nname: x\ndependencies:\n  - python=3.9\n"
    assert "RS001" in {
        f.code for f in _findings(tmp_path, {"environment.yml": text}, "macos-arm64")
    }


@pytest.mark.parametrize(
    "text",
    [
        "# CONDA_SUBDIR=osx-arm64 conda env create\nname: x\ndependencies:\n  - python=3.9\n",
        # not a comment: a package named like the flag is not an instruction
        "name: x\ndependencies:\n  - python=3.9\n  - pip:\n    - osx-64-tools\n",
    ],
)
def test_native_subdir_or_no_instruction_is_quiet(tmp_path: Path, text: str):
    assert "RS001" not in {
        f.code for f in _findings(tmp_path, {"environment.yml": text}, "macos-arm64")
    }
