"""lint-env runtime probe: what really works in this interpreter.

Stdlib only, Python 3.8+. Run it *inside* the interpreter to check:

    PYTHON -I -B probe.py [--site DIR]... [--no-tensorflow] [--tf-timeout S]
                          [--as-platform OS-ARCH] [--all-binaries] [--prefix DIR]

It prints one JSON object on stdout (the schema is in README.md next to this file)
and progress lines on stderr, each starting with ``@@lint-env-progress ``. It writes
nothing into the environment: no bytecode (-B), Keras gets a temporary KERAS_HOME.

TensorFlow and numpy are imported only in a CHILD process (this script again, with
``--child``) in its own process group, so an illegal instruction, a segfault or a hang
becomes a finding instead of killing the probe.

The probe is four files that travel together: this one (the parent: interpreter,
distributions, conda, the report), probe_child.py (numpy/TensorFlow/Keras for real),
probe_platform.py (architectures, wheel tags, binary headers) and probe_common.py.

Options meant for tests and what-if checks:
  --site DIR         scan DIR instead of the interpreter's site-packages (repeatable);
                     the child also puts DIR first on sys.path.
  --prefix DIR       read conda-meta/ from DIR instead of sys.prefix.
  --as-platform P    judge wheel tags and binaries as if the interpreter were P
                     (macos-arm64, macos-x86_64, linux-x86_64, linux-aarch64, ...).
  --all-binaries     read the binaries of every distribution, not only those that matter.
"""

import contextlib
import json
import os
import platform
import re
import signal
import struct
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time

try:  # imported as lint_env.probe.probe (tests, tools)
    from .probe_child import child_main
    from .probe_common import DATA, PROGRESS, STDERR_TAIL, canonical, progress, short_error
    from .probe_platform import (
        binary_loadable,
        is_binary_name,
        norm_arch,
        norm_os,
        read_binary,
        tag_compatible,
    )
except ImportError:  # run as a script: `python -I` leaves this folder off sys.path
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    try:
        from probe_child import child_main
        from probe_common import DATA, PROGRESS, STDERR_TAIL, canonical, progress, short_error
        from probe_platform import (
            binary_loadable,
            is_binary_name,
            norm_arch,
            norm_os,
            read_binary,
            tag_compatible,
        )
    finally:
        del sys.path[0]  # the child imports TensorFlow: nothing of ours may shadow it

PROBE_SCHEMA = 1

MAX_DISTS = 3000  # distributions listed in the report
MAX_BINARIES = 3000  # native files whose headers are read
MAX_FOREIGN = 200  # foreign binaries listed (the rest are counted)
MAX_CONDA = 5000  # conda-meta records read

# Distributions whose native files are always read (plus every one with a foreign tag).
MATTER = frozenset(
    [
        "tensorflow",
        "tensorflow-cpu",
        "tensorflow-gpu",
        "tensorflow-macos",
        "tensorflow-intel",
        "tensorflow-aarch64",
        "tf-nightly",
        "tensorflow-metal",
        "tensorflow-io",
        "tensorflow-io-gcs-filesystem",
        "tensorflow-text",
        "tensorflow-addons",
        "tf-keras",
        "keras",
        "numpy",
        "scipy",
        "h5py",
        "grpcio",
        "jaxlib",
        "jax-metal",
        "torch",
        "torchvision",
        "torchaudio",
        "ml-dtypes",
        "optree",
        "dm-tree",
        "wrapt",
        "protobuf",
        "onnxruntime",
    ]
)
TF_DISTS = (
    "tensorflow",
    "tensorflow-macos",
    "tensorflow-cpu",
    "tensorflow-gpu",
    "tensorflow-intel",
    "tensorflow-aarch64",
    "tf-nightly",
)


# --- the interpreter ----------------------------------------------------------------


def _sysctl_ctypes(name):
    try:
        import ctypes
        import ctypes.util

        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.dylib", use_errno=True)
        val = ctypes.c_int(0)
        size = ctypes.c_size_t(ctypes.sizeof(val))
        rc = libc.sysctlbyname(
            name.encode(), ctypes.byref(val), ctypes.byref(size), None, ctypes.c_size_t(0)
        )
        if rc != 0:
            return None
        return val.value
    except Exception:
        return None


