"""Property test of ``--fix`` (issue 9): on generated requirements, pyproject and conda
files with fixable findings, the fixed file parses without new problems, fixing again
changes nothing, only requirement lines change, no comment is lost and line endings
stay as they were. Bounded (~80 files a front)."""

from __future__ import annotations

import difflib
import os
import random
import re
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from fuzzing import conda_file, pyproject_file, requirements_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lint_env.api import Project
from lint_env.apply import apply_fixes
from lint_env.config import Config
from lint_env.model import Kind
from lint_env.sources import read_document

FILES = {
    "requirements.txt": (requirements_file, Kind.REQUIREMENTS),
    "pyproject.toml": (pyproject_file, Kind.PYPROJECT),
    "environment.yml": (conda_file, Kind.CONDA),
}
BOUNDED = settings(
    max_examples=int(os.environ.get("LINT_ENV_FIX_EXAMPLES", "80")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)


def fix_once(root: Path) -> tuple[list, int]:
    project = Project(root, Config(root=root))
    result = project.check([root])
    outcome = apply_fixes(project, result.findings, unsafe=True)
    return result.findings, outcome.applied


def endings(text: str) -> set[str]:
    return set(re.findall(r"\r\n|\r|\n", text))


@pytest.mark.parametrize("name", sorted(FILES))
def test_fix_is_valid_idempotent_and_local(name):
    make, kind = FILES[name]

    @BOUNDED
    @given(st.integers(0, 2**32))
    def run(seed):
        text = make(random.Random(seed))
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / ".git").mkdir()
            path = root / name
            path.write_bytes(text.encode())
            before = read_document(path, kind)
            _findings, applied = fix_once(root)
            fixed = path.read_bytes().decode()
            after = read_document(path, kind)
            # 1. it parses as well as before: no new problem
            new = Counter((p.code, p.message) for p in after.problems)
            new.subtract(Counter((p.code, p.message) for p in before.problems))
            assert not +new, (text, fixed)
            # 2. fixing again changes nothing
            fix_once(root)
            assert path.read_bytes().decode() == fixed
            # 3. only lines that hold a requirement change
            dep_lines = {
                k for d in before.dependencies for k in range(d.span.line, d.span.end_line + 1)
            }
            old_rows, new_rows = before.lines, after.lines
            matcher = difflib.SequenceMatcher(a=old_rows, b=new_rows, autojunk=False)
            for op, i1, i2, _, _ in matcher.get_opcodes():
                if op in ("replace", "delete"):
                    assert set(range(i1, i2)) <= dep_lines, (text, fixed)
            # 4. no comment is lost, 5. line endings stay
            assert fixed.count("#") >= text.count("#"), (text, fixed)
            if fixed != text:
                assert applied > 0
                assert endings(fixed) <= endings(text) or not endings(text), (text, fixed)

    run()


def test_generated_files_do_have_fixes():
    """The generators reach the fixes (else the property above would prove nothing)."""
    fixed = Counter()
    for name, (make, _) in FILES.items():
        rng = random.Random(7)
        for _ in range(30):
            with tempfile.TemporaryDirectory() as tmp:
                root = Path(tmp)
                (root / name).write_text(make(rng), encoding="utf-8", newline="")
                _, applied = fix_once(root)
                fixed[name] += applied
    assert all(fixed[name] >= 5 for name in FILES), fixed
