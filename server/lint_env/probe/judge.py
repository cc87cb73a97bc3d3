"""Judging the probe's facts: findings with the runtime rule codes of ``rules/runtime.toml``
and the one-line verdict."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..model import Severity
from .probe import PROBE_SCHEMA, TF_DISTS  # one list: the probe script and its judge agree
from .results import RuntimeFinding

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


# The report's shape (probe/README.md): what each top-level member must be when present.
REPORT_MEMBERS: dict[str, type | tuple[type, ...]] = {
    "probe": dict,
    "errors": list,
    "interpreter": dict,
    "site_dirs": list,
    "distributions": list,
    "distributions_total": int,
    "distributions_duplicated": list,
    "binaries": dict,
    "conda": dict,
    "keras_config": dict,
    "tensorflow": dict,
    "versions": dict,
    "numpy": dict,
    "child": dict,
    "probe_error": str,
}
LIST_OF_OBJECTS = ("distributions",)


def report_problems(data: Any, full: bool = False) -> list[str]:
    """What is wrong with the shape of a probe report. ``full``: the whole report the
    probe printed (``{"probe": {"schema": 1, ...}, "interpreter": {...}, ...}``); else an
    excerpt (rule examples), where only the members present are checked."""
    if not isinstance(data, dict):
        return [f"the report is a JSON {type(data).__name__}, not an object"]
    problems = []
    for key, kind in REPORT_MEMBERS.items():
        if key in data and (
            not isinstance(data[key], kind) or (isinstance(data[key], bool) and kind is int)
        ):
            problems.append(f"{key!r} is a {type(data[key]).__name__}")
    for key in LIST_OF_OBJECTS:
        items = data.get(key)
        if isinstance(items, list) and not all(isinstance(i, dict) for i in items):
            problems.append(f"{key!r} holds something that is not an object")
    if full and "probe_error" not in data:
        for key in ("probe", "interpreter", "errors"):
            if key not in data:
                problems.append(f"{key!r} is missing")
        schema = _d(data.get("probe")).get("schema")
        if isinstance(data.get("probe"), dict) and schema != PROBE_SCHEMA:
            problems.append(f"probe schema {schema!r}, expected {PROBE_SCHEMA}")
    return problems


def findings_from_report(report: Any, full: bool = False) -> list[RuntimeFinding]:
    """Findings for a probe report (the full JSON, or any excerpt of it; ``full``: the
    report must have the whole shape the probe prints). A report of the wrong shape is
    one RT014 finding, never "no problems found"."""
    if isinstance(report, (str, bytes)):
        try:
            report = json.loads(report)
        except ValueError as exc:
            return [_finding("RT014", error=f"probe output is not JSON ({exc})")]
    problems = report_problems(report, full)
    if problems:
        shown = "; ".join(problems[:3]) + ("; ..." if len(problems) > 3 else "")
        return [_finding("RT014", error=f"the probe's report has the wrong shape: {shown}")]
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
