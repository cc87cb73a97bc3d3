"""The projects in examples/: the clean ones stay clean, the broken one says what is wrong.

Expected findings are written here from the example files themselves (which line holds
which mistake), never from lint-env's output. The broken example is only compared for
the rules of the files this test's author owns (their codes are read from the rule
database), so other rule families can add findings to it without breaking this test;
the clean examples must have no finding of any rule at all.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO, run_cli
from lint_env.api import Project
from lint_env.config import Config, load_config
from lint_env.ruleset import load_ruleset
from lint_env.target import PLATFORMS

EXAMPLES = REPO / "examples"
BROKEN = EXAMPLES / "apple-silicon-broken"
CLEAN = ["clean-tf-metal", "clean-pytorch", "clean-conda-forge"]

OWN_RULE_FILES = {
    "pytorch.toml",
    "jax.toml",
    "wheels.toml",
    "cuda.toml",
    "conda.toml",
    "rosetta.toml",
    "imports.toml",
}
OWN_CODES = frozenset(r.code for r in load_ruleset() if r.source.name in OWN_RULE_FILES)


def _check(root: Path, config: Config | None = None):
    config = config if config is not None else load_config(root)
    return Project(root, config).check([root])


def _describe(findings) -> list[str]:
    return [f"{f.path.name}:{f.span.line + 1}: {f.code} {f.message}" for f in findings]


def _line_of(path: Path, text: str) -> int:
    """0-based index of the one line whose stripped content is ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    hits = [i for i, line in enumerate(lines) if line.strip() == text]
    assert len(hits) == 1, f"{text!r} occurs {len(hits)} times in {path.name}"
    return hits[0]