def _sysctl_cmd(name):
    for exe in ("/usr/sbin/sysctl", "sysctl"):
        try:
            out = subprocess.run(
                [exe, "-n", name],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                timeout=5,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        if out.returncode != 0:
            return None
        try:
            return int(out.stdout.decode("ascii", "replace").strip())
        except ValueError:
            return None
    return None


def sysctl_int(name):
    """The value of an integer sysctl of THIS process (ctypes first, then the command)."""
    val = _sysctl_ctypes(name)
    return val if val is not None else _sysctl_cmd(name)


def interpreter_info(as_platform):
    machine = platform.machine()
    bits = struct.calcsize("P") * 8
    arch = norm_arch(machine)
    if bits == 32 and arch == "x86_64":
        arch = "x86"
    elif bits == 32 and arch == "arm64":
        arch = "arm"
    info = {
        "executable": sys.executable,
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "machine": machine,
        "bits": bits,
        "arch": arch,
        "os": norm_os(sys.platform),
        "sys_platform": sys.platform,
        "platform_tag": sysconfig.get_platform(),
        "prefix": sys.prefix,
        "base_prefix": getattr(sys, "base_prefix", sys.prefix),
        "venv": getattr(sys, "base_prefix", sys.prefix) != sys.prefix,
        "conda": os.path.isdir(os.path.join(sys.prefix, "conda-meta")),
        "rosetta": None,
        "apple_silicon": None,
        "macos_version": None,
        "system_version_compat": os.environ.get("SYSTEM_VERSION_COMPAT"),
    }
    exe_info = read_binary(os.path.realpath(sys.executable)) if sys.executable else None
    info["executable_archs"] = exe_info["archs"] if exe_info else None
    if sys.platform == "darwin":
        info["macos_version"] = platform.mac_ver()[0] or None
        translated = sysctl_int("sysctl.proc_translated")
        info["rosetta"] = bool(translated) if translated is not None else False
        hw = sysctl_int("hw.optional.arm64")
        info["apple_silicon"] = bool(hw) if hw is not None else False
    info["judged_as"] = None
    if as_platform:
        os_part, _, arch_part = as_platform.partition("-")
        info["judged_as"] = {"os": norm_os(os_part), "arch": norm_arch(arch_part)}
    return info


def judge_os_arch(interp):
    judged = interp.get("judged_as")
    if judged:
        return judged["os"], judged["arch"]
    return interp["os"], interp["arch"]


# --- distributions ------------------------------------------------------------------


def site_dirs(explicit):
    if explicit:
        return [os.path.abspath(d) for d in explicit]
    here = os.path.dirname(os.path.abspath(__file__))
    out = []
    for entry in sys.path:
        if not entry or not os.path.isdir(entry) or os.path.abspath(entry) == here:
            continue
        base = os.path.basename(entry.rstrip("/\\"))
        if base in ("site-packages", "dist-packages") or _has_dist_info(entry):
            path = os.path.abspath(entry)
            if path not in out:
                out.append(path)
    return out


def _has_dist_info(path):
    try:
        return any(n.endswith((".dist-info", ".egg-info")) for n in os.listdir(path))
    except OSError:
        return False


def _read_text(path, limit=1 << 20):
    try:
        with open(path, "rb") as fh:
            return fh.read(limit).decode("utf-8", "replace")
    except OSError:
        return None


def _headers(text):
    out = {}
    for line in (text or "").splitlines():
        if not line.strip():
            break
        key, sep, value = line.partition(":")
        if sep and key and not key[0].isspace():
            out.setdefault(key.strip().lower(), value.strip())
    return out


def read_distribution(site, entry):
    path = os.path.join(site, entry)
    is_dist_info = entry.endswith(".dist-info")
    meta_name = "METADATA" if is_dist_info else "PKG-INFO"
    meta = _headers(_read_text(os.path.join(path, meta_name), limit=64 << 10))  # headers only
    stem = entry.rsplit(".", 1)[0]
    name = meta.get("name") or stem.split("-", 1)[0]
    version = meta.get("version") or (stem.split("-", 1)[1] if "-" in stem else None)
    dist = {
        "name": canonical(name),
        "version": version,
        "installer": (_read_text(os.path.join(path, "INSTALLER")) or "").strip() or None,
        "tags": [],
        "purelib": None,
        "metadata_dir": path,
        "site": site,
    }
    wheel = _read_text(os.path.join(path, "WHEEL"))
    if wheel:
        for line in wheel.splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "Tag":
                dist["tags"].append(value.strip())
            elif key.strip() == "Root-Is-Purelib":
                dist["purelib"] = value.strip().lower() == "true"
    return dist


def scan_distributions(sites):
    seen = {}
    duplicates = []
    for site in sites:
        try:
            entries = sorted(os.listdir(site))
        except OSError:
            continue
        for entry in entries:
            if not entry.endswith((".dist-info", ".egg-info")):
                continue
            if not os.path.isdir(os.path.join(site, entry)):
                continue
            dist = read_distribution(site, entry)
            if dist["name"] in seen:
                duplicates.append(dist["name"])  # first on sys.path wins, as for imports
                continue
            seen[dist["name"]] = dist
    return [seen[k] for k in sorted(seen)], sorted(set(duplicates))


def dist_files(dist):
    """Native files of one distribution: from RECORD, else its top-level folders."""
    site = dist["site"]
    meta_dir = dist["metadata_dir"]
    record = _read_text(os.path.join(meta_dir, "RECORD"), limit=16 << 20)
    files = []
    if record:
        for line in record.splitlines():
            rel = line.split(",", 1)[0]
            if is_binary_name(os.path.basename(rel)):
                full = os.path.normpath(os.path.join(site, rel))
                if os.path.isfile(full):
                    files.append(full)
        return files
    tops = (_read_text(os.path.join(meta_dir, "top_level.txt")) or "").split()
    if not tops:
        tops = [dist["name"].replace("-", "_")]
    for top in tops:
        base = os.path.join(site, top)
        try:
            singles = [n for n in os.listdir(site) if n.startswith(top + ".")]
        except OSError:
            singles = []
        files.extend(os.path.join(site, n) for n in singles if is_binary_name(n))
        for root, _dirs, names in os.walk(base):
            for n in names:
                if is_binary_name(n):
                    files.append(os.path.join(root, n))
            if len(files) > MAX_BINARIES:
                return files
    return files


# --- conda --------------------------------------------------------------------------


def conda_subdir_for(os_name, arch):
    table = {
        ("macos", "arm64"): "osx-arm64",
        ("macos", "x86_64"): "osx-64",
        ("linux", "x86_64"): "linux-64",
        ("linux", "arm64"): "linux-aarch64",
        ("linux", "ppc64le"): "linux-ppc64le",
        ("linux", "x86"): "linux-32",
        ("windows", "x86_64"): "win-64",
        ("windows", "x86"): "win-32",
        ("windows", "arm64"): "win-arm64",
    }
    return table.get((os_name, arch))


def scan_conda(prefix, interp_os, interp_arch):
    meta = os.path.join(prefix, "conda-meta")
    out = {
        "prefix": prefix,
        "is_conda": os.path.isdir(meta),
        "conda_subdir_env": os.environ.get("CONDA_SUBDIR"),
        "condarc_subdir": None,
        "interpreter_subdir": conda_subdir_for(interp_os, interp_arch),
        "env_subdir": None,
        "packages_total": 0,
        "subdirs": {},
        "mismatched": [],
        "mismatched_total": 0,
        "unreadable": 0,
    }
    if not out["is_conda"]:
        return out
    condarc = _read_text(os.path.join(prefix, ".condarc"))
    if condarc:
        m = re.search(r"^\s*subdir\s*:\s*['\"]?([\w-]+)", condarc, re.M)
        if m:
            out["condarc_subdir"] = m.group(1)
    records = []
    try:
        names = sorted(n for n in os.listdir(meta) if n.endswith(".json"))
    except OSError:
        names = []
    for n in names[:MAX_CONDA]:
        try:
            with open(os.path.join(meta, n), "rb") as fh:
                rec = json.loads(fh.read(64 << 20).decode("utf-8", "replace"))
        except (OSError, ValueError):
            out["unreadable"] += 1
            continue
        if not isinstance(rec, dict):
            out["unreadable"] += 1
            continue
        subdir = rec.get("subdir")
        if not subdir:
            channel = str(rec.get("channel") or "")
            tail = channel.rstrip("/").rsplit("/", 1)[-1]
            subdir = tail if re.match(r"^(osx|linux|win)-[\w]+$|^noarch$", tail) else None
        records.append(
            {
                "name": str(rec.get("name") or n),
                "version": rec.get("version"),
                "build": rec.get("build"),
                "subdir": subdir,
                "channel": rec.get("channel"),
            }
        )
    out["packages_total"] = len(records)
    for r in records:
        if r["subdir"]:
            out["subdirs"][r["subdir"]] = out["subdirs"].get(r["subdir"], 0) + 1
    python_rec = [r for r in records if r["name"] == "python" and r["subdir"]]
    if python_rec:
        out["env_subdir"] = python_rec[0]["subdir"]
    else:
        counted = [(c, s) for s, c in out["subdirs"].items() if s != "noarch"]
        out["env_subdir"] = max(counted)[1] if counted else None
    env = out["env_subdir"]
    if env:
        bad = [r for r in records if r["subdir"] and r["subdir"] not in (env, "noarch")]
        out["mismatched_total"] = len(bad)
        out["mismatched"] = bad[:MAX_FOREIGN]
    return out


# --- keras configuration (read only) ------------------------------------------------


def keras_config():
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    path = os.path.join(home, "keras.json")
    out = {
        "backend_env": os.environ.get("KERAS_BACKEND"),
        "tf_use_legacy_keras": os.environ.get("TF_USE_LEGACY_KERAS"),
        "keras_json": path,
        "keras_json_backend": None,
        "keras_json_error": None,
    }
    text = _read_text(path)
    if text is not None:
        try:
            cfg = json.loads(text)
            if isinstance(cfg, dict):
                out["keras_json_backend"] = cfg.get("backend")
            else:
                out["keras_json_error"] = "not a JSON object"
        except ValueError as exc:
            out["keras_json_error"] = short_error(exc, 300)
    else:
        out["keras_json"] = None
    return out


def _read_stream(stream, sink, forward):
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if forward and line.startswith(PROGRESS):
            progress(line[len(PROGRESS) :])
        else:
            sink.append(line)


def run_child(opts, tf_present):
    """Run this script with --child; returns what it reported and how it ended."""
    argv = [sys.executable, "-I", "-B", os.path.abspath(__file__), "--child"]
    for site in opts.sites:
        argv += ["--site", site]
    if opts.no_tensorflow or not tf_present:
        argv.append("--no-tensorflow")
    env = dict(os.environ)
    for key in list(env):
        if key.startswith("PYTHON"):
            del env[key]
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    keras_home = tempfile.mkdtemp(prefix="lint-env-keras-")
    src_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    src_json = _read_text(os.path.join(src_home, "keras.json"))
    if src_json is not None:
        with open(os.path.join(keras_home, "keras.json"), "w") as fh:
            fh.write(src_json)
    env["KERAS_HOME"] = keras_home  # Keras writes keras.json on first import: not into ~
    kwargs = {}
    if os.name == "posix":
        kwargs["start_new_session"] = True
    else:
        kwargs["creationflags"] = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
    out_lines, err_lines = [], []
    result = {"ran": True, "timed_out": False, "returncode": None, "signal": None}
    t0 = time.perf_counter()
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=keras_home,
            env=env,
            **kwargs,
        )
    except OSError as exc:
        result.update(ran=False, error=short_error(exc))
        return result
    readers = [
        threading.Thread(target=_read_stream, args=(proc.stdout, out_lines, False)),
        threading.Thread(target=_read_stream, args=(proc.stderr, err_lines, True)),
    ]
    for t in readers:
        t.daemon = True
        t.start()
    try:
        proc.wait(timeout=opts.tf_timeout)
    except subprocess.TimeoutExpired:
        result["timed_out"] = True
        progress("tensorflow: no answer after %.0f s; killing its process group" % opts.tf_timeout)
    _kill_group(proc)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
    for t in readers:
        t.join(timeout=5)
    result["elapsed_s"] = round(time.perf_counter() - t0, 3)
    rc = proc.returncode
    result["returncode"] = rc
    if rc is not None and rc < 0:
        try:
            result["signal"] = signal.Signals(-rc).name
        except ValueError:
            result["signal"] = "SIG%d" % -rc
    data = {}
    stages = []
    for line in out_lines:
        if not line.startswith(DATA):
            continue
        try:
            item = json.loads(line[len(DATA) :])
        except ValueError:
            continue
        for key, value in item.items():
            if key == "stage":
                stages.append(value)
            else:
                data[key] = value
    result["stage"] = stages[-1] if stages else None
    result["data"] = data
    tail = "\n".join(err_lines)
    result["stderr_tail"] = tail[-STDERR_TAIL:]
    try:
        import shutil

        shutil.rmtree(keras_home, ignore_errors=True)
    except Exception:
        pass
    return result


