"""datacache: results of pure computations over shipped data, kept by content digest."""

from __future__ import annotations

import sys

import pytest
from lint_env import datacache


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LINT_ENV_CACHE_DIR", str(tmp_path / "c"))
    return tmp_path / "c"


def test_a_result_is_computed_once_per_content(cache):
    calls = []

    def build(value):
        def run():
            calls.append(value)
            return {"v": value}

        return run

    assert datacache.cached("t", [b"a"], build(1), dict) == {"v": 1}
    assert datacache.cached("t", [b"a"], build(2), dict) == {"v": 1}  # from the file
    assert datacache.cached("t", [b"b"], build(3), dict) == {"v": 3}  # new content, new key
    assert calls == [1, 3]
    # the parts are length-prefixed: ["ab"] and ["a", "b"] are different inputs
    assert datacache.digest([b"ab"]) != datacache.digest([b"a", b"b"])


@pytest.mark.parametrize("garbage", [b"", b"\x80\x05K\x01.", b"not a pickle"])
def test_a_corrupt_or_foreign_file_is_a_miss_and_is_rewritten(cache, garbage):
    datacache.cached("t", [b"a"], lambda: {"v": 1}, dict)
    (stored,) = cache.glob("t-*.pickle")
    stored.write_bytes(garbage)  # b"\x80\x05K\x01." is a valid pickle of the int 1
    assert datacache.cached("t", [b"a"], lambda: {"v": 2}, dict) == {"v": 2}
    assert datacache.cached("t", [b"a"], lambda: {"v": 3}, dict) == {"v": 2}


def test_an_unusable_cache_folder_only_costs_speed(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("LINT_ENV_CACHE_DIR", str(blocker / "sub"))
    assert datacache.cached("t", [b"a"], lambda: {"v": 1}, dict) == {"v": 1}


def test_the_shipped_tables_equal_a_fresh_parse(cache):
    """What the import map reads through the cache is exactly the TOML file (twice: the
    first read fills the cache, the second comes from it)."""
    from pathlib import Path

    from lint_env import import_map

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    for name in ("import_names.toml", "requires.toml", "conda_names.toml"):
        path = Path(import_map.__file__).parent / "data" / name
        fresh = tomllib.loads(path.read_text(encoding="utf-8"))
        for _ in range(2):
            import_map._toml.cache_clear()
            assert import_map._toml(name) == fresh
    assert len(list(cache.glob("data-*.pickle"))) == 3


def test_digest_is_blake2b_of_the_length_prefixed_parts():
    import hashlib

    h = hashlib.blake2b(b"lint-env-cache:1", digest_size=20)
    for part in (b"rules", b"", b"x" * 1000):
        h.update(len(part).to_bytes(8, "little") + part)
    assert datacache.digest([b"rules", b"", b"x" * 1000]) == h.hexdigest()
