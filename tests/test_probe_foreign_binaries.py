"""Real foreign binaries: msgpack 1.1.0 wheels for four platforms, fetched with
``pip download --platform … --only-binary=:all:`` from the index pip is configured
to use, cached between runs, unpacked into fake site-packages folders.

The probe reads the Mach-O/ELF headers itself; macholib and pyelftools read the same
files as the oracle. Then the probe runs for real over each fake site-packages,
judged as a macOS arm64 interpreter (--as-platform; this machine is Linux).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lint_env.probe import probe_platform
from lint_env.probe.validate import run_validation

pytestmark = pytest.mark.slow

PACKAGE = "msgpack==1.1.0"
PLATFORMS = {
    "mac-x86_64": "macosx_10_9_x86_64",
    "mac-arm64": "macosx_11_0_arm64",
    "mac-universal2": "macosx_10_9_universal2",
    "linux-aarch64": "manylinux_2_17_aarch64",
    "linux-x86_64": "manylinux_2_17_x86_64",
}


def _cache() -> Path:
    base = os.environ.get("LINT_ENV_TEST_CACHE") or Path.home() / ".cache" / "lint-env-tests"
    return Path(base) / "wheels" / PACKAGE.replace("==", "-")


def _download(key: str, plat: str) -> Path:
    dest = _cache() / key
    found = sorted(dest.glob("*.whl"))
    if found:
        return found[0]
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
        "--only-binary=:all:", "--platform", plat, "--python-version", "3.11",
        "--implementation", "cp", "--abi", "cp311", "-d", str(dest), PACKAGE,
    ]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    found = sorted(dest.glob("*.whl"))
    if out.returncode != 0 or not found:
        pytest.fail(f"pip download {PACKAGE} for {plat} failed:\n{out.stderr[-2000:]}")
    return found[0]


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for key, plat in PLATFORMS.items():
        wheel = _download(key, plat)
        site = tmp_path_factory.mktemp(key) / "site-packages"
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(site)
        out[key] = site
    return out


def _natives(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*") if probe_platform.is_binary_name(p.name))


def _oracle(path: Path) -> tuple[str, list[str]]:
    """Architectures by macholib (Mach-O) or pyelftools (ELF)."""
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic == b"\x7fELF":
        from elftools.elf.elffile import ELFFile

        with path.open("rb") as fh:
            machine = ELFFile(fh)["e_machine"]
        return "elf", [{"EM_X86_64": "x86_64", "EM_AARCH64": "arm64"}[machine]]
    from macholib.mach_o import CPU_TYPE_NAMES
    from macholib.MachO import MachO

    names = {"x86_64": "x86_64", "ARM64": "arm64", "i386": "x86"}
    archs = [names[CPU_TYPE_NAMES[h.header.cputype]] for h in MachO(str(path)).headers]
    return "macho", archs


EXPECTED = {
    "mac-x86_64": ("macho", {"x86_64"}),
    "mac-arm64": ("macho", {"arm64"}),
    "mac-universal2": ("macho", {"x86_64", "arm64"}),
    "linux-aarch64": ("elf", {"arm64"}),
    "linux-x86_64": ("elf", {"x86_64"}),
}


@pytest.mark.parametrize("key", sorted(PLATFORMS))
def test_probe_reads_the_same_architectures_as_the_oracle(sites: dict[str, Path], key: str) -> None:
    files = _natives(sites[key])
    assert files, f"no native files in the {key} wheel"
    for path in files:
        info = probe_platform.read_binary(str(path))
        assert info is not None, path
        fmt, archs = _oracle(path)
        assert info["format"] == fmt, path
        assert sorted(info["archs"]) == sorted(archs), path
        assert (fmt, set(archs)) == EXPECTED[key]


def _codes(report, code: str) -> list:
    return [f for f in report.findings if f.code == code]


@pytest.mark.parametrize(
    ("key", "flagged"),
    [
        ("mac-x86_64", True),
        ("mac-arm64", False),
        ("mac-universal2", False),
        ("linux-aarch64", True),
        ("linux-x86_64", True),
    ],
)
def test_fake_site_judged_as_macos_arm64(sites: dict[str, Path], key: str, flagged: bool) -> None:
    report = run_validation(
        sys.executable,
        cwd=sites[key].parent,
        timeout=60,
        sites=[str(sites[key])],
        as_platform="macos-arm64",
        all_binaries=True,
        tensorflow=False,
    )
    tags = _codes(report, "RT002")
    bins = _codes(report, "RT003")
    if not flagged:
        assert tags == [] and bins == [], report.findings
        by_dist = report.data["binaries"]["by_dist"]["msgpack"]
        assert "arm64" in by_dist["archs"]
        return
    assert [f.package for f in tags] == ["msgpack"]
    assert [f.package for f in bins] == ["msgpack"]
    foreign = report.data["binaries"]["foreign"]
    natives = {str(p) for p in _natives(sites[key])}
    assert {f["path"] for f in foreign} == natives
    name = Path(foreign[0]["path"]).name
    assert name in bins[0].message
    assert report.has_errors


def test_foreign_tag_alone_flags_and_reads_binaries(sites: dict[str, Path]) -> None:
    """Without --all-binaries, msgpack (not a package that 'matters') is still read,
    because its tag is foreign: the native file is named in the finding."""
    if probe_platform.norm_arch(platform.machine()) != "x86_64":
        pytest.skip("judged as this interpreter: expects an x86_64 Linux runner")
    report = run_validation(
        sys.executable,
        cwd=sites["linux-aarch64"].parent,
        timeout=60,
        sites=[str(sites["linux-aarch64"])],
        tensorflow=False,
    )
    assert sorted(f.code for f in report.findings) == ["RT002", "RT003"]
    rt003 = _codes(report, "RT003")[0]
    assert "_cmsgpack" in rt003.message and "arm64" in rt003.message
