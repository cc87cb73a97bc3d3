"""lint-env: finds why a Python ML environment will not work on a target, before pip does.

The first thing this package does, before it imports anything, is take the working
directory off ``sys.path`` when lint-env runs as a program (``python -m lint_env``,
``python -m lint_env.lsp``, ``python -c ...``, the ``lint-env`` console script, the
pre-commit hook). ``-m`` and ``-c`` put the working directory (or ``''``) first on
``sys.path``; ``PYTHONPATH=.`` or an empty ``PYTHONPATH`` entry does the same. The
working directory is the user's project, so every module lint-env imports later
(``yaml``, ``packaging``, ``pygls``, ``json``, ``fnmatch``, ...) would otherwise be
looked up there first and a repository with a ``yaml.py`` would run its code the
moment an editor opens it. Python 3.11+ has ``-P``/``PYTHONSAFEPATH`` for this; the
code below works on every Python lint-env supports (3.10+).

What it cannot do: modules imported *before* this file runs. With ``-m``, ``runpy``
imports ``importlib``, ``contextlib``, ``warnings`` (and what they import) from
``sys.path`` first, and ``lint_env`` itself is found there; with ``PYTHONPATH=.``
even ``site``'s imports (``sitecustomize``, ``encodings``) are. Start the server with
``python -P -m lint_env`` (3.11+), ``python -I -m lint_env`` (lint-env installed in
that interpreter), or, on every version, ``python -c "import sys; del sys.path[0];
from lint_env.cli import main; sys.exit(main())" server`` to close that gap too (see
tests/test_workspace_imports.py: the measured lists, and a test of each launch). A
``PYTHONPATH`` that names the workspace defeats all of these for the modules Python
imports at start-up; nothing started by Python can fix that.

An absolute ``PYTHONPATH`` entry that is not the working directory stays. When
lint-env is imported as a library by another program, that program's ``sys.path``
is left alone.
"""

import sys as _sys


def _is_program(argv0: str) -> bool:
    """True when lint-env is the program being run (not a library of another one)."""
    if argv0 in ("-m", "-c"):
        return True  # ``-m`` sets argv[0] to "-m" while the module is being found
    name = argv0.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return name.startswith("lint-env") or name.startswith("lint_env")


def drop_working_directory(path: list, cwd: str | None) -> list:
    """``path`` without ``''``, relative entries and entries that are ``cwd``."""
    import os  # already imported by Python's start-up: no search of sys.path

    def norm(p: str) -> str:
        return os.path.normcase(os.path.realpath(p))

    here = norm(cwd) if cwd else None
    kept = []
    for entry in path:
        if not isinstance(entry, str):
            kept.append(entry)
            continue
        if not entry or not os.path.isabs(entry):
            continue  # '' and './x' are the working directory (or inside it)
        if here is not None:
            try:
                if norm(entry) == here:
                    continue
            except (OSError, ValueError):
                pass
        kept.append(entry)
    return kept


def _secure_sys_path() -> None:
    if not _sys.argv or not _is_program(str(_sys.argv[0])):
        return
    import os

    try:
        cwd: str | None = os.getcwd()
    except OSError:  # the working directory was deleted: '' entries still go
        cwd = None
    _sys.path[:] = drop_working_directory(_sys.path, cwd)


_secure_sys_path()

__version__ = "0.1.0"
