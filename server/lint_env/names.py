"""PEP 503 distribution names, without importing ``packaging.utils`` for ASCII names.

``packaging.utils`` imports ``packaging.tags``, which imports ``logging``, ``platform``,
``subprocess`` and ``sysconfig``: a large part of a cold ``lint-env check`` of a small
project, for one string function. :func:`canonicalize_name` returns what the installed
``packaging.utils.canonicalize_name(name)`` returns, for every ``str``: an ASCII name is
normalised here (23.2 does ``re.sub(r"[-_.]+", "-", name).lower()``, 26 lower-cases
first and then replaces; for ASCII text, where lower-casing maps ``A-Z`` one to one
and nothing else, both give the same), any other name is handed to packaging, whose
releases disagree there (``"ß.Σ"``: 23.2 ``"ß-σ"``, 26 ``"ß-ς"``, the final-sigma rule
seeing the ``.``). tests/test_names.py and tests/version_logic_cases.py compare both.
"""

from __future__ import annotations


def canonicalize_name(name: str) -> str:
    """``name`` lower-cased, every run of ``-``, ``_`` and ``.`` one ``-``."""
    if not name.isascii():
        from packaging.utils import canonicalize_name as packaging_canonicalize_name

        return packaging_canonicalize_name(name)
    value = name.lower().replace("_", "-").replace(".", "-")
    while "--" in value:
        value = value.replace("--", "-")
    return value
