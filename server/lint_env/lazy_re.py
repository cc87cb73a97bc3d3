"""Regular expressions compiled on first use.

Compiling a pattern runs ``re``'s parser and compiler in Python (0.5-3.5M instructions
each), and lint-env's modules define some 40 at import time, most of which a given check
never uses (the notebook, broken-file and rare-syntax paths of the import scanner, ...).
``NAME = LazyPattern(pattern, flags, globals(), "NAME")`` is compiled by the first method
call or attribute read, which also puts the compiled pattern in the module's globals
under ``NAME``: later uses are plain ``re.Pattern`` look-ups, with nothing in between.
(A reference taken before that keeps working through delegation.)
"""

from __future__ import annotations

import re


class LazyPattern:
    __slots__ = ("_compiled", "_flags", "_name", "_namespace", "_pattern")

    def __init__(self, pattern: str, flags: int, namespace: dict, name: str) -> None:
        self._pattern = pattern
        self._flags = flags
        self._namespace = namespace
        self._name = name
        self._compiled: re.Pattern[str] | None = None

    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self._pattern, self._flags)
            if self._namespace.get(self._name) is self:
                self._namespace[self._name] = self._compiled
        return self._compiled

    def __getattr__(self, name: str):
        return getattr(self.compiled(), name)

    def __repr__(self) -> str:
        return f"LazyPattern({self._pattern!r}, {self._flags!r})"
