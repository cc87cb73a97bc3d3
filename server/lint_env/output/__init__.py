"""Output formats. Each module has ``render(findings, ctx) -> str``; one job each."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

FORMATS = ("text", "json", "sarif", "github")


@dataclass(frozen=True)
class RenderContext:
    root: Path  # paths are printed relative to it when inside it
    files: int = 0  # how many files were checked
    color: bool = False
    fixed: int = 0  # how many fixes --fix applied
    absolute: bool = False  # print absolute paths (IDE output filters need them)
    no_dependency_files: bool = False  # the project has no requirements/environment/pyproject
    code_files: int = 0  # how many of the files were .py files and notebooks

    def rel(self, path: Path) -> str:
        return _rel(path, self.root, self.absolute)


@lru_cache(maxsize=4096)
def _rel(path: Path, root: Path, absolute: bool) -> str:
    """One resolve per file, not per finding (a file may hold thousands)."""
    if absolute:
        return str(path.resolve())
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


def render(fmt: str, findings, ctx: RenderContext) -> str:
    if fmt == "json":
        from .json_ import render as r
    elif fmt == "sarif":
        from .sarif import render as r
    elif fmt == "github":
        from .github import render as r
    else:
        from .text import render as r
    return r(findings, ctx)
