"""The `lint-env` command line: a thin front over the core.

Exit status: 0 clean, 1 findings, 2 usage or internal error. Heavy modules are
imported inside the commands that need them, so `lint-env check` starts fast; a
`check` whose inputs are unchanged since a stored run is answered by the result cache
(resultcache.py) before ``argparse`` or ``pathlib`` are imported.
"""

from __future__ import annotations

import os
import sys

from . import __version__

TYPE_CHECKING = False  # typing itself is not imported
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from pathlib import Path

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    pass


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def positive_number(text: str) -> float:
    """argparse type: a number > 0 (also snapshot_refresh's)."""
    import argparse

    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"not a positive number: {text!r}")
    return value


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser. The options of `validate` and `server` come from their own modules,
    imported only when that command runs (keeps pygls off the `check` start path)."""
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(
        prog="lint-env",
        description="Find why a Python ML environment will not work on a target "
        "(Apple Silicon by default), before pip does.",
    )
    parser.add_argument("--version", action="version", version=f"lint-env {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="check requirements, conda, pyproject and imports")
    check.add_argument("paths", nargs="*", type=Path, help="files or folders (default: .)")
    check.add_argument(
        "--target",
        action="append",
        type=_csv,
        metavar="PLATFORM",
        help="macos-arm64 (default), macos-x86_64, linux-x86_64, linux-aarch64, windows-x86_64; "
        "repeat or comma-separate for several",
    )
    check.add_argument("--python-version", metavar="X.Y", help="the target Python, e.g. 3.11")
    check.add_argument("--select", type=_csv, metavar="CODES", help="only these codes/prefixes")
    check.add_argument("--extend-select", type=_csv, metavar="CODES")
    check.add_argument("--ignore", type=_csv, metavar="CODES", help="skip these codes/prefixes")
    check.add_argument(
        "--format",
        choices=("text", "json", "sarif", "github"),
        default="text",
        help="output format",
    )
    check.add_argument("--output-file", "-o", type=Path, help="write the report here")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    check.add_argument("--fix", action="store_true", help="apply safe fixes to the files")
    check.add_argument("--unsafe-fixes", action="store_true", help="also apply unsafe fixes")
    check.add_argument(
        "--diff", action="store_true", help="print the fixes as a diff; change nothing"
    )
    check.add_argument("--config", type=Path, help="pyproject.toml to read [tool.lint-env] from")
    check.add_argument(
        "--online",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="look up packages the snapshot does not know on the index in pip's "
        "configuration (default: off; a project's [tool.lint-env] online = true "
        "counts only with LINT_ENV_ALLOW_ONLINE=1)",
    )
    check.add_argument("--no-color", action="store_true")
    check.add_argument(
        "--no-cache",
        action="store_true",
        help="neither use nor store the result cache (also: LINT_ENV_NO_CACHE=1)",
    )
    check.add_argument(
        "--absolute-paths", action="store_true", help="print absolute paths (IDE output filters)"
    )
    check.add_argument("-v", "--verbose", action="store_true", help="tracebacks on internal errors")

    rules = sub.add_parser("rules", help="list every rule")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.add_argument("-v", "--verbose", action="store_true")

    explain = sub.add_parser(
        "explain", help="explain a rule: why, how to confirm, the fix, sources"
    )
    explain.add_argument("code")
    explain.add_argument("-v", "--verbose", action="store_true")

    update = sub.add_parser(
        "update",
        help="refresh the user-level index snapshot from the index in pip's configuration",
    )
    update.add_argument(
        "packages", nargs="*", metavar="PACKAGE", help="default: every package already known"
    )
    update.add_argument("--index-url", help="use this index instead of pip's index-url")
    update.add_argument("--timeout", type=positive_number, help="seconds per request (default: 15)")
    update.add_argument("--jobs", type=int, default=8, choices=range(1, 33), metavar="1-32")
    update.add_argument("-v", "--verbose", action="store_true")

    validate = sub.add_parser("validate", help="run the TF/Metal probe in an interpreter")
    server = sub.add_parser("server", help="start the language server (stdio)")
    if command == "validate":
        from .probe import validate as probe_validate

        probe_validate.add_arguments(validate)
    if command == "server":
        from .lsp import server as lsp_server

        lsp_server.add_arguments(server)
    return parser


def run() -> int:
    """The program (the ``lint-env`` console script, ``python -m lint_env``): :func:`main`,
    then an exit without the interpreter's clean-up when nothing needs it."""
    code = main()
    _exit_now(code)
    return code


