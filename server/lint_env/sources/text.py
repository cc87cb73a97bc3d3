"""Reading bytes into text without losing anything a fix must write back."""

from __future__ import annotations

from dataclasses import dataclass

from ..lazy_re import LazyPattern

MAX_BYTES = 5 * 1024 * 1024  # larger files are reported, not read
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Decoded:
    text: str  # without the BOM; line endings as in the file
    encoding: str  # "utf-8" or "latin-1" (the fallback that maps every byte)
    bom: bool
    newline: str  # the first line ending seen: "\r\n", "\n" or "\r"
    lossy: bool  # True when the bytes were not valid UTF-8


_UTF16 = ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def looks_binary(data: bytes) -> bool:
    """NUL bytes mean binary, except in UTF-16 text with a byte-order mark (pip reads
    requirement files in UTF-16 when they start with one)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return _utf16(data) is None
    return b"\x00" in data[:8192]


def _utf16(data: bytes) -> tuple[str, str] | None:
    for bom, encoding in _UTF16:
        if data.startswith(bom):
            try:
                return data[2:].decode(encoding), encoding
            except UnicodeDecodeError:
                return None
    return None


def decode(data: bytes) -> Decoded:
    wide = _utf16(data)
    if wide is not None:
        text, encoding = wide
        return Decoded(text, encoding, True, detect_newline(text), False)
    bom = data.startswith(_BOM)
    if bom:
        data = data[len(_BOM) :]
    try:
        text, encoding, lossy = data.decode("utf-8"), "utf-8", False
    except UnicodeDecodeError:
        # latin-1 maps every byte to one character, so spans stay exact and the
        # bytes round-trip when written back with the same encoding.
        text, encoding, lossy = data.decode("latin-1"), "latin-1", True
    return Decoded(text, encoding, bom, detect_newline(text), lossy)


def encode(text: str, encoding: str, bom: bool) -> bytes:
    data = text.encode(encoding)
    if encoding == "utf-16-le":
        return b"\xff\xfe" + data
    if encoding == "utf-16-be":
        return b"\xfe\xff" + data
    return _BOM + data if bom else data


def detect_newline(text: str) -> str:
    i = text.find("\n")
    j = text.find("\r")
    if j != -1 and (i == -1 or j < i):
        return "\r\n" if text[j : j + 2] == "\r\n" else "\r"
    return "\n"


_BREAK_RX = LazyPattern(r"\r\n|\r|\n", 0, globals(), "_BREAK_RX")


def split_lines(text: str) -> list[str]:
    """Lines without their endings; "a\\n" gives ["a", ""] so the last line is addressable.

    Only \\r\\n, \\n and \\r end lines (not the other characters str.splitlines uses),
    so line numbers agree with editors and with LSP.
    """
    if "\r" not in text:
        return text.split("\n")
    return _BREAK_RX.split(text)


def offset_table(text: str) -> list[int]:
    """Start offset of each line (same line breaking as split_lines)."""
    if "\r" not in text:
        starts = [0]
        find = text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        return starts
    return [0, *(m.end() for m in _BREAK_RX.finditer(text))]
