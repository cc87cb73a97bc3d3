"""Fuzz every front: N generated inputs each, parsed and checked by the engine.

    PYTHONPATH=server python benchmarks/fuzz.py [N] [--front NAME] [--seed S] [--hang 5]

For each front (requirements, conda, pyproject, notebook, python) prints how many
inputs crashed (an exception, or an LE008 internal-error finding), hung (took longer
than --hang seconds; interrupted by an alarm) or gave a bad span (outside the text or
reversed), with the first few examples. The generator and the checker are the suite's
(tests/fuzzing.py), which runs a bounded number of the same inputs in every test run.
Exit status 1 when anything was found. Figures, not a test.
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzzing import FRONTS, check_input, make_engine, random_text


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang


def fuzz(front: str, n: int, seed: str, hang: float, engine) -> dict[str, list[str]]:
    rng = random.Random(f"{seed}-{front}")
    found: dict[str, list[str]] = {"crash": [], "hang": [], "bad span": []}
    use_alarm = hasattr(signal, "setitimer")
    if use_alarm:
        signal.signal(signal.SIGALRM, _alarm)
    for _ in range(n):
        text = random_text(front, rng)
        start = time.perf_counter()
        try:
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, hang)
            problems = check_input(engine, front, text)
        except _Hang:
            problems = ["hang"]
        finally:
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
        if time.perf_counter() - start > hang and "hang" not in problems:
            problems.append("hang")
        for p in problems:
            kind = "hang" if p == "hang" else "bad span" if p.startswith("bad span") else "crash"
            found[kind].append(f"{p}  <- {text[:200]!r}")
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", nargs="?", type=int, default=1000, help="inputs per front")
    ap.add_argument("--front", choices=FRONTS, action="append")
    ap.add_argument("--seed", default="lint-env")
    ap.add_argument("--hang", type=float, default=5.0, help="seconds that count as a hang")
    args = ap.parse_args()
    bad = False
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(Path(tmp))
        print(f"{'front':13} {'inputs':>8} {'crashes':>8} {'hangs':>6} {'bad spans':>10} {'s':>7}")
        for front in args.front or FRONTS:
            start = time.perf_counter()
            found = fuzz(front, args.n, args.seed, args.hang, engine)
            took = time.perf_counter() - start
            c, h, b = (len(found[k]) for k in ("crash", "hang", "bad span"))
            print(f"{front:13} {args.n:>8} {c:>8} {h:>6} {b:>10} {took:>7.1f}", flush=True)
            for kind, examples in found.items():
                for example in examples[:3]:
                    print(f"    {kind}: {example}")
            bad = bad or bool(c or h or b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
