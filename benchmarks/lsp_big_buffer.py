"""A huge editor buffer: time to the first diagnostic and the server's memory.

    python benchmarks/lsp_big_buffer.py [--mb 20] [--limit BYTES]

Opens one requirements buffer of ``--mb`` megabytes in the real server over stdio and
prints how long the first publishDiagnostics took, what it said, and the server's
resident and peak memory (Linux: /proc). Buffers over ``lintEnv.maxDocumentBytes``
(default 5 MiB) get one LE004 diagnostic instead of an analysis; pass a higher
``--limit`` to see what analysing it would cost.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from lsp_raw import RawServer  # noqa: E402


def _status(pid: int, key: str) -> str:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "?"
    return text.split(f"{key}:", 1)[1].split("\n", 1)[0].strip() if f"{key}:" in text else "?"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=20.0)
    ap.add_argument("--limit", type=int, default=None, help="lintEnv.maxDocumentBytes")
    ap.add_argument("--wait", type=float, default=120.0, help="seconds to wait for diagnostics")
    args = ap.parse_args()
    line = "numpy==1.26.4\n"
    text = line * int(args.mb * 1024 * 1024 / len(line))
    options = {"lintEnv": {"maxDocumentBytes": args.limit}} if args.limit else None
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with RawServer(root) as srv:
            srv.initialize(root, options)
            t0 = time.perf_counter()
            uri = srv.open(root / "requirements.txt", text, "pip-requirements")
            try:
                diags = srv.diagnostics(uri, timeout=args.wait)
                took = f"{time.perf_counter() - t0:.2f} s"
                first = diags[0]["message"] if diags else "(none)"
                print(f"{len(text):,} bytes: {len(diags)} diagnostics in {took}; first: {first}")
            except AssertionError:
                print(f"{len(text):,} bytes: no diagnostics within {args.wait:g} s")
            pid = srv.proc.pid
            print(f"server RSS {_status(pid, 'VmRSS')}, peak {_status(pid, 'VmHWM')}")
            srv.notify("exit")
            print(f"exit code {srv.wait(60)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
