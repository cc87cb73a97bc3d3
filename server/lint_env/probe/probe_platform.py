"""What runs where: architecture and OS names, wheel platform tags, and the headers of
native binaries (Mach-O, ELF, PE) with the architectures they hold.

Part of the probe: stdlib only, Python 3.8+ (it runs inside the interpreter being
checked). Pure functions over names and bytes, so tests call them directly.
"""

import re
import struct

HEADER_BYTES = 4096  # bytes read from the start of a native file
BINARY_SUFFIXES = (".so", ".dylib", ".pyd", ".dll")

_ARCH_ALIASES = {
    "amd64": "x86_64",
    "x86_64": "x86_64",
    "x64": "x86_64",
    "em64t": "x86_64",
    "i386": "x86",
    "i486": "x86",
    "i586": "x86",
    "i686": "x86",
    "x86": "x86",
    "aarch64": "arm64",
    "arm64": "arm64",
    "arm64e": "arm64e",
    "armv7l": "arm",
    "armv7": "arm",
    "armv6l": "arm",
    "arm": "arm",
    "ppc64le": "ppc64le",
    "ppc64": "ppc64",
    "ppc": "ppc",
    "s390x": "s390x",
    "riscv64": "riscv64",
}

_MAC_GROUPS = {
    "universal2": ["arm64", "x86_64"],
    "intel": ["x86", "x86_64"],
    "fat": ["x86", "ppc"],
    "fat32": ["x86", "ppc"],
    "fat3": ["x86", "x86_64", "ppc"],
    "fat64": ["x86_64", "ppc64"],
    "universal": ["x86", "x86_64", "ppc", "ppc64"],
}


def norm_arch(name):
    name = (name or "").strip().lower()
    return _ARCH_ALIASES.get(name, name)


def norm_os(name):
    name = (name or "").lower()
    if name.startswith("darwin") or name.startswith("mac"):
        return "macos"
    if name.startswith("linux"):
        return "linux"
    if name.startswith("win"):
        return "windows"
    return name


def arch_loadable(interp_arch, archs):
    """Can a process of ``interp_arch`` load a file holding ``archs``?"""
    if interp_arch in archs:
        return True
    # arm64 and arm64e slices: treated as one family (no false alarms on system builds).
    return interp_arch in ("arm64", "arm64e") and bool({"arm64", "arm64e"} & set(archs))


def tag_platform(plat):
    """Platform tag -> (os, [archs]); ("any", []) for pure wheels."""
    plat = plat.lower()
    if plat == "any":
        return "any", []
    m = re.match(r"^macosx_\d+_\d+_(.+)$", plat)
    if m:
        arch = m.group(1)
        return "macos", list(_MAC_GROUPS.get(arch, [norm_arch(arch)]))
    m = re.match(r"^(?:many|musl)linux_\d+_\d+_(.+)$", plat) or re.match(
        r"^(?:manylinux1|manylinux2010|manylinux2014|linux)_(.+)$", plat
    )
    if m:
        return "linux", [norm_arch(m.group(1))]
    if plat == "win32":
        return "windows", ["x86"]
    if plat.startswith("win_"):
        return "windows", [norm_arch(plat[4:])]
    head = plat.split("_", 1)
    return head[0], [norm_arch(head[1])] if len(head) > 1 else []


def tag_compatible(tag, interp_os, interp_arch):
    """A WHEEL ``Tag:`` value (py-abi-plat, possibly with dotted compressed sets)."""
    parts = tag.strip().split("-")
    if len(parts) < 3:
        return True
    for plat in parts[-1].split("."):
        tos, archs = tag_platform(plat)
        if tos == "any":
            return True
        if tos == interp_os and arch_loadable(interp_arch, archs):
            return True
    return False


# --- native binaries (Mach-O, ELF, PE) ----------------------------------------------

_MACHO_CPU = {
    7: "x86",
    0x01000007: "x86_64",
    12: "arm",
    0x0100000C: "arm64",
    0x0200000C: "arm64_32",
    18: "ppc",
    0x01000012: "ppc64",
}
_ELF_MACHINE = {
    2: "sparc",
    3: "x86",
    8: "mips",
    20: "ppc",
    21: "ppc64",
    22: "s390x",
    40: "arm",
    43: "sparcv9",
    62: "x86_64",
    183: "arm64",
    243: "riscv64",
}
_PE_MACHINE = {0x14C: "x86", 0x8664: "x86_64", 0xAA64: "arm64", 0x1C4: "arm"}


def _macho_arch(cputype, subtype):
    name = _MACHO_CPU.get(cputype, "cpu-%#x" % cputype)
    if name == "arm64" and (subtype & 0x00FFFFFF) == 2:
        return "arm64e"
    return name


def parse_binary_header(head):
    """Header bytes -> {"format": macho|elf|pe, "archs": [...], ...} or None."""
    if len(head) < 8:
        return None
    magic = head[:4]
    if magic in (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"):
        wide = magic == b"\xca\xfe\xba\xbf"
        (nfat,) = struct.unpack(">I", head[4:8])
        if nfat == 0 or nfat > 30:  # a Java class file shares the magic
            return None
        size = 32 if wide else 20
        archs = []
        for i in range(nfat):
            off = 8 + i * size
            if off + 8 > len(head):
                break
            cputype, subtype = struct.unpack(">Ii", head[off : off + 8])
            archs.append(_macho_arch(cputype, subtype & 0xFFFFFFFF))
        return {"format": "macho", "fat": True, "archs": archs}
    for raw, endian, bits in (
        (b"\xcf\xfa\xed\xfe", "<", 64),
        (b"\xfe\xed\xfa\xcf", ">", 64),
        (b"\xce\xfa\xed\xfe", "<", 32),
        (b"\xfe\xed\xfa\xce", ">", 32),
    ):
        if magic == raw:
            cputype, subtype = struct.unpack(endian + "II", head[4:12])
            return {
                "format": "macho",
                "fat": False,
                "bits": bits,
                "archs": [_macho_arch(cputype, subtype)],
            }
    if magic == b"\x7fELF" and len(head) >= 20:
        bits = {1: 32, 2: 64}.get(head[4])
        endian = {1: "<", 2: ">"}.get(head[5])
        if bits is None or endian is None:
            return None
        (machine,) = struct.unpack(endian + "H", head[18:20])
        arch = _ELF_MACHINE.get(machine, "machine-%d" % machine)
        if arch == "ppc64" and endian == "<":
            arch = "ppc64le"
        return {"format": "elf", "bits": bits, "endian": endian, "archs": [arch]}
    if head[:2] == b"MZ" and len(head) >= 0x40:
        (lfanew,) = struct.unpack("<I", head[0x3C:0x40])
        if lfanew + 6 <= len(head) and head[lfanew : lfanew + 4] == b"PE\0\0":
            (machine,) = struct.unpack("<H", head[lfanew + 4 : lfanew + 6])
            return {"format": "pe", "archs": [_PE_MACHINE.get(machine, "machine-%#x" % machine)]}
    return None


def read_binary(path):
    try:
        with open(path, "rb") as fh:
            return parse_binary_header(fh.read(HEADER_BYTES))
    except OSError:
        return None


def is_binary_name(name):
    return name.endswith(BINARY_SUFFIXES) or ".so." in name


FORMAT_FOR_OS = {"macos": "macho", "linux": "elf", "windows": "pe"}


def binary_loadable(info, interp_os, interp_arch):
    want = FORMAT_FOR_OS.get(interp_os)
    if want is not None and info["format"] != want:
        return False
    return arch_loadable(interp_arch, info["archs"])
