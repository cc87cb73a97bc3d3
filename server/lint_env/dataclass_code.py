"""The code of the methods ``dataclasses`` writes, compiled once and kept between runs.

``dataclasses`` writes the source of every method it adds (``__init__``, ``__repr__``,
``__eq__``, ``__hash__``, the frozen ``__setattr__``, ...) and compiles it with ``exec``
(before 3.13 one method at a time): on 3.11 the 35 classes of a small project's check make
184 compilations, about a fifth of its cold start. :func:`install` gives the
``dataclasses`` module an ``exec`` that takes the code of a source text from a table
compiled by an earlier run and compiles only what is not in it, with the flags
``dataclasses``' own ``exec`` would use (none inherited); :func:`save` writes the table
back when it grew. The text is the whole key, and the table's file is per Python build
(cache tag and version): the same text compiled by the same Python is the same code,
so nothing in it can be stale. A missing, unreadable, corrupt or unwritable file is
only a miss. Like the pickles of datacache, the file lives in lint-env's own cache
folder, which lint-env trusts with its own data.

Only the program installs it (:func:`lint_env.cli.run`); an in-process caller's
``dataclasses`` is left alone.
"""

from __future__ import annotations

import contextlib
import os
import sys

_MAX_ENTRIES = 4000  # texts of older lint-env versions pile up: past this, start afresh

_table: dict[str, object] = {}
_new: dict[str, object] = {}
_loaded: list[bool] = []


def _file() -> str:
    from .paths import cache_dir_text

    tag = f"{sys.implementation.cache_tag}-{sys.hexversion:x}"
    return os.path.join(cache_dir_text(), f"dataclass-code-{tag}.marshal")


def _load() -> None:
    import marshal

    _loaded.append(True)
    try:
        with open(_file(), "rb") as fh:
            table = marshal.loads(fh.read())
    except Exception:  # missing, unreadable, truncated, foreign: compile again
        return
    if isinstance(table, dict):
        code_type = type(_load.__code__)
        _table.update(
            (k, v) for k, v in table.items() if isinstance(k, str) and type(v) is code_type
        )


def cached_exec(source, globals=None, locals=None, /) -> None:
    """``exec(source, globals, locals)``; a ``str`` source is compiled once per text."""
    if not isinstance(source, str):
        exec(source, globals, locals)
        return
    if not _loaded:
        _load()
    code = _table.get(source)
    if code is None:
        code = compile(source, "<string>", "exec", dont_inherit=True)
        _table[source] = _new[source] = code
    exec(code, globals, locals)


def install() -> None:
    """Route the ``exec`` of ``dataclasses`` through :func:`cached_exec`."""
    import dataclasses

    if "exec" not in vars(dataclasses):
        dataclasses.exec = cached_exec  # type: ignore[attr-defined]


def uninstall() -> None:
    import dataclasses

    if vars(dataclasses).get("exec") is cached_exec:
        del dataclasses.exec  # type: ignore[attr-defined]


def save() -> None:
    """Write the table when this run compiled something new (atomically; any error
    only means the next run compiles again)."""
    if not _new:
        return
    import marshal

    table = _table if len(_table) <= _MAX_ENTRIES else _new
    target = _file()
    tmp = f"{target}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(marshal.dumps(table))
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except (OSError, ValueError):
        return
    _new.clear()
