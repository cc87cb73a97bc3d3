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
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..model import Severity
from .probe import TF_DISTS  # one list: the probe script and its judge agree

PROBE_SCRIPT = Path(__file__).with_name("probe.py")
PROGRESS = "@@lint-env-progress "
DEFAULT_TIMEOUT = 120.0
MAX_PROBE_OUTPUT = 32 << 20  # bytes of probe JSON accepted
REPORT_SCHEMA = 1

ProgressFn = Callable[[str], None]
AS_PLATFORM = re.compile(r"(macos|linux|windows)-(arm64|aarch64|x86_64|amd64|x86|i686|arm|armv7l)")


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
    if as_platform and not AS_PLATFORM.fullmatch(as_platform):
        raise ValidationError(
            f"--as-platform {as_platform!r}: expected OS-ARCH, e.g. macos-arm64, linux-x86_64"
        )
    interp = interpreter or check_interpreter(discover_interpreter(python, cwd))
    child_limit = tf_timeout_for(timeout) if tf_timeout is None else min(tf_timeout, timeout)
    args: list[str] = ["--tf-timeout", f"{child_limit:g}"]
    if not tensorflow:
        args.append("--no-tensorflow")
    for site in sites:
        args += ["--site", str(Path(site).resolve())]
    if prefix:
        args += ["--prefix", str(Path(prefix).resolve())]
    if as_platform:
        args += ["--as-platform", as_platform]
    if all_binaries:
        args.append("--all-binaries")
    data = run_probe(interp.path, cwd=cwd, timeout=timeout, args=args, on_progress=on_progress)
    findings = findings_from_report(data)
    return ValidationReport(
        interpreter=interp.path,
        data=data,
        findings=findings,
        verdict=make_verdict(data, findings),
        interpreter_source=interp.source,
        elapsed_s=time.perf_counter() - t0,
    )


# --- rule texts ---------------------------------------------------------------------


@dataclass(frozen=True)
class _RuleText:
    name: str
    severity: Severity
    message: str


@cache
def rule_texts() -> dict[str, _RuleText]:
    """code -> (name, severity, message template) from rules/runtime.toml."""
    from ..paths import rules_dir

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    path = rules_dir() / "runtime.toml"
    with path.open("rb") as fh:
        doc = tomllib.load(fh)
    out: dict[str, _RuleText] = {}
    for rule in doc.get("rules", []):
        out[rule["code"]] = _RuleText(rule["name"], Severity(rule["severity"]), rule["message"])
    return out


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def _finding(
    code: str,
    package: str | None = None,
    severity: Severity | None = None,
    **values: Any,
) -> RuntimeFinding:
    text = rule_texts()[code]
    values.setdefault("package", package)
    message = text.message.format_map(_Blank({k: _fmt(v) for k, v in values.items()}))
    return RuntimeFinding(code, severity or text.severity, message, package, text.name)


