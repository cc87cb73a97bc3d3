"""The `lint-env` command as users and CI run it: a real process, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import REPO, run_cli

TF_GPU = "tensorflow-gpu==2.10.0"


def test_version_and_help():
    r = run_cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("lint-env ")
    r = run_cli()
    assert r.returncode == 2 and "check" in r.stderr


def test_clean_project_exits_0(project):
    root = project({"requirements.txt": "requests==2.32.3\n"})
    r = run_cli("check", root, "--no-color")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "All checks passed" in r.stdout


def test_broken_line_is_a_finding_with_position_and_the_rest_is_checked(project):
    root = project({"requirements.txt": "numpy>=>1.2\nrequests\n\n" + "tensorflow>=\n"})
    r = run_cli("check", root / "requirements.txt", "--format", "json", cwd=root)
    assert r.returncode == 1
    data = json.loads(r.stdout)
    le = [f for f in data if f["code"] == "LE001"]
    assert [(f["path"], f["line"]) for f in le] == [
        ("requirements.txt", 1),
        ("requirements.txt", 4),
    ]
    assert "Traceback" not in r.stderr


def test_text_output_format_and_summary(project):
    root = project({"requirements.txt": "numpy>=>1.2\n"})
    r = run_cli("check", ".", cwd=root)
    first = r.stdout.splitlines()[0]
    assert first.startswith("requirements.txt:1:1: LE001 ")
    assert r.stdout.splitlines()[-1].startswith("Found 1 problem (1 error)")
    assert "\x1b[" not in r.stdout  # not a TTY: no colour


def test_no_color_and_force_color(project):
    root = project({"requirements.txt": "numpy>=>1.2\n"})
    assert "\x1b[31m" in run_cli("check", ".", cwd=root, env={"FORCE_COLOR": "1"}).stdout
    r = run_cli("check", ".", cwd=root, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in r.stdout


def test_exit_zero(project):
    root = project({"requirements.txt": "numpy>=>1.2\n"})
    assert run_cli("check", ".", "--exit-zero", cwd=root).returncode == 0


def test_missing_path_is_a_one_line_usage_error(tmp_path):
    r = run_cli("check", tmp_path / "nope.txt")
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "nope.txt" in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_target_is_a_usage_error(tmp_path):
    r = run_cli("check", tmp_path, "--target", "macos-m1")
    assert r.returncode == 2 and "macos-m1" in r.stderr and "Traceback" not in r.stderr


def test_invalid_config_is_a_one_line_error(project):
    root = project({"pyproject.toml": "[tool.lint-env]\ntargets = ['nope']\n"})
    r = run_cli("check", root)
    assert r.returncode == 2
    assert "pyproject.toml" in r.stderr and "nope" in r.stderr
    assert "Traceback" not in r.stderr


def test_binary_and_huge_files_are_findings(project):
    root = project(
        {
            "requirements.txt": b"\x00\x01\x02binary",
            "requirements-big.txt": "numpy\n" * (1024 * 1024),
        }
    )
    r = run_cli("check", ".", "--format", "json", cwd=root)
    data = json.loads(r.stdout)
    assert sorted((f["path"], f["code"]) for f in data) == [
        ("requirements-big.txt", "LE004"),
        ("requirements.txt", "LE004"),
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file_is_a_finding(project):
    root = project({"requirements.txt": "numpy\n"})
    (root / "requirements.txt").chmod(0)
    r = run_cli("check", ".", "--format", "json", cwd=root)
    assert [f["code"] for f in json.loads(r.stdout)] == ["LE004"]


def test_include_cycle_reported_once_and_missing_include(project):
    root = project(
        {
            "requirements.txt": "-r b.txt\n-r missing.txt\n",
            "b.txt": "-r requirements.txt\nnumpy\n",
        }
    )
    r = run_cli("check", ".", "--format", "json", cwd=root)
    data = json.loads(r.stdout)
    cycles = [f for f in data if f["code"] == "LE003"]
    assert len(cycles) == 1 and cycles[0]["path"] == "b.txt"
    missing = [f for f in data if f["code"] == "LE002"]
    assert [(f["path"], f["line"]) for f in missing] == [("requirements.txt", 2)]


def test_url_includes_are_never_fetched(project):
    root = project({"requirements.txt": "-r http://127.0.0.1:9/never.txt\n"})
    r = run_cli("check", ".", "--format", "json", cwd=root)
    assert [f["code"] for f in json.loads(r.stdout)] == ["LE006"]


def test_sarif_validates_against_the_official_schema(project):
    root = project({"requirements.txt": "numpy>=>1.2\n-r missing.txt\n"})
    r = run_cli("check", ".", "--format", "sarif", cwd=root)
    assert r.returncode == 1
    sarif = json.loads(r.stdout)
    schema = json.loads(
        (REPO / "tests/fixtures/sarif/sarif-schema-2.1.0.json").read_text(encoding="utf-8")
    )
    jsonschema.validate(sarif, schema, cls=jsonschema.Draft4Validator)
    results = sarif["runs"][0]["results"]
    assert {x["ruleId"] for x in results} == {"LE001", "LE002"}
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


def test_github_annotations(project):
    root = project({"requirements.txt": "numpy>=>1.2\n"})
    r = run_cli("check", ".", "--format", "github", cwd=root)
    line = r.stdout.splitlines()[0]
    assert line.startswith("::error file=requirements.txt,line=1,col=1,")
    assert "::LE001 " in line


def test_select_and_ignore(project):
    root = project({"requirements.txt": "numpy>=>1.2\n-r missing.txt\n"})
    r = run_cli("check", ".", "--format", "json", "--ignore", "LE001", cwd=root)
    assert [f["code"] for f in json.loads(r.stdout)] == ["LE002"]
    r = run_cli("check", ".", "--format", "json", "--select", "LE001", cwd=root)
    assert [f["code"] for f in json.loads(r.stdout)] == ["LE001"]


def test_inline_suppression(project):
    root = project({"requirements.txt": "numpy>=>1.2  # lint-env: ignore[LE001]\n"})
    assert run_cli("check", ".", cwd=root).returncode == 0


def test_rules_lists_every_rule_and_explain_prints_sources():
    r = run_cli("rules")
    assert r.returncode == 0
    assert "LE001" in r.stdout and "cannot-parse" in r.stdout
    rows = json.loads(run_cli("rules", "--format", "json").stdout)
    assert {"code", "name", "severity", "targets", "fixable"} <= set(rows[0])
    r = run_cli("explain", "le002")
    assert r.returncode == 0 and r.stdout.startswith("LE002 include-not-found")
    r = run_cli("explain", "ZZ999")
    assert r.returncode == 2 and "unknown rule" in r.stderr


def test_findings_are_deterministic(project):
    root = project(
        {
            "requirements.txt": "numpy>=>1.2\n-r missing.txt\n",
            "sub/requirements-dev.txt": "x>>1\n",
        }
    )
    a = run_cli("check", ".", "--format", "json", cwd=root).stdout
    b = run_cli("check", ".", "--format", "json", cwd=root).stdout
    assert a == b
    paths = [(f["path"], f["line"]) for f in json.loads(a)]
    assert paths == sorted(paths)


def test_examples_folder_shows_findings():
    r = run_cli("check", REPO / "examples" / "apple-silicon-broken", cwd=REPO)
    if not (REPO / "examples" / "apple-silicon-broken").exists():
        pytest.skip("examples not in this checkout")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Found " in r.stdout


def _crlf_project(project) -> Path:
    return project({"requirements.txt": "# pinned for CI\r\nnumpy==1.26.4\r\n"})


def test_fix_keeps_crlf_comments_and_order(project, tmp_path):
    """--fix with a rule whose fix is a text edit; checked once rules land (LE rules have no fixes)."""
    root = project(
        {
            "pyproject.toml": "[tool.lint-env]\ntargets = ['macos-arm64']\n",
            "requirements.txt": "# GPU build\r\ntensorflow-gpu==2.10.0  # keep\r\nnumpy==1.26.4\r\n",
        }
    )
    before = (root / "requirements.txt").read_bytes()
    r = run_cli("check", ".", "--fix", "--select", "TF005", cwd=root)
    after = (root / "requirements.txt").read_bytes()
    if after == before:
        pytest.skip("no fixable rule for tensorflow-gpu in this database yet")
    assert after.count(b"\r\n") == 3 and b"\n" not in after.replace(b"\r\n", b"")
    assert after.startswith(b"# GPU build\r\n") and b"# keep" in after
    assert after.endswith(b"numpy==1.26.4\r\n")
    assert r.returncode in (0, 1)


def test_diff_changes_nothing(project):
    root = project({"requirements.txt": "tensorflow-gpu==2.10.0\n"})
    before = (root / "requirements.txt").read_bytes()
    r = run_cli("check", ".", "--diff", "--select", "TF005", cwd=root)
    assert (root / "requirements.txt").read_bytes() == before
    if r.stdout:
        assert r.stdout.startswith("--- a/requirements.txt") and r.returncode == 1


def test_manifest_in_is_not_a_requirements_file(project):
    root = project(
        {
            "MANIFEST.in": "include README.md\nrecursive-include rules *.toml\n",
            "requirements/dev.in": "numpy>=>1\n",
        }
    )
    r = run_cli("check", ".", "--format", "json", cwd=root)
    assert [(f["path"], f["code"]) for f in json.loads(r.stdout)] == [
        ("requirements/dev.in", "LE001")
    ]


def test_unreadable_file_is_a_finding_even_as_root(project, monkeypatch):
    """Tests run as root here, where chmod 0 does not stop reads: the refusal is faked by
    making Path.read_bytes raise PermissionError for that one file."""
    from lint_env.api import Project
    from lint_env.config import Config

    root = project({"requirements.txt": "numpy\n"})
    target = (root / "requirements.txt").resolve()
    real = Path.read_bytes

    def read_bytes(self):
        if self.resolve() == target:
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    (f,) = Project(root, Config()).check([root]).findings
    assert (f.code, f.path, f.message) == ("LE004", target, "cannot read file: Permission denied")


# --- the program's exit -----------------------------------------------------------------

_RUN = "import sys; sys.argv = ['lint-env', *sys.argv[1:]]; from lint_env.cli import run; run()"


def test_the_quick_exit_keeps_the_report_and_the_exit_status(tmp_path):
    """A report larger than the pipe's buffer, written as the process ends."""
    lines = "".join(f"pkg{i}-cu12==1.0.0\ntensorflow-gpu==2.10.0\n" for i in range(500))
    (tmp_path / "requirements.txt").write_text(lines)
    args = ["check", "--format", "json", str(tmp_path)]
    env = {**os.environ, "LINT_ENV_NO_CACHE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _RUN, *args], capture_output=True, text=True, env=env, timeout=120
    )
    main = _RUN.replace("import run; run()", "import main; sys.exit(main())")
    normal = subprocess.run(  # the interpreter's own exit
        [sys.executable, "-c", main, *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == normal.returncode == 1
    assert len(done.stdout) > 100_000
    assert done.stdout == normal.stdout
    assert done.stderr == normal.stderr


def test_an_atexit_callback_still_runs(tmp_path):
    (tmp_path / "requirements.txt").write_text("numpy==1.26.4\n")
    code = "import atexit; atexit.register(print, 'callback ran'); " + _RUN
    done = subprocess.run(
        [sys.executable, "-c", code, "check", str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "LINT_ENV_NO_CACHE": "1"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("callback ran\n")


def test_run_leaves_the_collector_on(tmp_path):
    (tmp_path / "requirements.txt").write_text("numpy==1.26.4\n")
    code = "import atexit, gc; atexit.register(lambda: print('gc', gc.isenabled())); " + _RUN
    for args in (["check", str(tmp_path)], ["rules"], ["explain", "MT001"], ["--version"]):
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            env={**os.environ, "LINT_ENV_NO_CACHE": "1"},
            timeout=120,
        )
        assert done.stdout.endswith("gc True\n"), (args, done.stdout[-200:], done.stderr)
