"""Which rules can speak about which distribution names, memoised per name.

The dependency rule kinds (banned, version, wheel, pairing, exclusive, python, requires)
only ever report a requirement whose name one of their package patterns matches (or,
for pairing and requires, that is present with one). A check of a long requirements
file asks, per name, which of these rules can match it (one regular expression over
every pattern answers "none" for most names) and skips the rest: a rule no name can
match finds nothing, whatever else the file holds. Rules matching every name (``*``)
are always run.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable

from packaging.utils import canonicalize_name

NAMED_KINDS = frozenset(
    {"banned", "version", "wheel", "pairing", "exclusive", "python", "requires"}
)
_KEYS = ("packages", "a", "b", "package", "needs")
_MEMO_LIMIT = 200_000


def _patterns(rule) -> list[str]:
    out: list[str] = []
    for key in _KEYS:
        value = rule.params.get(key)
        out += [value] if isinstance(value, str) else list(value or [])
    return out


def _regex(patterns: Iterable[str]) -> str:
    # both spellings: kinds match canonical names (mkl_fft == mkl-fft) or exact ones
    forms = {f(p) for p in patterns for f in (canonicalize_name, str.lower)}
    return "|".join(f"(?:{fnmatch.translate(p)})" for p in sorted(forms))


class NameIndex:
    def __init__(self, rules: Iterable) -> None:
        self.always: set[str] = set()  # codes of named rules that match any name
        self._rules: list[tuple[str, re.Pattern[str]]] = []
        parts = []
        for rule in rules:
            if rule.kind not in NAMED_KINDS:
                continue
            pats = _patterns(rule)
            if not pats or any(p.strip("*") == "" for p in pats):
                self.always.add(rule.code)
                continue
            rx = _regex(pats)
            self._rules.append((rule.code, re.compile(rx)))
            parts.append(rx)
        self._any = re.compile("|".join(parts) or "(?!)")
        self._memo: dict[str, tuple[str, ...]] = {}

    def codes(self, name: str) -> tuple[str, ...]:
        """The codes of the (not ``always``) named rules whose patterns match ``name``."""
        got = self._memo.get(name)
        if got is None:
            if self._any.match(name) is None:
                got = ()
            else:
                got = tuple(code for code, rx in self._rules if rx.match(name))
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            self._memo[name] = got
        return got

    def relevant(self, names: Iterable[str]) -> dict[str, list[str]]:
        """Rule code -> the names among ``names`` it can match (rules without any are
        absent; ``always`` rules are not listed)."""
        out: dict[str, list[str]] = {}
        codes = self.codes
        for name in names:
            for code in codes(name):
                out.setdefault(code, []).append(name)
        return out
