"""CPU time of the language server's work per keystroke, in-process (prints figures).

What the server's worker thread does for one didChange (LintEnvServer._analyze): give
the engine the new text, ``check_file(verify=False)``, convert the findings to LSP
diagnostics (lsp/state.build_result). Measured with ``time.thread_time`` (this thread's
CPU, so other load on a shared machine matters less than for wall clock) over a sequence
of one-line edits (the edits of benchmarks/lsp_latency.py), per round the median per
edit; printed: min and median of the rounds.

    PYTHONPATH=server python benchmarks/lsp_engine_cpu.py [--rounds 7] [--edits 60]
        [--lines 500] [--py] [--profile]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import lsp_latency  # noqa: E402
from lint_env.api import Project  # noqa: E402
from lint_env.config import Config  # noqa: E402
from lint_env.lsp.settings import parse_settings  # noqa: E402
from lint_env.lsp.state import build_result, lines_of  # noqa: E402


def edits(lines: list[str], count: int):
    """(new text) per edit, as lsp_latency.round_trips makes them."""
    editable = [i for i, t in enumerate(lines) if t and not t.startswith(("#", "def"))]
    for n in range(count):
        i = editable[(n * 37) % len(editable)]
        old = lines[i]
        lines[i] = old + " " if not old.endswith(" ") else old.rstrip()
        yield "\n".join(lines)


def one_round(project: Project, path: Path, uri: str, lines: list[str], count: int) -> list[float]:
    engine = project.engine
    out = []
    made = None  # the last result's diagnostics, re-used as the server does
    for seq, text in enumerate(edits(lines, count)):
        t0 = time.thread_time()
        project.set_overlay(path, text)
        findings = list(engine.check_file(path, verify=False))
        rows = {None: lines_of(text)}
        made = build_result(
            uri, [uri], False, seq, seq, findings, rows, "utf-16",
            lambda code: None, lambda p, c: uri, lambda p, c, rows=rows: rows[None], made,
        ).made  # fmt: skip
        out.append((time.thread_time() - t0) * 1000)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--edits", type=int, default=60)
    ap.add_argument("--lines", type=int, default=500)
    ap.add_argument("--py", action="store_true", help="the 3,000-line .py file instead")
    ap.add_argument("--profile", action="store_true", help="cProfile one round, top 30")
    args = ap.parse_args()
    settings, _ = parse_settings({"lintEnv": {"pythonVersion": "3.11"}})
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        req = lsp_latency.requirements_text(args.lines)
        py = lsp_latency.python_text(3000)
        (root / "requirements.txt").write_text(req)
        (root / "train.py").write_text(py)
        name, text = ("train.py", py) if args.py else ("requirements.txt", req)
        path = root / name
        uri = path.as_uri()
        project = Project(root, settings.apply(Config(root=root)))
        project.set_overlay(path, text)
        project.engine.check_file(path, verify=False)
        lines = text.split("\n")
        one_round(project, path, uri, lines, 10)  # warm-up
        if args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
            one_round(project, path, uri, lines, args.edits)
            prof.disable()
            pstats.Stats(prof).sort_stats("tottime").print_stats(30)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
            return 0
        medians = []
        for _ in range(args.rounds):
            medians.append(statistics.median(one_round(project, path, uri, lines, args.edits)))
    print(
        f"{name} ({len(lines) - 1} lines): CPU per edit (check + conversion), median of"
        f" {args.edits} edits per round, {args.rounds} rounds:"
        f" min {min(medians):.3f} ms, median {statistics.median(medians):.3f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
