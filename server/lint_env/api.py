"""The one core every front calls: CLI, language server and pre-commit.

A :class:`Project` is a workspace root plus its configuration. It reads files from
disk, or from in-memory overlays (open editor buffers), and checks them for every
configured target. Nothing here knows about LSP or argparse.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config, load_config
from .model import Document, Finding


@dataclass
class CheckResult:
    findings: list[Finding]
    files: list[Path] = field(default_factory=list)  # every file that was checked
    errors: list[str] = field(default_factory=list)  # one-line problems with paths given
    declarations: int = -1  # dependency files the project model found (-1: not known)
    code_files: int = 0  # .py files and notebooks among ``files``


class Project:
    def __init__(self, root: Path, config: Config | None = None, rules=None) -> None:
        """``rules``: a RuleSet to use instead of the shipped database (tests, tools)."""
        from .engine import Engine

        self.root = root.resolve()
        self.config = config if config is not None else load_config(self.root)
        self._engine = Engine(self.root, self.config, rules)

    @property
    def engine(self):  # the Engine (typed loosely to keep this module import-light)
        return self._engine

    def set_overlay(self, path: Path, text: str | None) -> None:
        """Use ``text`` instead of the file on disk (None: back to the disk)."""
        self._engine.set_overlay(path, text)

    def document(self, path: Path) -> Document:
        return self._engine.document(path)

    def check_file(self, path: Path) -> list[Finding]:
        """Findings for one file, sorted; the same the CLI prints for that file."""
        return self._engine.check_file(path)

    def check(self, paths: Sequence[Path] = ()) -> CheckResult:
        """Discover files under ``paths`` (default: the root) and check them all."""
        return self._engine.check_paths(paths or [self.root])


def check_paths(paths: Iterable[Path], config: Config | None = None) -> CheckResult:
    paths = list(paths) or [Path.cwd()]
    first = paths[0]
    root = first if first.is_dir() else first.parent
    return Project(root, config).check(paths)
