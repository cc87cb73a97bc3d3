"""Text written into a file by a fix, in the syntax of the place it goes.

A dependency records how its requirement is written (``Dependency.quoting``): plain
text, inside a TOML or YAML string, or a Poetry entry. Fixes encode what they insert
with :func:`encode`, or offer nothing when it cannot be written there.
"""

from __future__ import annotations

_CONTROL = {chr(c) for c in range(32)} | {"\x7f"}


def encode(quoting: str | None, text: str) -> str | None:
    """``text`` as it must be written inside a string of this quoting, or None."""
    if quoting is None or any(c in _CONTROL for c in text):
        return None  # spans not exact, or a line break / control character
    if quoting in ("", "poetry"):
        return text
    if quoting == '"':
        return text.replace("\\", "\\\\").replace('"', '\\"')
    if quoting == "'":
        return None if "'" in text else text
    if quoting == "''":
        return text.replace("'", "''")
    if quoting == "yaml":  # inside a plain scalar (never at its start): no comment, no key
        if " #" in text or ": " in text or text.endswith(":") or text.startswith("#"):
            return None
        return text
    return None


def marker_text(quoting: str | None, marker: str) -> str | None:
    """A marker for this quoting, its own quotes chosen so that no escape is needed
    (``sys_platform != 'darwin'`` inside a TOML basic string)."""
    if quoting in ('"', "yaml") and '"' in marker and "'" not in marker:
        marker = marker.replace('"', "'")
    elif quoting in ("'", "''") and "'" in marker and '"' not in marker:
        marker = marker.replace("'", '"')
    return encode(quoting, marker)


def toml_basic(text: str) -> str:
    """``text`` as a TOML basic string, quotes included."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
