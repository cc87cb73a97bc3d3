"""The whole-run result cache of `lint-env check` (resultcache.py): a second run with
the same inputs replays the first's output and exit code; any change to an input is
a miss that gives the new, correct result."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import run_cli, write_tree
from lint_env import cli, resultcache

BAD = "tensorflow==2.16.1\ntensorflow-metal==1.0.0\n"  # MT001
GOOD = "tensorflow==2.16.1\ntensorflow-metal==1.2.0\n"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A cache folder of its own; timestamps are trusted at once (the files of a test
    are written just before its runs; the 2 s rule has a test of its own)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("LINT_ENV_CACHE_DIR", str(folder))
    monkeypatch.delenv("LINT_ENV_NO_CACHE", raising=False)
    monkeypatch.setattr(resultcache, "SLACK_NS", 0)
    return folder


class Runs:
    """Runs `check` in-process with the result cache; counts the real runs."""

    def __init__(self, monkeypatch, capsys) -> None:
        self.real = 0
        self.capsys = capsys
        original = cli.cmd_check

        def counting(args):
            self.real += 1
            return original(args)

        monkeypatch.setattr(cli, "cmd_check", counting)

    def __call__(self, *argv, cache: bool = True) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = cli.main(["check", *map(str, argv)], result_cache=cache)
        out, err = self.capsys.readouterr()
        return code, out, err


@pytest.fixture
def runs(cache, monkeypatch, capsys):
    return Runs(monkeypatch, capsys)


def fresh(runs: Runs, *argv) -> tuple[int, str, str]:
    """The result of a run without the cache (what a hit must equal)."""
    return runs(*argv, cache=False)


def entries(cache: Path) -> list[Path]:
    return sorted((cache / "results").glob("*.bin"))


def test_second_run_replays_output_and_exit_code(tmp_path, cache, runs, monkeypatch):
    proj = write_tree(tmp_path / "p", {"requirements.txt": BAD, "ok/requirements.txt": GOOD})
    monkeypatch.chdir(proj)
    first = runs(".")
    assert first[0] == 1 and "MT001" in first[1]
    assert runs.real == 1 and len(entries(cache)) == 1
    assert runs(".") == first
    assert runs.real == 1  # the second was a hit
    clean = runs("ok")
    assert clean[0] == 0 and runs(".", "--format", "json") != first
    assert runs("ok") == clean and runs.real == 3


def _same_size_edit(path: Path, old: str, new: str) -> None:
    """An edit within the file system's timestamp granularity: same size, same mtime."""
    st = path.stat()
    text = path.read_text()
    assert len(old) == len(new)
    path.write_text(text.replace(old, new))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


HAZARDS = {
    "same-mtime edit": lambda p: _same_size_edit(p / "requirements.txt", "1.0.0", "1.1.0"),
    "new file in a walked subfolder": lambda p: write_tree(p, {"sub/deep/requirements.txt": BAD}),
    "deleted file": lambda p: (p / "sub" / "requirements.txt").unlink(),
    "include outside the tree": lambda p: (p.parent / "outside.txt").write_text(
        "tensorflow==2.18.0\n"
    ),
    "config change": lambda p: (p / "pyproject.toml").write_text(
        '[tool.lint-env]\nignore = ["MT001"]\n'
    ),
    "symlink retargeted": lambda p: (
        (p / "linked-requirements.txt").unlink(),
        (p / "linked-requirements.txt").symlink_to("other.txt"),
    ),
    "new code file next to a script": lambda p: (p / "keras.py").write_text("x = 1\n"),
}


@pytest.mark.parametrize("hazard", sorted(HAZARDS))
def test_a_changed_input_is_a_miss_with_the_new_result(tmp_path, cache, runs, monkeypatch, hazard):
    proj = write_tree(
        tmp_path / "p",
        {
            "requirements.txt": "tensorflow-metal==1.0.0\n-r ../outside.txt\n",
            "sub/requirements.txt": "tensorflow-gpu==2.10.0\n",
            "pyproject.toml": "[tool.lint-env]\n",
            "target.txt": GOOD,
            "other.txt": BAD,
            "train.py": "import keras\n",
        },
    )
    (tmp_path / "outside.txt").write_text("tensorflow==2.16.1\n")
    (proj / "linked-requirements.txt").symlink_to("target.txt")
    monkeypatch.chdir(proj)
    before = runs(".")
    assert runs(".") == before and runs.real == 1 and entries(cache)
    HAZARDS[hazard](proj)
    after = runs(".")
    assert runs.real == 2, "a changed input must not be answered from the cache"
    assert after == fresh(runs, ".")
    assert after != before  # the change matters, so a stale hit would have been caught
    assert runs(".") == after and runs.real == 3  # stored again: the next run is a hit