def _kill_group(proc):
    if os.name == "posix":
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            os.killpg(proc.pid, signal.SIGKILL)
    elif proc.poll() is None:
        with contextlib.suppress(OSError):
            proc.kill()


# --- the parent ---------------------------------------------------------------------


def blas_from_files(numpy_dist):
    """numpy's bundled BLAS, from the names of its native files (no import)."""
    if not numpy_dist:
        return None
    names = [os.path.basename(p).lower() for p in dist_files(numpy_dist)]
    for key in ("mkl", "openblas", "accelerate", "blis", "flexiblas"):
        if any(key in n for n in names):
            return key
    return None


def check_binaries(dists, interp_os, interp_arch, all_binaries):
    out = {
        "scanned": 0,
        "cap": MAX_BINARIES,
        "truncated": False,
        "foreign": [],
        "foreign_total": 0,
        "by_dist": {},
    }
    for dist in dists:
        if not (all_binaries or dist["name"] in MATTER or dist.get("foreign_tags")):
            continue
        files = dist_files(dist)
        archs = set()
        count = 0
        for path in files:
            if out["scanned"] >= MAX_BINARIES:
                out["truncated"] = True
                break
            info = read_binary(path)
            out["scanned"] += 1
            if info is None:
                continue
            count += 1
            archs.update(info["archs"])
            if not binary_loadable(info, interp_os, interp_arch):
                out["foreign_total"] += 1
                if len(out["foreign"]) < MAX_FOREIGN:
                    out["foreign"].append(
                        {
                            "path": path,
                            "dist": dist["name"],
                            "format": info["format"],
                            "archs": info["archs"],
                        }
                    )
        if count:
            out["by_dist"][dist["name"]] = {"files": count, "archs": sorted(archs)}
    return out