_gc_paused: list[bool] = []
_program: list[bool] = []  # main() runs as the program (argv None), not for a caller


def _save_dataclass_code() -> None:
    module = sys.modules.get(__package__ + ".dataclass_code")
    if module is not None:
        import contextlib

        with contextlib.suppress(Exception):  # a cache only ever costs speed
            module.save()


def _resume_gc() -> None:
    """The imports are done: the objects they made go to the permanent generation (later
    collections skip them) and the collector runs again. Nothing when :func:`main` did
    not pause it (in-process callers keep theirs as it is)."""
    if _gc_paused:
        import gc

        _gc_paused.clear()
        gc.freeze()
        gc.enable()


def _exit_now(code: int) -> None:
    """``os._exit(code)`` once both streams are flushed, when no other thread runs and no
    ``atexit`` callback is registered: what the interpreter's finalisation would still do
    then (tear down every module, a last collection) changes nothing outside the process
    and costs about a twentieth of a small project's cold check. Otherwise (a flush that
    fails, a thread, a callback) the normal exit does its work."""
    import atexit

    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        return
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() != 1:
        return
    callbacks = getattr(atexit, "_ncallbacks", None)
    if callbacks is None or callbacks() != 0:
        return
    os._exit(code)


def main(argv: Sequence[str] | None = None, *, result_cache: bool | None = None) -> int:
    """The program. ``result_cache``: answer from / store into the result cache
    (default: when run as a program, i.e. ``argv`` is None; in-process callers get
    none unless they ask).

    As the program (``argv`` None) the collector is paused while the modules the command
    needs are imported (start-up allocates some 100,000 objects and frees none of them:
    collections would only walk them), and the methods of the vocabulary's dataclasses
    come compiled from an earlier run (dataclass_code)."""
    if argv is not None:
        return _dispatch(argv, result_cache)
    import gc

    if gc.isenabled():
        gc.disable()
        _gc_paused.append(True)
    _program.append(True)
    try:
        return _dispatch(argv, result_cache)
    finally:
        _resume_gc()
        _program.clear()
        _save_dataclass_code()


def _dispatch(argv: Sequence[str] | None, result_cache: bool | None) -> int:
    use_cache = argv is None if result_cache is None else result_cache
    argv = list(sys.argv[1:] if argv is None else argv)
    if use_cache:
        from . import resultcache

        if resultcache.enabled(argv):
            code = resultcache.replay(argv)
            return code if code is not None else _recorded(argv)
    return _main(argv)


def _recorded(argv: list[str]) -> int:
    """A run whose inputs, output and exit code go into the result cache."""
    from . import resultcache

    try:
        rec = resultcache.start(argv)
    except Exception:  # no working directory, ...: a run without the cache
        return _main(argv)
    out, err = resultcache.Tee(sys.stdout), resultcache.Tee(sys.stderr)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err  # type: ignore[assignment]
    code = EXIT_ERROR
    try:
        code = _main(argv)
        return code
    finally:
        sys.stdout, sys.stderr = saved
        resultcache.finish(rec, code, out.text(), err.text())