def _cell_line_of(path: Path, text: str) -> tuple[int, int]:
    """(cell index among all cells, line in that cell) of a notebook source line."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    hits = []
    for c, cell in enumerate(nb["cells"]):
        source = cell["source"]
        lines = ("".join(source) if isinstance(source, list) else source).splitlines()
        hits += [(c, i) for i, line in enumerate(lines) if line.strip() == text]
    assert len(hits) == 1, hits
    return hits[0]


def test_own_codes_are_known():
    # The rule files this test covers exist and define the families it asserts on.
    assert {"PT001", "JX002", "WH001", "CU001", "MX001", "CD003", "RS001", "IM002"} <= OWN_CODES


# --- clean projects ------------------------------------------------------------------


@pytest.mark.parametrize("name", CLEAN)
def test_clean_example_has_no_findings(name: str):
    root = EXAMPLES / name
    config = load_config(root)
    assert config.root == root.resolve()  # its own [tool.lint-env], not the repository's
    assert config.targets == ("macos-arm64",)
    assert config.python in {"3.11", "3.12"}
    result = _check(root, config)
    assert {p.name for p in result.files} >= {p.name for p in root.iterdir() if p.is_file()} - {
        "README.md"
    }
    assert result.errors == []
    assert _describe(result.findings) == []


def test_clean_pytorch_pins_one_release_triple_on_python_312():
    text = (EXAMPLES / "clean-pytorch" / "pyproject.toml").read_text(encoding="utf-8")
    assert '"torch==2.11.0"' in text
    assert '"torchvision==0.26.0"' in text
    assert '"torchaudio==2.11.0"' in text
    assert load_config(EXAMPLES / "clean-pytorch").python == "3.12"


def test_cross_platform_example_is_clean_on_every_target():
    root = EXAMPLES / "cross-platform"
    config = load_config(root)
    assert set(config.targets) == set(PLATFORMS)
    assert _describe(_check(root, config).findings) == []
    for platform in PLATFORMS:  # and one target at a time
        single = Config(targets=(platform,), python="3.11", root=root.resolve())
        assert _describe(_check(root, single).findings) == [], platform


def test_cross_platform_example_is_clean_because_of_its_markers(tmp_path: Path):
    # Control: the same file without its environment markers is wrong on a Mac.
    src = (EXAMPLES / "cross-platform" / "requirements.txt").read_text(encoding="utf-8")
    unguarded = "\n".join(line.split(";")[0].rstrip() for line in src.splitlines()) + "\n"
    (tmp_path / "requirements.txt").write_text(unguarded, encoding="utf-8")
    config = Config(targets=("macos-arm64",), python="3.11", root=tmp_path)
    findings = _check(tmp_path, config).findings
    line = _line_of(tmp_path / "requirements.txt", "nvidia-cudnn-cu12==8.9.2.26")
    assert ("CU001", line) in {(f.code, f.span.line) for f in findings}


# --- the broken showcase ---------------------------------------------------------------


def _expected_broken() -> set[tuple[str, str, int | None, int]]:
    """(file, code, cell, line) of every finding the owned rules must give, from the files."""
    req = BROKEN / "requirements.txt"
    env = BROKEN / "environment.yml"
    train = BROKEN / "train.py"
    expected = {
        ("requirements.txt", "CU002", "torch==2.5.1+cu121"),
        ("requirements.txt", "PT001", "torchvision==0.19.1"),
        ("requirements.txt", "CU001", "nvidia-cudnn-cu12==9.1.0.70"),
        ("requirements.txt", "MX001", "mxnet-cu112==1.9.1"),
        ("requirements.txt", "WH001", "h5py==3.1.0"),
        ("requirements.txt", "WH002", "grpcio==1.44.0"),
        ("requirements.txt", "WH003", "PyQt5-Qt5==5.15.2"),
        ("environment.yml", "CD005", "- pytorch"),
        ("environment.yml", "CU006", "- nvidia"),
        ("environment.yml", "CD003", "- mkl=2023.1.0"),
        ("environment.yml", "CD003", "- mkl-service"),
        ("environment.yml", "CD006", "- blas=*=mkl"),
        ("environment.yml", "CU004", "- pytorch-cuda=12.1"),
        ("environment.yml", "CU004", "- cudatoolkit=11.8"),
        ("environment.yml", "CD004", "- libgcc-ng=11.2.0"),
        ("environment.yml", "RS001", "CONDA_SUBDIR: osx-64"),
        ("pyproject.toml", "JX002", '"jax==0.6.0",'),
        ("pyproject.toml", "JX005", '"jaxlib==0.6.0",'),
        ("train.py", "IM002", "import keras"),
        ("train.py", "IM003", "from tensorflow.keras import layers"),
        ("train.py", "KR005", "from keras.preprocessing.text import Tokenizer"),
        ("train.py", "IM004", "import theano"),
    }
    files = {"requirements.txt": req, "environment.yml": env, "train.py": train}
    files["pyproject.toml"] = BROKEN / "pyproject.toml"
    out: set[tuple[str, str, int | None, int]] = {
        (name, code, None, _line_of(files[name], text)) for name, code, text in expected
    }
    # theano's IM001 merges into IM004 (same line); wandb and seaborn are generic
    # imports (IM101, off by default).
    return out


def test_broken_example_gives_the_intended_findings():
    result = _check(BROKEN)
    got = {
        (f.path.name, f.code, f.span.cell, f.span.line)
        for f in result.findings
        if f.code in OWN_CODES
    }
    assert got == _expected_broken(), "\n".join(_describe(result.findings))
    assert result.errors == []


def test_broken_example_severities_and_fixes():
    findings = {(f.path.name, f.code, f.span.line): f for f in _check(BROKEN).findings}
    req = BROKEN / "requirements.txt"
    pt = findings[("requirements.txt", "PT001", _line_of(req, "torchvision==0.19.1"))]
    assert pt.severity.value == "error"
    assert "torch 2.5.1+cu121" in pt.message
    assert [e.new_text for e in pt.fixes[0].edits] == ["==0.20.1"]
    h5 = findings[("requirements.txt", "WH001", _line_of(req, "h5py==3.1.0"))]
    assert h5.severity.value == "warning"  # h5py has an sdist: a source build, not a hard stop
    assert "3.7.0" in h5.message
    grpc = findings[("requirements.txt", "WH002", _line_of(req, "grpcio==1.44.0"))]
    assert grpc.severity.value == "warning"
    cudnn = findings[("requirements.txt", "CU001", _line_of(req, "nvidia-cudnn-cu12==9.1.0.70"))]
    assert [e.new_text for e in cudnn.fixes[0].edits] == ['; sys_platform != "darwin"']


def test_broken_example_findings_depend_on_the_target():
    # On the Linux GPU machine the files came from, the CUDA, MKL and Linux-runtime
    # lines are right; only target-independent mistakes remain.
    config = load_config(BROKEN).merged(targets=("linux-x86_64",))
    codes = {f.code for f in _check(BROKEN, config).findings}
    assert codes.isdisjoint(
        {"CU001", "CU002", "CU004", "CU006", "CD003", "CD004", "CD006", "RS001", "MX001"}
    )
    assert codes.isdisjoint({"WH002", "WH003", "JX002", "IM004"})
    assert {"PT001", "CD005", "IM002", "IM003", "KR005"} <= codes


def test_broken_example_wheel_floors_follow_target_and_python():
    # h5py 3.1.0 has wheels for CPython 3.6-3.9 only: on Linux x86_64 with Python 3.10 the
    # first h5py wheel is 3.6.0, on macOS arm64 it is 3.7.0 (checked with `pip index versions
    # h5py --platform ... --python-version 3.10 --only-binary=:all:`, 2026-11-21).
    req = BROKEN / "requirements.txt"
    line = _line_of(req, "h5py==3.1.0")
    for platform, first in (("linux-x86_64", "3.6.0"), ("macos-arm64", "3.7.0")):
        config = load_config(BROKEN).merged(targets=(platform,))
        wh = [
            f
            for f in _check(BROKEN, config).findings
            if f.code == "WH001" and f.path.name == "requirements.txt" and f.span.line == line
        ]
        assert len(wh) == 1 and first in wh[0].message, (platform, _describe(wh))
    config = load_config(BROKEN).merged(targets=("linux-x86_64",), python="3.9")
    assert not [
        f
        for f in _check(BROKEN, config).findings
        if f.code == "WH001" and f.path.name == "requirements.txt" and f.span.line == line
    ]


def test_broken_example_on_python_311_drops_the_python_310_only_rule(tmp_path: Path):
    # WH002 is about cp310 wheels only: the same files for Python 3.11 do not give it.
    shutil.copytree(BROKEN, tmp_path / "p")
    config = load_config(tmp_path / "p").merged(python="3.11")
    codes = {f.code for f in _check(tmp_path / "p", config).findings}
    assert "WH002" not in codes
    assert "CU001" in codes


# --- the command line, as the README runs it ----------------------------------------------


@pytest.mark.parametrize("name", [*CLEAN, "cross-platform"])
def test_cli_clean_examples_exit_zero(name: str):
    proc = run_cli("check", EXAMPLES / name, cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_cli_broken_example_exits_one_with_json_findings():
    proc = run_cli("check", "--format", "json", BROKEN, cwd=REPO)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert isinstance(data, (list, dict))
    assert "PT001" in proc.stdout and "RS001" in proc.stdout and "IM002" in proc.stdout


def test_cli_fix_repairs_the_broken_example(tmp_path: Path):
    # `--fix` applies the safe fixes; the pins it writes are the matching releases read
    # from the wheels' metadata (torchvision 0.20.1 requires torch==2.5.1; jax-metal 0.1.1
    # works up to jax/jaxlib 0.5.0), and the MKL/CUDA/Linux-only conda lines are gone.
    root = tmp_path / "p"
    shutil.copytree(BROKEN, root)
    proc = run_cli("check", "--fix", root, cwd=REPO)
    assert proc.returncode == 1, proc.stderr  # unfixable findings remain
    req = (root / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert "torchvision==0.20.1" in req
    assert 'nvidia-cudnn-cu12==9.1.0.70; sys_platform != "darwin"' in req
    assert "PyQt5-Qt5>=5.15.11" in req
    env = (root / "environment.yml").read_text(encoding="utf-8")
    for gone in ("mkl=", "mkl-service", "blas=*=mkl", "pytorch-cuda", "cudatoolkit", "libgcc-ng"):
        assert gone not in env
    assert "  - numpy=1.26.4\n" in env
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    assert '"jax==0.5.0",' in pyproject and '"jaxlib==0.5.0",' in pyproject
    fixed_codes = {"PT001", "CU001", "WH003", "CD003", "CD006", "CU004", "CD004", "JX002", "JX005"}
    left = {f.code for f in _check(root).findings}
    assert left.isdisjoint(fixed_codes), left & fixed_codes
    assert {"CU002", "MX001", "RS001", "IM002"} <= left
