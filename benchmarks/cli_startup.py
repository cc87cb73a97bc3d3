"""Start-up cost of `lint-env check` on a small project, next to `python -c pass`.

pre-commit runs lint-env on every commit, so the command must start fast: heavy imports
(pygls, YAML, anything a run does not use) stay off the start path.

    python benchmarks/cli_startup.py [--runs 21] [--no-cache] [PROJECT]

Prints the median wall time of each command and the ratio. Without ``--no-cache`` the
runs after the first are answered by the result cache (a warm start, as pre-commit
sees an unchanged tree); ``--no-cache`` sets ``LINT_ENV_NO_CACHE=1`` (every run parses
and checks). Uses the interpreter it runs
under; the `lint-env` console script beside it when there is one, else `-m lint_env`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _time(cmd: list[str], runs: int, cwd: Path, env: dict[str, str] | None = None) -> float:
    subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=False)  # warm the OS caches
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=False)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("project", nargs="?", type=Path, default=REPO / "examples" / "clean-tf-metal")
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--no-cache", action="store_true", help="measure without the result cache")
    args = ap.parse_args()
    if not args.project.exists():
        print(f"no such project: {args.project}", file=sys.stderr)
        return 2
    script = Path(sys.executable).with_name("lint-env")
    lint = [str(script)] if script.exists() else [sys.executable, "-m", "lint_env"]
    check = [*lint, "check", str(args.project), "--exit-zero"]
    base = [sys.executable, "-c", "pass"]
    t_base = _time(base, args.runs, REPO)
    env = {**os.environ, **({"LINT_ENV_NO_CACHE": "1"} if args.no_cache else {})}
    t_check = _time(check, args.runs, REPO, env)
    files = sum(1 for p in args.project.rglob("*") if p.is_file())
    print(
        f"project: {args.project.relative_to(REPO) if args.project.is_relative_to(REPO) else args.project} ({files} files)"
    )
    print(f"python -c pass      median {t_base * 1000:7.1f} ms  ({args.runs} runs)")
    print(f"lint-env check      median {t_check * 1000:7.1f} ms  ({args.runs} runs)")
    print(f"ratio               {t_check / t_base:7.1f}x")
    imp = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import lint_env.cli, lint_env.engine"],
        capture_output=True,
        text=True,
        env={**os.environ},
        check=False,
    )
    heavy = [
        ln
        for ln in imp.stderr.splitlines()
        if any(m in ln for m in ("pygls", "yaml", "lsprotocol", "cattrs"))
    ]
    print(
        f"heavy modules on the check start path: {len(heavy)}"
        + ("" if not heavy else f" ({heavy[0].strip()} …)")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
