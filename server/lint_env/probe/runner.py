"""Running probe.py in the selected interpreter: a hard timeout, its process group killed,
capped output."""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROBE_SCRIPT = Path(__file__).with_name("probe.py")
PROGRESS = "@@lint-env-progress "
MAX_PROBE_OUTPUT = 32 << 20  # bytes of probe JSON accepted
MAX_TIMEOUT_S = 24 * 3600.0  # a longer limit is a typo, not a plan
TAG_VAR = "LINT_ENV_PROBE_RUN"  # marks every process a run started (see kill_tagged)

ProgressFn = Callable[[str], None]
_ACTIVE: dict[str, subprocess.Popen] = {}  # token -> run still going
_LOCK = threading.Lock()


# --- running the probe --------------------------------------------------------------


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def tf_timeout_for(total: float) -> float:
    """The TensorFlow child's share of the whole probe's time limit."""
    return max(1.0, total - min(15.0, total * 0.25))


def timeout_problem(value: Any) -> str | None:
    """Why ``value`` is not a usable time limit in seconds (None: it is)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "must be a number of seconds"
    if not math.isfinite(value):
        return f"{value} is not a finite number of seconds"
    if value <= 0:
        return f"must be positive, not {value:g}"
    if value > MAX_TIMEOUT_S:
        return f"{value:g} s is more than the limit of {MAX_TIMEOUT_S:g} s (a day)"
    return None


@dataclass
class Completed:
    """How a bounded run ended."""

    returncode: int | None
    stdout: bytes  # at most ``max_stdout`` bytes
    stdout_size: int  # bytes written in all
    stderr: list[str]  # the first lines (progress lines excluded)
    timed_out: bool
    escaped: int = 0  # descendants that left the process group, killed at the end


def run_bounded(
    argv: Sequence[str],
    *,
    timeout: float,
    cwd: Path | None = None,
    on_progress: ProgressFn | None = None,
    max_stdout: int = MAX_PROBE_OUTPUT,
) -> Completed:
    """Run ``argv`` in its own session with a hard ``timeout``; nothing it started is
    left running afterwards. Raises OSError when it cannot start.

    Its process group is killed at the end (on time or not); descendants that escaped
    the group with ``setsid`` are found by a random token in their environment and
    killed too (Linux: /proc; elsewhere only the group can be killed)."""
    token = uuid.uuid4().hex
    env = _clean_env()
    env[TAG_VAR] = token
    kwargs: dict[str, Any] = {}
    if os.name == "posix":
        kwargs["start_new_session"] = True
    else:
        kwargs["creationflags"] = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
    proc = subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=env,
        **kwargs,
    )
    chunks: list[bytes] = []
    size = [0]
    errors: list[str] = []

    def read_out() -> None:
        assert proc.stdout is not None
        for chunk in iter(lambda: proc.stdout.read(65536), b""):
            if size[0] < max_stdout:
                chunks.append(chunk)
            size[0] += len(chunk)

    def read_err() -> None:
        assert proc.stderr is not None
        for raw in iter(lambda: proc.stderr.readline(65536), b""):
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
    with _LOCK:
        _ACTIVE[token] = proc
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        with _LOCK:
            _ACTIVE.pop(token, None)
    _kill_group(proc)
    escaped = kill_tagged(token)
    for t in readers:
        t.join(timeout=5)
    for stream in (proc.stdout, proc.stderr):
        with contextlib.suppress(OSError):
            stream.close()  # type: ignore[union-attr]
    return Completed(
        proc.returncode, b"".join(chunks)[:max_stdout], size[0], errors, timed_out, escaped
    )


def kill_active() -> None:
    """Kill every run still going (a language server told to exit mid-validation)."""
    with _LOCK:
        runs = list(_ACTIVE.items())
        _ACTIVE.clear()
    for token, proc in runs:
        _kill_group(proc)
        kill_tagged(token)


def kill_tagged(token: str) -> int:
    """SIGKILL every process whose environment holds ``TAG_VAR=token``; how many.

    A process that called ``setsid`` is out of reach of ``killpg`` but keeps the
    environment it was started with. Only /proc (Linux) lets us read it; elsewhere
    this does nothing (see probe/README.md)."""
    if not os.path.isdir("/proc/self") or os.name != "posix":
        return 0
    needle = f"{TAG_VAR}={token}".encode()
    me = os.getpid()
    killed: set[int] = set()
    for _ in range(50):  # they may fork while we kill: until a scan finds none
        found = []
        with contextlib.suppress(OSError):
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit():
                    continue
                pid = int(entry.name)
                if pid == me or pid in killed:
                    continue
                try:
                    with open(f"/proc/{pid}/environ", "rb") as fh:
                        environ = fh.read()
                except OSError:
                    continue  # gone, or not ours
                if needle in environ.split(b"\0"):
                    found.append(pid)
        if not found:
            break
        for pid in found:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            killed.add(pid)
        time.sleep(0.01)
    return len(killed)


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
    try:
        run = run_bounded(argv, timeout=timeout, cwd=cwd, on_progress=on_progress)
    except OSError as exc:
        return {"probe_error": f"cannot start {python}: {exc.strerror or exc}"}
    if run.timed_out:
        return {"probe_error": f"the probe did not finish within {timeout:g} s (killed)"}
    if run.stdout_size > MAX_PROBE_OUTPUT:
        return {"probe_error": f"the probe wrote more than {MAX_PROBE_OUTPUT} bytes"}
    text = run.stdout.decode("utf-8", "replace").strip()
    data = _parse_report(text)
    if not isinstance(data, dict):
        tail = " | ".join(e for e in run.stderr[-3:] if e.strip())[:400]
        code = run.returncode
        how = f"exit {code}" if code is None or code >= 0 else f"killed by {_signal_name(-code)}"
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
