"""The probe in real interpreters: the test runner's own, fresh venvs, Python 3.8.

No stand-ins here: every run executes probe.py in a real interpreter.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from lint_env.model import Severity
from lint_env.probe import validate as v
from lint_env.probe.validate import (
    PROBE_SCRIPT,
    ValidationError,
    check_interpreter,
    discover_interpreter,
    run_validation,
)


@pytest.fixture(scope="module")
def own_report():
    return run_validation(sys.executable, cwd=Path.cwd(), timeout=180)


def test_own_interpreter_full_report_without_false_alarms(own_report) -> None:
    data = own_report.data
    interp = data["interpreter"]
    assert interp["executable"] == sys.executable
    assert interp["version"] == ".".join(map(str, sys.version_info[:3]))
    assert interp["platform_tag"]
    assert data["distributions_total"] >= 5  # pytest, packaging, pygls, ... are installed
    names = {d["name"] for d in data["distributions"]}
    assert {"pytest", "packaging"} <= names
    assert data["binaries"]["foreign"] == []
    errors = [f for f in own_report.findings if f.severity is Severity.ERROR]
    assert errors == [], errors
    assert not any(f.code in ("RT002", "RT003", "RT004", "RT014") for f in own_report.findings)
    assert own_report.verdict  # one line, leads the report
    assert "\n" not in own_report.verdict


def test_to_json_is_stable_and_serialisable(own_report) -> None:
    out = own_report.to_json()
    assert set(out) == {
        "schema",
        "interpreter",
        "interpreter_source",
        "verdict",
        "summary",
        "findings",
        "elapsed_s",
        "probe",
    }
    assert out["schema"] == 1
    assert set(out["summary"]) == {"error", "warning", "info"}
    json.dumps(out)  # plain JSON types only


def test_text_report_leads_with_the_verdict(own_report) -> None:
    text = v.format_text(own_report)
    lines = text.splitlines()
    assert lines[0] == own_report.verdict
    assert lines[1].startswith(f"Interpreter: {sys.executable} ")


def test_cli_json_mode_prints_only_json(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "lint_env.probe.validate", "--python", sys.executable,
         "--format", "json", "--no-tensorflow", "--verbose"],
        capture_output=True, text=True, cwd=tmp_path, timeout=180, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)  # nothing else on stdout
    assert data["interpreter"] == sys.executable
    assert data["verdict"].startswith("TensorFlow check skipped (--no-tensorflow)")
    # progress went to stderr, with the chosen interpreter first
    assert out.stderr.splitlines()[0] == f"lint-env validate: {sys.executable} (from --python)"
    assert "distributions: scanning site-packages" in out.stderr


@pytest.mark.parametrize("bad", ["/nonexistent/python3", __file__])
def test_not_a_python_is_a_one_line_error(tmp_path: Path, bad: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "lint_env.probe.validate", "--python", bad],
        capture_output=True, text=True, cwd=tmp_path, timeout=60, check=False,
    )  # fmt: skip
    assert out.returncode == 2
    assert out.stdout == ""
    err = out.stderr.strip().splitlines()
    assert len(err) == 1 and "not a working Python" in err[0] and "Traceback" not in out.stderr


def test_run_returns_2_on_bad_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    assert v.main(["--timeout", "0"]) == 2
    assert "must be positive" in capsys.readouterr().err
    assert v.main(["--tf-timeout", "-1"]) == 2
    assert v.main(["--format", "xml"]) == 2


def test_bad_as_platform_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert v.main(["--as-platform", "amiga-68k", "--no-tensorflow"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "expected OS-ARCH" in err[0]


def test_missing_site_and_prefix_are_just_empty(tmp_path: Path) -> None:
    report = run_validation(
        sys.executable,
        cwd=tmp_path,
        timeout=60,
        sites=[str(tmp_path / "nope")],
        prefix=str(tmp_path / "nothing"),
    )
    assert report.data["distributions_total"] == 0
    assert report.data["conda"]["is_conda"] is False
    assert report.findings == []


def test_progress_callback_sees_the_stages(tmp_path: Path) -> None:
    seen: list[str] = []
    run_validation(sys.executable, cwd=tmp_path, timeout=120, on_progress=seen.append)
    assert seen[0].startswith("interpreter: ")
    assert "conda: reading conda-meta" in seen


# --- discovery over real venvs ------------------------------------------------------


@pytest.fixture(scope="module")
def bare_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("venvs") / "env"
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(root)
    return root


def _py(prefix: Path) -> str:
    return str(v._python_in(prefix))


def test_discovery_order(tmp_path: Path, bare_venv: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    here = discover_interpreter(None, project, {})
    assert (here.path, here.source) == (sys.executable, "the interpreter running lint-env")

    shutil.copytree(bare_venv, project / "venv", symlinks=True)
    assert discover_interpreter(None, project, {}).source == "venv/ in the project"
    shutil.copytree(bare_venv, project / ".venv", symlinks=True)
    found = discover_interpreter(None, project, {})
    assert (found.path, found.source) == (_py(project / ".venv"), ".venv/ in the project")

    env = {"CONDA_PREFIX": str(bare_venv)}
    assert discover_interpreter(None, project, env).source == "$CONDA_PREFIX"
    env["VIRTUAL_ENV"] = str(bare_venv)
    assert discover_interpreter(None, project, env).source == "$VIRTUAL_ENV"
    env["VIRTUAL_ENV"] = str(tmp_path / "gone")  # stale variable: skipped
    assert discover_interpreter(None, project, env).source == "$CONDA_PREFIX"

    explicit = discover_interpreter(str(bare_venv), project, env)  # a venv folder works
    assert (explicit.path, explicit.source) == (_py(bare_venv), "--python")
    with pytest.raises(ValidationError):
        discover_interpreter(str(tmp_path), project, {})


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file() or p.is_dir()
    }


def test_probe_writes_nothing_into_the_environment(bare_venv: Path, tmp_path: Path) -> None:
    interp = check_interpreter(discover_interpreter(str(bare_venv), tmp_path, {}))
    before = _tree(bare_venv)
    probe_dir_before = sorted(p.name for p in PROBE_SCRIPT.parent.iterdir())
    report = run_validation(None, cwd=tmp_path, timeout=120, interpreter=interp)
    assert report.data["interpreter"]["venv"] is True
    assert report.data["distributions_total"] == 0
    assert _tree(bare_venv) == before
    assert sorted(p.name for p in PROBE_SCRIPT.parent.iterdir()) == probe_dir_before


# --- Python 3.8 -----------------------------------------------------------------------


def _pyenv_python(minor: str) -> str | None:
    """python3.X on PATH, else a pyenv-installed one; None when absent or broken."""
    cands = [shutil.which(f"python{minor}")]
    cands += sorted(
        str(p) for p in Path.home().glob(f".pyenv/versions/{minor}.*/bin/python{minor}")
    )
    for path in cands:
        if path and subprocess.run([path, "-c", "pass"], capture_output=True).returncode == 0:
            return path
    return None


def _python38() -> str | None:
    return _pyenv_python("3.8")


def test_vermin_says_probe_runs_on_python_38() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import sys; from vermin import main; sys.exit(main())",
         "-t=3.8-", "--no-tips", "--violations",
         *map(str, sorted(PROBE_SCRIPT.parent.glob("probe*.py")))],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "No module named" not in out.stderr, "pip install vermin (test extra)"
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.skipif(_python38() is None, reason="no python3.8 on this machine (vermin covers it)")
def test_probe_really_runs_on_python_38(tmp_path: Path) -> None:
    py = _python38()
    report = run_validation(py, cwd=tmp_path, timeout=120)
    assert report.data["interpreter"]["version"].startswith("3.8.")
    assert "probe_error" not in report.data
    assert not report.has_errors, report.findings


@pytest.mark.skipif(_pyenv_python("3.7") is None, reason="no python3.7 on this machine")
def test_python_37_is_refused_with_one_line(tmp_path: Path) -> None:
    py = _pyenv_python("3.7")
    with pytest.raises(ValidationError, match=r"Python 3\.7\.\d+; the probe needs Python 3\.8\+"):
        check_interpreter(discover_interpreter(py, tmp_path, {}))


@pytest.mark.skipif(_python38() is None, reason="no python3.8 on this machine")
def test_child_and_crash_handling_on_python_38(tmp_path: Path) -> None:
    """The child/process-group code on 3.8, with a SIGILL `tensorflow` STAND-IN."""
    site = tmp_path / "site-packages"
    (site / "tensorflow").mkdir(parents=True)
    (site / "tensorflow" / "__init__.py").write_text(
        "import os, signal\nos.kill(os.getpid(), signal.SIGILL)\n"
    )
    report = run_validation(_python38(), cwd=tmp_path, timeout=60, sites=[str(site)])
    assert report.data["tensorflow"]["signal"] == "SIGILL"
    assert [f.code for f in report.findings] == ["RT005"]


def test_the_child_imports_numpy_with_nothing_of_the_probe_on_sys_path(tmp_path: Path) -> None:
    """The probe is several files; the script puts its folder on sys.path to import its
    parts, and must take it off again before the child imports numpy and TensorFlow,
    or lint-env's own modules could shadow theirs. A stand-in numpy in --site records
    the sys.path it was imported with."""
    site = tmp_path / "site"
    (site / "numpy").mkdir(parents=True)
    seen = tmp_path / "seen.json"
    (site / "numpy" / "__init__.py").write_text(
        "import json, sys\n"
        f"open({str(seen)!r}, 'w').write(json.dumps(sys.path))\n"
        "raise ImportError('stand-in numpy')\n"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-B", str(PROBE_SCRIPT), "--child", "--no-tensorflow",
         "--site", str(site)],
        capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "stand-in numpy" in out.stdout  # the child ran and reported the import error
    path = json.loads(seen.read_text())
    assert path[0] == str(site)
    assert str(PROBE_SCRIPT.parent) not in path
