"""Where the shipped data lives, from a wheel install and from a source checkout."""

from __future__ import annotations

import os
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


def cache_dir() -> Path:
    """lint-env's own cache folder: ``$LINT_ENV_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/lint-env`` (``~/.cache/lint-env`` when unset). Everything in it
    can be deleted at any time; a missing or unwritable folder only costs speed."""
    env = os.environ.get("LINT_ENV_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "lint-env"
