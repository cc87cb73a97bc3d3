"""What a code file's check sees of the project's declarations on one target, kept
between checks: the language server checks a ``.py`` buffer on every keystroke, and
the declarations (hundreds of requirement lines) rarely change meanwhile."""

from __future__ import annotations

from pathlib import Path

from .model import Dependency, Document
from .target import Target


class ProjectEnv:
    """Per target, the last answer and the documents it was computed from (held, so
    that their ids stay theirs)."""

    def __init__(self) -> None:
        self._last: dict[Target, tuple[list[Document], list[Dependency], dict[int, Path]]] = {}

    def of(self, docs: list[Document], target: Target) -> tuple[list[Dependency], dict[int, Path]]:
        """The dependencies of ``docs`` installed on ``target`` (constraints aside), and
        the file each dependency of ``docs`` comes from (keyed by ``id``, the first
        document naming it). Callers only read them."""
        hit = self._last.get(target)
        if hit is not None and len(hit[0]) == len(docs) and all(map(_same, hit[0], docs)):
            return hit[1], hit[2]
        applies = target.evaluate_marker
        env = [
            d for pd in docs for d in pd.dependencies if not d.constraint_only and applies(d.marker)
        ]
        origin: dict[int, Path] = {}
        for pd in docs:
            for d in pd.dependencies:
                origin.setdefault(id(d), pd.path)
        self._last[target] = (list(docs), env, origin)
        return env, origin


def _same(a: Document, b: Document) -> bool:
    return a is b
