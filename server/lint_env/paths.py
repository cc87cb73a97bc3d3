"""Where the shipped data lives, from a wheel install and from a source checkout.

Import-light (``os`` only at import): the result cache's hit path asks for the cache
folder before anything else is imported.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing itself is not imported
if TYPE_CHECKING:
    from pathlib import Path

_rules_dir: list[Path] = []


def rules_dir() -> Path:
    """The rule database: ``lint_env/_rules`` in a wheel, ``rules/`` in a checkout
    (an editable install runs from the checkout)."""
    if not _rules_dir:
        from pathlib import Path

        here = Path(__file__).resolve().parent
        packaged = here / "_rules"
        _rules_dir.append(packaged if packaged.is_dir() else here.parent.parent / "rules")
    return _rules_dir[0]


def cache_dir_text() -> str:
    """:func:`cache_dir` as text, computed with ``os`` alone."""
    env = os.environ.get("LINT_ENV_CACHE_DIR")
    if env:
        return env
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = xdg if xdg else os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "lint-env")


def cache_dir() -> Path:
    """lint-env's own cache folder: ``$LINT_ENV_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/lint-env`` (``~/.cache/lint-env`` when unset). Everything in it
    can be deleted at any time; a missing or unwritable folder only costs speed."""
    from pathlib import Path

    return Path(cache_dir_text())
