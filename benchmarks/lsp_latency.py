"""Language-server latency and memory (prints figures; not a timed test).

For `lint-env server` and for the floor (benchmarks/minimal_server.py, a pygls server
that publishes an empty list at once): the time from sending `textDocument/didChange`
to receiving the `publishDiagnostics` for that document version, p50 and p95 over N
sequential edits, on a 500-line requirements file and a 3,000-line .py file; then the
server's resident memory after 10,000 edits (sampled along the way, to see it does
not grow without bound).

Run (from the repository root, with the package importable):
    PYTHONPATH=server python benchmarks/lsp_latency.py [--edits 200] [--memory-edits 10000]
        [--debounce-ms N]   # the server's lintEnv.debounceMs (default: its own default)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

HERE = Path(__file__).resolve().parent

# Real package names so the engine does real work (snapshot lookups, markers).
_PACKAGES = [
    "numpy", "scipy", "pandas", "matplotlib", "scikit-learn", "tensorflow", "keras",
    "torch", "torchvision", "jax", "jaxlib", "h5py", "pillow", "requests", "pyyaml",
    "protobuf", "grpcio", "opencv-python", "tqdm", "rich",
]  # fmt: skip


def requirements_text(lines: int = 500) -> str:
    out = []
    for i in range(lines):
        name = _PACKAGES[i % len(_PACKAGES)] if i < len(_PACKAGES) else f"demo-pkg-{i}"
        if i % 7 == 0:
            out.append(f'{name}>=1.0; sys_platform == "darwin"')
        elif i % 5 == 0:
            out.append(f"# group {i}")
        else:
            out.append(f"{name}==1.{i % 10}.0")
    return "\n".join(out) + "\n"


def python_text(lines: int = 3000) -> str:
    out = ["import os", "import numpy as np", "import pandas as pd", "from scipy import linalg", ""]
    i = 0
    while len(out) < lines:
        out += [
            f"def f{i}(x):",
            f"    y = np.asarray(x) * {i}",
            "    return linalg.norm(y)",
            "",
        ]
        i += 1
    return "\n".join(out[:lines]) + "\n"


class Bench:
    def __init__(self, command: list[str], root: Path, init_options: dict | None) -> None:
        self.command = command
        self.root = root
        self.init_options = init_options
        self.client = LanguageClient("bench", "0")
        self.waiting: dict[tuple[str, int], asyncio.Future] = {}

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: types.PublishDiagnosticsParams) -> None:
            fut = self.waiting.pop((params.uri, params.version), None)
            if fut is not None and not fut.done():
                fut.set_result(time.perf_counter())

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def logged(params: types.LogMessageParams) -> None:
            if params.type == types.MessageType.Error:
                print("server:", params.message, file=sys.stderr)

    async def start(self) -> None:
        await self.client.start_io(*self.command)
        caps = types.ClientCapabilities(
            text_document=types.TextDocumentClientCapabilities(
                publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True)
            )
        )
        await self.client.initialize_async(
            types.InitializeParams(
                capabilities=caps,
                root_uri=from_fs_path(str(self.root)),
                initialization_options=self.init_options,
            )
        )
        self.client.initialized(types.InitializedParams())

    def expect(self, uri: str, version: int) -> asyncio.Future:
        fut = asyncio.get_running_loop().create_future()
        self.waiting[(uri, version)] = fut
        return fut

    async def open(self, uri: str, text: str, language: str) -> None:
        fut = self.expect(uri, 1)
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id=language, version=1, text=text
                )
            )
        )
        await asyncio.wait_for(fut, 120)

    def change(self, uri: str, version: int, line: int, old: str, new: str) -> None:
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(
                            start=types.Position(line=line, character=0),
                            end=types.Position(line=line, character=len(old)),
                        ),
                        text=new,
                    )
                ],
            )
        )

    async def round_trips(self, uri: str, lines: list[str], edits: int, start_version: int):
        """Sequential edits, each waiting for its own diagnostics; returns ms per edit."""
        times = []
        version = start_version
        editable = [i for i, t in enumerate(lines) if t and not t.startswith(("#", "def"))]
        for n in range(edits):
            i = editable[(n * 37) % len(editable)]
            old = lines[i]
            new = old + " " if not old.endswith(" ") else old.rstrip()
            lines[i] = new
            version += 1
            fut = self.expect(uri, version)
            t0 = time.perf_counter()
            self.change(uri, version, i, old, new)
            t1 = await asyncio.wait_for(fut, 60)
            times.append((t1 - t0) * 1000)
        return times, version

    async def stop(self) -> None:
        try:
            await asyncio.wait_for(self.client.shutdown_async(None), 30)
            self.client.exit(None)
            await asyncio.sleep(0.2)
        finally:
            await self.client.stop()

    @property
    def pid(self) -> int:
        return self.client._server.pid  # the server subprocess pygls started


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    out = subprocess.run(["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True)
    return int(out.stdout.strip() or 0) / 1024


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


async def measure(command, root, init_options, files, edits) -> dict[str, list[float]]:
    bench = Bench(command, root, init_options)
    await bench.start()
    out = {}
    try:
        for name, text, language in files:
            uri = from_fs_path(str(root / name))
            await bench.open(uri, text, language)
            lines = text.split("\n")
            await bench.round_trips(uri, lines, 10, 1)  # warm-up
            times, _ = await bench.round_trips(uri, lines, edits, 11)
            out[name] = times
    finally:
        await bench.stop()
    return out


async def memory(command, root, init_options, text: str, edits: int) -> list[tuple[int, float]]:
    """RSS samples while sending ``edits`` edits to the requirements file, in bursts of 50
    (each burst waits for the diagnostics of its last version)."""
    bench = Bench(command, root, init_options)
    await bench.start()
    samples = []
    try:
        uri = from_fs_path(str(root / "requirements.txt"))
        await bench.open(uri, text, "pip-requirements")
        samples.append((0, rss_mib(bench.pid)))
        lines = text.split("\n")
        version = 1
        sent = 0
        step = max(1, edits // 10)
        while sent < edits:
            burst = min(50, edits - sent)
            for _ in range(burst):
                i = (sent * 37) % (len(lines) - 1)
                old = lines[i]
                new = old + " " if not old.endswith(" ") else old.rstrip()
                lines[i] = new
                version += 1
                sent += 1
                bench.change(uri, version, i, old, new)
            await asyncio.wait_for(bench.expect(uri, version), 120)
            if sent % step == 0 or sent == edits:
                samples.append((sent, rss_mib(bench.pid)))
    finally:
        await bench.stop()
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--memory-edits", type=int, default=10_000)
    parser.add_argument("--debounce-ms", type=int, default=None)
    args = parser.parse_args()

    init = {"lintEnv": {"pythonVersion": "3.11"}}
    if args.debounce_ms is not None:
        init["lintEnv"]["debounceMs"] = args.debounce_ms
    lint_env = [sys.executable, "-m", "lint_env", "server"]
    floor = [sys.executable, str(HERE / "minimal_server.py")]
    req, py = requirements_text(500), python_text(3000)
    files = [("requirements.txt", req, "pip-requirements"), ("train.py", py, "python")]
    print(f"python {sys.version.split()[0]} on {sys.platform}; {os.cpu_count()} CPUs")
    print(f"debounceMs: {args.debounce_ms if args.debounce_ms is not None else 'server default'}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "requirements.txt").write_text(req)
        (root / "train.py").write_text(py)
        ours = asyncio.run(measure(lint_env, root, init, files, args.edits))
        base = asyncio.run(measure(floor, root, None, files, args.edits))
        print(f"\ndidChange -> publishDiagnostics, {args.edits} sequential edits (ms)")
        print(
            f"{'file':<28}{'lint-env p50':>13}{'p95':>9}{'floor p50':>11}{'p95':>9}{'ratio p50':>11}"
        )
        labels = {
            "requirements.txt": "requirements.txt (500 lines)",
            "train.py": "train.py (3,000 lines)",
        }
        for name, label in labels.items():
            a, b = ours[name], base[name]
            print(
                f"{label:<28}{pct(a, 50):>13.2f}{pct(a, 95):>9.2f}"
                f"{pct(b, 50):>11.2f}{pct(b, 95):>9.2f}{pct(a, 50) / pct(b, 50):>10.1f}x"
            )
        if args.memory_edits:
            samples = asyncio.run(memory(lint_env, root, init, req, args.memory_edits))
            print(f"\nserver RSS while editing requirements.txt ({args.memory_edits} edits):")
            print("  " + ", ".join(f"{n}: {mib:.1f} MiB" for n, mib in samples))
            first = samples[1][1] if len(samples) > 1 else samples[0][1]
            print(f"  growth after the first tenth: {samples[-1][1] - first:+.1f} MiB")
    print(
        f"(statistics: mean of lint-env p50s {statistics.mean(pct(v, 50) for v in ours.values()):.2f} ms)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
