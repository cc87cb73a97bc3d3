"""The ``lint-env.validate`` command: run the runtime probe in the selected interpreter.

The interpreter comes from the command argument, else the ``lintEnv.interpreter``
setting, else discovery (a ``.venv``/``venv`` in the workspace, ``$VIRTUAL_ENV``,
``$CONDA_PREFIX``). The probe itself lives in ``lint_env.probe.validate``; when
that module is not importable the command answers a clear "not available" error.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from pygls.exceptions import JsonRpcException

COMMAND = "lint-env.validate"
TIMEOUT_S = 300.0


class CommandFailed(JsonRpcException):
    """LSP ``RequestFailed``: the request was valid but could not be done."""

    CODE = -32803


def load_probe():
    """``run_validation`` or a CommandFailed saying validation is not available."""
    try:
        from ..probe.validate import run_validation
    except ImportError as exc:
        raise CommandFailed(
            "lint-env.validate is not available: the validation probe "
            f"(lint_env.probe.validate) is not installed in this build ({exc})"
        ) from None
    return run_validation


def interpreter_from_argument(args: tuple[Any, ...]) -> str | None:
    """Accept ``"/path/python"``, ``{"python": ...}``/``{"interpreter": ...}`` or ``[...]``."""
    for arg in args:
        if isinstance(arg, str) and arg:
            return arg
        if isinstance(arg, dict):
            for key in ("python", "interpreter", "path"):
                value = arg.get(key)
                if isinstance(value, list) and value:
                    value = value[0]
                if isinstance(value, str) and value:
                    return value
        if isinstance(arg, list) and arg and isinstance(arg[0], str):
            return arg[0]
    return None


def discover_interpreter(root: Path) -> str | None:
    bin_dir, exe = ("Scripts", "python.exe") if sys.platform == "win32" else ("bin", "python")
    candidates = [root / name / bin_dir / exe for name in (".venv", "venv", "env")]
    for var in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        value = os.environ.get(var)
        if value:
            candidates.append(Path(value) / bin_dir / exe)
    for c in candidates:
        if c.is_file():
            return str(c)
    return None


def report_json(report: Any) -> dict[str, Any]:
    """The probe report as a JSON object, whatever shape ``to_json`` returns."""
    data = report.to_json() if hasattr(report, "to_json") else report
    if isinstance(data, str):
        data = json.loads(data)
    if not isinstance(data, dict):
        data = {"report": data}
    return data


def summary(interpreter: str, report: Any) -> str:
    findings = list(getattr(report, "findings", []) or [])
    verdict = getattr(report, "verdict", None) or "done"
    counts: dict[str, int] = {}
    for f in findings:
        sev = str(getattr(getattr(f, "severity", None), "value", getattr(f, "severity", "")))
        counts[sev] = counts.get(sev, 0) + 1
    detail = ", ".join(f"{n} {s or 'finding'}" for s, n in sorted(counts.items())) or "no findings"
    return f"lint-env validate ({interpreter}): {verdict}; {detail}"
