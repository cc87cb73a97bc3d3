"""The text form of a validation report."""

from __future__ import annotations

from collections.abc import Sequence

from ..model import Severity
from .judge import _d, _platform_words
from .results import RuntimeFinding, ValidationReport

# --- verdict and text report --------------------------------------------------------


def _counts(findings: Sequence[RuntimeFinding]) -> str:
    parts = []
    for sev, word in ((Severity.ERROR, "error"), (Severity.WARNING, "warning")):
        n = sum(1 for f in findings if f.severity is sev)
        if n:
            parts.append(f"{n} {word}{'s' if n != 1 else ''}")
    return ", ".join(parts) if parts else "no problems found"


def format_text(report: ValidationReport) -> str:
    data = report.data
    interp = _d(data.get("interpreter"))
    lines = [report.verdict]
    desc = ", ".join(
        x
        for x in (
            f"{interp.get('implementation', 'Python')} {interp.get('version', '?')}",
            _platform_words(interp.get("os"), interp.get("arch")) if interp else "",
            "Rosetta 2" if interp.get("rosetta") else "",
            f"macOS {interp['macos_version']}" if interp.get("macos_version") else "",
            "conda" if interp.get("conda") else ("venv" if interp.get("venv") else ""),
        )
        if x
    )
    lines.append(
        f"Interpreter: {report.interpreter} ({desc}; chosen from {report.interpreter_source})"
    )
    if interp.get("judged_as"):
        j = _d(interp["judged_as"])
        lines.append(f"Judged as: {_platform_words(j.get('os'), j.get('arch'))} (--as-platform)")
    bins = _d(data.get("binaries"))
    if "distributions_total" in data:
        lines.append(
            f"Distributions: {data['distributions_total']}; native files read:"
            f" {bins.get('scanned', 0)}{' (capped)' if bins.get('truncated') else ''}"
        )
    conda = _d(data.get("conda"))
    if conda.get("is_conda"):
        lines.append(
            f"Conda: {conda.get('packages_total')} packages, subdir {conda.get('env_subdir')}"
        )
    numpy = _d(data.get("numpy"))
    if numpy.get("version"):
        blas = numpy.get("blas") or numpy.get("blas_from_files") or "unknown"
        lines.append(f"numpy {numpy['version']}: BLAS {blas}")
    tf = _d(data.get("tensorflow"))
    if tf.get("devices"):
        devs = ", ".join(
            str(_d(d).get("name", "")).replace("/physical_device:", "") for d in tf["devices"]
        )
        lines.append(f"TensorFlow devices: {devs}")
    kinfo = _d(tf.get("keras"))
    if kinfo:
        parts = []
        if kinfo.get("keras_version"):
            parts.append(f"keras {kinfo['keras_version']}")
        if kinfo.get("tf_keras_module"):
            parts.append(f"tf.keras -> {kinfo['tf_keras_module']}")
        if kinfo.get("keras_backend"):
            parts.append(f"backend {kinfo['keras_backend']}")
        if parts:
            lines.append("Keras: " + ", ".join(parts))
    lines.append(f"Result: {_counts(report.findings)}")
    if report.findings:
        lines.append("")
        for f in report.findings:
            pkg = f" [{f.package}]" if f.package else ""
            lines.append(f"{f.severity.value:<7} {f.code} {f.name}{pkg}: {f.message}")
    return "\n".join(lines) + "\n"
