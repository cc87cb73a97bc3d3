"""Targets (markers, wheel tags) and configuration."""

from __future__ import annotations

import pytest
from lint_env.config import Config, ConfigError, config_from_table, load_config
from lint_env.target import Target, TargetError, parse_python_version


@pytest.mark.parametrize(
    ("platform", "marker", "expected"),
    [
        ("macos-arm64", 'sys_platform == "darwin" and platform_machine == "arm64"', True),
        ("macos-x86_64", 'sys_platform == "darwin" and platform_machine == "arm64"', False),
        ("linux-x86_64", 'sys_platform == "linux"', True),
        ("linux-aarch64", 'platform_machine == "aarch64"', True),
        ("windows-x86_64", 'platform_system == "Windows"', True),
        ("macos-arm64", 'platform_system != "Darwin"', False),
        ("macos-arm64", 'extra == "gpu"', True),  # an extra may be requested
        ("macos-arm64", "not a marker ((", True),  # unparsable: the parser reports it
    ],
)
def test_markers_are_evaluated_for_the_target(platform, marker, expected):
    assert Target(platform, "3.11").evaluate_marker(marker) is expected


def test_python_version_markers_use_the_target_python():
    assert Target("macos-arm64", "3.8").evaluate_marker('python_version < "3.9"')
    assert not Target("macos-arm64", "3.12").evaluate_marker('python_version < "3.9"')


@pytest.mark.parametrize(
    ("platform", "tag", "ok"),
    [
        ("macos-arm64", "macosx_12_0_arm64", True),
        ("macos-arm64", "macosx_10_9_universal2", True),
        ("macos-arm64", "macosx_10_9_x86_64", False),
        ("macos-x86_64", "macosx_10_9_x86_64", True),
        ("macos-x86_64", "macosx_11_0_arm64", False),
        ("linux-x86_64", "manylinux_2_17_x86_64.manylinux2014_x86_64", True),
        ("linux-aarch64", "manylinux2014_x86_64", False),
        ("linux-aarch64", "manylinux_2_28_aarch64", True),
        ("windows-x86_64", "win_amd64", True),
        ("windows-x86_64", "any", True),
    ],
)
def test_wheel_platform_tags(platform, tag, ok):
    assert Target(platform).wheel_platform_ok(tag) is ok


def test_wheel_python_tags():
    t = Target("macos-arm64", "3.11")
    assert t.wheel_python_ok("cp311", "cp311")
    assert not t.wheel_python_ok("cp312", "cp312")
    assert t.wheel_python_ok("cp39", "abi3")  # stable ABI from 3.9 up
    assert not t.wheel_python_ok("cp312", "abi3")
    assert t.wheel_python_ok("py3", "none")
    assert t.wheel_python_ok("py2.py3", "none")
    # pip accepts pyXY wheels of older minors of the same major (xformers 0.0.35 ships
    # py39-none-manylinux_2_28_x86_64): packaging.tags yields py311, py3, py310, ..., py30
    assert t.wheel_python_ok("py39", "none")
    assert t.wheel_python_ok("py311", "none")
    assert not t.wheel_python_ok("py312", "none")
    assert not t.wheel_python_ok("py2", "none")
    assert not t.wheel_python_ok("cp39", "none")  # a CPython 3.9 build, not 3.11


def test_wheel_python_tags_agree_with_packaging():
    from packaging.tags import compatible_tags

    t = Target("linux-x86_64", "3.11")
    accepted = {tag.interpreter for tag in compatible_tags((3, 11), "cp311", ["any"])}
    for py in ("py30", "py35", "py39", "py310", "py311", "py312", "py3", "py2"):
        assert t.wheel_python_ok(py, "none") is (py in accepted), py


def test_unknown_target_and_python_are_errors():
    with pytest.raises(TargetError, match="unknown target"):
        Target("macos-m1")
    assert parse_python_version("py311") == "3.11"
    assert parse_python_version("3.12.4") == "3.12"
    with pytest.raises(TargetError):
        parse_python_version("three")


def test_config_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        """
[tool.lint-env]
targets = ["macos-arm64", "linux-x86_64"]
python-version = "3.11"
select = ["TF", "MT001"]
ignore = ["TF005"]
per-file-ignores = { "legacy/*.txt" = ["TF"] }
extend-exclude = ["vendor/"]
""",
        encoding="utf-8",
    )
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    cfg = load_config(sub)  # found from a sub-folder
    assert cfg.targets == ("macos-arm64", "linux-x86_64")
    assert cfg.python == "3.11"
    assert cfg.root == tmp_path
    assert cfg.enabled("TF001") and cfg.enabled("MT001")
    assert not cfg.enabled("TF005")  # ignored
    assert not cfg.enabled("KR001")  # not selected
    assert not cfg.enabled("TF001", tmp_path / "legacy" / "old.txt")
    assert cfg.exclude == ("vendor/",)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"targets": ["mac"]}, "unknown target mac"),
        ({"python-version": "x"}, "python-version"),
        ({"selct": ["TF"]}, "unknown key in [tool.lint-env]: selct"),
        ({"select": "TF,MT"}, None),  # a single string is accepted as one entry
        ({"ignore": [1]}, "must be a list of strings"),
    ],
)
def test_config_errors_name_the_key(table, message):
    if message is None:
        assert config_from_table(table).select == ("TF,MT",)
        return
    with pytest.raises(ConfigError, match="settings: ") as info:
        config_from_table(table)
    assert message in str(info.value)


def test_cli_overrides_merge_over_config():
    cfg = Config(targets=("linux-x86_64",), python="3.10")
    merged = cfg.merged(targets=("macos-arm64",), python=None)
    assert merged.targets == ("macos-arm64",) and merged.python == "3.10"
