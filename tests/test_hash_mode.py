"""Requirements files in pip's hash-checking mode (LK006 unpinned, LK007 unhashed).

The fixture is shaped like `pip-compile --generate-hashes` output (continued `--hash`
lines, `# via` comments; hashes replaced by neutral digits) with lines added by hand
below it, as happens when someone edits a generated file.
"""

from __future__ import annotations

from pathlib import Path

from lint_env.api import check_paths
from lint_env.config import Config

FIX = Path(__file__).parent / "fixtures" / "hashes"


def _findings(root: Path, target: str = "macos-arm64") -> list[tuple[str, int, str]]:
    result = check_paths([root], Config(targets=(target,), select=("LK006", "LK007")))
    return sorted((f.code, f.span.line, f.message.split(" ", 1)[0]) for f in result.findings)


def _row(text: str, start: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines()) if ln.startswith(start))


def test_hand_added_lines_in_a_generated_hash_file(tmp_path):
    text = (FIX / "requirements.txt").read_text("utf-8")
    (tmp_path / "requirements.txt").write_text(text, "utf-8")
    (tmp_path / "vendored").mkdir()
    found = _findings(tmp_path)
    assert found == sorted(
        [
            ("LK006", _row(text, "tqdm"), "tqdm"),
            ("LK006", _row(text, "torch"), "torch"),
            ("LK006", _row(text, "numpy"), "numpy"),  # a .* wildcard is not a pin
            ("LK007", _row(text, "scipy"), "scipy"),
            ("LK007", _row(text, "other-pkg"), "other-pkg"),  # no #sha256= in its URL
            ("LK007", _row(text, "-e"), "./vendored"),  # an editable has no file to hash
        ]
    ), found
    # the generated lines (hashes on continuation lines), the URL with a hash fragment
    # and pywin32 (its marker does not hold on macOS: pip skips the line) are fine


def test_the_marker_decides_per_target(tmp_path):
    text = (
        "--require-hashes\nnumpy==1.26.4 --hash=sha256:00\npywin32==306 ; sys_platform == 'win32'\n"
    )
    (tmp_path / "requirements.txt").write_text(text, "utf-8")
    assert _findings(tmp_path, "macos-arm64") == []
    assert _findings(tmp_path, "windows-x86_64") == [("LK007", 2, "pywin32")]


def test_require_hashes_alone_turns_the_mode_on(tmp_path):
    (tmp_path / "requirements.txt").write_text("--require-hashes\nnumpy==1.26.4\n", "utf-8")
    assert _findings(tmp_path) == [("LK007", 1, "numpy")]


def test_a_file_without_hashes_is_not_in_hash_mode(tmp_path):
    (tmp_path / "requirements.txt").write_text("numpy==1.26.4\ntorch>=2\n-e .\n", "utf-8")
    assert _findings(tmp_path) == []


def test_a_hash_belongs_to_the_requirement_on_its_logical_line(tmp_path):
    # the hash of the first line must not count for the second one
    text = "numpy==1.26.4 \\\n  --hash=sha256:00 \\\n  --hash=sha256:01\nscipy==1.13.1\n"
    (tmp_path / "requirements.txt").write_text(text, "utf-8")
    assert _findings(tmp_path) == [("LK007", 3, "scipy")]


def test_included_files_are_judged_as_files_of_their_own(tmp_path):
    (tmp_path / "requirements.txt").write_text(
        "-r base.txt\nnumpy==1.26.4 --hash=sha256:00\n", "utf-8"
    )
    (tmp_path / "base.txt").write_text("requests>=2\n", "utf-8")
    # base.txt has no hash of its own: not reported through requirements.txt
    assert _findings(tmp_path) == []
