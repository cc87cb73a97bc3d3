"""Poetry's per-dependency `python`, `platform` and `markers` keys, and lists of
constraint tables, become PEP 508 markers evaluated for the target (issue 10 item 3).

Poetry's own rule (poetry-core factory.py `create_dependency`): the dependency's marker
is `markers` ∩ python_version(`python`) ∩ sys_platform(`platform`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_tree
from lint_env.api import Project
from lint_env.config import Config
from lint_env.sources.pyproject import (
    parse_pyproject,
    poetry_platform_marker,
    poetry_python_marker,
)
from lint_env.target import PLATFORMS, Target


@pytest.mark.parametrize(
    ("poetry", "marker"),
    [
        ("linux", 'sys_platform == "linux"'),
        ("!=win32", 'sys_platform != "win32"'),
        ("linux || darwin", 'sys_platform == "linux" or sys_platform == "darwin"'),
        ("*", ""),
        ("lin ux", None),
    ],
)
def test_platform_marker(poetry, marker):
    assert poetry_platform_marker(poetry) == marker


@pytest.mark.parametrize(
    ("poetry", "marker"),
    [
        (">=3.10,<3.11", 'python_version < "3.11" and python_version >= "3.10"'),
        ("~3.10", 'python_version < "3.11" and python_version >= "3.10"'),
        ("^3.9", 'python_version < "4.0" and python_version >= "3.9"'),
        (
            "<3.9 || >=3.11",
            'python_version < "3.9" or python_version >= "3.11"',
        ),
        ("*", ""),
        ("3.x.y", None),
    ],
)
def test_python_marker(poetry, marker):
    assert poetry_python_marker(poetry) == marker


def _deps(text: str):
    return parse_pyproject(Path("pyproject.toml"), text).dependencies


@pytest.mark.parametrize(
    ("entry", "applies"),
    [
        ('{ version = "2.15.0", platform = "linux" }', {"linux-x86_64", "linux-aarch64"}),
        ('{ version = "2.15.0", platform = "win32" }', {"windows-x86_64"}),
        (
            '{ version = "2.15.0", platform = "darwin", markers = "platform_machine == \'arm64\'" }',
            {"macos-arm64"},
        ),
        (
            '{ version = "2.15.0", platform = "!=darwin" }',
            {"linux-x86_64", "linux-aarch64", "windows-x86_64"},
        ),
        ('{ version = "2.15.0", python = "<3.9 || >=3.12" }', set()),  # target Python 3.11
        (
            '{ version = "2.15.0", python = "~3.11", platform = "darwin" }',
            {"macos-arm64", "macos-x86_64"},
        ),
    ],
)
def test_keys_are_evaluated_for_the_target(entry, applies):
    (dep,) = _deps(f"[tool.poetry.dependencies]\ntensorflow = {entry}\n")
    got = {p for p in PLATFORMS if Target(p, "3.11").evaluate_marker(dep.marker)}
    assert got == applies, dep.marker


def test_invalid_platform_is_a_problem_naming_the_key():
    doc = parse_pyproject(
        Path("pyproject.toml"),
        '[tool.poetry.dependencies]\ntensorflow = { version = "2.15.0", platform = "lin ux" }\n',
    )
    assert [p.message for p in doc.problems] == ["invalid platform constraint 'lin ux'"]
    assert doc.problems[0].span.line == 1


# A correct Poetry file that splits TensorFlow by platform (the pattern of
# determined-ai/determined#7679, huggingface/datasets#5124, written the Poetry way).
CORRECT = """\
[tool.poetry]
name = "demo"
version = "0.1.0"
description = ""
authors = ["A <a@example.org>"]

[tool.poetry.dependencies]
python = ">=3.10,<3.12"
numpy = "^1.26"
tensorflow = [
  { version = "2.15.0", platform = "linux" },
  { version = "2.15.0", platform = "win32" },
  { version = "2.15.0", platform = "darwin", markers = "platform_machine == 'x86_64'" },
]
tensorflow-macos = { version = "2.15.0", platform = "darwin", markers = "platform_machine == 'arm64'" }
tensorflow-metal = { version = "1.1.0", platform = "darwin", markers = "platform_machine == 'arm64'" }
tensorflow-io-gcs-filesystem = [
  { version = "0.34.0", python = ">=3.10,<3.12", platform = "!=win32" },
  { version = "0.31.0", python = "~3.10 || ~3.11", platform = "win32" },
]

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
"""


def _check(tmp_path: Path, text: str, target: str):
    write_tree(tmp_path, {"pyproject.toml": text})
    return Project(tmp_path, Config(targets=(target,))).check([tmp_path]).findings


@pytest.mark.parametrize("target", list(PLATFORMS))
def test_correct_platform_split_poetry_file_is_clean_everywhere(tmp_path, target):
    assert [f.message for f in _check(tmp_path, CORRECT, target)] == []


def test_the_same_file_without_platform_keys_is_reported_on_macos(tmp_path):
    broken = CORRECT.replace(', platform = "linux"', "").replace(', platform = "win32"', "")
    codes = {f.code for f in _check(tmp_path, broken, "macos-arm64")}
    assert codes & {"TF001", "TF004", "TF005", "IO001"}, codes
