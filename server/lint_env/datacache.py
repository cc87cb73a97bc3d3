"""Results computed from shipped data files, kept in lint-env's cache folder.

Parsing TOML costs tens of milliseconds per run (the rule database, the import-name
tables), and pre-commit runs lint-env on every commit. ``cached`` keeps the result of a
pure computation as a pickle under a digest of the bytes it was computed from, so any
change to the inputs (an edited file, a new lint-env version) is a new key and nothing is
ever served stale. A cache file that is missing, unreadable, corrupt, of the wrong type
or unwritable is only a miss.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_FORMAT = b"lint-env-cache:1"


def digest(parts: Iterable[bytes]) -> str:
    try:  # hashlib's own blake2b; ``import hashlib`` would also load OpenSSL (a few ms)
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - another Python implementation
        from hashlib import blake2b

    h = blake2b(_FORMAT, digest_size=20)
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


def cached(kind: str, parts: Iterable[bytes], build: Callable[[], T], expect: type) -> T:
    """``build()``, or its stored result for the same ``parts``. ``expect``: the type the
    result must have (anything else in the file is a miss)."""
    key = digest(parts)
    hit = _load(kind, key, expect)
    if hit is not None:
        return hit
    value = build()
    _store(kind, key, value)
    return value


def _file(kind: str, key: str) -> Path:
    from .paths import cache_dir

    return cache_dir() / f"{kind}-{key}.pickle"


def _load(kind: str, key: str, expect: type):
    import pickle

    try:
        data = _file(kind, key).read_bytes()
    except OSError:
        return None
    try:
        value = pickle.loads(data)
    except Exception:  # truncated or foreign: rewritten below
        return None
    return value if isinstance(value, expect) else None


def _store(kind: str, key: str, value: object) -> None:
    import pickle
    import tempfile

    target = _file(kind, key)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{kind}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError:
        return  # no cache this time; the next run computes again
