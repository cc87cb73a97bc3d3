"""The probe's child: numpy and TensorFlow imported for real, a matmul on each device,
a tiny Keras model. probe.py runs it in a process group of its own with a timeout, so
an illegal instruction, a segfault or a hang becomes a finding, not a dead probe.

Stdlib only at import time, Python 3.8+. It reports on stdout, one ``DATA`` line per
fact (``{"key": value}``), and its progress on stderr.
"""

import contextlib
import json
import os
import sys
import time

try:
    from .probe_common import DATA, STDERR_TAIL, progress, short_error
except ImportError:  # run by probe.py as a script (see there)
    from probe_common import DATA, STDERR_TAIL, progress, short_error

MAX_CHILD_LINE = 200000  # a longer DATA line is replaced by a "dropped" note


def emit(key, value):
    line = DATA + json.dumps({key: value}, default=str)
    if len(line) > MAX_CHILD_LINE:
        line = DATA + json.dumps({key: "(dropped: too large)"})
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _blas_flavour(name):
    low = (name or "").lower()
    for key in ("accelerate", "mkl", "openblas", "blis", "flexiblas", "atlas"):
        if key in low:
            return key
    return low or None


def child_numpy():
    emit("stage", "numpy-import")
    progress("numpy: importing")
    t0 = time.perf_counter()
    import numpy as np

    info = {"version": np.__version__, "file": np.__file__, "import_s": time.perf_counter() - t0}
    try:
        import contextlib
        import io

        with contextlib.redirect_stdout(io.StringIO()):
            cfg = np.show_config(mode="dicts")
        deps = (cfg or {}).get("Build Dependencies", {})
        blas = deps.get("blas", {}) or {}
        lapack = deps.get("lapack", {}) or {}
        info.update(
            blas_name=blas.get("name"),
            blas_version=blas.get("version"),
            lapack_name=lapack.get("name"),
            blas_from="show_config",
        )
    except Exception:
        names = []
        cfgmod = getattr(np, "__config__", None)
        get_info = getattr(cfgmod, "get_info", None)
        for key in ("blas_opt_info", "blas_ilp64_opt_info", "lapack_opt_info"):
            try:
                section = get_info(key) if get_info else getattr(cfgmod, key, {})
            except Exception:
                section = {}
            for lib in (section or {}).get("libraries", []) or []:
                names.append(str(lib))
            for macro in (section or {}).get("define_macros", []) or []:
                names.append(str(macro[0]) if isinstance(macro, (list, tuple)) else str(macro))
            extra = (section or {}).get("extra_link_args", []) or []
            names.extend(str(x) for x in extra)
        info.update(blas_name=" ".join(names) or None, blas_from="__config__")
    info["blas"] = _blas_flavour(info.get("blas_name"))
    emit("numpy", info)


def _device_details(tf, dev):
    try:
        details = tf.config.experimental.get_device_details(dev)
        return {str(k): str(v) for k, v in dict(details).items()}
    except Exception:
        return {}


def _time_matmul(tf, device, n):
    with tf.device(device):
        a = tf.random.uniform((n, n))
        b = tf.random.uniform((n, n))
        float(tf.reduce_sum(tf.linalg.matmul(a, b)).numpy())  # warm-up
        best = None
        for _ in range(3):
            t0 = time.perf_counter()
            c = tf.linalg.matmul(a, b)
            float(tf.reduce_sum(c).numpy())
            dt = time.perf_counter() - t0
            best = dt if best is None or dt < best else best
        placed = getattr(c, "device", "") or ""
    return {"device": device, "n": n, "ms": round(best * 1000.0, 3), "placed_on": placed}


