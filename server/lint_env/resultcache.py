"""The whole-run result cache of ``lint-env check`` (like ruff's cache, one level up).

A run that may be cached records every input it touches, centrally, while it runs:

- every file opened for reading and every folder listed (Python's audit events
  ``open``, ``os.scandir``, ``os.listdir``: every reader in the package and in the
  libraries it calls goes through them, discovery's walk and module imports included);
- every path probed with ``os.stat``/``os.lstat`` (``Path.exists``, ``is_file``,
  ``resolve``, ``os.path.isdir``: include targets, the config search, virtualenv
  probes, shadowing modules), present or absent;
- every environment variable read (``os.environ`` is given a recording class for the
  run; iterating it makes the whole environment part of the entry);
- at the end, the file of every module imported (lint-env, its libraries, the stdlib).

The entry stores the key (argv, working directory, interpreter, ``sys.path``, the
``LINT_ENV_*``/``PIP_*``/colour variables, whether stdout/stderr are terminals and
their encoding, the UTC date: the "data is N days old" note depends on it), those
records, and what the run printed and returned. A later run with the same key
re-stats every record and re-lists every listed folder; any difference is a miss and
a normal run. A hit prints the stored report and exits with the stored code without
importing the engine, ``packaging``, ``argparse`` or ``pathlib``: this module uses
only ``os``, ``sys``, ``marshal`` and ``time``.

Hazards and what answers them:

- a file edited within the file system's timestamp granularity: nothing is stored
  when any recorded file or listed folder has an mtime or ctime later than
  :data:`SLACK_NS` before the run started (the next run stores); a file changed
  since has a new ctime (which no tool can set back) and inode or size;
- a new file in a walked folder: the folder's listing (and mtime) differ;
- a config, rule, snapshot or lint-env change: those files are records like any other;
- symlinks: ``lstat`` records of every path component ``resolve()`` looked at, and
  ``stat`` records of the files read through them;
- a corrupt, foreign or unreadable entry is a miss, never an error.

Never used for ``--fix``/``--diff``, with online look-ups, with ``--no-cache`` or
``LINT_ENV_NO_CACHE=1``, or for a run that exits with an error.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys

FORMAT = "lint-env-result:1"
SLACK_NS = 2_000_000_000  # timestamps this close to the run's start are not trusted
MAX_ENTRIES = 64
MAX_ENTRY_BYTES = 8 << 20
_NEVER = ("--fix", "--diff", "--unsafe-fixes", "--online", "--no-cache", "--help", "--version")

# record kinds: what is compared on a hit. A file: its whole stat result (type, inode,
# device, size, mtime, ctime); a folder only looked at: its type and inode; a listed
# folder: its whole stat result and its sorted names.
_STAT = 0  # stat (follows links): files opened, paths probed
_LSTAT = 1  # lstat: the path itself (resolve() looks at every component)
_LISTED = 2


def enabled(argv: list[str]) -> bool:
    """Whether this command line may use the cache at all (decided from the text of
    argv alone, conservatively: an abbreviation of a refused option refuses too)."""
    if os.environ.get("LINT_ENV_NO_CACHE", "") not in ("", "0"):
        return False
    if not argv or argv[0] != "check":
        return False
    for arg in argv[1:]:
        if arg == "--" or arg == "-h":
            return False
        if arg.startswith("--"):
            name = arg.split("=", 1)[0]
            if any(len(name) > 2 and opt.startswith(name) for opt in _NEVER):
                return False
    return True


def cache_root() -> str:
    from .paths import cache_dir_text

    return cache_dir_text()


def _key(argv: list[str]) -> tuple:
    import time

    env = tuple(
        sorted(
            (k, v)
            for k, v in os.environ.items()
            if k.startswith(("LINT_ENV_", "PIP_")) or k in ("NO_COLOR", "FORCE_COLOR")
        )
    )

    def stream(s) -> tuple:
        try:
            return (bool(s.isatty()), str(s.encoding), str(s.errors))
        except Exception:
            return (None, None, None)

    return (
        FORMAT,
        tuple(argv),
        os.getcwd(),
        sys.executable,
        sys.version,
        tuple(p for p in sys.path if isinstance(p, str)),
        env,
        stream(sys.stdout),
        stream(sys.stderr),
        time.strftime("%Y-%m-%d", time.gmtime()),
    )


def _entry_path(key: tuple) -> str:
    blob = repr(key).encode("utf-8", "surrogatepass")  # marshal's bytes vary with refcounts
    # only a locator: the entry holds the whole key and is compared with it
    h = hash(int.from_bytes(blob, "little")) & 0xFFFFFFFFFFFFFFFF
    return os.path.join(cache_root(), "results", f"{h:016x}-{len(blob):x}.bin")


# --- a hit ------------------------------------------------------------------------------


def replay(argv: list[str]) -> int | None:
    """The stored run's exit code after printing its output, or None (a miss)."""
    try:
        key = _key(argv)
        with open(_entry_path(key), "rb") as fh:
            entry = marshal.loads(fh.read())
        fmt, stored_key, records, env, out, err, code, outfile = entry
        if fmt != FORMAT or stored_key != key or not _valid(records, env):
            return None
        if outfile is not None:
            with open(outfile[0], "w", encoding="utf-8") as fh:
                fh.write(outfile[1])
    except Exception:  # missing, corrupt, foreign, unwritable: a normal run
        return None
    sys.stderr.write(err)
    sys.stdout.write(out)
    return code


