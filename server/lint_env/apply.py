"""Applying the findings' fixes to files (``--fix`` / ``--diff``).

Fixes are applied in rounds (a fix can change what other rules see) until nothing
more applies. Each round's result is parsed again (:func:`fixes.apply_verified`): a
fix whose result does not parse, or changes other requirements, is not applied and
the user is told. Fixes go to the text that was checked: a file that changed since
is left alone. Files are written atomically (a temporary file in the same folder,
then a rename), in their own encoding, BOM, line endings and mode; read-only files
and files outside the project root are never written.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import stat
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .fixes import accept_together, select_fixes
from .model import Document, Finding, Fix, Kind
from .sources.text import encode

MAX_ROUNDS = 10


@dataclass
class FixOutcome:
    applied: int = 0  # fixes in files that were written (or, with --diff, shown)
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
    root = project.root
    for path in sorted(by_path):
        rel = rel_path(path)
        doc = project.engine.checked_document(path)
        if doc is None or doc.kind is Kind.NOTEBOOK or (not doc.text and not path.exists()):
            continue
        if not path.is_relative_to(root):
            outcome.errors.append(f"{rel}: outside the project root ({root}); not fixed")
            continue
        if write and _read_only(path):
            outcome.errors.append(f"{rel}: the file is read-only; not fixed")
            continue
        original = doc.text
        text, count = _fix_file(project, path, doc, by_path[path], unsafe, outcome, rel)
        if text == original:
            continue
        if not write:
            outcome.applied += count
            outcome.diff += "".join(
                difflib.unified_diff(
                    original.splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    fromfile=f"a/{rel}",
                    tofile=f"b/{rel}",
                )
            )
            continue
        try:
            if path.read_bytes() != encode(original, doc.encoding, doc.bom):
                outcome.errors.append(f"{rel}: the file changed since it was checked; not fixed")
                continue
            _write_atomic(path, encode(text, doc.encoding, doc.bom))
        except OSError as exc:
            outcome.errors.append(f"{rel}: cannot write fixes: {exc.strerror or exc}")
            continue
        outcome.applied += count
    return outcome


def _fix_file(
    project,
    path: Path,
    doc: Document,
    current: list[Finding],
    unsafe: bool,
    outcome: FixOutcome,
    rel: str,
) -> tuple[str, int]:
    """The fixed text of one file and how many fixes it holds."""
    count = 0
    text = doc.text
    refused: set[Fix] = set()
    try:
        for _ in range(MAX_ROUNDS):
            candidates = [
                next(x for x in f.fixes if x.safe or unsafe)
                for f in current
                if any(x.safe or unsafe for x in f.fixes)
            ]
            chosen = select_fixes([x for x in candidates if x not in refused])
            if not chosen:
                break
            new_text, accepted, rejected = accept_together(doc, chosen)
            for fix, reason in rejected:
                refused.add(fix)
                line = min(e.span.line for e in fix.edits) + 1
                outcome.errors.append(
                    f"{rel}:{line}: fix not applied ({fix.description}): {reason}"
                )
            if not accepted:
                continue
            count += len(accepted)
            text = new_text
            project.set_overlay(path, text)
            current = project.check_file(path)
            doc = project.engine.checked_document(path) or doc
    finally:
        project.set_overlay(path, None)
    return text, count


def _read_only(path: Path) -> bool:
    """No write bit for anyone (root could still write it: we do not), or no access."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) or not os.access(path, os.W_OK)


def rel_path(path: Path) -> str:
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
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
