"""dataclass_code: the methods dataclasses writes, compiled once and kept between runs."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest
from conftest import REPO
from lint_env import dataclass_code

METHODS = ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__", "__lt__")


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    monkeypatch.setenv("LINT_ENV_CACHE_DIR", str(tmp_path / "c"))
    saved = dict(dataclass_code._table), dict(dataclass_code._new), list(dataclass_code._loaded)
    dataclass_code._table.clear()
    dataclass_code._new.clear()
    dataclass_code._loaded.clear()
    yield tmp_path / "c"
    dataclass_code.uninstall()
    dataclass_code._table.clear()
    dataclass_code._table.update(saved[0])
    dataclass_code._new.clear()
    dataclass_code._new.update(saved[1])
    dataclass_code._loaded[:] = saved[2]


def _vocabulary():
    """A class like the vocabulary's (frozen, ordered, defaults, a factory)."""

    @dataclasses.dataclass(frozen=True, order=True)
    class Point:
        line: int
        col: int = 0
        cell: int | None = None
        tags: tuple[str, ...] = dataclasses.field(default_factory=tuple)

    return Point


def _codes(cls) -> dict[str, tuple]:
    """Each generated method's code, annotations and defaults."""
    out = {}
    for m in METHODS:
        f = getattr(cls, m)
        if hasattr(f, "__code__"):
            out[m] = (f.__code__, repr(f.__annotations__), repr(f.__defaults__))
    return out


def test_the_methods_are_the_code_dataclasses_compiles(fresh):
    plain = _codes(_vocabulary())
    dataclass_code.install()
    cached = _codes(_vocabulary())
    assert len(plain) == len(METHODS)
    assert cached == plain
    assert len(dataclass_code._new) >= len(METHODS)


def test_the_classes_behave_the_same(fresh):
    plain = _vocabulary()
    dataclass_code.install()
    cached = _vocabulary()
    for cls in (plain, cached):
        p = cls(1, 2)
        assert p == cls(1, 2, None, ()) and p < cls(1, 3) and hash(p) == hash(cls(1, 2))
        assert repr(p).endswith("Point(line=1, col=2, cell=None, tags=())")
        with pytest.raises(dataclasses.FrozenInstanceError):
            p.line = 3  # type: ignore[misc]


def test_a_second_run_compiles_nothing(fresh):
    dataclass_code.install()
    _vocabulary()
    dataclass_code.save()
    assert any(p.name.startswith("dataclass-code-") for p in fresh.iterdir())
    dataclass_code._table.clear()
    dataclass_code._new.clear()
    dataclass_code._loaded.clear()
    cls = _vocabulary()
    assert dataclass_code._new == {}
    assert cls(1) == cls(1, 0)


@pytest.mark.parametrize("garbage", [b"", b"\x00garbage", b"\xfb\x00\x00\x00\x00"])
def test_a_corrupt_file_is_a_miss(fresh, garbage):
    fresh.mkdir(parents=True)
    (fresh / os.path.basename(dataclass_code._file())).write_bytes(garbage)
    dataclass_code.install()
    cls = _vocabulary()
    assert cls(1) == cls(1, 0)
    assert dataclass_code._new
    dataclass_code.save()  # rewritten
    dataclass_code._table.clear()
    dataclass_code._new.clear()
    dataclass_code._loaded.clear()
    _vocabulary()
    assert dataclass_code._new == {}


def test_an_unwritable_folder_only_costs_speed(fresh, tmp_path, monkeypatch):
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("LINT_ENV_CACHE_DIR", str(tmp_path / "file" / "below"))
    dataclass_code.install()
    _vocabulary()
    dataclass_code.save()  # no error


def test_only_the_program_installs_it(tmp_path):
    from lint_env import cli

    (tmp_path / "requirements.txt").write_text("numpy==1.26.4\n")
    cli.main(["check", "--no-cache", str(tmp_path)])
    assert "exec" not in vars(dataclasses)


def test_the_program_with_and_without_the_table(tmp_path):
    env = {**os.environ, "LINT_ENV_CACHE_DIR": str(tmp_path / "c"), "LINT_ENV_NO_CACHE": "1"}
    args = [
        sys.executable,
        "-m",
        "lint_env",
        "check",
        str(REPO / "examples" / "apple-silicon-broken"),
    ]
    first = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    assert list((tmp_path / "c").glob("dataclass-code-*.marshal"))
    second = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    main = [sys.executable, "-c", "import sys; from lint_env.cli import main; sys.exit(main())"]
    plain = subprocess.run([*main, *args[3:]], capture_output=True, text=True, env=env, timeout=120)
    assert first.returncode == second.returncode == plain.returncode == 1
    assert first.stdout == second.stdout == plain.stdout
    assert "MT001" in plain.stdout


def test_main_as_the_program_writes_the_table_too(tmp_path):
    """An old console script calls main() (argv None): it is the program as well."""
    env = {**os.environ, "LINT_ENV_CACHE_DIR": str(tmp_path / "c"), "LINT_ENV_NO_CACHE": "1"}
    code = "import sys; from lint_env.cli import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", code, "check", str(REPO / "examples" / "clean-tf-metal")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert list((tmp_path / "c").glob("dataclass-code-*.marshal"))