def _valid(records, env) -> bool:
    environ = os.environ
    if isinstance(env, dict):
        if dict(environ) != env:
            return False
    else:
        for name, value in env:
            if environ.get(name) != value:
                return False
    return all(_fact(path, kind) == fact for path, kind, fact in records)


def _fact(path: str, kind: int):
    try:
        st = os.lstat(path) if kind == _LSTAT else os.stat(path)
    except OSError as exc:
        return ("absent", exc.errno)
    full = (st.st_mode, st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    if kind != _LISTED and (st.st_mode & 0o170000) == 0o040000:
        return (st.st_mode, st.st_ino, st.st_dev)  # a folder looked at, not listed
    if kind == _LISTED:
        try:
            names = tuple(sorted(os.listdir(path)))
        except OSError as exc:
            return ("unlistable", exc.errno)
        return (full, names)
    return full


# --- a run that records -----------------------------------------------------------------

_active: Recorder | None = None
_hooked = False


class Recorder:
    """What one run read; see the module docstring."""

    def __init__(self, argv: list[str]) -> None:
        import time

        self.argv = list(argv)
        self.started = time.time_ns()
        self.key = _key(argv)
        self.paths: set[tuple[str, int]] = set()
        self.env: dict[str, str | None] = {}
        self.whole_env = False
        self.refused: str | None = None
        self.outfile: tuple[str, str] | None = None
        root = os.path.abspath(cache_root())
        self._skip = root.rstrip(os.sep) + os.sep
        self._keep = os.path.join(root, "index") + os.sep  # `lint-env update`'s data

    def note(self, path, kind: int) -> None:
        if path is None and kind == _LISTED:
            path = "."  # os.scandir(): the working directory
        elif isinstance(path, int) or path is None:
            if kind == _LISTED:  # a folder listed through a descriptor: unknown which
                self.refused = self.refused or "a folder listed by descriptor"
            return  # a file opened by descriptor: os.open(path) was recorded
        try:
            text = os.path.abspath(os.fsdecode(path))
        except (TypeError, ValueError):
            self.refused = "an input path it cannot record"
            return
        if text.startswith(self._skip) and not (text + os.sep).startswith(self._keep):
            return  # lint-env's own caches: derived from recorded inputs
        self.paths.add((text, kind))

    def refuse(self, why: str) -> None:
        self.refused = self.refused or why


def _audit(event: str, args: tuple) -> None:
    rec = _active
    if rec is None:
        return
    if event == "open":
        path, mode, flags = args
        if mode is not None:
            writes = any(c in str(mode) for c in "wax+")
        else:
            writes = bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
        if not writes:
            rec.note(path, _STAT)
    elif event in ("os.scandir", "os.listdir"):
        rec.note(args[0], _LISTED)


class _RecordingEnviron(os._Environ):  # type: ignore[name-defined]
    def __getitem__(self, key):
        rec = _active
        try:
            value = super().__getitem__(key)
        except KeyError:
            if rec is not None and isinstance(key, str):
                rec.env.setdefault(key, None)
            raise
        if rec is not None and isinstance(key, str):
            rec.env.setdefault(key, value)
        return value

    def __iter__(self):
        if _active is not None:
            _active.whole_env = True
        return super().__iter__()


def start(argv: list[str]) -> Recorder:
    """Begin recording this process's inputs (undone by :func:`finish`)."""
    global _active, _hooked
    rec = Recorder(argv)
    if not _hooked:
        sys.addaudithook(_audit)  # stays; does nothing while no run records
        _hooked = True
    rec._stat, rec._lstat = os.stat, os.lstat
    real_stat, real_lstat = os.stat, os.lstat

    def stat(path, *a, dir_fd=None, follow_symlinks=True, **kw):
        if dir_fd is not None:
            rec.refuse("a stat relative to a folder descriptor")
        else:
            rec.note(path, _STAT if follow_symlinks else _LSTAT)
        return real_stat(path, *a, dir_fd=dir_fd, follow_symlinks=follow_symlinks, **kw)

    def lstat(path, *a, dir_fd=None, **kw):
        if dir_fd is not None:
            rec.refuse("a stat relative to a folder descriptor")
        else:
            rec.note(path, _LSTAT)
        return real_lstat(path, *a, dir_fd=dir_fd, **kw)

    os.stat, os.lstat = stat, lstat
    if type(os.environ) is os._Environ:  # type: ignore[attr-defined]
        os.environ.__class__ = _RecordingEnviron
    _active = rec
    return rec


def refuse(why: str) -> None:
    """This run's result must not be stored (online look-ups, ...)."""
    if _active is not None:
        _active.refuse(why)


def output_file(path, text: str) -> None:
    """The run wrote its report to ``path``: a hit writes it there again."""
    if _active is not None:
        _active.outfile = (os.path.abspath(os.fspath(path)), text)


def finish(rec: Recorder, code: int, out: str, err: str) -> bool:
    """Stop recording; store the entry when the run may be replayed. True if stored."""
    global _active
    _active = None
    os.stat, os.lstat = rec._stat, rec._lstat
    if type(os.environ) is _RecordingEnviron:
        os.environ.__class__ = os._Environ  # type: ignore[attr-defined]
    if rec.refused or code not in (0, 1):
        return False
    try:
        for name in list(sys.modules):
            file = getattr(sys.modules.get(name), "__file__", None)
            if isinstance(file, str):
                rec.note(file, _STAT)
        return _store(rec, code, out, err)
    except Exception:  # never an error: the next run computes again
        return False


def _store(rec: Recorder, code: int, out: str, err: str) -> bool:
    limit = rec.started - SLACK_NS
    records = []
    for path, kind in sorted(rec.paths):
        fact = _fact(path, kind)
        full = fact[0] if kind == _LISTED and isinstance(fact[0], tuple) else fact
        if len(full) == 6 and (full[4] >= limit or full[5] >= limit):
            return False  # changed while it ran, or too recently to be told apart
        records.append((path, kind, fact))
    env = (
        dict(os.environ)
        if rec.whole_env
        else tuple(sorted((k, v) for k, v in rec.env.items() if k != "LINT_ENV_NO_CACHE"))
    )
    if rec.whole_env:
        env.pop("LINT_ENV_NO_CACHE", None)
    if _key(rec.argv) != rec.key:
        return False
    blob = marshal.dumps((FORMAT, rec.key, records, env, out, err, code, rec.outfile))
    if len(blob) > MAX_ENTRY_BYTES:
        return False
    target = _entry_path(rec.key)
    folder = os.path.dirname(target)
    os.makedirs(folder, exist_ok=True)
    tmp = f"{target}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    _evict(folder)
    return True


def _evict(folder: str) -> None:
    """Keep the newest :data:`MAX_ENTRIES` entries."""
    entries = []
    for entry in os.scandir(folder):
        try:
            entries.append((entry.stat().st_mtime_ns, entry.path))
        except OSError:
            continue
    entries.sort(reverse=True)
    for _, path in entries[MAX_ENTRIES:]:
        with contextlib.suppress(OSError):
            os.unlink(path)


class Tee:
    """A text stream that also keeps what was written (the run's stdout/stderr)."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return self._stream.write(text)

    def text(self) -> str:
        return "".join(self.parts)

    def __getattr__(self, name: str):
        if name == "buffer":  # bytes written past the text layer are not kept
            refuse("output written as bytes")
        return getattr(self._stream, name)
