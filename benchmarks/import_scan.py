"""Import scanning at scale: lint-env on the sympy source tree, cold and warm, next to deptry.

    python benchmarks/import_scan.py [--repeat 3] [--api] [--tree DIR] [--deptry EXE]

Downloads the sympy sdist once with pip (``pip download --no-deps --no-binary :all:``,
so whatever index pip is configured to use) into ``benchmarks/.cache/`` (gitignored),
unpacks it, and adds a ``requirements.txt`` (deptry needs a declaration to compare
with). deptry is installed with pip into its own virtual environment under
``benchmarks/.cache/`` when missing.

Then, in one run, each timed ``--repeat`` times (median; the tree is read once
beforehand so every tool finds it in the OS file cache):

- ``lint-env check <tree>`` cold: a fresh, empty import cache (LINT_ENV_CACHE_DIR);
- ``lint-env check <tree>`` warm: the cache filled by the cold run;
- ``lint-env check <tree>`` with one file changed after the warm run (a line appended
  to one .py file of a copy of the tree): what an edit between two runs costs;
- ``deptry <tree>`` with its default excludes replaced so that it reads the same files
  (sympy's many ``tests`` folders included).

``--tree DIR`` uses a copy of that source tree instead of the sdist (a
``requirements.txt`` is added when it has neither one nor a ``[project]`` table). ``--api`` times ``lint_env.import_scan.scan`` in-process instead of the CLI (the import
scanning alone, without rules). Prints the times and the ratios. Figures, not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import venv
from pathlib import Path

SYMPY = "1.13.3"
DEPTRY = "0.25.1"
HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
REPO = HERE.parent


def fetch_tree() -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    tree = CACHE / f"sympy-{SYMPY}"
    if not tree.is_dir():
        sdist = CACHE / f"sympy-{SYMPY}.tar.gz"
        if not sdist.is_file():
            pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
            subprocess.run([*pip, "--dest", str(CACHE), f"sympy=={SYMPY}"], check=True)
        with tarfile.open(sdist) as tar:
            try:
                tar.extractall(CACHE, filter="data")
            except TypeError:  # Python without extraction filters
                tar.extractall(CACHE)
    req = tree / "requirements.txt"
    if not req.exists():
        req.write_text("mpmath>=1.1.0,<1.4\n")
    return tree


def deptry_bin() -> Path:
    env = CACHE / "deptry-venv"
    exe = env / ("Scripts" if os.name == "nt" else "bin") / "deptry"
    if not exe.exists():
        venv.create(env, with_pip=True)
        py = env / ("Scripts" if os.name == "nt" else "bin") / "python"
        subprocess.run([str(py), "-m", "pip", "install", "-q", f"deptry=={DEPTRY}"], check=True)
    return exe


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, int, list[str]]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    return elapsed, proc.returncode, (proc.stdout + proc.stderr).strip().splitlines()[-1:]


def warm_os_cache(tree: Path) -> int:
    n = 0
    for folder, _, names in os.walk(tree):
        for name in names:
            if name.endswith((".py", ".ipynb")):
                Path(folder, name).read_bytes()
                n += 1
    return n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--api", action="store_true", help="time import_scan.scan, not the CLI")
    ap.add_argument("--tree", help="a source tree to copy and use instead of the sdist")
    ap.add_argument("--deptry", help="the deptry executable (default: its own venv here)")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="lint-env-tree-")
    tree = Path(tmp.name) / "tree"
    shutil.copytree(
        Path(args.tree) if args.tree else fetch_tree(),
        tree,
        symlinks=True,
        ignore=shutil.ignore_patterns(".git"),
    )
    pyproject = tree / "pyproject.toml"
    has_project = pyproject.exists() and "[project]" in pyproject.read_text(errors="replace")
    if not (tree / "requirements.txt").exists() and not has_project:
        # deptry reads only these two declarations (sympy's git tree has neither)
        (tree / "requirements.txt").write_text("mpmath>=1.1.0,<1.4\n")
    edited = next(p for p in sorted(tree.rglob("*.py")) if p.is_file())
    files = warm_os_cache(tree)
    deptry = Path(args.deptry) if args.deptry else deptry_bin()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO / "server"), *filter(None, [env.get("PYTHONPATH")])]
    )
    name = args.tree or f"sympy {SYMPY} sdist"
    print(f"tree: {name}, {files} .py/.ipynb files; CPUs: {os.cpu_count()}")

    cold: list[float] = []
    warm: list[float] = []
    one: list[float] = []
    dep: list[float] = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="lint-env-bench-") as cache_dir:
            env["LINT_ENV_CACHE_DIR"] = cache_dir
            if args.api:
                c, w = _api_times(tree, Path(cache_dir))
            else:
                cmd = [sys.executable, "-m", "lint_env", "check", "--exit-zero", str(tree)]
                c, rc, tail = timed(cmd, env, REPO)
                if rc != 0:
                    print(f"lint-env check failed (exit {rc}): {' '.join(tail)}")
                    return 2
                w, _, _ = timed(cmd, env, REPO)
                with edited.open("a", encoding="utf-8") as f:
                    f.write(f"\n# edited {len(one)}\n")
                o, _, _ = timed(cmd, env, REPO)
                one.append(o)
        cold.append(c)
        warm.append(w)
        # deptry's default excludes skip "tests" and "setup.py"; read the same files instead.
        cmd = [str(deptry), str(tree), "--no-ansi"]
        for pattern in ("venv", r"\.venv", r"\.direnv", r"\.git"):
            cmd += ["--exclude", pattern]
        d, rc, tail = timed(cmd, env, tree)
        if rc not in (0, 1):
            print(f"deptry failed (exit {rc}): {' '.join(tail)}")
            return 2
        dep.append(d)
    tmp.cleanup()
    what = "import_scan.scan (in-process)" if args.api else "lint-env check"
    c, w, d = (statistics.median(x) for x in (cold, warm, dep))
    print(f"{what} cold: {c:7.3f} s   (runs: {_fmt(cold)})")
    print(f"{what} warm: {w:7.3f} s   (runs: {_fmt(warm)})")
    if one:
        o = statistics.median(one)
        print(f"{what} one file changed: {o:7.3f} s   (runs: {_fmt(one)}; {o / w:.2f}x warm)")
    print(f"deptry {DEPTRY}:            {d:7.3f} s   (runs: {_fmt(dep)})")
    print(f"cold / deptry: {c / d:.2f}x   warm / deptry: {w / d:.2f}x   cold / warm: {c / w:.1f}x")
    return 0


def _api_times(tree: Path, cache_dir: Path) -> tuple[float, float]:
    sys.path.insert(0, str(REPO / "server"))
    from lint_env.discovery import discover
    from lint_env.import_scan import scan

    times = []
    for _ in range(2):
        start = time.perf_counter()
        files = [p for p in discover([tree], tree).files if p.suffix in (".py", ".pyi", ".ipynb")]
        scan(files, cache_dir)
        times.append(time.perf_counter() - start)
    return times[0], times[1]


def _fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.3f}" for v in values)


if __name__ == "__main__":
    raise SystemExit(main())
