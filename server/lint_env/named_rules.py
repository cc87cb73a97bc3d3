"""Which rules can speak about which distribution names, memoised per name.

The dependency rule kinds (banned, version, wheel, pairing, exclusive, python, requires)
only ever report a requirement whose name one of their package patterns matches (or,
for pairing and requires, that is present with one). A check of a long requirements
file asks, per name, which of these rules can match it (a dictionary of the literal
patterns and a short list of wildcard ones answer "none" for most names) and skips the
rest: a rule no name can match finds nothing, whatever else the file holds. Rules
matching every name (``*``) are always run.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable

from .names import canonicalize_name

NAMED_KINDS = frozenset(
    {"banned", "version", "wheel", "pairing", "exclusive", "python", "requires"}
)
_KEYS = ("packages", "a", "b", "package", "needs")
_MEMO_LIMIT = 200_000
_SETS_LIMIT = 8


def _patterns(rule) -> list[str]:
    out: list[str] = []
    for key in _KEYS:
        value = rule.params.get(key)
        out += [value] if isinstance(value, str) else list(value or [])
    return out


_WILD = re.compile(r"[*?\[]")


class NameIndex:
    """Built once per engine, so it must be cheap: a literal pattern (most are) is a
    dictionary key; only the few with wildcards are matched (``fnmatchcase``), once
    per name."""

    def __init__(self, rules: Iterable) -> None:
        self.always: set[str] = set()  # codes of named rules that match any name
        self._order: dict[str, int] = {}  # code -> its rule's position
        self._exact: dict[str, set[str]] = {}  # pattern -> codes
        self._wild: list[tuple[str, str]] = []  # (code, pattern with a wildcard)
        for rule in rules:
            if rule.kind not in NAMED_KINDS:
                continue
            pats = _patterns(rule)
            if not pats or any(p.strip("*") == "" for p in pats):
                self.always.add(rule.code)
                continue
            self._order.setdefault(rule.code, len(self._order))
            # both spellings: kinds match canonical names (mkl_fft == mkl-fft) or exact ones
            for form in {f(p) for p in pats for f in (canonicalize_name, str.lower)}:
                if _WILD.search(form):
                    self._wild.append((rule.code, form))
                else:
                    self._exact.setdefault(form, set()).add(rule.code)
        self._memo: dict[str, tuple[str, ...]] = {}
        # the last few answers of relevant(), per set of names (an editor's keystrokes
        # mostly leave a file's set of names as it was)
        self._sets: dict[frozenset[str], dict[str, list[str]]] = {}

    def codes(self, name: str) -> tuple[str, ...]:
        """The codes of the (not ``always``) named rules whose patterns match ``name``."""
        got = self._memo.get(name)
        if got is None:
            found = set(self._exact.get(name, ()))
            found.update(code for code, pat in self._wild if fnmatch.fnmatchcase(name, pat))
            got = tuple(sorted(found, key=self._order.__getitem__))
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            self._memo[name] = got
        return got

    def relevant(self, names: Iterable[str]) -> dict[str, list[str]]:
        """Rule code -> the names among ``names`` it can match (rules without any are
        absent; ``always`` rules are not listed). Callers must not change the answer:
        it is kept per set of names."""
        key = frozenset(names)
        got = self._sets.get(key)
        if got is None:
            got = self._relevant(key)
            if len(self._sets) >= _SETS_LIMIT:
                self._sets.clear()
            self._sets[key] = got
        return got

    def _relevant(self, names: Iterable[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        codes = self.codes
        for name in names:
            for code in codes(name):
                out.setdefault(code, []).append(name)
        return out
