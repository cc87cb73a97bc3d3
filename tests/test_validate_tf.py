"""A real TensorFlow: tensorflow-cpu 2.15.1 with a mismatched standalone Keras 3.3.3,
in a throwaway venv made by .ci/setup-tf-venv.sh (cached between runs; the fixture
runs the script when the venv is missing). TF 2.15 requires keras>=2.15,<2.16; pip
installs Keras 3 over it anyway, and tf.keras then silently resolves to Keras 3.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from lint_env.model import Severity
from lint_env.probe.validate import format_text, run_validation

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / ".ci" / "setup-tf-venv.sh"


def _venv_dir() -> Path:
    base = os.environ.get("LINT_ENV_TEST_CACHE") or Path.home() / ".cache" / "lint-env-tests"
    return Path(base) / "tf-venv"


@pytest.fixture(scope="module")
def tf_python() -> Path:
    out = subprocess.run(
        ["bash", str(SCRIPT)], capture_output=True, text=True, timeout=1800, check=False
    )
    if out.returncode != 0:
        pytest.fail(f"{SCRIPT.name} failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
    py = _venv_dir() / "bin" / "python"
    assert py.is_file(), out.stdout
    return py


def _snapshot(root: Path) -> set[tuple[str, int]]:
    return {(str(p.relative_to(root)), p.stat().st_mtime_ns) for p in root.rglob("*")}


@pytest.fixture(scope="module")
def report(tf_python: Path, tmp_path_factory: pytest.TempPathFactory):
    site = next((_venv_dir() / "lib").glob("python3.*/site-packages"))
    before = _snapshot(site)
    cwd = tmp_path_factory.mktemp("tfproject")
    seen: list[str] = []
    rep = run_validation(str(tf_python), cwd=cwd, timeout=300, on_progress=seen.append)
    rep.data["_progress"] = seen
    rep.data["_unchanged"] = _snapshot(site) == before
    return rep


def test_real_tensorflow_version_and_cpu_device(report) -> None:
    tf = report.data["tensorflow"]
    assert tf["dist"] == "tensorflow-cpu"
    assert tf["version"] == "2.15.1" == tf["dist_version"]
    assert tf["git_version"].startswith("v2.15")
    assert tf["returncode"] == 0 and tf["signal"] is None and tf["stage"] == "done"
    assert {"name": "/physical_device:CPU:0", "type": "CPU", "details": {}} in tf["devices"]
    assert "is_cuda_build" in tf["build_info"]
    assert tf["metal_dist_version"] is None and tf["metal_loaded"] is False


def test_matmul_timed_and_tiny_model_runs(report) -> None:
    tf = report.data["tensorflow"]
    cpu = next(m for m in tf["matmul"] if m["device"] == "/CPU:0")
    assert cpu["n"] == 512 and 0 < cpu["ms"] < 10_000
    assert cpu["placed_on"].endswith("CPU:0")
    assert tf["keras_model"]["ok"] is True and tf["keras_model"]["output_shape"] == [2, 3]
    assert report.verdict.startswith("TensorFlow 2.15.1 runs on CPU only: 512×512 matmul ")


def test_keras_mismatch_found(report) -> None:
    keras = report.data["tensorflow"]["keras"]
    assert keras["keras_version"] == "3.3.3"
    assert keras["tf_keras_module"] == "keras._tf_keras.keras"  # Keras 3 behind tf.keras
    rt009 = [f for f in report.findings if f.code == "RT009"]
    assert len(rt009) == 1
    f = rt009[0]
    assert f.severity is Severity.ERROR and f.package == "keras"
    assert "keras 3.3.3" in f.message and "TensorFlow 2.15.1" in f.message
    assert "keras>=2.15,<2.16" in f.message
    # and nothing else is wrong with this environment
    assert [x.code for x in report.findings] == ["RT009"]


def test_numpy_blas_reported(report) -> None:
    numpy = report.data["numpy"]
    assert numpy["version"] == "1.26.4"
    assert numpy["blas"] == "openblas" == numpy["blas_from_files"]


def test_binaries_read_for_packages_that_matter(report) -> None:
    by_dist = report.data["binaries"]["by_dist"]
    assert by_dist["tensorflow-cpu"]["files"] > 10
    assert by_dist["tensorflow-cpu"]["archs"] == [report.data["interpreter"]["arch"]]
    assert report.data["binaries"]["foreign"] == []


def test_progress_and_nothing_written(report) -> None:
    seen = report.data["_progress"]
    assert "tensorflow: importing (this can take a while)" in seen
    assert any(s.startswith("tensorflow: 512x512 matmul on /CPU:0") for s in seen)
    assert report.data["_unchanged"], "the probe wrote into the TF venv's site-packages"


def test_text_report(report) -> None:
    text = format_text(report)
    assert text.splitlines()[0] == report.verdict
    assert "Keras: keras 3.3.3, tf.keras -> keras._tf_keras.keras" in text
    assert "error   RT009 keras-tensorflow-mismatch [keras]: keras 3.3.3" in text


def test_no_tensorflow_option_skips_the_import(tf_python: Path, tmp_path: Path) -> None:
    rep = run_validation(str(tf_python), cwd=tmp_path, timeout=120, tensorflow=False)
    assert rep.data["tensorflow"]["skipped"] == "--no-tensorflow"
    assert "version" not in rep.data["tensorflow"]
    assert rep.data["numpy"]["blas"] == "openblas"  # numpy still imported in the child
    assert rep.verdict.startswith("TensorFlow check skipped (--no-tensorflow)")


def test_keras_does_not_write_into_home(
    tf_python: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Importing Keras creates ~/.keras (and keras.json); the probe gives it a temporary
    KERAS_HOME instead. Checked with an empty HOME, against a direct import as control."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("KERAS_HOME", raising=False)
    report = run_validation(str(tf_python), cwd=tmp_path, timeout=300)
    assert report.data["tensorflow"]["keras_model"]["ok"] is True
    assert list(home.iterdir()) == []
    control = subprocess.run(
        [str(tf_python), "-I", "-B", "-c", "import tensorflow as tf; tf.keras.layers"],
        capture_output=True, timeout=300, check=False,
    )  # fmt: skip
    assert control.returncode == 0
    assert (home / ".keras").exists(), "control: a plain import should have created ~/.keras"