def probe(opts):
    t0 = time.perf_counter()
    report = {"probe": {"schema": PROBE_SCHEMA, "options": {}}, "errors": []}
    report["probe"]["options"] = {
        "sites": opts.sites,
        "prefix": opts.prefix,
        "as_platform": opts.as_platform,
        "no_tensorflow": opts.no_tensorflow,
        "tf_timeout": opts.tf_timeout,
        "all_binaries": opts.all_binaries,
    }
    progress("interpreter: %s" % sys.executable)
    interp = interpreter_info(opts.as_platform)
    report["interpreter"] = interp
    jos, jarch = judge_os_arch(interp)

    progress("distributions: scanning site-packages")
    sites = site_dirs(opts.sites)
    report["site_dirs"] = sites
    dists, duplicates = scan_distributions(sites)
    for d in dists:
        foreign = [t for t in d["tags"] if not tag_compatible(t, jos, jarch)]
        d["foreign_tags"] = foreign if foreign and len(foreign) == len(d["tags"]) else []
    report["distributions_total"] = len(dists)
    report["distributions_duplicated"] = duplicates[:MAX_FOREIGN]

    progress("binaries: reading Mach-O/ELF headers")
    report["binaries"] = check_binaries(dists, jos, jarch, opts.all_binaries)

    progress("conda: reading conda-meta")
    prefix = opts.prefix or sys.prefix
    report["conda"] = scan_conda(prefix, jos, jarch)

    by_name = dict((d["name"], d) for d in dists)
    report["keras_config"] = keras_config()
    tf_dist = next((by_name[n] for n in TF_DISTS if n in by_name), None)
    tf_spec_found = False
    if tf_dist is None:
        for site in sites:
            if os.path.isdir(os.path.join(site, "tensorflow")):
                tf_spec_found = True
                break
        if not opts.sites and not tf_spec_found:
            try:
                import importlib.util

                tf_spec_found = importlib.util.find_spec("tensorflow") is not None
            except Exception:
                tf_spec_found = False
    plugins_dir = None
    for site in sites:
        cand = os.path.join(site, "tensorflow-plugins")
        if os.path.isdir(cand):
            plugins_dir = cand
            break
    report["tensorflow"] = {
        "present": tf_dist is not None or tf_spec_found,
        "dist": tf_dist["name"] if tf_dist else None,
        "dist_version": tf_dist["version"] if tf_dist else None,
        "metal_dist_version": (by_name.get("tensorflow-metal") or {}).get("version"),
        "plugins": sorted(os.listdir(plugins_dir))[:50] if plugins_dir else [],
        "ran": False,
        "skipped": None,
    }
    versions = {}
    for name in (
        "keras",
        "tf-keras",
        "numpy",
        "jax",
        "jaxlib",
        "jax-metal",
        "torch",
        "openvino",
        "tensorflow-metal",
    ):
        if name in by_name:
            versions[name] = by_name[name]["version"]
    for d in dists:
        if d["name"] in TF_DISTS:
            versions[d["name"]] = d["version"]
    report["versions"] = versions
    numpy_dist = by_name.get("numpy")
    report["numpy"] = {
        "version": numpy_dist["version"] if numpy_dist else None,
        "blas_from_files": blas_from_files(numpy_dist),
    }

    tf = report["tensorflow"]
    if opts.no_tensorflow:
        tf["skipped"] = "--no-tensorflow"
    elif not tf["present"]:
        tf["skipped"] = "not installed"
    if numpy_dist is not None or (tf["present"] and not opts.no_tensorflow):
        child = run_child(opts, tf["present"])
        data = child.pop("data", {})
        if "numpy" in data:
            report["numpy"].update(data.pop("numpy"))
        if "numpy_error" in data:
            report["numpy"]["error"] = data.pop("numpy_error")
        if tf["skipped"] is None:
            tf["ran"] = child.get("ran", False)
            tf.update(child)
            for key, value in data.items():
                tf[key[3:] if key.startswith("tf_") else key] = value
        else:
            report["child"] = child
    gpus = [d for d in tf.get("devices") or [] if isinstance(d, dict) and d.get("type") == "GPU"]
    tf["metal_loaded"] = bool(tf["metal_dist_version"]) and bool(gpus) if tf["ran"] else None

    report["distributions"] = [
        {
            k: d[k]
            for k in ("name", "version", "installer", "tags", "purelib", "foreign_tags", "site")
        }
        for d in dists[:MAX_DISTS]
    ]
    report["probe"]["elapsed_s"] = round(time.perf_counter() - t0, 3)
    return report


