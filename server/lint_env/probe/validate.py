"""``lint-env validate``: run the probe in the selected interpreter and judge it.

The probe (``probe.py`` next to this file) is a stdlib-only script that runs *inside*
the interpreter being checked and reports facts as JSON. This module picks the
interpreter, runs the probe with a hard timeout (its whole process group is killed
on expiry), turns the facts into findings with the runtime rule codes of
``rules/runtime.toml`` (:func:`findings_from_report`), and prints a report that
leads with a one-line verdict. The JSON shape is documented in ``README.md`` here.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .interpreter import _python_in, check_interpreter, discover_interpreter
from .judge import findings_from_report, make_verdict, rule_texts
from .results import (
    REPORT_SCHEMA,
    Interpreter,
    RuntimeFinding,
    ValidationError,
    ValidationReport,
)
from .runner import (
    MAX_PROBE_OUTPUT,
    PROBE_SCRIPT,
    PROGRESS,
    ProgressFn,
    _parse_report,
    run_probe,
    tf_timeout_for,
    timeout_problem,
)
from .text import format_text

__all__ = [
    "AS_PLATFORM",
    "DEFAULT_TIMEOUT",
    "MAX_PROBE_OUTPUT",
    "PROBE_SCRIPT",
    "PROGRESS",
    "REPORT_SCHEMA",
    "Interpreter",
    "RuntimeFinding",
    "ValidationError",
    "ValidationReport",
    "_parse_report",
    "_python_in",
    "add_arguments",
    "check_interpreter",
    "discover_interpreter",
    "findings_from_report",
    "format_text",
    "main",
    "make_verdict",
    "rule_texts",
    "run",
    "run_probe",
    "run_validation",
    "tf_timeout_for",
]

DEFAULT_TIMEOUT = 120.0
AS_PLATFORM = re.compile(r"(macos|linux|windows)-(arm64|aarch64|x86_64|amd64|x86|i686|arm|armv7l)")


def run_validation(
    python: str | None,
    *,
    cwd: Path,
    timeout: float = DEFAULT_TIMEOUT,
    on_progress: ProgressFn | None = None,
    tensorflow: bool = True,
    sites: Sequence[str] = (),
    prefix: str | None = None,
    as_platform: str | None = None,
    all_binaries: bool = False,
    interpreter: Interpreter | None = None,
    tf_timeout: float | None = None,
) -> ValidationReport:
    """Pick the interpreter (see :func:`discover_interpreter`), probe it, judge it.

    Raises :class:`ValidationError` when the interpreter is not a working Python.
    """
    t0 = time.perf_counter()
    for flag, value in (("--timeout", timeout), ("--tf-timeout", tf_timeout)):
        problem = None if value is None else timeout_problem(value)
        if problem:
            raise ValidationError(f"{flag}: {problem}")
    if as_platform and not AS_PLATFORM.fullmatch(as_platform):
        raise ValidationError(
            f"--as-platform {as_platform!r}: expected OS-ARCH, e.g. macos-arm64, linux-x86_64"
        )
    interp = interpreter or check_interpreter(discover_interpreter(python, cwd), timeout)
    child_limit = tf_timeout_for(timeout) if tf_timeout is None else min(tf_timeout, timeout)
    args: list[str] = ["--tf-timeout", f"{child_limit:g}"]
    if not tensorflow:
        args.append("--no-tensorflow")
    for site in sites:
        args += ["--site", str((cwd / Path(site).expanduser()).resolve())]
    if prefix:
        args += ["--prefix", str((cwd / Path(prefix).expanduser()).resolve())]
    if as_platform:
        args += ["--as-platform", as_platform]
    if all_binaries:
        args.append("--all-binaries")
    data = run_probe(interp.path, cwd=cwd, timeout=timeout, args=args, on_progress=on_progress)
    findings = findings_from_report(data, full=True)
    return ValidationReport(
        interpreter=interp.path,
        data=data,
        findings=findings,
        verdict=make_verdict(data, findings),
        interpreter_source=interp.source,
        elapsed_s=time.perf_counter() - t0,
    )


# --- command line -------------------------------------------------------------------


def seconds(text: str) -> float:
    """argparse type of --timeout/--tf-timeout: a finite, positive, sane number."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    problem = timeout_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--python",
        metavar="PATH",
        help="interpreter (or venv/conda folder) to check; default: $VIRTUAL_ENV,"
        " $CONDA_PREFIX, .venv/venv here, then the one running lint-env",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"limit for the whole probe in seconds (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--tf-timeout",
        type=seconds,
        metavar="S",
        help="limit for the TensorFlow child (default: --timeout minus a margin)",
    )
    parser.add_argument(
        "--no-tensorflow", action="store_true", help="do not import TensorFlow (numpy still runs)"
    )
    parser.add_argument("--verbose", action="store_true", help="show progress on stderr")
    parser.add_argument(
        "--site",
        action="append",
        default=[],
        metavar="DIR",
        help="scan DIR instead of the interpreter's site-packages (repeatable)",
    )
    parser.add_argument("--prefix", metavar="DIR", help="read conda-meta/ from DIR")
    parser.add_argument(
        "--as-platform",
        metavar="OS-ARCH",
        help="judge tags and binaries as if the interpreter were e.g. macos-arm64",
    )
    parser.add_argument(
        "--all-binaries", action="store_true", help="read every distribution's native files"
    )


def run(args: argparse.Namespace) -> int:
    """0: no error findings; 1: error findings; 2: usage error."""
    tf_limit = getattr(args, "tf_timeout", None)
    for flag, value in (("--timeout", args.timeout), ("--tf-timeout", tf_limit)):
        problem = "missing" if flag == "--timeout" and value is None else None
        problem = problem or (None if value is None else timeout_problem(value))
        if problem:
            print(f"lint-env validate: {flag}: {problem}", file=sys.stderr)
            return 2
    show = args.verbose or (args.format == "text" and sys.stderr.isatty())
    cwd = Path.cwd()
    try:
        interp = check_interpreter(discover_interpreter(args.python, cwd), args.timeout)
    except ValidationError as exc:
        print(f"lint-env validate: {exc}", file=sys.stderr)
        return 2
    if args.as_platform and not AS_PLATFORM.fullmatch(args.as_platform):
        print(
            f"lint-env validate: --as-platform {args.as_platform!r}: expected OS-ARCH,"
            " e.g. macos-arm64, linux-x86_64",
            file=sys.stderr,
        )
        return 2
    print(f"lint-env validate: {interp.path} (from {interp.source})", file=sys.stderr)

    def progress(msg: str) -> None:
        if show:
            print(f"  … {msg}", file=sys.stderr, flush=True)

    report = run_validation(
        interp.path,
        cwd=cwd,
        timeout=args.timeout,
        on_progress=progress,
        tensorflow=not args.no_tensorflow,
        sites=args.site,
        prefix=args.prefix,
        as_platform=args.as_platform,
        all_binaries=args.all_binaries,
        interpreter=interp,
        tf_timeout=tf_limit,
    )
    if args.format == "json":
        sys.stdout.write(json.dumps(report.to_json(), indent=2, sort_keys=True) + "\n")
    else:
        sys.stdout.write(format_text(report))
    return 1 if report.has_errors else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="lint-env validate",
        description="Run the runtime probe in a Python interpreter and report what works.",
    )
    add_arguments(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage error -> 2, --help -> 0
        return int(exc.code or 0)
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
