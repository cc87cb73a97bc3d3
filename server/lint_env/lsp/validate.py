"""The ``lint-env.validate`` command: run the runtime probe in the selected interpreter.

The interpreter comes from the command argument, else the ``lintEnv.interpreter``
setting, else the probe's own discovery (``$VIRTUAL_ENV``, ``$CONDA_PREFIX``, a
``.venv``/``venv`` in the workspace). The probe lives in ``lint_env.probe.validate``;
when that module is not importable the command answers a clear "not available" error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Options:
    python: str | None = None
    as_platform: str | None = None
    sites: tuple[str, ...] = ()
    tensorflow: bool = True
    timeout: float = TIMEOUT_S


def parse_arguments(args: tuple[Any, ...]) -> Options:
    """The command's arguments: none, an interpreter path, or one object
    ``{"python": PATH, "asPlatform": "macos-arm64", "sites": [DIR], "tensorflow": bool,
    "timeout": S}`` (all keys optional; ``interpreter`` is an alias of ``python``)."""
    if not args or args == (None,):
        return Options()
    if len(args) == 1 and isinstance(args[0], str) and args[0]:
        return Options(python=args[0])
    if len(args) == 1 and isinstance(args[0], dict):
        raw = args[0]
        python = raw.get("python", raw.get("interpreter"))
        if isinstance(python, list) and len(python) == 1:  # VS Code's interpreterPath shape
            python = python[0]
        sites = raw.get("sites", [])
        timeout = raw.get("timeout", TIMEOUT_S)
        from ..probe.runner import timeout_problem

        ok = (
            (python is None or isinstance(python, str))
            and (raw.get("asPlatform") is None or isinstance(raw.get("asPlatform"), str))
            and isinstance(sites, list)
            and all(isinstance(x, str) for x in sites)
            and isinstance(raw.get("tensorflow", True), bool)
            and timeout_problem(timeout) is None
        )
        if ok:
            return Options(
                python=python or None,
                as_platform=raw.get("asPlatform") or None,
                sites=tuple(sites),
                tensorflow=raw.get("tensorflow", True),
                timeout=float(timeout),
            )
    raise CommandFailed(
        "lint-env.validate: the argument must be an interpreter path or an object "
        '{"python": PATH, "asPlatform": ..., "sites": [...], "tensorflow": bool, "timeout": S}'
    )


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
