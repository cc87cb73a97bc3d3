"""Running probe.py in the selected interpreter: a hard timeout, its process group killed,
capped output."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

PROBE_SCRIPT = Path(__file__).with_name("probe.py")
PROGRESS = "@@lint-env-progress "
MAX_PROBE_OUTPUT = 32 << 20  # bytes of probe JSON accepted

ProgressFn = Callable[[str], None]


# --- running the probe --------------------------------------------------------------


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def tf_timeout_for(total: float) -> float:
    """The TensorFlow child's share of the whole probe's time limit."""
    return max(1.0, total - min(15.0, total * 0.25))


def run_probe(
    python: str,
    *,
    cwd: Path,
    timeout: float,
    args: Sequence[str] = (),
    on_progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """Run probe.py in ``python``; returns its JSON, or {"probe_error": ...}."""
    argv = [python, "-I", "-B", str(PROBE_SCRIPT), *args]
    kwargs: dict[str, Any] = {}
    if os.name == "posix":
        kwargs["start_new_session"] = True
    else:
        kwargs["creationflags"] = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=_clean_env(),
            **kwargs,
        )
    except OSError as exc:
        return {"probe_error": f"cannot start {python}: {exc.strerror or exc}"}

    chunks: list[bytes] = []
    size = [0]
    errors: list[str] = []

    def read_out() -> None:
        assert proc.stdout is not None
        for chunk in iter(lambda: proc.stdout.read(65536), b""):
            if size[0] < MAX_PROBE_OUTPUT:
                chunks.append(chunk)
            size[0] += len(chunk)

    def read_err() -> None:
        assert proc.stderr is not None
        for raw in iter(proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if line.startswith(PROGRESS):
                if on_progress is not None:
                    on_progress(line[len(PROGRESS) :])
            elif len(errors) < 200:
                errors.append(line)

    readers = [threading.Thread(target=read_out), threading.Thread(target=read_err)]
    for t in readers:
        t.daemon = True
        t.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    _kill_group(proc)
    for t in readers:
        t.join(timeout=5)
    if timed_out:
        return {"probe_error": f"the probe did not finish within {timeout:g} s (killed)"}
    if size[0] > MAX_PROBE_OUTPUT:
        return {"probe_error": f"the probe wrote more than {MAX_PROBE_OUTPUT} bytes"}
    text = b"".join(chunks).decode("utf-8", "replace").strip()
    data = _parse_report(text)
    if not isinstance(data, dict):
        tail = " | ".join(e for e in errors[-3:] if e.strip())[:400]
        how = (
            f"exit {proc.returncode}"
            if proc.returncode is None or proc.returncode >= 0
            else (f"killed by {_signal_name(-proc.returncode)}")
        )
        return {"probe_error": f"the probe gave no report ({how}){': ' + tail if tail else ''}"}
    return data


def _parse_report(text: str) -> Any:
    """The probe prints one JSON line last; a sitecustomize may print before it."""
    for candidate in (text, text.rsplit("\n", 1)[-1]):
        try:
            return json.loads(candidate) if candidate else None
        except ValueError:
            continue
    return None


def _signal_name(num: int) -> str:
    try:
        return signal.Signals(num).name
    except ValueError:
        return f"SIG{num}"


def _kill_group(proc: subprocess.Popen) -> None:
    if os.name == "posix":
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
    elif proc.poll() is None:
        with contextlib.suppress(OSError):
            proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
