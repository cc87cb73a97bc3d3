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


# --- item 8: exports from another OS ----------------------------------------------------

# The shape `conda env export` writes on Windows (defaults channel, Python 3.7).
WINDOWS_EXPORT = """\
name: ds-cpu
channels:
  - defaults
dependencies:
  - h5py=2.10.0=py37h5e291fa_0
  - icc_rt=2019.0.0=h0cc432a_1
  - numpy=1.19.2=py37hadc3359_0
  - python=3.7.9=h60c2a47_0
  - setuptools=52.0.0=py37haa95532_0
  - six=1.15.0=pyhd3eb1b0_0
  - vc=14.2=h21ff451_1
  - vs2015_runtime=14.27.29016=h5e58377_2
  - wincertstore=0.2=py37_0
  - m2w64-gcc-libs=5.3.0=7
  - pip:
    - opencv-python==4.5.1.48
prefix: C:\\Users\\me\\anaconda3\\envs\\ds-cpu
"""

# The shape it writes on Linux (with a CRLF checkout, as git on Windows may give it).
LINUX_EXPORT = (
    "name: far\n"
    "channels:\n"
    "  - conda-forge\n"
    "dependencies:\n"
    "  - _libgcc_mutex=0.1=conda_forge\n"
    "  - ca-certificates=2023.7.22=hbcca054_0\n"
    "  - ld_impl_linux-64=2.40=h41732ed_0\n"
    "  - libblas=3.9.0=17_linux64_openblas\n"
    "  - libgcc-ng=13.1.0=he5830b7_0\n"
    "  - numpy=1.25.2=py310ha4c1d20_0\n"
    "  - python=3.10.12=hd12c33a_0_cpython\n"
    "  - setuptools=68.0.0=pyhd8ed1ab_0\n"
    "prefix: /home/me/miniforge3/envs/far\n"
).replace("\n", "\r\n")


def _by_code(found):
    out: dict[str, list] = {}
    for f in found:
        out.setdefault(f.code, []).append(f)
    return out


def test_windows_export_on_apple_silicon(tmp_path: Path):
    found = _by_code(_findings(tmp_path, {"environment.yml": WINDOWS_EXPORT}, "macos-arm64", "3.7"))
    # the builds: one finding for the whole file, an error (the prefix says Windows)
    assert len(found["CD009"]) == 1
    cd009 = found["CD009"][0]
    assert cd009.severity is Severity.ERROR
    assert cd009.span.line == 4  # the first hashed build: h5py
    # h5py, icc_rt, numpy, python, setuptools, vc, vs2015_runtime carry hashes; six is
    # noarch (pyh…), wincertstore's py37_0 and m2w64's 7 carry none
    assert cd009.message.startswith("7 conda packages are pinned to exact builds")
    assert "on Windows" in cd009.message and "--from-history" in cd009.message
    # Windows-only packages: one finding each, the unconfirmed one a warning
    assert sorted(f.span.line for f in found["CD007"]) == [5, 10, 11, 12]
    assert [(f.span.line, f.severity) for f in found["CD008"]] == [(13, Severity.WARNING)]
    assert [f.span.line for f in found["CD011"]] == [16]
    assert found["CD011"][0].severity is Severity.INFO


def test_windows_export_is_fine_on_windows(tmp_path: Path):
    found = _by_code(
        _findings(tmp_path, {"environment.yml": WINDOWS_EXPORT}, "windows-x86_64", "3.7")
    )
    assert not {"CD007", "CD008", "CD009"} & set(found), found.keys()


def test_linux_export_on_apple_silicon_and_on_linux(tmp_path: Path):
    mac = _by_code(_findings(tmp_path, {"environment.yml": LINUX_EXPORT}, "macos-arm64", "3.10"))
    assert len(mac["CD009"]) == 1 and "on Linux" in mac["CD009"][0].message
    # numbered build of libblas names linux64; setuptools is noarch; _libgcc_mutex's
    # "conda_forge" carries no hash
    assert mac["CD009"][0].message.startswith("6 conda packages")
    assert {f.span.line for f in mac["CD004"]} == {4, 6, 8}
    linux = _by_code(_findings(tmp_path, {"environment.yml": LINUX_EXPORT}, "linux-x86_64", "3.10"))
    assert "CD009" not in linux and "CD004" not in linux


