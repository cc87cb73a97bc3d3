"""Which interpreter ``lint-env validate`` checks, and whether it is a working Python."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from .results import Interpreter, ValidationError
from .runner import _clean_env

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
        path = Path(python).expanduser()
        if path.is_dir():
            inner = _python_in(path)
            if inner is None:
                raise ValidationError(f"{python}: a folder without bin/python in it")
            path = inner
        return Interpreter(str(path), "--python")
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


def check_interpreter(interp: Interpreter, timeout: float = 30.0) -> Interpreter:
    """Run it once; a path that is not a working Python 3.8+ is a ValidationError."""
    code = "import sys; print('%d.%d.%d' % sys.version_info[:3])"
    try:
        out = subprocess.run(
            [interp.path, "-I", "-c", code],
            capture_output=True,
            timeout=timeout,
            env=_clean_env(),
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ValidationError(f"{interp.path}: not a working Python ({reason})") from None
    text = out.stdout.decode("utf-8", "replace").strip()
    if out.returncode != 0 or not re.fullmatch(r"\d+\.\d+\.\d+", text):
        raise ValidationError(f"{interp.path}: not a working Python (exit {out.returncode})")
    if tuple(int(x) for x in text.split(".")[:2]) < (3, 8):
        raise ValidationError(f"{interp.path}: Python {text}; the probe needs Python 3.8+")
    return Interpreter(interp.path, interp.source, text)