def _fmt(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "none"
    if value is None:
        return "unknown"
    return str(value)


# --- judging the facts --------------------------------------------------------------

KERAS3_BACKENDS = ("tensorflow", "jax", "torch", "numpy")
STAGES = {
    "start": "starting",
    "numpy-import": "importing numpy",
    "tensorflow-import": "importing tensorflow",
    "tensorflow-build-info": "reading TensorFlow's build info",
    "tensorflow-devices": "listing devices",
    "tensorflow-matmul": "running the matmul",
    "keras": "loading Keras",
    "keras-model": "building the Keras model",
}


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _version(text: Any):
    from packaging.version import InvalidVersion, Version

    try:
        return Version(str(text)) if text else None
    except InvalidVersion:
        return None


def _judged(interp: dict[str, Any]) -> tuple[str | None, str | None]:
    judged = _d(interp.get("judged_as"))
    if judged:
        return judged.get("os"), judged.get("arch")
    return interp.get("os"), interp.get("arch")


def _platform_words(os_name: str | None, arch: str | None) -> str:
    label = {"macos": "macOS", "linux": "Linux", "windows": "Windows"}.get(os_name or "", os_name)
    return f"{label or '?'} {arch or '?'}"


def findings_from_report(report: dict[str, Any] | str) -> list[RuntimeFinding]:
    """Findings for a probe report (the full JSON, or any excerpt of it)."""
    if isinstance(report, str):
        try:
            report = json.loads(report)
        except ValueError as exc:
            return [_finding("RT014", error=f"probe output is not JSON ({exc})")]
    data = _d(report)
    if data.get("probe_error"):
        return [_finding("RT014", error=data["probe_error"])]
    out: list[RuntimeFinding] = []
    for error in _l(data.get("errors"))[:3]:  # the probe caught its own failure
        out.append(_finding("RT014", error=_one_line(str(error).split("\n", 1)[0])))
    for check in (
        _rosetta,
        _macos_compat,
        _wheel_tags,
        _binaries,
        _conda,
        _tensorflow_run,
        _metal,
        _keras_pairing,
        _keras_backend,
        _blas,
    ):
        out.extend(check(data))
    order = {s: s.rank for s in Severity}
    return sorted(out, key=lambda f: (order[f.severity], f.code, f.package or "", f.message))


def _tf_dist_present(data: dict[str, Any]) -> bool:
    tf = _d(data.get("tensorflow"))
    versions = _d(data.get("versions"))
    return bool(tf.get("present")) or any(n in versions for n in TF_DISTS)


def _rosetta(data: dict[str, Any]) -> list[RuntimeFinding]:
    interp = _d(data.get("interpreter"))
    conda = _d(data.get("conda"))
    translated = interp.get("rosetta") is True
    x86_on_apple = (
        interp.get("os") == "macos"
        and interp.get("apple_silicon") is True
        and interp.get("arch") == "x86_64"
    )
    osx64_env = conda.get("env_subdir") == "osx-64" and interp.get("apple_silicon") is True
    if not (translated or x86_on_apple or osx64_env):
        return []
    versions = _d(data.get("versions"))
    heavy = [n for n in (*TF_DISTS, "jaxlib", "torch") if n in versions]
    how = "sysctl.proc_translated = 1" if translated else "an x86_64 process on Apple hardware"
    if osx64_env and not (translated or x86_on_apple):
        how = "its conda environment is built for osx-64"
    return [
        _finding(
            "RT001",
            severity=Severity.ERROR if heavy else None,
            python=interp.get("executable"),
            how=how,
            heavy=heavy or "no TensorFlow/JAX/PyTorch",
        )
    ]


def _macos_compat(data: dict[str, Any]) -> list[RuntimeFinding]:
    interp = _d(data.get("interpreter"))
    if interp.get("os") != "macos":
        return []
    version = str(interp.get("macos_version") or "")
    compat = interp.get("system_version_compat")
    if compat == "1" or version.startswith("10.16"):
        how = "SYSTEM_VERSION_COMPAT=1 is set" if compat == "1" else "it was built with an old SDK"
        return [_finding("RT016", version=version or "unknown", how=how)]
    return []


def _dist_binaries_ok(data: dict[str, Any], name: str) -> bool:
    bins = _d(data.get("binaries"))
    info = _d(_d(bins.get("by_dist")).get(name))
    if not info.get("files"):
        return False
    return not any(_d(f).get("dist") == name for f in _l(bins.get("foreign")))


def _wheel_tags(data: dict[str, Any]) -> list[RuntimeFinding]:
    interp = _d(data.get("interpreter"))
    os_name, arch = _judged(interp)
    out = []
    for dist in _l(data.get("distributions")):
        dist = _d(dist)
        tags = _l(dist.get("foreign_tags"))
        if not tags:
            continue
        name = dist.get("name")
        ok_binaries = _dist_binaries_ok(data, str(name))
        out.append(
            _finding(
                "RT002",
                package=name,
                severity=Severity.WARNING if ok_binaries else None,
                version=dist.get("version"),
                tags=tags[:3],
                platform=_platform_words(os_name, arch),
                note=(
                    " (its native files do contain this architecture: the tag may be wrong)"
                    if ok_binaries
                    else ""
                ),
            )
        )
    return out


def _binaries(data: dict[str, Any]) -> list[RuntimeFinding]:
    interp = _d(data.get("interpreter"))
    os_name, arch = _judged(interp)
    bins = _d(data.get("binaries"))
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in _l(bins.get("foreign")):
        item = _d(item)
        groups.setdefault(str(item.get("dist") or "?"), []).append(item)
    out = []
    for dist, items in sorted(groups.items()):
        first = items[0]
        archs = sorted({a for i in items for a in _l(i.get("archs"))})
        fmt = {"macho": "Mach-O", "elf": "ELF", "pe": "PE"}.get(first.get("format"), "?")
        more = f" and {len(items) - 1} more" if len(items) > 1 else ""
        out.append(
            _finding(
                "RT003",
                package=dist,
                file=first.get("path"),
                more=more,
                format=fmt,
                archs=archs,
                platform=_platform_words(os_name, arch),
            )
        )
    return out


def _conda(data: dict[str, Any]) -> list[RuntimeFinding]:
    conda = _d(data.get("conda"))
    bad = [_d(r) for r in _l(conda.get("mismatched"))]
    env = conda.get("env_subdir")
    out = []
    for rec in bad[:10]:
        out.append(
            _finding(
                "RT004",
                package=rec.get("name"),
                name=rec.get("name"),
                version=rec.get("version"),
                subdir=rec.get("subdir"),
                env_subdir=env,
            )
        )
    total = max(int(conda.get("mismatched_total") or 0), len(bad))
    if total > 10:
        rest = sorted({str(r.get("subdir")) for r in bad[10:]})
        out.append(
            _finding(
                "RT004",
                name=f"{total - 10} more packages",
                version="",
                subdir=rest,
                env_subdir=env,
            )
        )
    return out


def _tf_version(data: dict[str, Any]) -> str | None:
    tf = _d(data.get("tensorflow"))
    return tf.get("version") or tf.get("dist_version")


def _what_crashed(tf: dict[str, Any]) -> tuple[str, str | None]:
    if tf.get("stage") in ("numpy-import", "start"):
        return "numpy", "numpy"
    return "TensorFlow", tf.get("dist") or "tensorflow"


def _tensorflow_run(data: dict[str, Any]) -> list[RuntimeFinding]:
    tf = _d(data.get("tensorflow"))
    # The child ran for TensorFlow (facts merged into "tensorflow"), or for numpy only
    # (TensorFlow absent or skipped: its run is under "child").
    run = tf if tf.get("ran") else _d(data.get("child"))
    if not run.get("ran"):
        return []
    stage = STAGES.get(str(run.get("stage")), str(run.get("stage") or "starting"))
    what, package = _what_crashed(run)
    if run is not tf:
        what, package = "numpy", "numpy"
    version = _tf_version(data)
    if run.get("timed_out"):
        timeout = _d(_d(data.get("probe")).get("options")).get("tf_timeout")
        if isinstance(timeout, (int, float)):
            timeout = f"{timeout:g}"
        return [_finding("RT007", package=package, what=what, stage=stage, timeout=timeout)]
    sig = run.get("signal")
    if sig == "SIGILL":
        return [_finding("RT005", package=package, what=what, version=version, stage=stage)]
    if sig:
        last = _last_output_line(str(run.get("stderr_tail") or ""))
        detail = f"; last output: {last}" if last else ""
        return [
            _finding(
                "RT006",
                package=package,
                what=what,
                signal=sig,
                stage=stage,
                version=version,
                detail=detail,
            )
        ]
    rc = run.get("returncode")
    err = _d(tf.get("import_error"))
    if err:
        text = str(err.get("error") or "")
        full = text + "\n" + str(err.get("traceback") or "")
        metal = _metal_symbol_problem(full)
        if metal:
            return [
                _finding(
                    "RT011",
                    package="tensorflow-metal",
                    version=version,
                    error=_one_line(text),
                    hint=(
                        f" — tensorflow-metal {tf.get('metal_dist_version') or ''} does not match"
                        f" TensorFlow {version}: pin the matching tensorflow-metal or uninstall it"
                    ),
                )
            ]
        return [_finding("RT011", package=package, version=version, error=_one_line(text), hint="")]
    if isinstance(rc, int) and rc > 0 and run.get("stage") != "done":
        return [
            _finding(
                "RT011",
                package=package,
                version=version,
                error=f"the child exited with status {rc} while {stage}",
                hint="",
            )
        ]
    out = []
    problems = []
    for m in _l(tf.get("matmul")):
        m = _d(m)
        if m.get("error"):
            problems.append(f"matmul on {m.get('device')}: {_one_line(str(m['error']))}")
    model = _d(tf.get("keras_model"))
    if model and model.get("ok") is False:
        problems.append(f"Keras model: {_one_line(str(model.get('error')))}")
    if problems:
        out.append(_finding("RT015", package=package, version=version, problems=problems))
    return out


def _last_output_line(tail: str) -> str:
    """The last line a crashed child printed (e.g. "[libprotobuf FATAL …] CHECK failed")."""
    for line in reversed(tail.splitlines()):
        line = line.strip()
        if line and not line.startswith(("Fatal Python error", "Current thread", "File ")):
            return _one_line(line, 200)
    return ""


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _metal_symbol_problem(text: str) -> bool:
    low = text.lower()
    return "libmetal_plugin" in low or (
        "tensorflow-plugins" in low and ("symbol not found" in low or "library not loaded" in low)
    )


def _gpu_devices(tf: dict[str, Any]) -> list[dict[str, Any]]:
    return [_d(d) for d in _l(tf.get("devices")) if _d(d).get("type") == "GPU"]


def _metal(data: dict[str, Any]) -> list[RuntimeFinding]:
    interp = _d(data.get("interpreter"))
    tf = _d(data.get("tensorflow"))
    os_name, arch = _judged(interp)
    if os_name != "macos" or arch not in ("arm64", "arm64e"):
        return []
    if not tf.get("version") or "devices" not in tf:  # TF did not get as far as devices
        return []
    metal = tf.get("metal_dist_version") or _d(data.get("versions")).get("tensorflow-metal")
    if _gpu_devices(tf):
        return []
    if metal:
        return [
            _finding("RT008", package="tensorflow-metal", metal=metal, version=tf.get("version"))
        ]
    return [_finding("RT013", package=tf.get("dist") or "tensorflow", version=tf.get("version"))]


def _legacy_on(value: Any) -> bool:
    return value in ("true", "True", "1")


def _keras_pairing(data: dict[str, Any]) -> list[RuntimeFinding]:
    versions = _d(data.get("versions"))
    tf = _d(data.get("tensorflow"))
    tfv = _version(_tf_version(data))
    kinfo = _d(tf.get("keras"))
    kv = _version(versions.get("keras") or kinfo.get("keras_version"))
    tkv = _version(versions.get("tf-keras"))
    legacy = _legacy_on(
        _d(data.get("keras_config")).get("tf_use_legacy_keras") or tf.get("tf_use_legacy_keras")
    )
    if tfv is None or tfv.major != 2:
        return []
    minor = tfv.minor
    resolved = kinfo.get("tf_keras_module")
    where = (
        f"; tf.keras resolves to {resolved} ({kinfo.get('tf_keras_version')})" if resolved else ""
    )
    out = []
    # (package, what is installed, what TF needs) when the pair does not match
    mismatch: tuple[str, str, str] | None = None
    if 6 <= minor <= 15 and kv is not None and (kv.major, kv.minor) != (2, minor):
        mismatch = ("keras", f"keras {kv}", f"keras>=2.{minor},<2.{minor + 1}")
    elif minor >= 16 and not legacy and kv is not None and kv.major < 3:
        need = f"keras>=3 (or tf-keras~=2.{minor}.0 with TF_USE_LEGACY_KERAS=1)"
        mismatch = ("keras", f"keras {kv}", need)
    elif minor >= 16 and legacy and (tkv is None or (tkv.major, tkv.minor) != (2, minor)):
        have = f"tf-keras {tkv}" if tkv else "no tf-keras"
        mismatch = ("tf-keras", have, f"tf-keras~=2.{minor}.0 because TF_USE_LEGACY_KERAS is set")
    if mismatch is not None:
        package, have, need = mismatch
        out.append(
            _finding("RT009", package=package, keras=have, tf=str(tfv), need=need, where=where)
        )
    if not out and kinfo.get("tf_keras_error"):
        out.append(
            _finding(
                "RT009",
                package="keras",
                keras=f"keras {kv}" if kv else "no keras",
                tf=str(tfv),
                need="a Keras that tf.keras can load",
                where="; tf.keras fails: " + _one_line(str(kinfo["tf_keras_error"])),
            )
        )
    return out


def _keras_backend(data: dict[str, Any]) -> list[RuntimeFinding]:
    cfg = _d(data.get("keras_config"))
    versions = _d(data.get("versions"))
    kv = _version(
        versions.get("keras") or _d(_d(data.get("tensorflow")).get("keras")).get("keras_version")
    )
    if kv is None or kv.major < 3:
        return []  # Keras 2.4-2.15 ignore KERAS_BACKEND; <= 2.3 accepts any module name
    if cfg.get("backend_env"):
        backend, source = str(cfg["backend_env"]), "KERAS_BACKEND"
    elif cfg.get("keras_json_backend"):
        backend, source = str(cfg["keras_json_backend"]), str(cfg.get("keras_json") or "keras.json")
    else:
        return []
    allowed = list(KERAS3_BACKENDS) + (["openvino"] if kv >= _version("3.8") else [])
    if backend not in allowed:
        return [
            _finding(
                "RT010",
                package="keras",
                backend=backend,
                source=source,
                keras=str(kv),
                problem=f"Keras {kv} accepts only {', '.join(allowed)}",
            )
        ]
    if not versions:
        return []
    if backend == "tensorflow":
        missing = [] if any(n in versions for n in TF_DISTS) else ["tensorflow"]
    else:
        needs = {"jax": ("jax", "jaxlib"), "torch": ("torch",), "openvino": ("openvino",)}
        missing = [n for n in needs.get(backend, ()) if n not in versions]
    if missing:
        return [
            _finding(
                "RT010",
                package="keras",
                backend=backend,
                source=source,
                keras=str(kv),
                problem=f"{' and '.join(missing)} not installed in this interpreter",
            )
        ]
    return []


def _blas(data: dict[str, Any]) -> list[RuntimeFinding]:
    interp = _d(data.get("interpreter"))
    numpy = _d(data.get("numpy"))
    flavour = numpy.get("blas") or numpy.get("blas_from_files")
    apple = interp.get("os") == "macos" and (
        interp.get("apple_silicon") is True or interp.get("arch") in ("arm64", "arm64e")
    )
    if flavour == "mkl" and apple:
        return [_finding("RT012", package="numpy", version=numpy.get("version"))]
    return []


# --- verdict and text report --------------------------------------------------------


def _counts(findings: Sequence[RuntimeFinding]) -> str:
    parts = []
    for sev, word in ((Severity.ERROR, "error"), (Severity.WARNING, "warning")):
        n = sum(1 for f in findings if f.severity is sev)
        if n:
            parts.append(f"{n} {word}{'s' if n != 1 else ''}")
    return ", ".join(parts) if parts else "no problems found"


def make_verdict(data: dict[str, Any], findings: Sequence[RuntimeFinding]) -> str:
    """The one line that leads the report (what TensorFlow does here; no counts)."""
    data = _d(data)
    if data.get("probe_error"):
        return f"The probe failed: {data['probe_error']}"
    tf = _d(data.get("tensorflow"))
    version = _tf_version(data) or ""
    name = f"TensorFlow {version}".strip()
    stage = STAGES.get(str(tf.get("stage")), "starting")
    if tf.get("skipped") == "--no-tensorflow":
        head = "TensorFlow check skipped (--no-tensorflow)"
    elif not tf.get("present"):
        head = "No TensorFlow in this interpreter"
    elif not tf.get("ran"):
        head = f"{name} was not run: {tf.get('error') or 'the child did not start'}"
    elif tf.get("timed_out"):
        what, _ = _what_crashed(tf)
        head = f"{name} did not answer while {stage} (killed after the timeout)"
        if what == "numpy":
            head = f"numpy did not answer while {stage} (killed after the timeout)"
    elif tf.get("signal"):
        what, _ = _what_crashed(tf)
        head = f"{name if what != 'numpy' else 'numpy'} crashed with {tf['signal']} while {stage}"
    elif tf.get("import_error"):
        err = _one_line(str(_d(tf["import_error"]).get("error")), 120)
        head = f"{name} fails to import: {err}"
    else:
        runs = [_d(m) for m in _l(tf.get("matmul")) if not _d(m).get("error")]
        cpu = next((m for m in runs if "CPU" in str(m.get("device"))), None)
        gpu = next((m for m in runs if "GPU" in str(m.get("device"))), None)
        if gpu:
            label = "GPU"
            for dev in _gpu_devices(tf):
                label = _d(dev.get("details")).get("device_name") or label
                break
            n = gpu.get("n")
            head = f"{name} runs on GPU:0 ({label}): {n}×{n} matmul {float(gpu['ms']):.1f} ms"
            if cpu:
                head += f" vs CPU {float(cpu['ms']):.1f} ms"
        elif cpu:
            n = cpu.get("n")
            head = f"{name} runs on CPU only: {n}×{n} matmul {float(cpu['ms']):.1f} ms"
        else:
            head = f"{name} imports, but no matmul ran"
    return head


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


# --- command line -------------------------------------------------------------------


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
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"limit for the whole probe in seconds (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--tf-timeout",
        type=float,
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
    if args.timeout is None or args.timeout <= 0 or (tf_limit is not None and tf_limit <= 0):
        print("lint-env validate: --timeout/--tf-timeout must be positive", file=sys.stderr)
        return 2
    show = args.verbose or (args.format == "text" and sys.stderr.isatty())
    cwd = Path.cwd()
    try:
        interp = check_interpreter(discover_interpreter(args.python, cwd))
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
