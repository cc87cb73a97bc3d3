"""Which interpreter ``lint-env validate`` checks, and whether it is a working Python."""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

from .results import Interpreter, ValidationError
from .runner import run_bounded

# --- interpreter discovery ----------------------------------------------------------


def _python_in(prefix: Path) -> Path | None:
    for rel in ("bin/python3", "bin/python", "Scripts/python.exe", "python.exe"):
        cand = prefix / rel
        if cand.is_file():
            return cand
    return None


def discover_interpreter(
    python: str | None, cwd: Path, environ: dict[str, str] | None = None
) -> Interpreter:
    """--python, then $VIRTUAL_ENV, $CONDA_PREFIX, .venv/venv in ``cwd``, then this one."""
    env = os.environ if environ is None else environ
    if python:
        return Interpreter(str(_given(python, cwd)), "--python")
    for var in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        value = env.get(var)
        if value:
            inner = _python_in(Path(value))
            if inner is not None:
                return Interpreter(str(inner), f"${var}")
    for name in (".venv", "venv"):
        inner = _python_in(cwd / name)
        if inner is not None:
            return Interpreter(str(inner), f"{name}/ in the project")
    return Interpreter(sys.executable, "the interpreter running lint-env")


def _given(python: str, cwd: Path) -> Path:
    """An absolute path for --python: a path (relative ones against ``cwd``), a venv or
    conda folder, or a command name looked up on PATH. Symlinks are kept: a venv's
    ``bin/python`` is a link, and following it would leave the venv."""
    raw = os.path.expanduser(python)
    seps = [os.sep] + ([os.altsep] if os.altsep else [])
    is_path = os.path.isabs(raw) or raw.startswith(".") or any(c in raw for c in seps)
    here = Path(os.path.abspath(cwd / raw))
    if not is_path:
        if here.is_dir():
            is_path = True  # --python venv
        else:
            found = shutil.which(raw)
            if found is None:
                raise ValidationError(f"{python}: not a file or folder, and not a command on PATH")
            return Path(os.path.abspath(found))
    if here.is_dir():
        inner = _python_in(here)
        if inner is None:
            raise ValidationError(f"{python}: a folder without bin/python in it")
        return inner
    return here


def check_interpreter(interp: Interpreter, timeout: float = 30.0) -> Interpreter:
    """Run it once (with ``timeout``, like the probe); a path that is not a working
    Python 3.8+ is a ValidationError."""
    code = "import sys; print('%d.%d.%d' % sys.version_info[:3])"
    try:
        run = run_bounded([interp.path, "-I", "-c", code], timeout=timeout, max_stdout=4096)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ValidationError(f"{interp.path}: not a working Python ({reason})") from None
    if run.timed_out:
        raise ValidationError(
            f"{interp.path}: not a working Python (no answer within {timeout:g} s; killed)"
        )
    text = run.stdout.decode("utf-8", "replace").strip()
    if run.returncode != 0 or not re.fullmatch(r"\d+\.\d+\.\d+", text):
        raise ValidationError(f"{interp.path}: not a working Python (exit {run.returncode})")
    if tuple(int(x) for x in text.split(".")[:2]) < (3, 8):
        raise ValidationError(f"{interp.path}: Python {text}; the probe needs Python 3.8+")
    return Interpreter(interp.path, interp.source, text)
