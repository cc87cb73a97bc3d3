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
