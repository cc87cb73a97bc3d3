"""Every figure of issue 12 in one table: each measured next to its baseline, paired
runs, medians. Figures, not a test (the suite has no timing limits).

    PYTHONPATH=server python benchmarks/all.py [--runs 11] [--edits 60]
        [--keras DIR] [--sympy DIR] [--deptry EXE] [--only ROW ...] [--instructions]

Rows (``--only`` takes their keys):

- ``startup``: ``lint-env check examples/clean-tf-metal`` / ``python -c pass`` (with
  ``--instructions`` also the ratio of instructions executed, counted by valgrind), two
  rows: warm (a result-cache hit: the run before it stored the entry) and cold
  (``LINT_ENV_NO_CACHE=1``: every run parses and checks);
- ``lsp-req``, ``lsp-py``: the language server's didChange -> publishDiagnostics p50 on a
  500-line requirements.txt and a 3,000-line .py / the same for a no-op pygls server
  (benchmarks/minimal_server.py), debounceMs 0 for both;
- ``lsp-10k``: the same p50 for one-line edits in a 10,000-line requirements file (ms);
- ``trees``: ``lint-env check`` on the keras and sympy source trees, cold (an empty
  cache folder: no import cache, no result cache) and warm (the run right after, with
  both caches the cold run left: a result-cache hit) / deptry on the same tree; ``memory``: the peak resident memory of the
  cold sympy run / deptry's (kept from the ``trees`` runs);
- ``chain``: ``lint-env check`` on a chain of 400 requirements files (``-r`` each the next;
  the last includes the first), with 200 files beside it to show the growth.

Trees: ``--keras``/``--sympy`` name a source checkout (each is copied to a temporary
folder; a ``requirements.txt`` is added when the copy has neither one nor a
``[project]`` table, as deptry needs a declaration to compare with). Without ``--sympy`` the sympy sdist of
benchmarks/import_scan.py is used (downloaded once with pip); without ``--keras`` the
keras rows are skipped. deptry: ``--deptry`` or import_scan.py's own virtual environment.

"Paired": each sample runs the command and its baseline back to back, so both see the
same load on a shared machine; the ratio is the median of the per-pair ratios.
Child processes are started without PYTHONDONTWRITEBYTECODE so that, as in an
installed package, modules load from bytecode after the first (warm-up) run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

ISSUE = {  # the issue's "now" and goal, per row
    "startup": ("15x", "<= 4x"),
    "startup-cold": ("15x", "<= 4x"),
    "lsp-req": ("41-50x (~80 ms)", "<= 5x"),
    "lsp-py": ("9-11x", "<= 3x"),
    "lsp-10k": ("1.7 s", "<= 100 ms"),
    "keras-cold": ("1.13x", "<= 0.7x"),
    "sympy-cold": ("1.04x", "<= 0.7x"),
    "keras-warm": ("0.59x", "<= 0.2x"),
    "sympy-warm": ("0.34x", "<= 0.2x"),
    "memory": ("124 / 50 MiB", "<= 1.5x"),
    "chain": ("24 s", "linear (<= 1 s)"),
}


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO / "server"), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    env.update(extra)
    return env


def run(cmd: list[str], env: dict[str, str], cwd: Path = REPO) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB (the process and the children it waited for), exit."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return took, usage.ru_maxrss / 1024, proc.returncode


def paired(a: Callable[[], float], b: Callable[[], float], runs: int) -> tuple[float, float, float]:
    """Median of a, median of b, median of the per-pair ratios a/b."""
    xs, ys, rs = [], [], []
    for _ in range(runs):
        x, y = a(), b()
        xs.append(x)
        ys.append(y)
        rs.append(x / y)
    return statistics.median(xs), statistics.median(ys), statistics.median(rs)


LINT = [sys.executable, "-m", "lint_env"]


def row_startup(args) -> list[tuple[str, str, str]]:
    out = []
    with tempfile.TemporaryDirectory(prefix="lint-env-startup-") as tmp:
        # a copy whose timestamps are older than the 2 s the result cache distrusts
        project = Path(shutil.copytree(REPO / "examples" / "clean-tf-metal", Path(tmp) / "p"))
        time.sleep(2.1)
        for key, what, extra in (
            ("startup", "warm: a result-cache hit", {}),
            ("startup-cold", "cold: no result cache", {"LINT_ENV_NO_CACHE": "1"}),
        ):
            env = child_env(LINT_ENV_CACHE_DIR=str(Path(tmp) / "cache"), **extra)
            check = [*LINT, "check", str(project), "--exit-zero"]
            base = [sys.executable, "-c", "pass"]
            run(check, env)  # write bytecode, warm the OS caches
            time.sleep(2.1)  # bytecode written just now is an input the cache distrusts
            run(check, env)  # store the entry
            run(base, env)
            c, b, r = paired(
                lambda cmd=check, e=env: run(cmd, e)[0],
                lambda cmd=base, e=env: run(cmd, e)[0],
                args.runs,
            )
            now = f"{r:.1f}x ({c * 1000:.0f} / {b * 1000:.0f} ms)"
            if args.instructions and shutil.which("valgrind"):
                ic, ib = instructions(check, env), instructions(base, env)
                now += f"; instructions {ic / ib:.1f}x ({ic / 1e6:.0f}M / {ib / 1e6:.0f}M)"
            label = f"`lint-env check examples/clean-tf-metal` vs `python -c pass`, {what}"
            out.append((key, label, now))
    return out


def instructions(cmd: list[str], env: dict[str, str]) -> int:
    """Instructions the command executes (valgrind's callgrind; the same on a busy machine)."""
    vg = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    out = subprocess.run([*vg, *cmd], env=env, cwd=REPO, capture_output=True, text=True)
    for line in out.stderr.splitlines():
        if "refs:" in line:
            return int(line.rsplit(":", 1)[1].replace(",", "").strip())
    raise SystemExit(f"no instruction count from valgrind: {out.stderr[-300:]}")


def _lsp_p50(files, edits: int, floor: bool) -> dict[str, float]:
    import lsp_latency

    env_before = dict(os.environ)
    os.environ.clear()
    os.environ.update(child_env())
    try:
        if floor:
            command, init = [sys.executable, str(HERE / "minimal_server.py")], None
        else:
            command = [*LINT, "server"]
            init = {"lintEnv": {"pythonVersion": "3.11", "debounceMs": 0}}
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            for name, text, _ in files:
                (root / name).write_text(text)
            times = asyncio.run(lsp_latency.measure(command, root, init, files, edits))
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    return {name: lsp_latency.pct(t, 50) for name, t in times.items()}


def row_lsp(args) -> list[tuple[str, str, str]]:
    import lsp_latency

    files = [
        ("requirements.txt", lsp_latency.requirements_text(500), "pip-requirements"),
        ("train.py", lsp_latency.python_text(3000), "python"),
    ]
    pairs = max(1, args.runs // 4)
    ours: dict[str, list[float]] = {"requirements.txt": [], "train.py": []}
    base: dict[str, list[float]] = {"requirements.txt": [], "train.py": []}
    ratios: dict[str, list[float]] = {"requirements.txt": [], "train.py": []}
    for _ in range(pairs):  # each pair: a server session of ours, then the floor's
        a, b = _lsp_p50(files, args.edits, False), _lsp_p50(files, args.edits, True)
        for name in ours:
            ours[name].append(a[name])
            base[name].append(b[name])
            ratios[name].append(a[name] / b[name])
    out = []
    for key, name, what in (
        ("lsp-req", "requirements.txt", "server, 500-line requirements.txt, didChange -> diagnostics p50 vs no-op pygls"),
        ("lsp-py", "train.py", "same, 3,000-line .py"),
    ):  # fmt: skip
        o, b, r = (statistics.median(v[name]) for v in (ours, base, ratios))
        out.append((key, what, f"{r:.1f}x ({o:.1f} / {b:.1f} ms)"))
    return out


def row_lsp_10k(args) -> list[tuple[str, str, str]]:
    import lsp_latency

    files = [("requirements.txt", lsp_latency.requirements_text(10_000), "pip-requirements")]
    samples = [
        _lsp_p50(files, max(10, args.edits // 3), False)["requirements.txt"]
        for _ in range(max(1, args.runs // 4))
    ]
    return [
        (
            "lsp-10k",
            "one edit in a 10,000-line requirements file (server p50)",
            f"{statistics.median(samples):.0f} ms",
        )
    ]


def _deptry(args) -> str:
    if args.deptry:
        return args.deptry
    import import_scan

    return str(import_scan.deptry_bin())


def _tree_copy(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    pyproject = dest / "pyproject.toml"
    has_project = pyproject.exists() and "[project]" in pyproject.read_text(errors="replace")
    if not (dest / "requirements.txt").exists() and not has_project:
        # deptry reads only these two (sympy's git tree has neither; its sdist gets the same)
        (dest / "requirements.txt").write_text("mpmath>=1.1.0,<1.4\n")
    for folder, _, names in os.walk(dest):  # into the OS file cache for every tool
        for name in names:
            if name.endswith((".py", ".ipynb")):
                Path(folder, name).read_bytes()
    return dest


def row_trees(args) -> list[tuple[str, str, str]]:
    trees: list[tuple[str, Path]] = []
    if args.keras:
        trees.append(("keras", Path(args.keras)))
    if args.sympy:
        trees.append(("sympy", Path(args.sympy)))
    else:
        import import_scan

        trees.append(("sympy", import_scan.fetch_tree()))
    deptry = _deptry(args)
    out = []
    runs = max(3, args.runs // 3)
    for label, src in trees:
        with tempfile.TemporaryDirectory(prefix=f"lint-env-{label}-") as tmp:
            tree = _tree_copy(src, Path(tmp) / label)
            time.sleep(2.1)  # the result cache stores nothing read within 2 s of a change
            dep_cmd = [deptry, str(tree), "--no-ansi"]
            for pattern in ("venv", r"\.venv", r"\.direnv", r"\.git"):
                dep_cmd += ["--exclude", pattern]  # read what lint-env reads (tests too)
            with tempfile.TemporaryDirectory(prefix="lint-env-cache-") as cache:
                # warm-up: writes the bytecode of the modules a tree run imports (as an
                # installed package has it), which a result cache entry would distrust
                run([*LINT, "check", "--exit-zero", str(tree)], child_env(LINT_ENV_CACHE_DIR=cache))
            cold, warm, dep, rc_cold, rc_warm, mem_ours, mem_dep = [], [], [], [], [], [], []
            for _ in range(runs):
                # an empty cache folder: neither imports nor results are cached yet
                with tempfile.TemporaryDirectory(prefix="lint-env-cache-") as cache:
                    env = child_env(LINT_ENV_CACHE_DIR=cache)
                    cmd = [*LINT, "check", "--exit-zero", str(tree)]
                    c, m, rc = run(cmd, env)
                    d, dm, drc = run(dep_cmd, env, cwd=tree)
                    if drc not in (0, 1):
                        raise SystemExit(f"deptry failed on {label} (exit {drc})")
                    w, _, rc2 = run(cmd, env)  # the result cache the cold run stored
                cold.append(c)
                warm.append(w)
                dep.append(d)
                rc_cold.append(c / d)
                rc_warm.append(w / d)
                mem_ours.append(m)
                mem_dep.append(dm)
                if rc or rc2:
                    raise SystemExit(f"lint-env check failed on {label} (exit {rc or rc2})")
            d = statistics.median(dep)
            out.append(
                (
                    f"{label}-cold",
                    f"{label} source tree, cold, vs deptry",
                    f"{statistics.median(rc_cold):.2f}x ({statistics.median(cold):.2f} / {d:.2f} s)",
                )
            )
            out.append(
                (
                    f"{label}-warm",
                    f"{label} source tree, warm (result-cache hit), vs deptry",
                    f"{statistics.median(rc_warm):.2f}x ({statistics.median(warm):.2f} / {d:.2f} s)",
                )
            )
            if label == "sympy":
                mo, md = statistics.median(mem_ours), statistics.median(mem_dep)
                out.append(
                    (
                        "memory",
                        "peak memory on sympy (cold) vs deptry",
                        f"{mo / md:.2f}x ({mo:.0f} / {md:.0f} MiB)",
                    )
                )
    order = ["keras-cold", "sympy-cold", "keras-warm", "sympy-warm", "memory"]
    return sorted(out, key=lambda row: order.index(row[0]))


def _chain(root: Path, n: int) -> None:
    (root / ".git").mkdir()
    for k in range(n):
        name = "requirements.txt" if k == 0 else f"part{k}.txt"
        nxt = "requirements.txt" if k == n - 1 else f"part{k + 1}.txt"
        (root / name).write_text(f"-r {nxt}\npkg-{k}\n", encoding="utf-8")


def row_chain(args) -> list[tuple[str, str, str]]:
    times = {}
    env = child_env()
    for n in (200, 400):
        samples = []
        for _ in range(max(3, args.runs // 3)):
            with tempfile.TemporaryDirectory() as tmp:
                _chain(Path(tmp), n)
                samples.append(run([*LINT, "check", "--exit-zero", tmp], env)[0])
        times[n] = statistics.median(samples)
    growth = times[400] / times[200]
    return [
        (
            "chain",
            "400-file `-r` chain (`lint-env check`)",
            f"{times[400]:.2f} s (200 files: {times[200]:.2f} s; x{growth:.1f} for x2 files)",
        )
    ]


ROWS = {
    "startup": row_startup,
    "lsp": row_lsp,
    "lsp-10k": row_lsp_10k,
    "trees": row_trees,
    "chain": row_chain,
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=11, help="paired samples (start-up)")
    ap.add_argument("--edits", type=int, default=60, help="edits per server session")
    ap.add_argument("--keras", help="a keras source checkout")
    ap.add_argument("--sympy", help="a sympy source checkout (default: the sdist)")
    ap.add_argument("--deptry", help="the deptry executable")
    ap.add_argument("--only", nargs="+", choices=sorted(ROWS))
    ap.add_argument(
        "--instructions", action="store_true", help="start-up also in instructions (valgrind)"
    )
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    rows = []
    for key in args.only or list(ROWS):
        started = time.perf_counter()
        got = ROWS[key](args)
        for row in got:
            print(f"  {row[1]}: {row[2]}", file=sys.stderr, flush=True)
        print(f"  ({key}: {time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
        rows += got
    print("\n| what | now | issue's now | goal |\n|---|---|---|---|")
    for key, what, now in rows:
        was, goal = ISSUE.get(key, ("", ""))
        print(f"| {what} | {now} | {was} | {goal} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
