"""Where the shipped data lives, from a wheel install and from a source checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def rules_dir() -> Path:
    """The rule database: ``lint_env/_rules`` in a wheel, ``rules/`` in a checkout
    (an editable install runs from the checkout)."""
    here = Path(__file__).resolve().parent
    packaged = here / "_rules"
    if packaged.is_dir():
        return packaged
    return here.parent.parent / "rules"