def _main(argv: list[str]) -> int:
    if _program:  # the methods of the vocabulary's dataclasses, compiled by an earlier run
        from . import dataclass_code

        dataclass_code.install()
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(command)
    args = parser.parse_args(argv)
    if args.command != "check":
        _resume_gc()
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        if args.command == "check":
            return cmd_check(args)
        if args.command == "rules":
            return cmd_rules(args)
        if args.command == "explain":
            return cmd_explain(args)
        if args.command == "update":
            from .update import cmd_update

            return cmd_update(args)
        if args.command == "validate":
            return cmd_validate(args)
        if args.command == "server":
            return cmd_server(args)
    except BrokenPipeError:  # `lint-env rules | head`: the reader left; not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_CLEAN
    except (UsageError, ValueError, OSError) as exc:
        if getattr(args, "verbose", False):
            raise
        _error(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the promise: one line, no traceback unless --verbose
        if getattr(args, "verbose", False):
            raise
        _error(f"internal error: {type(exc).__name__}: {exc} (run with --verbose for details)")
        return EXIT_ERROR
    return EXIT_ERROR


def _error(message: str) -> None:
    print(f"lint-env: error: {_printable(message)}", file=sys.stderr)


def _printable(text: str) -> str:
    """One line without control characters (file names may hold newlines or ANSI
    escapes): they are shown escaped."""
    from .output.text import printable

    return printable(text)


def _color(args: argparse.Namespace, stream) -> bool:
    if getattr(args, "no_color", False) or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


# --- check -----------------------------------------------------------------------------


def _project_root(start: Path) -> Path:
    # Where the file is written, not where a symlink leads: a link out of the project
    # must not move the project (nor its config) to the link's target.
    from pathlib import Path

    here = Path(os.path.abspath(start))
    if not here.is_dir():
        here = here.parent
    for d in (here, *here.parents):
        if (d / "pyproject.toml").is_file() or (d / ".git").exists():
            return d
    return here


def _load_config(args: argparse.Namespace, paths: list[Path]):
    from pathlib import Path

    from .config import ConfigError, config_from_table, load_config, load_config_file
    from .target import TargetError, parse_python_version

    start = paths[0] if len(paths) == 1 else Path.cwd()
    try:
        if args.config is not None:
            cfg = load_config_file(args.config)
        else:
            cfg = load_config(start, default_root=_project_root(start))
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    overrides: dict = {}
    if args.target:
        targets = tuple(t for group in args.target for t in group)
        try:
            config_from_table({"targets": list(targets)})
        except ConfigError as exc:
            raise UsageError(
                str(exc).replace("settings: [tool.lint-env] targets", "--target")
            ) from None
        overrides["targets"] = targets
    if args.python_version:
        try:
            overrides["python"] = parse_python_version(args.python_version)
        except TargetError as exc:
            raise UsageError(f"--python-version: {exc}") from None
    if args.select is not None:
        overrides["select"] = tuple(args.select)
    if args.extend_select is not None:
        overrides["extend_select"] = tuple(args.extend_select)
    if args.ignore is not None:
        overrides["ignore"] = tuple(cfg.ignore) + tuple(args.ignore)
    return cfg.merged(**overrides)


def cmd_check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from . import resultcache
    from .api import Project
    from .output import RenderContext, render

    _resume_gc()

    paths = args.paths or [Path(".")]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"{missing[0]}: no such file or folder")
    config = _load_config(args, paths)
    project = Project(config.root or Path.cwd(), config)
    online = args.online
    if online is None and config.online:  # a repository's setting needs the user's consent
        from .update import project_online

        online, note = project_online()
        if note:
            print(f"lint-env: note: {note}", file=sys.stderr)
    if online:  # never imported, never connecting, when off
        resultcache.refuse("online look-ups")
        from .update import look_up_unknown

        for note in look_up_unknown(project):
            print(f"lint-env: warning: {_printable(note)}", file=sys.stderr)
    result = project.check(paths)
    _note_data_age(config.max_snapshot_age_days)
    for err in result.errors:
        print(f"lint-env: warning: {_printable(err)}", file=sys.stderr)
    findings = result.findings
    fixed = 0
    if args.fix or args.diff:
        from .apply import apply_fixes, rel_path

        notes = [  # fixes refused when the check verified them
            f"{rel_path(path)}:{line}: {code} fix not offered: {why}"
            for path, line, code, why in project.engine.fix_notes
        ]
        outcome = apply_fixes(project, findings, unsafe=args.unsafe_fixes, write=not args.diff)
        for err in [*notes, *outcome.errors]:
            print(f"lint-env: warning: {_printable(err)}", file=sys.stderr)
        fixed = outcome.applied
        if args.diff:
            sys.stdout.write(outcome.diff)
            return EXIT_FINDINGS if outcome.diff and not args.exit_zero else EXIT_CLEAN
        if fixed:  # the files changed: check them again, from the disk
            findings = Project(config.root or Path.cwd(), config).check(paths).findings
    stream = sys.stdout
    ctx = RenderContext(
        root=Path.cwd().resolve(),
        files=len(result.files),
        color=args.output_file is None and _color(args, stream),
        fixed=fixed,
        absolute=args.absolute_paths,
        no_dependency_files=result.declarations == 0,
        code_files=result.code_files,
    )
    text = render(args.format, findings, ctx)
    if args.output_file is not None:
        args.output_file.write_text(text, encoding="utf-8")
        resultcache.output_file(args.output_file, text)
    else:
        stream.write(text)
    if findings and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _note_data_age(max_days: int) -> None:
    """One line on stderr when the index data this run used is older than allowed."""
    snapshot = sys.modules.get(__package__ + ".snapshot")
    if snapshot is None:  # nothing was judged from the snapshot
        return
    from .update import data_age_note

    note = data_age_note(snapshot.loaded_taken(), max_days)
    if note:
        print(f"lint-env: note: {note}", file=sys.stderr)


