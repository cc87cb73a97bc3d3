"""`lint-env validate` against hostile options and interpreters.

The "interpreters" here are small scripts written by the test that answer the version
check and then misbehave: hang, leave a process behind that escaped the process group
with setsid, or print JSON that is not a probe report. A real broken interpreter
cannot be had on demand; the scripts run for real, as the selected interpreter.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import run_cli
from lint_env.lsp.validate import CommandFailed, parse_arguments
from lint_env.probe.validate import (
    ValidationError,
    check_interpreter,
    discover_interpreter,
    findings_from_report,
    run_validation,
)

posix_only = pytest.mark.skipif(os.name != "posix", reason="shebang scripts, setsid, /proc")


def fake_python(tmp_path: Path, body: str, name: str = "python") -> Path:
    """An executable that is "a Python": it runs ``body`` under this interpreter."""
    path = tmp_path / name
    path.write_text(f"#!{sys.executable}\n{body}", encoding="utf-8")
    path.chmod(0o755)
    return path


VERSION = "import sys\nif '-c' in sys.argv:\n    print('3.11.7')\n    sys.exit(0)\n"

ESCAPE = """
import os, subprocess, sys
def escape(tag):
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(600)"],
        start_new_session=True,  # setsid: out of the probe's process group
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    with open(os.environ["LINT_ENV_TEST_PIDS"], "a") as fh:
        fh.write("%s %d\\n" % (tag, child.pid))
"""


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # a zombie waiting for its reaper is dead too
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].split()[0]
        return state in ("Z", "X")
    except (OSError, IndexError):
        return True


def wait_gone(pid: int) -> bool:
    for _ in range(100):  # killed processes need a moment to be reaped
        if gone(pid):
            return True
        time.sleep(0.05)
    return False


def kill_all(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, 9)


# --- --timeout -------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e308", "0", "-1", "abc", "86401"])
def test_absurd_timeouts_are_usage_errors(value: str, tmp_path: Path):
    for flag in ("--timeout", "--tf-timeout"):
        out = run_cli("validate", "--python", sys.executable, flag, value, cwd=tmp_path)
        assert out.returncode == 2, out.stderr
        assert flag in out.stderr and "Traceback" not in out.stderr
        assert out.stdout == ""


def test_the_api_and_the_editor_command_reject_them_too(tmp_path: Path):
    for value in (float("nan"), float("inf"), 1e308, 0, -5, True):
        with pytest.raises(ValidationError, match="--timeout"):
            run_validation(sys.executable, cwd=tmp_path, timeout=value)
        with pytest.raises(CommandFailed):
            parse_arguments(({"timeout": value},))
    assert parse_arguments(({"timeout": 60},)).timeout == 60.0


@posix_only
def test_the_interpreter_check_honours_the_timeout(tmp_path: Path):
    hang = fake_python(tmp_path, "import time\ntime.sleep(3600)\n")
    out = run_cli("validate", "--python", hang, "--timeout", "1", cwd=tmp_path)
    assert out.returncode == 2
    assert "no answer within 1 s" in out.stderr, out.stderr
    with pytest.raises(ValidationError, match=r"no answer within 0\.5 s"):
        check_interpreter(discover_interpreter(str(hang), tmp_path), timeout=0.5)


# --- nothing left running ----------------------------------------------------------------


@posix_only
def test_setsid_escapees_of_the_version_check_and_the_probe_are_killed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    pids_file = tmp_path / "pids"
    monkeypatch.setenv("LINT_ENV_TEST_PIDS", str(pids_file))
    body = (
        ESCAPE
        + "if '-c' in sys.argv:\n    escape('check')\n    print('3.11.7')\n    sys.exit(0)\n"
        + "escape('probe')\nprint('{}')\n"
    )
    python = fake_python(tmp_path, body)
    report = run_validation(str(python), cwd=tmp_path, timeout=60)
    pids = {
        tag: int(pid) for tag, pid in (ln.split() for ln in pids_file.read_text().split("\n") if ln)
    }
    try:
        assert set(pids) == {"check", "probe"}
        for tag, pid in pids.items():
            assert wait_gone(pid), f"the {tag} escapee {pid} outlived validate"
        assert [f.code for f in report.findings] == ["RT014"]
    finally:
        kill_all(list(pids.values()))


@posix_only
def test_escapees_of_a_probe_that_times_out_are_killed(tmp_path: Path, monkeypatch):
    pids_file = tmp_path / "pids"
    monkeypatch.setenv("LINT_ENV_TEST_PIDS", str(pids_file))
    python = fake_python(
        tmp_path, VERSION + ESCAPE + "escape('probe')\nimport time\ntime.sleep(600)\n"
    )
    report = run_validation(str(python), cwd=tmp_path, timeout=2)
    pid = int(pids_file.read_text().split()[1])
    try:
        assert wait_gone(pid), f"escapee {pid} outlived the timeout"
        (f,) = report.findings
        assert f.code == "RT014" and "did not finish within 2 s" in f.message
    finally:
        kill_all([pid])


@posix_only
def test_a_real_probe_whose_tensorflow_escapes_leaves_nothing_behind(tmp_path: Path, monkeypatch):
    """The real probe, with a stand-in `tensorflow` package whose import starts a
    setsid'd process (a real TensorFlow cannot be made to do that on demand)."""
    pids_file = tmp_path / "pids"
    monkeypatch.setenv("LINT_ENV_TEST_PIDS", str(pids_file))
    site = tmp_path / "site-packages"
    (site / "tensorflow").mkdir(parents=True)
    (site / "tensorflow" / "__init__.py").write_text(
        ESCAPE + "escape('tf')\n__version__ = '2.16.2'\n"
    )
    meta = site / "tensorflow-2.16.2.dist-info"
    meta.mkdir()
    (meta / "METADATA").write_text("Metadata-Version: 2.1\nName: tensorflow\nVersion: 2.16.2\n")
    run_validation(sys.executable, cwd=tmp_path, timeout=120, sites=[str(site)])
    pids = [int(ln.split()[1]) for ln in pids_file.read_text().splitlines()]
    try:
        assert pids
        for pid in pids:
            assert wait_gone(pid), f"escapee {pid} of the TensorFlow child outlived validate"
    finally:
        kill_all(pids)