def test_builds_of_unknown_origin_are_a_warning(tmp_path: Path):
    text = "name: x\ndependencies:\n  - numpy=1.21.2=py39h20f2e39_0\n  - zlib=1.2.11=h7b6447c_3\n"
    found = _by_code(_findings(tmp_path, {"environment.yml": text}, "macos-arm64", "3.9"))
    assert [f.severity for f in found["CD009"]] == [Severity.WARNING]


def test_fix_drops_the_builds_and_keeps_the_rest(tmp_path: Path):
    from conftest import run_cli

    write_tree(tmp_path, {"environment.yml": LINUX_EXPORT})
    run_cli("check", "--fix", "--python-version", "3.10", tmp_path / "environment.yml")
    text = (tmp_path / "environment.yml").read_bytes().decode()
    assert text == (
        "name: far\r\n"
        "channels:\r\n"
        "  - conda-forge\r\n"
        "dependencies:\r\n"
        "  - ca-certificates=2023.7.22\r\n"
        "  - libblas=3.9.0\r\n"
        "  - numpy=1.25.2\r\n"
        "  - python=3.10.12\r\n"
        "  - setuptools=68.0.0=pyhd8ed1ab_0\r\n"
    )


@pytest.mark.parametrize(
    ("build", "platform_specific"),
    [
        ("py39h20f2e39_0", True),
        ("h7b6447c_0", True),
        ("nompi_h6a2412b_1114", True),
        ("17_linux64_openblas", True),
        ("py3.9_cuda11.3_cudnn8.2.0_0", True),
        ("hd12c33a_0_cpython", True),
        ("pyhd8ed1ab_0", False),
        ("pyhd3eb1b0_1", False),
        ("py_0", False),
        ("py37_0", False),
        ("*accelerate", False),
        ("mkl", False),
        ("0", False),
    ],
)
def test_platform_build_strings(build: str, platform_specific: bool):
    from lint_env.checks.conda import platform_build

    assert platform_build(build) is platform_specific


# --- item 4: the pip: section gets the requirements rules --------------------------------

# Apple's recipe for tensorflow-macos 2.9 as published in 2022 (the apple channel for
# tensorflow-deps, pip for TensorFlow and the plugin).
APPLE_METAL_29 = """\
name: tf-metal
channels:
  - apple
  - conda-forge
dependencies:
  - python=3.9
  - tensorflow-deps==2.9.0
  - pip
  - pip:
      - tensorflow-macos==2.9.0
      - tensorflow-metal==0.5.0
"""


def _codes(found, prefixes=("TF", "MT", "KR", "CD")) -> set[str]:
    return {f.code for f in found if f.code.startswith(prefixes)}


def test_apples_metal_recipe_is_clean(tmp_path: Path):
    assert (
        _codes(_findings(tmp_path, {"environment.yml": APPLE_METAL_29}, "macos-arm64", "3.9"))
        == set()
    )


def test_pip_section_gets_the_requirements_rules(tmp_path: Path):
    # The same lines in requirements.txt and in a pip: section give the same findings.
    lines = ["tensorflow==2.12.0", "tensorflow-metal", "keras==2.10.0"]
    req = _findings(
        tmp_path / "r", {"requirements.txt": "\n".join(lines) + "\n"}, "macos-arm64", "3.10"
    )
    env_text = (
        "name: x\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.10\n  - pip\n  - pip:\n"
    )
    env_text += "".join(f"    - {x}\n" for x in lines)
    env = _findings(tmp_path / "e", {"environment.yml": env_text}, "macos-arm64", "3.10")
    assert _codes(req) == _codes(env) and "TF001" in _codes(env), (_codes(req), _codes(env))
    # TF001 sits on the pip line of the conda file
    tf001 = next(f for f in env if f.code == "TF001")
    assert env_text.splitlines()[tf001.span.line].strip() == "- tensorflow==2.12.0"


def test_pip_section_markers_are_evaluated(tmp_path: Path):
    text = """\
name: x
channels:
  - conda-forge
dependencies:
  - python=3.10
  - pip:
    - tensorflow-macos==2.12.0; sys_platform == "darwin" and platform_machine == "arm64"
    - tensorflow==2.12.0; sys_platform != "darwin" or platform_machine != "arm64"
"""
    for target in ("macos-arm64", "linux-x86_64"):
        found = _findings(tmp_path, {"environment.yml": text}, target, "3.10")
        assert not [f for f in found if f.code.startswith("TF")], (
            target,
            [f.message for f in found],
        )