def child_tensorflow():
    emit("stage", "tensorflow-import")
    progress("tensorflow: importing (this can take a while)")
    t0 = time.perf_counter()
    try:
        import tensorflow as tf
    except BaseException as exc:  # NotFoundError, OSError, ImportError, SystemExit ...
        import traceback

        tb = traceback.format_exc()
        emit("tf_import_error", {"error": short_error(exc), "traceback": tb[-STDERR_TAIL:]})
        return
    if not hasattr(tf, "__version__"):
        where = list(getattr(tf, "__path__", []) or [])[:1] or [getattr(tf, "__file__", None)]
        emit(
            "tf_import_error",
            {
                "error": "tensorflow at %s has no __version__: a partial or broken install"
                " (an empty folder left by an uninstall?)" % (where[0],),
                "traceback": "",
            },
        )
        return
    emit("tf_import_s", round(time.perf_counter() - t0, 3))
    emit("tf_version", str(getattr(tf, "__version__", "")))
    emit("tf_file", getattr(tf, "__file__", None))
    with contextlib.suppress(Exception):
        emit("tf_git_version", str(tf.version.GIT_VERSION))
    emit("stage", "tensorflow-build-info")
    try:
        info = tf.sysconfig.get_build_info()
        emit("tf_build_info", {str(k): str(v)[:500] for k, v in dict(info).items()})
    except Exception as exc:
        emit("tf_build_info", {"error": short_error(exc)})

    emit("stage", "tensorflow-devices")
    progress("tensorflow: listing devices")
    devices = []
    try:
        for dev in tf.config.list_physical_devices():
            devices.append(
                {
                    "name": dev.name,
                    "type": dev.device_type,
                    "details": _device_details(tf, dev) if dev.device_type != "CPU" else {},
                }
            )
        emit("tf_devices", devices)
    except Exception as exc:
        emit("tf_devices_error", short_error(exc))

    emit("stage", "tensorflow-matmul")
    gpus = [d for d in devices if d["type"] == "GPU"]
    n = 1024 if gpus else 512
    results = []
    for kind in ["CPU"] + [d["type"] for d in devices if d["type"] not in ("CPU",)]:
        idx = 0
        name = "/%s:%d" % (kind, idx)
        if any(r["device"] == name for r in results):
            continue
        progress("tensorflow: %dx%d matmul on %s" % (n, n, name))
        try:
            results.append(_time_matmul(tf, name, n))
        except Exception as exc:
            results.append({"device": name, "n": n, "error": short_error(exc)})
    emit("tf_matmul", results)

    emit("stage", "keras")
    progress("keras: resolving tf.keras and building a tiny model")
    keras_info = {}
    model_api = None
    try:
        tk = tf.keras
        mod = getattr(tk, "__name__", None)
        keras_info["tf_keras_module"] = mod
        keras_info["tf_keras_file"] = getattr(tk, "__file__", None)
        ver = getattr(tk, "__version__", None)
        if ver is None:
            vfun = getattr(tk, "version", None)
            ver = vfun() if callable(vfun) else None
        keras_info["tf_keras_version"] = str(ver) if ver is not None else None
        model_api = tk
    except BaseException as exc:
        keras_info["tf_keras_error"] = short_error(exc)
    try:
        import keras

        keras_info["keras_version"] = str(getattr(keras, "__version__", None))
        keras_info["keras_file"] = getattr(keras, "__file__", None)
        try:
            keras_info["keras_backend"] = str(keras.backend.backend())
        except Exception as exc:
            keras_info["keras_backend_error"] = short_error(exc)
        if model_api is None:
            model_api = keras
    except BaseException as exc:
        keras_info["keras_import_error"] = short_error(exc)
    emit("keras", keras_info)

    emit("stage", "keras-model")
    if model_api is not None:
        try:
            import numpy as np

            t0 = time.perf_counter()
            model = model_api.Sequential(
                [model_api.Input(shape=(4,)), model_api.layers.Dense(3, activation="relu")]
            )
            out = model.predict(np.ones((2, 4), dtype="float32"), verbose=0)
            emit(
                "keras_model",
                {
                    "ok": True,
                    "api": getattr(model_api, "__name__", None),
                    "output_shape": list(getattr(out, "shape", ())),
                    "ms": round((time.perf_counter() - t0) * 1000.0, 3),
                },
            )
        except BaseException as exc:
            emit("keras_model", {"ok": False, "error": short_error(exc)})
    emit("stage", "done")


def child_main(opts):
    for site in reversed(opts.sites):
        sys.path.insert(0, os.path.abspath(site))
    emit("stage", "start")
    try:
        import importlib.util

        has_numpy = importlib.util.find_spec("numpy") is not None
    except Exception:
        has_numpy = False
    if has_numpy:
        try:
            child_numpy()
        except BaseException as exc:
            emit("numpy_error", short_error(exc))
    if not opts.no_tensorflow:
        child_tensorflow()
    emit("stage", "done")
    return 0
