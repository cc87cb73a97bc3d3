"""Bounded work on hostile project shapes: every case must grow linearly.

    python benchmarks/scale.py [--only NAME] [--sizes 1,2,4]

Cases (issue 9), each built in a temporary folder and checked in-process with the
``lint_env`` on ``sys.path`` (``PYTHONPATH=server`` for a checkout):

- ``identical``: one requirements.txt with 16,000 identical ``h5py==3.1.0`` lines
  (every line a finding with a fix: rules and the fix verification run);
  ``identical-fix`` also applies the fixes (``--fix --unsafe-fixes``);
  ``identical-tf``: 16,000 ``tensorflow==2.12`` lines (rules that look for partners of
  each requirement: quadratic before ``Context.find`` was indexed);
- ``fanout``: 40 files that each include all 40 (``-r``; one big include cycle);
- ``chain``: a chain of 400 files, each including the next (and the last the first,
  a 400-file cycle).

``--sizes`` scales each case (1 = the sizes above; 0.5,1,2 shows whether the time
doubles or quadruples with the size). Prints seconds per case and size. Figures, not a
test: there are no timing limits in the test suite. CPU seconds are the figure to
compare on a shared machine (wall time includes waiting for a core).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path


def identical(root: Path, scale: float) -> None:
    n = int(16_000 * scale)
    (root / "requirements.txt").write_text("h5py==3.1.0\n" * n, encoding="utf-8")


def identical_tf(root: Path, scale: float) -> None:
    n = int(16_000 * scale)
    (root / "requirements.txt").write_text("tensorflow==2.12\n" * n, encoding="utf-8")


def fanout(root: Path, scale: float) -> None:
    n = max(1, int(40 * scale))
    includes = "".join(f"-r requirements-{k}.txt\n" for k in range(n))
    for k in range(n):
        (root / f"requirements-{k}.txt").write_text(includes + f"pkg-{k}\n", encoding="utf-8")


def chain(root: Path, scale: float) -> None:
    n = max(2, int(400 * scale))
    for k in range(n):
        name = "requirements.txt" if k == 0 else f"part{k}.txt"
        nxt = "requirements.txt" if k == n - 1 else f"part{k + 1}.txt"
        (root / name).write_text(f"-r {nxt}\npkg-{k}\n", encoding="utf-8")


CASES = {
    "identical": identical,
    "identical-tf": identical_tf,
    "fanout": fanout,
    "chain": chain,
    "identical-fix": identical,
}


def run(name: str, scale: float) -> tuple[float, float, int]:
    from lint_env.api import Project
    from lint_env.config import Config

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        CASES[name](root, scale)
        start, cpu = time.perf_counter(), time.process_time()
        project = Project(root, Config(root=root))
        result = project.check([root])
        if name.endswith("-fix"):  # and `--fix --unsafe-fixes` on the result
            from lint_env.apply import apply_fixes

            apply_fixes(project, result.findings, unsafe=True)
        return time.perf_counter() - start, time.process_time() - cpu, len(result.findings)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", choices=sorted(CASES))
    ap.add_argument("--sizes", default="0.5,1")
    args = ap.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]
    import lint_env

    print(f"lint_env from {Path(lint_env.__file__).parent}")
    for name in [args.only] if args.only else list(CASES):
        for scale in sizes:
            seconds, cpu, findings = run(name, scale)
            print(
                f"{name:13} x{scale:<4} {seconds:8.2f} s wall {cpu:8.2f} s CPU  ({findings} findings)",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