def test_conda_tensorflow_is_not_judged_as_a_pip_wheel(tmp_path: Path):
    # conda-forge builds TensorFlow for osx-arm64 itself (from 2.4.0, its feedstock):
    # TF001's "no pip wheel before 2.13" must not be said of a conda package.
    text = (
        "name: x\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.10\n  - tensorflow=2.10\n"
    )
    found = _findings(tmp_path, {"environment.yml": text}, "macos-arm64", "3.10")
    assert "TF001" not in {f.code for f in found}


def test_tensorflow_deps_with_new_pip_tensorflow_fires_without_a_snapshot_entry(tmp_path: Path):
    from lint_env.snapshot import load_package

    assert load_package("tensorflow-deps") is None  # the versions come from the rule
    text = """\
name: climate
channels:
  - conda-forge
dependencies:
  - python=3.10
  - pip
  - apple::tensorflow-deps
  - numpy
  - pip:
      - tensorflow>=2.16 # for python 3.10
      - tensorflow-metal
"""
    found = _findings(tmp_path, {"environment.yml": text}, "macos-arm64", "3.10")
    cd001 = [f for f in found if f.code == "CD001"]
    assert [f.span.line for f in cd001] == [6], [f.message for f in found]
    assert cd001[0].severity is Severity.WARNING
    assert cd001[0].related and cd001[0].related[0].span.line == 9


@pytest.mark.parametrize(
    ("deps", "pip", "fires"),
    [
        ("tensorflow-deps", "tensorflow-macos==2.12.0", True),
        ("tensorflow-deps==2.8.0", "tensorflow-macos==2.9.0", True),
        ("tensorflow-deps=2.10", "tensorflow-macos==2.10.0", False),
        ("tensorflow-deps", "tensorflow-macos==2.10.0", False),
    ],
)
def test_tensorflow_deps_pairs(tmp_path: Path, deps: str, pip: str, fires: bool):
    text = (
        "name: x\nchannels:\n  - apple\n  - conda-forge\ndependencies:\n  - python=3.10\n"
        f"  - {deps}\n  - pip:\n    - {pip}\n"
    )
    found = _findings(tmp_path, {"environment.yml": text}, "macos-arm64", "3.10")
    assert ("CD001" in {f.code for f in found}) is fires, [f.message for f in found]


# --- items 5 and 9: TensorFlow and old pins in the conda list ----------------------------

# A course environment from 2020, written on a Linux workstation with a GPU.
COURSE_2020 = """\
name: dl-course
channels:
  - conda-forge
dependencies:
  - python=3.7
  - numpy=1.18.5
  - scipy=1.4.1
  - h5py=2.10.0
  - tensorflow-gpu=2.4.1
  - cudatoolkit=11.0
  - pip
  - pip:
    - tensorflow-addons==0.12.1
"""


def test_course_environment_on_apple_silicon(tmp_path: Path):
    found = _by_code(_findings(tmp_path, {"environment.yml": COURSE_2020}, "macos-arm64", "3.7"))
    # python 3.7, numpy 1.18.5, scipy 1.4.1 predate conda-forge's osx-arm64 builds;
    # h5py 2.10.0 was rebuilt for it (its 2.10.0 branch) and is not reported
    assert sorted(f.span.line for f in found["CD012"]) == [4, 5, 6]
    assert all(f.severity is Severity.ERROR for f in found["CD012"])
    assert "conda-forge from 3.8.5" in found["CD012"][0].message
    assert [f.span.line for f in found["CD013"]] == [8]
    assert [f.span.line for f in found["CU004"]] == [9]


def test_course_environment_on_linux_is_quiet(tmp_path: Path):
    found = _by_code(_findings(tmp_path, {"environment.yml": COURSE_2020}, "linux-x86_64", "3.7"))
    assert not {"CD012", "CD013", "CU004"} & set(found)