# --- rules / explain ---------------------------------------------------------------------


def cmd_rules(args: argparse.Namespace) -> int:
    from .ruleset import load_ruleset

    rules = load_ruleset()
    if args.format == "json":
        import json

        rows = [
            {
                "code": r.code,
                "name": r.name,
                "kind": r.kind,
                "severity": r.severity.value,
                "targets": list(r.targets),
                "fixable": _fixable(r),
                "summary": r.summary,
                "url": r.url,
            }
            for r in rules
        ]
        print(json.dumps(rows, indent=2))
        return EXIT_CLEAN
    rows = [
        (r.code, r.name, r.severity.value, _targets_text(r.targets), "yes" if _fixable(r) else "")
        for r in rules
    ]
    header = ("CODE", "NAME", "SEVERITY", "TARGETS", "FIXABLE")
    widths = [max(len(x[i]) for x in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    print(f"\n{len(rows)} rules. `lint-env explain CODE` shows one.")
    return EXIT_CLEAN


def _targets_text(targets: tuple[str, ...]) -> str:
    from .target import PLATFORMS

    return "all" if set(targets) == set(PLATFORMS) else ",".join(targets)


def _fixable(rule) -> bool:
    p = rule.params
    if rule.kind == "banned":
        return p.get("fix", "remove") != "none"
    if rule.kind == "version":
        return "fix_specifier" in p
    if rule.kind == "pairing":
        return any("pin" in row for row in p.get("table", []))
    if rule.kind in ("wheel",):
        return True
    if rule.kind == "conda":
        return p.get("check") == "build"
    return False


def cmd_explain(args: argparse.Namespace) -> int:
    from .ruleset import load_ruleset

    rules = load_ruleset()
    rule = rules.get(args.code)
    if rule is None:
        close = [r.code for r in rules if r.code.startswith(args.code.upper()[:2])]
        hint = f" (did you mean {', '.join(close[:5])}?)" if close else ""
        raise UsageError(f"unknown rule {args.code!r}{hint}; `lint-env rules` lists them")
    out = [
        f"{rule.code} {rule.name} ({rule.severity.value})",
        "",
        rule.summary,
        "",
        f"Applies to: {_targets_text(rule.targets)}; files: {', '.join(k.value for k in rule.files) or 'runtime probe'}",
        f"Basis: {rule.basis}",
        "",
        rule.explanation,
    ]
    if _fixable(rule):
        out += ["", "Fix: " + _fix_text(rule)]
    if rule.references:
        out += ["", "Sources:"] + [f"  {u}" for u in rule.references]
    print("\n".join(out))
    return EXIT_CLEAN


def _fix_text(rule) -> str:
    p = rule.params
    if rule.kind == "banned":
        how = p.get("fix", "remove")
        if how == "replace":
            return f"replace the package with {p['replacement']}"
        if how == "marker":
            return f"add the marker `{p['fix_marker']}`"
        return "remove the line"
    if rule.kind == "version":
        return f"change the requirement to {p['fix_specifier']}"
    if rule.kind == "pairing":
        pins = ", ".join(
            f"{row['a']} -> {p['b']}{row['pin']}" for row in p["table"] if "pin" in row
        )
        return f"pin the matching {p['b']} ({pins})"
    if rule.kind == "wheel":
        return "raise the floor to the first version with a wheel for the target (unsafe: changes versions)"
    return "remove the line"


# --- validate / server -------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    try:
        from .probe import validate as probe_validate
    except ImportError:
        raise UsageError("validation is not available in this build") from None
    return probe_validate.run(args)


def cmd_server(args: argparse.Namespace) -> int:
    try:
        from .lsp import server as lsp_server
    except ImportError:
        raise UsageError("the language server is not available in this build") from None
    return lsp_server.main(args)
