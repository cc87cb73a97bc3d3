"""The one-line verdict, for each way a probe run can end (excerpts of probe JSON)."""

from __future__ import annotations

import pytest
from lint_env.probe.validate import _parse_report, findings_from_report, make_verdict

METAL_RUN = {
    "interpreter": {"os": "macos", "arch": "arm64"},
    "tensorflow": {
        "present": True,
        "ran": True,
        "version": "2.16.2",
        "stage": "done",
        "returncode": 0,
        "metal_dist_version": "1.1.0",
        "devices": [
            {"name": "/physical_device:CPU:0", "type": "CPU", "details": {}},
            {"name": "/physical_device:GPU:0", "type": "GPU", "details": {"device_name": "METAL"}},
        ],
        "matmul": [
            {"device": "/CPU:0", "n": 1024, "ms": 38.04},
            {"device": "/GPU:0", "n": 1024, "ms": 4.12},
        ],
        "keras_model": {"ok": True},
    },
}


def _verdict(data: dict) -> str:
    return make_verdict(data, findings_from_report(data))


def test_gpu_run() -> None:
    assert _verdict(METAL_RUN) == (
        "TensorFlow 2.16.2 runs on GPU:0 (METAL): 1024×1024 matmul 4.1 ms vs CPU 38.0 ms"
    )


def test_cpu_only_on_mac() -> None:
    data = {
        "interpreter": {"os": "macos", "arch": "arm64"},
        "tensorflow": {
            "present": True,
            "ran": True,
            "version": "2.20.0",
            "stage": "done",
            "returncode": 0,
            "devices": [{"name": "/physical_device:CPU:0", "type": "CPU"}],
            "matmul": [{"device": "/CPU:0", "n": 512, "ms": 3.21}],
        },
    }
    assert _verdict(data) == "TensorFlow 2.20.0 runs on CPU only: 512×512 matmul 3.2 ms"
    assert [f.code for f in findings_from_report(data)] == ["RT013"]


@pytest.mark.parametrize(
    ("tf", "verdict"),
    [
        ({"present": False, "skipped": "not installed"}, "No TensorFlow in this interpreter"),
        ({"present": True, "skipped": "--no-tensorflow"}, "TensorFlow check skipped (--no-tensorflow)"),
        (
            {"present": True, "ran": True, "dist_version": "2.16.2", "signal": "SIGILL",
             "stage": "tensorflow-import"},
            "TensorFlow 2.16.2 crashed with SIGILL while importing tensorflow",
        ),
        (
            {"present": True, "ran": True, "dist_version": "2.16.2", "timed_out": True,
             "signal": "SIGKILL", "stage": "tensorflow-import"},
            "TensorFlow 2.16.2 did not answer while importing tensorflow (killed after the timeout)",
        ),
        (
            {"present": True, "ran": True, "dist_version": "2.18.0", "stage": "done",
             "returncode": 0, "import_error": {"error": "ImportError: boom"}},
            "TensorFlow 2.18.0 fails to import: ImportError: boom",
        ),
    ],
)  # fmt: skip
def test_other_endings(tf: dict, verdict: str) -> None:
    assert _verdict({"tensorflow": tf}) == verdict


def test_probe_failure() -> None:
    data = {"probe_error": "the probe did not finish within 5 s (killed)"}
    assert _verdict(data) == ("The probe failed: the probe did not finish within 5 s (killed)")


def test_report_after_noise_on_stdout() -> None:
    assert _parse_report('hello from sitecustomize\n{"probe": {"schema": 1}}') == {
        "probe": {"schema": 1}
    }
    assert _parse_report("no report") is None


def test_probe_internal_error_is_reported() -> None:
    data = {"probe": {"schema": 1}, "errors": ["KeyError: 'x'\nTraceback (most recent call last):"]}
    (f,) = findings_from_report(data)
    assert f.code == "RT014" and f.message == "the runtime probe failed: KeyError: 'x'"