# --- reports of the wrong shape ---------------------------------------------------------


@posix_only
@pytest.mark.parametrize(
    "printed",
    [
        "[]",
        '"a string"',
        "{}",
        '{"interpreter": "x", "probe": {"schema": 1}, "errors": []}',
        '{"probe": {"schema": 99}, "interpreter": {}, "errors": []}',
        '{"probe": {"schema": 1}, "interpreter": {}, "errors": [], "distributions": [1, 2]}',
        '{"probe": {"schema": 1}, "interpreter": {}, "errors": [], "tensorflow": true}',
    ],
)
def test_a_report_of_the_wrong_shape_is_rt014_and_exit_1(tmp_path: Path, printed: str):
    python = fake_python(tmp_path, VERSION + f"print({printed!r})\n")
    out = run_cli("validate", "--python", python, "--format", "json", cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    data = json.loads(out.stdout)
    assert [f["code"] for f in data["findings"]] == ["RT014"]
    assert "no problems found" not in out.stdout


def test_excerpts_are_checked_for_the_members_they_have():
    assert findings_from_report({"tensorflow": {"present": False}}) == []
    (f,) = findings_from_report({"tensorflow": []})
    assert f.code == "RT014" and "'tensorflow' is a list" in f.message
    (f,) = findings_from_report("[1]")
    assert f.code == "RT014" and "not an object" in f.message


# --- --python ------------------------------------------------------------------------------


def test_relative_paths_and_names_on_path_are_accepted(tmp_path: Path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    link = bindir / "lint-env-test-python"
    link.symlink_to(sys.executable)
    work = tmp_path / "work"
    work.mkdir()
    (work / "py").symlink_to(sys.executable)
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {"PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    for given, expected in (
        ("./py", work / "py"),
        ("../bin/lint-env-test-python", link),
        ("lint-env-test-python", link),
    ):
        out = run_cli(
            "validate", "--python", given, "--no-tensorflow", "--site", empty, "--format", "json",
            cwd=work, env=env,
        )  # fmt: skip
        assert out.returncode == 0, (given, out.stderr)
        assert json.loads(out.stdout)["interpreter"] == str(expected)
    out = run_cli("validate", "--python", "no-such-python-here", cwd=work, env=env)
    assert out.returncode == 2
    assert "not a command on PATH" in out.stderr and "Traceback" not in out.stderr


def test_a_relative_interpreter_setting_is_relative_to_the_project(tmp_path: Path):
    """The editor passes the workspace root as ``cwd``: not the server's own cwd."""
    (tmp_path / "py").symlink_to(sys.executable)
    assert discover_interpreter("./py", tmp_path).path == str(tmp_path / "py")
    venv = tmp_path / ".venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "python").symlink_to(sys.executable)
    assert discover_interpreter(".venv", tmp_path).path == str(venv / "python")


def test_the_escape_helper_really_escapes(tmp_path: Path, monkeypatch):
    """The harness: without the tag kill, a setsid'd child survives a process-group kill."""
    pids_file = tmp_path / "pids"
    monkeypatch.setenv("LINT_ENV_TEST_PIDS", str(pids_file))
    script = fake_python(tmp_path, ESCAPE + "escape('x')\n")
    proc = subprocess.Popen([str(script)], start_new_session=True)
    proc.wait(timeout=60)
    pid = int(pids_file.read_text().split()[1])
    try:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, 9)  # what the runner did before: the group only
        time.sleep(0.2)
        assert not gone(pid)
    finally:
        kill_all([pid])
