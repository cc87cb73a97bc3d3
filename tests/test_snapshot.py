"""Sanity of the COMMITTED index snapshot (rules/index/).

The expected facts come from shared/research/rule-facts.md (sections 1, 3, 4, 5, 6:
read off the package index's file names by the research, independently of the
script), not from the snapshot itself. A refresh that loses or garbles them fails here.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from lint_env.snapshot import PackageIndex, Release, index_dir, load_package, snapshot_packages
from lint_env.snapshot_refresh import DEFAULT_PACKAGES, default_packages
from lint_env.target import Target
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ARM = "macos-arm64"
INTEL = "macos-x86_64"


def pkg(name: str) -> PackageIndex:
    p = load_package(name)
    assert p is not None, f"{name} is not in the committed snapshot"
    return p


def rel(name: str, version: str) -> Release:
    for r in pkg(name).releases:
        if r.version == Version(version):
            return r
    raise AssertionError(f"{name} {version} is not in the snapshot")


def has_wheel(r: Release, platform: str, python: str | None = None) -> bool:
    t = Target(platform, python)
    return any(
        t.wheel_platform_ok(w.platform) and t.wheel_python_ok(w.python, w.abi) for w in r.wheels
    )


def first_final_with_wheel(name: str, platform: str, python: str | None = None) -> Version | None:
    for r in pkg(name).releases:
        if not r.version.is_prerelease and not r.yanked and has_wheel(r, platform, python):
            return r.version
    return None


def last_final_with_wheel(name: str, platform: str) -> Version | None:
    found = None
    for r in pkg(name).releases:
        if not r.version.is_prerelease and not r.yanked and has_wheel(r, platform):
            found = r.version
    return found


# --- the files --------------------------------------------------------------------------


def test_meta_lists_every_package_file_and_a_date() -> None:
    meta = json.loads((index_dir() / "_meta.json").read_text(encoding="utf-8"))
    assert meta["script"] == "python -m lint_env.snapshot_refresh"
    taken = dt.date.fromisoformat(meta["taken"])
    assert dt.date(2026, 1, 1) <= taken <= dt.date.today() + dt.timedelta(days=1)
    assert meta["packages"] == sorted(snapshot_packages())
    assert meta["failed"] == []


def test_every_default_package_is_in_the_snapshot() -> None:
    assert {canonicalize_name(n) for n in DEFAULT_PACKAGES} <= snapshot_packages()
    wide = default_packages()
    assert {canonicalize_name(n) for n in wide} <= snapshot_packages()
    # the wide list: what ML projects pin and what those install
    assert {
        "transformers",
        "diffusers",
        "safetensors",
        "einops",
        "omegaconf",
        "huggingface-hub",
    } <= set(wide)


def _spec(text: str) -> SpecifierSet | None:
    """A written requires-python; an invalid one (the index has some, e.g. '>3.4.*') is
    no constraint, as pip treats it."""
    try:
        return SpecifierSet(text) if text else None
    except InvalidSpecifier:
        return None


@pytest.mark.parametrize("name", sorted(snapshot_packages()))
def test_every_file_loads(name: str) -> None:
    raw = json.loads((index_dir() / f"{name}.json").read_text(encoding="utf-8"))
    p = pkg(name)
    assert p.name == name == raw["name"]
    dt.date.fromisoformat(p.taken)
    # the compact encoding (snapshot_refresh.render_package): a tag table and one row
    # [version, flags, requires_python, [tag indices]] per release
    assert raw["format"] == 2
    tags = raw["tags"]
    assert tags == sorted(set(tags))
    # nothing the loader skips: every release and every wheel tag parses
    assert len(p.releases) == len(raw["releases"]) > 0
    for row, release in zip(raw["releases"], p.releases, strict=True):
        assert [f"{w.python}-{w.abi}-{w.platform}" for w in release.wheels] == [
            tags[i] for i in row[3]
        ]
        assert release.sdist == ("s" in row[1]) and release.yanked == ("y" in row[1])
        assert release.requires_python == _spec(row[2])
    used = {i for row in raw["releases"] for i in row[3]}
    assert used == set(range(len(tags)))  # the table holds no unused tag
    versions = [r.version for r in p.releases]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    assert [Version(r[0]) for r in raw["releases"]] == versions  # written sorted
    # a release may have neither: its only wheels were for platforms no target installs
    # (pywinpty's win32-only releases), so nothing installs on any target


def test_snapshot_is_compact_and_names_no_host() -> None:
    files = list(index_dir().glob("*.json"))
    assert sum(f.stat().st_size for f in files) < 6_000_000
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert "://" not in text, f.name
        if f.name == "_meta.json":
            continue  # lists the dropped patterns themselves
        # dropped platform tags (see snapshot_refresh.DROPPED_PLATFORMS) are gone
        assert not re.search(r"win32|_i686|_ppc64le|_s390x|musllinux", text), f.name


# --- facts from rule-facts.md --------------------------------------------------------


def test_tensorflow_arm64_wheels_start_at_2_13() -> None:
    assert has_wheel(rel("tensorflow", "2.16.2"), ARM, "3.11")
    assert any(
        w.python == "cp311" and w.platform.startswith("macosx_") and w.platform.endswith("arm64")
        for w in rel("tensorflow", "2.16.2").wheels
    )
    assert not has_wheel(rel("tensorflow", "2.12.0"), ARM)
    assert first_final_with_wheel("tensorflow", ARM) == Version("2.13.0")
    assert first_final_with_wheel("tensorflow", ARM, "3.12") == Version("2.16.1")
    assert first_final_with_wheel("tensorflow", ARM, "3.13") == Version("2.20.0")
    assert not rel("tensorflow", "2.16.2").sdist  # no source distribution


def test_tensorflow_python_windows() -> None:
    # table 3.1 (macOS arm64 column)
    assert not has_wheel(rel("tensorflow", "2.15.0"), ARM, "3.12")
    assert not has_wheel(rel("tensorflow", "2.19.0"), ARM, "3.13")
    assert has_wheel(rel("tensorflow", "2.20.0"), ARM, "3.13")
    assert not has_wheel(rel("tensorflow", "2.21.0"), ARM, "3.9")
    assert not any(
        has_wheel(r, ARM, "3.14") for r in pkg("tensorflow").releases if not r.version.is_prerelease
    )


def test_intel_mac_ends() -> None:
    # section 0.3: where the x86_64 (Intel Mac) wheels end
    assert last_final_with_wheel("tensorflow", INTEL) == Version("2.16.2")
    assert last_final_with_wheel("tensorflow-macos", INTEL) == Version("2.12.0")
    assert last_final_with_wheel("tensorflow-metal", INTEL) == Version("1.0.0")
    assert last_final_with_wheel("torch", INTEL) == Version("2.2.2")
    assert last_final_with_wheel("jaxlib", INTEL) == Version("0.4.38")


def test_tensorflow_macos_and_metal() -> None:
    macos = pkg("tensorflow-macos").releases
    assert macos[0].version == Version("2.5.0")
    assert macos[-1].version == Version("2.16.2")
    assert not has_wheel(rel("tensorflow-macos", "2.13.1"), ARM, "3.8")  # table 3.2
    assert has_wheel(rel("tensorflow-metal", "1.2.0"), ARM, "3.12")
    assert not has_wheel(rel("tensorflow-metal", "1.1.0"), ARM, "3.12")
    assert not any(has_wheel(r, ARM, "3.13") for r in pkg("tensorflow-metal").releases)
    assert pkg("tensorflow-metal").releases[-1].version == Version("1.2.0")


def test_torch_arm64_from_1_8_0() -> None:
    assert first_final_with_wheel("torch", ARM) == Version("1.8.0")
    assert has_wheel(rel("torch", "1.8.0"), ARM, "3.8")
    assert not has_wheel(rel("torch", "1.8.1"), ARM)
    assert not has_wheel(rel("torch", "1.9.1"), ARM)
    assert first_final_with_wheel("torch", ARM, "3.12") == Version("2.2.0")
    assert not has_wheel(rel("torchvision", "0.10.1"), ARM)
    assert not has_wheel(rel("torchaudio", "0.10.0"), ARM)
    assert pkg("torchaudio").releases[-1].version == Version("2.11.1")  # taken 2026-12-02


def test_first_arm64_wheels_of_the_scientific_stack() -> None:
    # table 6, "first arm64 release" column
    expected = {
        "numpy": "1.21.0",
        "scipy": "1.7.3",
        "h5py": "3.7.0",
        "scikit-learn": "1.0.2",
        "matplotlib": "3.5.0",
        "pyarrow": "5.0.0",
        "numba": "0.55.2",
        "llvmlite": "0.38.1",
        "onnxruntime": "1.12.0",
        "tokenizers": "0.11.6",
        "sentencepiece": "0.1.97",
        "psycopg2-binary": "2.9.3",
        "xgboost": "1.6.0",
        "lightgbm": "4.4.0",
        "tensorflow-text": "2.17.0",
        "tensorflow-io-gcs-filesystem": "0.34.0",
        "tensorflow-addons": "0.16.1",
    }
    got = {name: str(first_final_with_wheel(name, ARM)) for name in expected}
    assert got == expected
    assert first_final_with_wheel("grpcio", ARM, "3.11") == Version("1.51.3")
    assert first_final_with_wheel("pandas", ARM, "3.9") == Version("1.4.0")
    assert not has_wheel(rel("tensorflow-io-gcs-filesystem", "0.35.0"), ARM)


def test_never_on_arm64_and_gone_releases() -> None:
    # mxnet never had a native arm64 wheel (1.6.0 has a py2.py3-none-any wheel, which pip
    # would install on arm64; the banned rule, not wheel availability, covers mxnet)
    assert not any(
        w.platform.endswith(("arm64", "universal2"))
        for r in pkg("mxnet").releases
        for w in r.wheels
    )
    assert all(not r.wheels and r.sdist for r in pkg("theano").releases)
    assert pkg("theano").releases[-1].version == Version("1.0.5")
    assert pkg("jaxlib").releases[0].version == Version("0.4.13")  # older ones were removed
    keras = {str(r.version) for r in pkg("keras").releases}
    assert "2.13.1" in keras and "2.13.0" not in keras and "2.5.0" not in keras
    assert pkg("jax-metal").releases[-1].version == Version("0.1.1")


def test_meta_names_the_rules_packages_apart_from_the_wide_list() -> None:
    from lint_env.snapshot import rules_packages

    core = rules_packages()
    assert core == {canonicalize_name(n) for n in DEFAULT_PACKAGES}
    assert core < snapshot_packages() and len(snapshot_packages()) > 5 * len(core)
    assert "pyyaml" in snapshot_packages() and "pyyaml" not in core


def test_names_in_lists_what_glob_lists(tmp_path):
    """_names_in reads the folder with one listdir; the names are those of glob("*.json")."""
    from lint_env import snapshot

    for n in (
        "a.json",
        ".json",
        "_meta.json",
        "x..json",
        "b.json.tmp",
        "c.tmp.json",
        "d.JSON",
        "e.json~",
        "f.txt",
        "g.h.json",
        "é.json",
        " .json",
        "_.json",
        "..json",
    ):
        (tmp_path / n).write_text("")
    (tmp_path / "dir.json").mkdir()

    def by_glob(d):
        return frozenset(
            p.stem for p in d.glob("*.json") if not p.stem.startswith("_") and ".tmp" not in p.name
        )

    assert (
        snapshot._names_in(tmp_path)
        == by_glob(tmp_path)
        == {"a", ".json", "x.", "g.h", "é", " ", ".", "dir"}
    )
    assert snapshot._names_in(snapshot.index_dir()) == by_glob(snapshot.index_dir())
    assert snapshot._names_in(tmp_path / "missing") == frozenset()
    assert snapshot._names_in(tmp_path / "a.json") == frozenset()