def test_first_build_needs_every_listed_channel(tmp_path: Path):
    both = "name: x\nchannels:\n  - conda-forge\n  - defaults\ndependencies:\n  - python=3.7\n  - numpy=1.18\n"
    found = _by_code(_findings(tmp_path, {"environment.yml": both}, "macos-arm64", "3.7"))
    # python: conda-forge (sourced) and defaults (RECON) both lack it -> a warning;
    # numpy: defaults is not in the table -> nothing said
    assert [(f.span.line, f.severity) for f in found["CD012"]] == [(5, Severity.WARNING)]
    pinned = "name: x\ndependencies:\n  - conda-forge::numpy=1.18\n"
    found = _by_code(_findings(tmp_path, {"environment.yml": pinned}, "macos-arm64", "3.9"))
    assert [f.span.line for f in found["CD012"]] == [2]
    nochannel = "name: x\ndependencies:\n  - numpy=1.18\n"
    assert "CD012" not in _by_code(
        _findings(tmp_path, {"environment.yml": nochannel}, "macos-arm64")
    )


@pytest.mark.parametrize(
    ("spec", "first", "admits"),
    [
        ("==1.18.5", "1.19.2", False),
        ("==1.19.*", "1.19.2", True),
        ("==1.18.*", "1.19.2", False),
        ("<1.19", "1.19.2", False),
        ("<=1.19.2", "1.19.2", True),
        ("~=1.18.1", "1.19.2", False),
        ("~=1.19.0", "1.19.2", True),
        (">=1.17", "1.19.2", True),
        ("!=1.18.0", "1.19.2", True),
        ("==3.7.*", "3.8.5", False),
        ("==3.8.*", "3.8.5", True),
        ("==3.8.4", "3.8.5", False),
    ],
)
def test_admits_from(spec: str, first: str, admits: bool):
    from lint_env.checks.conda import admits_from
    from packaging.version import Version

    assert admits_from(spec, Version(first)) is admits


def test_conda_tensorflow_gpu_versus_pip(tmp_path: Path):
    # the same name in the pip: section is TF005's (the pip package), not CD013's
    text = "name: x\ndependencies:\n  - python=3.9\n  - pip:\n    - tensorflow-gpu==2.10.0\n"
    found = _by_code(_findings(tmp_path, {"environment.yml": text}, "macos-arm64", "3.9"))
    assert "CD013" not in found and [f.span.line for f in found["TF005"]] == [4]


def test_build_fix_skips_lines_it_cannot_edit_and_keeps_the_others(tmp_path: Path):
    from conftest import run_cli

    text = (
        "name: x\n"
        "dependencies:\n"
        "  - numpy[version='1.21.2',build=py39h20f2e39_0]\n"
        "  - zlib 1.2.11 h7b6447c_3   # space form\n"
        '  - "xz=5.2.5=h7b6447c_0"\n'
        "prefix: /home/me/envs/x\n"
    )
    write_tree(tmp_path, {"environment.yml": text})
    found = _by_code(_findings(tmp_path, {"environment.yml": text}, "macos-arm64", "3.9"))
    assert found["CD009"][0].message.startswith("3 conda packages")
    assert found["CD009"][0].fixes[0].description == "Drop the build strings of 2 packages"
    run_cli("check", "--fix", "--python-version", "3.9", tmp_path / "environment.yml")
    assert (tmp_path / "environment.yml").read_text() == (
        "name: x\n"
        "dependencies:\n"
        "  - numpy[version='1.21.2',build=py39h20f2e39_0]\n"
        "  - zlib 1.2.11   # space form\n"
        '  - "xz=5.2.5"\n'
    )


def test_a_retired_channel_is_one_finding_per_file_with_its_packages_related(tmp_path: Path):
    """dinov2's conda.yaml: the pytorch channel listed, and three `pytorch::` packages.
    One fact, said once at the channels entry; the package lines are related places."""
    write_tree(
        tmp_path,
        {
            "environment.yml": "channels:\n  - pytorch\n  - conda-forge\ndependencies:\n"
            "  - python=3.11\n  - pytorch::pytorch=2.0.0\n  - pytorch::torchvision=0.15.0\n",
            "other/environment.yml": "dependencies:\n  - pytorch::pytorch=2.0.0\n",
        },
    )
    found = [f for f in Project(tmp_path, Config()).check([tmp_path]).findings if f.code == "CD005"]
    where = sorted((f.path.relative_to(tmp_path).as_posix(), f.span.line) for f in found)
    assert where == [("environment.yml", 1), ("other/environment.yml", 1)]
    main = next(f for f in found if f.path.parent == tmp_path)
    assert [r.span.line for r in main.related] == [5, 6]
    assert "pytorch::torchvision=0.15.0" in main.related[1].message
