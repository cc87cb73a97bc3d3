"""What re-checking every quick fix costs (fixcheck.py): one check of a requirements file
full of fixable findings, with the re-check and with it switched off.

    python benchmarks/fix_recheck.py [--copies 4] [--runs 5]

Prints the best wall time of each, the number of findings and of fixes kept/dropped.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

LINES = [
    "tensorflow-gpu>=2.4",
    "tensorflow-cpu==2.5.0",
    "tensorflow-cpu==2.16.2",
    "grpcio==1.44.0",
    "tensorflow-metal",
    "numpy==1.19.5",
    "torch==1.13.1",
    "h5py==3.1.0",
    "jax",
    "jax-metal",
    "tensorflow==2.15.0",
    "keras==3.0.0",
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    import lint_env.engine as engine
    from lint_env.api import Project
    from lint_env.config import Config

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "requirements.txt").write_text("\n".join(LINES * args.copies) + "\n")

        def best():
            times, result = [], None
            for _ in range(args.runs):
                project = Project(root, Config(targets=("macos-arm64", "linux-x86_64")))
                t0 = time.perf_counter()
                result = project.check([root])
                times.append(time.perf_counter() - t0)
            return min(times), result

        best()  # warm the snapshot caches
        with_t, with_r = best()
        real = engine.verified
        engine.verified = lambda doc, found, check: found
        try:
            without_t, without_r = best()
        finally:
            engine.verified = real
    kept = sum(len(f.fixes) for f in with_r.findings)
    offered = sum(len(f.fixes) for f in without_r.findings)
    print(f"{len(LINES) * args.copies} lines, {len(with_r.findings)} findings")
    print(f"with re-check:    {with_t * 1000:7.1f} ms, {kept} fixes offered")
    print(f"without re-check: {without_t * 1000:7.1f} ms, {offered} fixes offered")


if __name__ == "__main__":
    main()
