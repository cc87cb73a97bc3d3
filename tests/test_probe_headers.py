"""The probe's own readers: wheel tags and binary headers (byte layouts from xnu/ELF/PE).

The header bytes here are built with struct from the published layouts; the same
readers are checked against macholib/pyelftools on real wheels in
test_probe_foreign_binaries.py.
"""

from __future__ import annotations

import struct

import pytest
from lint_env.probe import probe, probe_platform


@pytest.mark.parametrize(
    ("tag", "os_name", "arch", "ok"),
    [
        ("py3-none-any", "macos", "arm64", True),
        ("cp311-cp311-macosx_11_0_arm64", "macos", "arm64", True),
        ("cp311-cp311-macosx_10_9_x86_64", "macos", "arm64", False),
        ("cp311-cp311-macosx_10_9_universal2", "macos", "arm64", True),
        ("cp311-cp311-macosx_10_9_universal2", "macos", "x86_64", True),
        ("cp311-cp311-macosx_11_0_arm64", "macos", "x86_64", False),
        ("cp38-cp38-macosx_10_9_intel", "macos", "x86_64", True),
        ("cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64", "linux", "x86_64", True),
        ("cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64", "linux", "x86_64", False),
        ("cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64", "linux", "arm64", True),
        ("cp311-cp311-musllinux_1_1_x86_64", "linux", "x86_64", True),
        ("cp311-cp311-linux_x86_64", "linux", "x86_64", True),
        ("cp311-cp311-macosx_11_0_arm64", "linux", "arm64", False),
        ("cp311-cp311-win_amd64", "windows", "x86_64", True),
        ("cp311-cp311-win32", "windows", "x86_64", False),
        ("cp311-cp311-win_arm64", "windows", "arm64", True),
    ],
)
def test_tag_compatible(tag: str, os_name: str, arch: str, ok: bool) -> None:
    assert probe_platform.tag_compatible(tag, os_name, arch) is ok


def _thin(cputype: int, subtype: int = 0) -> bytes:
    return struct.pack("<IIII", 0xFEEDFACF, cputype, subtype, 6) + b"\0" * 64


def _fat(entries: list[tuple[int, int]], magic: int = 0xCAFEBABE) -> bytes:
    head = struct.pack(">II", magic, len(entries))
    for cputype, subtype in entries:
        if magic == 0xCAFEBABF:
            head += struct.pack(">IIQQII", cputype, subtype, 0x4000, 0x100, 14, 0)
        else:
            head += struct.pack(">IIIII", cputype, subtype, 0x4000, 0x100, 14)
    return head + b"\0" * 64


def _elf(machine: int, bits: int = 64, endian: str = "<") -> bytes:
    ident = b"\x7fELF" + bytes([2 if bits == 64 else 1, 1 if endian == "<" else 2, 1]) + b"\0" * 9
    return ident + struct.pack(endian + "HHI", 3, machine, 1) + b"\0" * 64


def _pe(machine: int) -> bytes:
    head = bytearray(0x80)
    head[0:2] = b"MZ"
    head[0x3C:0x40] = struct.pack("<I", 0x40)
    head[0x40:0x44] = b"PE\0\0"
    head[0x44:0x46] = struct.pack("<H", machine)
    return bytes(head)


@pytest.mark.parametrize(
    ("head", "fmt", "archs"),
    [
        (_thin(0x0100000C), "macho", ["arm64"]),
        (_thin(0x0100000C, 2), "macho", ["arm64e"]),
        (_thin(0x01000007, 3), "macho", ["x86_64"]),
        (_fat([(0x01000007, 3), (0x0100000C, 0)]), "macho", ["x86_64", "arm64"]),
        (_fat([(0x01000007, 3), (0x0100000C, 0)], 0xCAFEBABF), "macho", ["x86_64", "arm64"]),
        (_elf(62), "elf", ["x86_64"]),
        (_elf(183), "elf", ["arm64"]),
        (_elf(3, bits=32), "elf", ["x86"]),
        (_elf(40, bits=32), "elf", ["arm"]),
        (_elf(21, endian="<"), "elf", ["ppc64le"]),
        (_elf(21, endian=">"), "elf", ["ppc64"]),
        (_pe(0x8664), "pe", ["x86_64"]),
        (_pe(0xAA64), "pe", ["arm64"]),
    ],
)
def test_parse_binary_header(head: bytes, fmt: str, archs: list[str]) -> None:
    info = probe_platform.parse_binary_header(head)
    assert info is not None
    assert info["format"] == fmt
    assert info["archs"] == archs


def test_java_class_file_is_not_a_fat_binary() -> None:
    # A Java class starts with CAFEBABE too; then comes a minor/major version (0x0000_0041).
    assert (
        probe_platform.parse_binary_header(b"\xca\xfe\xba\xbe\x00\x00\x00\x41" + b"\0" * 32) is None
    )


@pytest.mark.parametrize("head", [b"", b"\x7fEL", b"INPUT ( libfoo.so.1 )\n", b"\0" * 64])
def test_non_binaries_are_not_read(head: bytes) -> None:
    assert probe_platform.parse_binary_header(head) is None


def test_binary_loadable_needs_format_and_arch() -> None:
    universal = probe_platform.parse_binary_header(_fat([(0x01000007, 3), (0x0100000C, 0)]))
    x86 = probe_platform.parse_binary_header(_thin(0x01000007, 3))
    elf_arm = probe_platform.parse_binary_header(_elf(183))
    assert probe_platform.binary_loadable(universal, "macos", "arm64")
    assert probe_platform.binary_loadable(universal, "macos", "x86_64")
    assert not probe_platform.binary_loadable(x86, "macos", "arm64")
    assert not probe_platform.binary_loadable(elf_arm, "macos", "arm64")  # right arch, wrong format
    assert probe_platform.binary_loadable(elf_arm, "linux", "arm64")
    assert not probe_platform.binary_loadable(elf_arm, "linux", "x86_64")


def test_probe_cli_rejects_unknown_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert probe.main(["--bogus"]) == 2
    assert "unknown argument" in capsys.readouterr().err
