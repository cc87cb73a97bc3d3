"""Applying the findings' fixes to files (``--fix`` / ``--diff``).

Fixes are applied in rounds (a fix can change what other rules see) until nothing
more applies. Files are written atomically, in their own encoding, BOM and line
endings; comments and order are untouched because edits only replace spans.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .fixes import apply_edits, newline_normalized, select_fixes
from .model import Finding, Kind, TextEdit
from .sources.text import encode

MAX_ROUNDS = 10


@dataclass
class FixOutcome:
    applied: int = 0
    diff: str = ""
    errors: list[str] = field(default_factory=list)


def apply_fixes(
    project, findings: list[Finding], *, unsafe: bool = False, write: bool = True
) -> FixOutcome:
    outcome = FixOutcome()
    by_path: dict[Path, list[Finding]] = defaultdict(list)
    for f in findings:
        if any(x.safe or unsafe for x in f.fixes):
            by_path[f.path.resolve()].append(f)
    for path in sorted(by_path):
        doc = project.document(path)
        if doc.kind is Kind.NOTEBOOK or (not doc.text and not path.exists()):
            continue
        original = doc.text
        text = original
        current = by_path[path]
        for _ in range(MAX_ROUNDS):
            candidates = [
                next(x for x in f.fixes if x.safe or unsafe)
                for f in current
                if any(x.safe or unsafe for x in f.fixes)
            ]
            chosen = select_fixes(candidates)
            if not chosen:
                break
            edits = [
                TextEdit(e.span, newline_normalized(e.new_text, doc.newline))
                for x in chosen
                for e in x.edits
            ]
            try:
                text = apply_edits(text, edits)
            except ValueError:
                break
            outcome.applied += len(chosen)
            project.set_overlay(path, text)
            current = project.check_file(path)
        project.set_overlay(path, None)
        if text == original:
            continue
        if write:
            try:
                _write_atomic(path, encode(text, doc.encoding, doc.bom))
            except OSError as exc:
                outcome.errors.append(f"{path}: cannot write fixes: {exc.strerror or exc}")
        else:
            rel = _rel(path)
            outcome.diff += "".join(
                difflib.unified_diff(
                    original.splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    fromfile=f"a/{rel}",
                    tofile=f"b/{rel}",
                )
            )
    return outcome


def _rel(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _write_atomic(path: Path, data: bytes) -> None:
    mode = path.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".lint-env", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
