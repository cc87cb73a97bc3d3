"""What a per-dependency rule found for one requirement, kept across checks.

The language server checks a buffer again on every keystroke, and most requirements
did not change. A rule kind that judges each requirement on its own (``wheel``: the
snapshot's files for the versions the requirement admits) gives, for one requirement,
findings that depend only on what :func:`_key` holds:

- the rule (rules are fixed for an engine's life) and the dependency (every field,
  spans included: a requirement moved to another line is judged again);
- the text of the lines it is written on (``Context.written_name`` and the fixes read
  them) and the document's path (the findings' path);
- the file it was declared in (a dependency of another file gets no fix);
- the target, with what its equality leaves out (``python_note`` is in messages,
  ``newer_pythons`` in the hint of a wheel found on a newer Python);
- the constraint specifiers (``-c`` files) on its name, and for a lock the extras it
  is installed with;
- the snapshot: everything is forgotten when its caches are cleared (``lint-env
  update`` while the server runs), seen by the identity of ``snapshot_packages()``.

tests/test_lsp_incremental.py checks the findings equal a fresh check's.
"""

from __future__ import annotations

from collections.abc import Callable

from .model import Dependency, Finding

_LIMIT = 20_000  # entries; then everything is forgotten (an editor's files need far fewer)


class DependencyMemo:
    """Findings per (rule, requirement and what its findings depend on)."""

    def __init__(self) -> None:
        self._memo: dict[tuple, list[Finding]] = {}
        self._snapshot: object = None
        self.hits = 0  # for tests and benchmarks

    def begin(self) -> None:
        """Called before each check: forget everything when the snapshot was re-read."""
        from .snapshot import snapshot_packages

        current = snapshot_packages()
        if current is not self._snapshot:
            self._memo.clear()
            self._snapshot = current

    def findings(
        self, rule, ctx, dep: Dependency, compute: Callable[[], list[Finding]]
    ) -> list[Finding]:
        key = _key(rule, ctx, dep)
        got = self._memo.get(key)
        if got is not None:
            self.hits += 1
            return got
        got = compute()
        if len(self._memo) >= _LIMIT:
            self._memo.clear()
        self._memo[key] = got
        return got


def _key(rule, ctx, dep: Dependency) -> tuple:
    doc = ctx.doc
    sp, name = dep.span, dep.name_span
    rows = doc.lines if sp.cell is None else (doc.cells or [[]])[sp.cell]
    first = min(sp.line, name.line)
    last = max(sp.end_line, name.end_line)
    if dep.specifier_span is not None:
        first = min(first, dep.specifier_span.line)
        last = max(last, dep.specifier_span.end_line)
    target = ctx.target
    return (
        rule.code,
        dep,
        doc.path,
        tuple(rows[first : last + 1]),
        ctx.origin.get(id(dep)),
        target,
        target.python_note,
        target.newer_pythons,
        tuple(ctx.constraints.get(dep.name, ())),
        ctx.only_with.get(id(dep)),
    )
