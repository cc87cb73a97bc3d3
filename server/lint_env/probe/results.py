"""The vocabulary of ``lint-env validate``: findings, the interpreter, the report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..model import Severity

REPORT_SCHEMA = 1


class ValidationError(Exception):
    """A usage problem (not a working Python, bad option): one line, exit code 2."""


# --- results ------------------------------------------------------------------------


@dataclass(frozen=True)
class RuntimeFinding:
    """One runtime problem. ``package`` is the distribution it concerns (or None)."""

    code: str
    severity: Severity
    message: str
    package: str | None = None
    name: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "package": self.package,
        }


@dataclass(frozen=True)
class Interpreter:
    path: str
    source: str  # how it was chosen: "--python", "$VIRTUAL_ENV", ".venv/ in the project", ...
    version: str = ""


@dataclass
class ValidationReport:
    """What ``lint-env validate`` and the editor command show.

    ``to_json()`` is the stable machine-readable form (see probe/README.md)::

        {"schema": 1, "interpreter": "/path/python", "interpreter_source": "$VIRTUAL_ENV",
         "verdict": "TensorFlow 2.15.1 runs on CPU only: 512×512 matmul 2.5 ms",
         "summary": {"error": 1, "warning": 0, "info": 0},
         "findings": [{"code": "RT009", "name": "...", "severity": "error",
                       "message": "...", "package": "keras"}],
         "probe": {... the probe's own JSON ...}}
    """

    interpreter: str
    data: dict[str, Any]
    findings: list[RuntimeFinding]
    verdict: str
    interpreter_source: str = ""
    elapsed_s: float = 0.0

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    @property
    def has_errors(self) -> bool:
        return self.count(Severity.ERROR) > 0

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": REPORT_SCHEMA,
            "interpreter": self.interpreter,
            "interpreter_source": self.interpreter_source,
            "verdict": self.verdict,
            "summary": {s.value: self.count(s) for s in Severity},
            "findings": [f.to_json() for f in self.findings],
            "elapsed_s": round(self.elapsed_s, 3),
            "probe": self.data,
        }
