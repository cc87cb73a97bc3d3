"""How the VS Code extension starts lint-env: never importing from the workspace.

    python /abs/path/launcher/lint_env_launcher.py [--libs DIR] [--check] [--] ARGS...

`python -m lint_env` puts the working directory first on sys.path, so a workspace
with a `yaml.py`, `runpy.py` or `lint_env/` folder would run its code (`-P` fixes that
only from Python 3.11). A script run by absolute path gets its own folder as
sys.path[0] instead, on every Python. This script then also drops every entry that
resolves to the working directory ('' or '.' from an inherited PYTHONPATH such as
":/x") and its own folder, puts the extension's bundled libraries (--libs) first when
given, and runs `lint_env` like `python -m lint_env ARGS`. The extension also starts
it with its own folder, not the workspace, as the working directory.

--check prints one JSON line instead: this interpreter's version and executable, and
where lint_env is imported from (null when it or what the server needs, pygls and
lsprotocol, is not importable; "error" says why). Standard
library only; nothing but the standard library is imported before sys.path is clean.
"""

import os
import sys


def _same(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def clean_path(libs: "str | None") -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    cwd = os.getcwd()
    kept = []
    for entry in sys.path:
        where = entry or "."
        if where == "." or _same(where, cwd) or _same(where, here):
            continue
        kept.append(entry)
    if libs:
        kept.insert(0, os.path.abspath(libs))
    sys.path[:] = kept


def check() -> int:
    import importlib.util
    import json

    spec = importlib.util.find_spec("lint_env")
    version = None
    error = None
    if spec is not None:
        try:
            import lint_env

            version = getattr(lint_env, "__version__", None)
            # What `lint-env server` imports: a lint_env without pygls/lsprotocol
            # (e.g. on PYTHONPATH of another interpreter) cannot run the server.
            import lint_env.lsp.server
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
    print(
        json.dumps(
            {
                "python": ".".join(str(n) for n in sys.version_info[:3]),
                "executable": sys.executable,
                "lint_env": spec.origin if spec is not None and error is None else None,
                "lint_env_version": version,
                "error": error,
            }
        )
    )
    return 0


def main(argv: "list[str]") -> int:
    libs = None
    want_check = False
    while argv:
        if argv[0] == "--libs" and len(argv) > 1:
            libs, argv = argv[1], argv[2:]
        elif argv[0] == "--check":
            want_check, argv = True, argv[1:]
        elif argv[0] == "--":
            argv = argv[1:]
            break
        else:
            break
    clean_path(libs)
    if want_check:
        return check()
    import runpy

    sys.argv = ["lint-env", *argv]
    runpy.run_module("lint_env", run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
