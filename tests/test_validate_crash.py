"""Crash handling of the TensorFlow child.

The `tensorflow` and `numpy` packages here are STAND-INS written by the test (a real
TensorFlow cannot be made to crash on demand): each kills itself with a signal,
hangs, or raises the Metal plugin's real error message at import. They live in a fake
site-packages that the probe is pointed at with --site; the probe and its child run
for real in this interpreter.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest
from lint_env.probe.validate import run_validation

pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals and process groups")

SIGILL = "import os, signal\nos.kill(os.getpid(), signal.SIGILL)\n"
SIGSEGV = "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n"
ABORT = (
    "import os, sys\n"
    "sys.stderr.write('[libprotobuf FATAL google/protobuf/x.cc:1] CHECK failed: target + size == res\\n')\n"
    "sys.stderr.flush()\n"
    "os.abort()\n"
)
METAL = (
    "raise ImportError('dlopen(/env/lib/python3.11/site-packages/tensorflow-plugins/"
    "libmetal_plugin.dylib, 0x0006): Symbol not found: _TF_GetInputPropertiesList')\n"
)
HANG = """
import os, subprocess, sys, time
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
with open(os.environ["LINT_ENV_TEST_PIDFILE"], "w") as fh:
    fh.write(str(grandchild.pid))
time.sleep(600)
"""


def _site(tmp_path: Path, tensorflow: str | None = None, numpy: str | None = None) -> Path:
    site = tmp_path / "site-packages"
    for name, body, version in (("tensorflow", tensorflow, "2.16.2"), ("numpy", numpy, "1.26.4")):
        if body is None:
            continue
        (site / name).mkdir(parents=True)
        (site / name / "__init__.py").write_text(body)
        meta = site / f"{name}-{version}.dist-info"
        meta.mkdir()
        (meta / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    return site


def _run(site: Path, timeout: float = 60, tf_timeout: float | None = None):
    return run_validation(
        sys.executable, cwd=site.parent, timeout=timeout, sites=[str(site)], tf_timeout=tf_timeout
    )


def _only(report, code: str):
    found = [f for f in report.findings if f.code == code]
    assert len(found) == 1, report.findings
    return found[0]


def test_sigill_is_explained(tmp_path: Path) -> None:
    report = _run(_site(tmp_path, tensorflow=SIGILL))
    tf = report.data["tensorflow"]
    assert tf["signal"] == "SIGILL" and tf["returncode"] == -signal.SIGILL
    assert tf["stage"] == "tensorflow-import"
    f = _only(report, "RT005")
    assert "Rosetta" in f.message and "AVX" in f.message and "importing tensorflow" in f.message
    assert f.package == "tensorflow"
    assert report.verdict.startswith("TensorFlow 2.16.2 crashed with SIGILL while importing")


@pytest.mark.parametrize(("body", "sig"), [(SIGSEGV, "SIGSEGV"), (ABORT, "SIGABRT")])
def test_segv_and_abort(tmp_path: Path, body: str, sig: str) -> None:
    report = _run(_site(tmp_path, tensorflow=body))
    assert report.data["tensorflow"]["signal"] == sig
    f = _only(report, "RT006")
    assert sig in f.message and "TensorFlow" in f.message
    assert report.has_errors
    if sig == "SIGABRT":  # the last thing the child printed is part of the message
        assert "last output: [libprotobuf FATAL" in f.message


def test_empty_tensorflow_folder_is_an_import_error(tmp_path: Path) -> None:
    """Not a stand-in: the empty folder a failed uninstall leaves behind."""
    site = tmp_path / "site-packages"
    (site / "tensorflow").mkdir(parents=True)
    report = _run(site)
    f = _only(report, "RT011")
    assert "no __version__" in f.message and "tensorflow" in f.message


def test_numpy_crash_is_named_as_numpy(tmp_path: Path) -> None:
    report = _run(_site(tmp_path, numpy=SIGILL))
    f = _only(report, "RT005")
    assert f.package == "numpy" and f.message.startswith("numpy was killed by SIGILL")


def test_metal_symbol_error_names_the_plugin(tmp_path: Path) -> None:
    report = _run(_site(tmp_path, tensorflow=METAL))
    f = _only(report, "RT011")
    assert f.package == "tensorflow-metal"
    assert "libmetal_plugin.dylib" in f.message and "Symbol not found" in f.message
    assert report.verdict.startswith("TensorFlow 2.16.2 fails to import: ImportError")


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # a zombie waiting for a reaper is dead too
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].split()[0]
        return state in ("Z", "X")
    except (OSError, IndexError):
        return True


def test_hang_times_out_and_kills_the_process_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pidfile = tmp_path / "grandchild.pid"
    monkeypatch.setenv("LINT_ENV_TEST_PIDFILE", str(pidfile))
    t0 = time.monotonic()
    report = _run(_site(tmp_path, tensorflow=HANG), timeout=60, tf_timeout=4)
    elapsed = time.monotonic() - t0
    assert elapsed < 30, elapsed  # the child limit (4 s) ended it, not the 60 s one
    tf = report.data["tensorflow"]
    assert tf["timed_out"] is True and tf["signal"] == "SIGKILL"
    f = _only(report, "RT007")
    assert "importing tensorflow within 4 s" in f.message
    pid = int(pidfile.read_text())
    deadline = time.monotonic() + 10
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _gone(pid), f"grandchild {pid} survived the timeout"


def test_whole_probe_timeout_is_a_finding(tmp_path: Path) -> None:
    """The runner's own limit (not the child's): a probe that cannot finish in time."""
    report = run_validation(
        sys.executable, cwd=tmp_path, timeout=0.05, sites=[str(_site(tmp_path, tensorflow=HANG))]
    )
    f = _only(report, "RT014")
    assert "did not finish" in f.message
    assert report.verdict.startswith("The probe failed")