def test_options_and_environment_are_part_of_the_key(tmp_path, cache, runs, monkeypatch):
    proj = write_tree(tmp_path / "p", {"requirements.txt": BAD + "-r ${EXTRA}\n", "x.txt": GOOD})
    monkeypatch.chdir(proj)
    monkeypatch.delenv("EXTRA", raising=False)
    for argv in ([], ["--format", "json"], ["--target", "linux-x86_64"], ["--exit-zero"]):
        got = runs(".", *argv)
        assert got == fresh(runs, ".", *argv)
        assert runs(".", *argv) == got
    assert len(entries(cache)) == 4
    real = runs.real
    monkeypatch.setenv("EXTRA", "x.txt")  # a variable the include reads
    got = runs(".")
    assert runs.real == real + 1 and got == fresh(runs, ".")
    monkeypatch.setenv("NO_COLOR", "1")
    runs(".")
    assert runs.real == real + 3


def test_output_file_is_written_on_a_hit(tmp_path, cache, runs, monkeypatch):
    proj = write_tree(tmp_path / "p", {"requirements.txt": BAD})
    report = tmp_path / "out" / "report.sarif"
    report.parent.mkdir()
    monkeypatch.chdir(proj)
    first = runs(".", "--format", "sarif", "-o", report)
    text = report.read_text()
    report.unlink()
    assert runs(".", "--format", "sarif", "-o", report) == first
    assert runs.real == 1 and report.read_text() == text


def test_corrupt_entry_is_a_normal_run(tmp_path, cache, runs, monkeypatch):
    proj = write_tree(tmp_path / "p", {"requirements.txt": BAD})
    monkeypatch.chdir(proj)
    first = runs(".")
    for junk in (b"", b"\x00garbage", entries(cache)[0].read_bytes()[:50]):
        entries(cache)[0].write_bytes(junk)
        assert runs(".") == first
    assert runs.real == 4


def test_not_cached_when_turned_off_or_fixing(tmp_path, cache, runs, monkeypatch):
    proj = write_tree(tmp_path / "p", {"requirements.txt": BAD})
    monkeypatch.chdir(proj)
    runs(".", "--no-cache")
    runs(".", "--diff")
    monkeypatch.setenv("LINT_ENV_NO_CACHE", "1")
    runs(".")
    assert not entries(cache)
    monkeypatch.delenv("LINT_ENV_NO_CACHE")
    runs(".", "--fix")
    assert not entries(cache) and "1.1.0" in (proj / "requirements.txt").read_text()


def test_recent_timestamps_are_not_trusted(tmp_path, cache, runs, monkeypatch):
    monkeypatch.setattr(resultcache, "SLACK_NS", resultcache.SLACK_NS or 2_000_000_000)
    proj = write_tree(tmp_path / "p", {"requirements.txt": BAD})  # written just now
    monkeypatch.chdir(proj)
    runs(".")
    assert not entries(cache)


def test_a_hit_imports_neither_packaging_nor_the_engine(tmp_path):
    """A real process: the second run prints the first's report from the cache."""
    proj = write_tree(tmp_path / "p", {"requirements.txt": BAD})
    env = {"LINT_ENV_CACHE_DIR": str(tmp_path / "cache")}
    time.sleep(2.1)  # older than the timestamps the cache distrusts
    first = run_cli("check", proj, env=env)
    assert first.returncode == 1 and "MT001" in first.stdout
    probe = (
        "import sys; sys.argv = ['lint-env', 'check', sys.argv[1]]\n"
        "from lint_env.cli import main\n"
        "code = main()\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('packaging', 'argparse',"
        " 'pathlib', 'yaml') or m in ('lint_env.engine', 'lint_env.ruleset'))\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    second = subprocess.run(
        [sys.executable, "-c", probe, str(proj)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert second.returncode == first.returncode
    assert second.stdout == first.stdout
    assert "HEAVY []" in second.stderr, second.stderr