class Options(object):
    def __init__(self):
        self.sites = []
        self.prefix = None
        self.as_platform = None
        self.no_tensorflow = False
        self.tf_timeout = 90.0
        self.all_binaries = False
        self.child = False


def parse_args(argv):
    opts = Options()
    it = iter(argv)
    for arg in it:
        if arg == "--site":
            opts.sites.append(next(it))
        elif arg == "--prefix":
            opts.prefix = next(it)
        elif arg == "--as-platform":
            opts.as_platform = next(it)
        elif arg == "--tf-timeout":
            opts.tf_timeout = float(next(it))
        elif arg == "--no-tensorflow":
            opts.no_tensorflow = True
        elif arg == "--all-binaries":
            opts.all_binaries = True
        elif arg == "--child":
            opts.child = True
        else:
            raise ValueError("unknown argument: %s" % arg)
    return opts


def main(argv=None):
    try:
        opts = parse_args(sys.argv[1:] if argv is None else argv)
    except (ValueError, StopIteration) as exc:
        sys.stderr.write("probe: bad arguments: %s\n" % (exc or "missing value"))
        return 2
    if opts.child:
        return child_main(opts)
    try:
        report = probe(opts)
    except Exception as exc:  # a bug or a very odd environment: still answer in JSON
        import traceback

        report = {
            "probe": {"schema": PROBE_SCHEMA},
            "errors": [short_error(exc) + "\n" + traceback.format_exc()[-STDERR_TAIL:]],
        }
    sys.stdout.write(json.dumps(report, sort_keys=True, default=str))
    sys.stdout.write("\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
