"""Imports of many .py files and notebooks, fast: a content-hash cache and a process pool.

``scan(paths, cache_dir)`` returns, for each path, the same :class:`Document` that
``sources.read_document(path)`` gives; only the parsing of imports is skipped when the
file's bytes were seen before.

The cache is one SQLite file, ``imports.sqlite`` in ``cache_dir``. The engine passes the
folder; with ``None`` it is ``$XDG_CACHE_HOME/lint-env`` (``~/.cache/lint-env`` when the
variable is unset), overridable with ``LINT_ENV_CACHE_DIR``. Keys are a BLAKE2b digest of
the parser version, the file kind and the file's bytes, so a changed file or a new parser
version is parsed again (rows of an older parser version are dropped when the cache is
opened). A cache that cannot be opened or written is not an error: the scan runs
without it.

Uncached files are parsed in a process pool when there are many of them
(``POOL_THRESHOLD``) and more than one CPU: this process reads, hashes and decodes
the files and sends the texts it has decoded so far to the workers chunk by chunk,
which parse them while it reads on; done reading, it parses the chunks no worker has
started yet, from the back (it counts as one of the processes: two CPUs, one worker).
If the pool cannot start or breaks, the files are parsed in this process.
"""

from __future__ import annotations

import dataclasses
import hashlib
import marshal
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from .model import Dependency, Document, Import, Include, Kind, Problem, Span
from .paths import cache_dir as default_cache_dir  # one cache folder for lint-env
from .sources import detect_kind, parse_text, read_document
from .sources.imports import PARSER_VERSION, forget_parsed_statements
from .sources.text import MAX_BYTES, looks_binary

POOL_THRESHOLD = 200  # uncached files before a process pool pays for its start-up
_CHUNK = 32
_FORMAT = 4  # of the stored rows (bump with PARSER_VERSION changes or layout changes)
_CODE_KINDS = (Kind.PYTHON, Kind.NOTEBOOK)


def cache_key(data: bytes, kind: Kind) -> bytes:
    h = hashlib.blake2b(digest_size=20)
    h.update(f"{_FORMAT}:{PARSER_VERSION}:{kind.value}\0".encode())
    h.update(data)
    return h.digest()


# --- compact form of what parsing produced ----------------------------------------


def _pack(doc: Document) -> bytes:
    imports = tuple(
        (
            i.module,
            i.span.line,
            i.span.col,
            i.span.end_line,
            i.span.end_col,
            i.span.cell,
            i.level,
            i.guarded,
            i.type_checking,
        )
        for i in doc.imports
    )
    if doc.kind is Kind.NOTEBOOK:
        problems = tuple(
            (
                p.span.line,
                p.span.col,
                p.span.end_line,
                p.span.end_col,
                p.span.cell,
                p.message,
                p.code,
            )
            for p in doc.problems
            if p.code != "LE005"  # decoding problems are added by read_document again
        )
        cells = None if doc.cells is None else tuple(tuple(c) for c in doc.cells)
        # install cells (`!pip install …`) are the notebook's dependencies
        deps = tuple(
            (
                _span_t(d.span), _span_t(d.name_span), d.name, d.raw, d.specifier,
                _span_t(d.specifier_span), d.extras, d.marker, d.url, d.editable,
                d.source, d.channel, d.build, d.group, d.constraint_only,
            )
            for d in doc.dependencies
        )  # fmt: skip
        includes = tuple((i.target, _span_t(i.span), i.constraint) for i in doc.includes)
        python = None if doc.python is None else (doc.python[0], _span_t(doc.python[1]))
        return marshal.dumps((imports, problems, cells, deps, includes, python))
    return marshal.dumps((imports,))


def _unpack(blob: bytes, doc: Document) -> None:
    """Fill ``doc`` (text and lines already set) from a packed row."""
    row = marshal.loads(blob)
    imports = [
        Import(m, _span(a, b, c, d, cell), level, g, tc)
        for m, a, b, c, d, cell, level, g, tc in row[0]
    ]
    if not all(isinstance(i.module, str) and isinstance(i.level, int) for i in imports):
        raise ValueError("bad cache row")
    if doc.kind is Kind.NOTEBOOK:
        problems = [
            Problem(_span(a, b, c, d, cell), msg, code) for a, b, c, d, cell, msg, code in row[1]
        ]
        if not all(isinstance(p.message, str) and isinstance(p.code, str) for p in problems):
            raise ValueError("bad cache row")
        cells = None if row[2] is None else [list(c) for c in row[2]]
        if cells is not None and not all(isinstance(x, str) for c in cells for x in c):
            raise ValueError("bad cache row")
        dependencies = [
            Dependency(
                name=n, span=_span_of(s), name_span=_span_of(ns), raw=raw, specifier=spec,
                specifier_span=_span_of(ss), extras=tuple(ex), marker=mk, url=url,
                editable=ed, source=src, channel=ch, build=bd, group=gr, constraint_only=co,
            )
            for s, ns, n, raw, spec, ss, ex, mk, url, ed, src, ch, bd, gr, co in row[3]
        ]  # fmt: skip
        includes = [Include(t, _span_of(s), c) for t, s, c in row[4]]
        python = None if row[5] is None else (row[5][0], _span_of(row[5][1]))
        doc.problems, doc.cells = problems, cells
        doc.dependencies, doc.includes, doc.python = dependencies, includes, python
    doc.imports = imports


def _span_t(span: Span | None) -> tuple | None:
    if span is None:
        return None
    return (span.line, span.col, span.end_line, span.end_col, span.cell)


def _span_of(t: tuple | None) -> Span | None:
    return None if t is None else _span(*t)


def _span(a: object, b: object, c: object, d: object, cell: object) -> Span:
    """A span from a cache row; anything but ordered non-negative ints is a bad row."""
    nums = (a, b, c, d)
    if not all(type(x) is int and x >= 0 for x in nums) or (
        cell is not None and (type(cell) is not int or cell < 0)
    ):
        raise ValueError("bad cache row")
    if (a, b) > (c, d):
        raise ValueError("bad cache row")
    return Span(a, b, c, d, cell)  # type: ignore[arg-type]


# --- documents whose lines are split when first asked for ---------------------------


class _ScannedDocument(Document):
    """A scanned code file: its ``lines`` are split from ``text`` only when some rule
    asks for them. Most never are (an import's line is read through ``line_text``), and
    the split lines of a big tree are most of what its documents hold (sympy: 800,000
    lines, about twice the text's size). Equal to a ``Document`` of the same content."""

    @property  # type: ignore[override]
    def lines(self) -> list[str]:
        got = self.__dict__.get("_lines")
        if got is None:
            from .sources.text import split_lines

            got = self.__dict__["_lines"] = split_lines(self.text)
        return got

    @lines.setter
    def lines(self, value: list[str] | None) -> None:
        self.__dict__["_lines"] = value

    def line_text(self, span: Span) -> str:
        d = self.__dict__
        if span.cell is not None or d.get("_lines") is not None or "\r" in self.text:
            return super().line_text(span)
        d["_asked"] = asked = d.get("_asked", 0) + 1
        if asked > _LINES_AFTER:  # asked often: split once (a search per call is O(n))
            return super().line_text(span)
        # Rules ask for lines in order (imports are sorted): go on from the last one
        # (kept with the text it was found in).
        text, at = d.get("_at", (None, (0, 0)))
        if text is not self.text:
            at = (0, 0)
        row, at = _nth_line(self.text, span.line, at)
        d["_at"] = (self.text, at)
        return row

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Document):
            return NotImplemented
        return all(
            getattr(self, f.name) == getattr(other, f.name) for f in dataclasses.fields(Document)
        )

    __hash__ = None  # type: ignore[assignment]  # as a dataclass with eq


_LINES_AFTER = 16  # line_text calls answered by a search before the lines are split


def _nth_line(text: str, n: int, at: tuple[int, int] = (0, 0)) -> tuple[str, tuple[int, int]]:
    """Line ``n`` of a text without "\\r" ("" past the end), as ``split_lines`` has it,
    and where it starts (line, offset): the ``at`` to pass next time. The search starts
    from ``at`` (a line and its start offset) when that line is not after ``n``."""
    if n < 0:
        return "", at
    line, start = at if at[0] <= n else (0, 0)
    find = text.find
    for _ in range(n - line):
        start = find("\n", start) + 1
        if start == 0:
            return "", (0, 0)
    end = find("\n", start)
    return (text[start:] if end == -1 else text[start:end]), (n, start)


# --- the cache ------------------------------------------------------------------------


class _Cache:
    def __init__(self, folder: Path) -> None:
        import sqlite3

        self._sqlite3 = sqlite3
        self.db = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(folder / "imports.sqlite"), timeout=5)
            db.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT)")
            db.execute("CREATE TABLE IF NOT EXISTS imports (key BLOB PRIMARY KEY, value BLOB)")
            version = f"{_FORMAT}:{PARSER_VERSION}"
            row = db.execute("SELECT v FROM meta WHERE k = 'version'").fetchone()
            if row is None or row[0] != version:
                with db:
                    db.execute("DELETE FROM imports")
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (version,))
            self.db = db
        except (OSError, sqlite3.Error):
            self.db = None

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        if self.db is None or not keys:
            return {}
        out: dict[bytes, bytes] = {}
        try:
            for i in range(0, len(keys), 500):
                part = keys[i : i + 500]
                marks = ",".join("?" * len(part))
                query = f"SELECT key, value FROM imports WHERE key IN ({marks})"
                out.update(self.db.execute(query, part).fetchall())
        except self._sqlite3.Error:
            return out
        return out

    def put_many(self, rows: Iterable[tuple[bytes, bytes]]) -> None:
        if self.db is None:
            return
        try:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO imports VALUES (?, ?)", rows)
        except self._sqlite3.Error:
            pass

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


# --- parsing ---------------------------------------------------------------------------


def _parse_texts(items: list[tuple[str, str, str]]) -> list[bytes | None]:
    """Worker: one chunk of (path, kind, decoded text) the parent read and hashed; the
    packed imports of each, as the parent would pack them (None where parsing failed).
    The worker parses exactly the bytes the parent hashed, without reading, decoding or
    hashing them again."""
    out: list[bytes | None] = []
    for path, kind_value, text in items:
        try:
            out.append(_pack(parse_text(Path(path), text, Kind(kind_value))))
        except Exception:  # a worker must never take the pool down
            out.append(None)
    return out


def _start_pool(workers: int):
    """A process pool, or None where none can start (sandbox, no /dev/shm)."""
    try:
        import multiprocessing
        import threading
        from concurrent.futures import ProcessPoolExecutor

        # Forking a process that runs threads (the language server) is unsafe: spawn then.
        context = multiprocessing.get_context("spawn") if threading.active_count() > 1 else None
        return ProcessPoolExecutor(max_workers=workers, mp_context=context)
    except Exception:
        return None


class _Pool:
    """Uncached files go to worker processes chunk by chunk while this process reads and
    hashes the rest (the workers get the decoded texts). The pool starts once the
    files missed so far say that the whole scan will miss enough to pay for it."""

    def __init__(self, total: int, workers: int | None) -> None:
        self.total = total  # code files in the scan
        self.workers = workers
        self.pool = None
        self.failed = False
        self.sent = 0  # how many of ``missing`` went to the pool
        self.futures: list[tuple[int, int, object]] = []  # (first, count, future)

    def feed(self, missing: list, seen: int, final: bool = False) -> None:
        if self.failed or not missing:
            return
        if self.pool is None:
            expected = len(missing) if final else len(missing) * self.total // max(seen, 1)
            n = _workers(expected, self.workers)
            if n <= 1:
                return
            self.pool = _start_pool(n - 1)  # this process is one of the n
            if self.pool is None:
                self.failed = True
                return
        while self.sent < len(missing) and (final or len(missing) - self.sent >= _CHUNK):
            part = missing[self.sent : self.sent + _CHUNK]
            todo = [(str(p), k.value, doc.text) for p, k, _, doc in part]
            try:
                future = self.pool.submit(_parse_texts, todo)
            except Exception:  # a broken pool: the rest is parsed here
                self.failed = True
                return
            self.futures.append((self.sent, len(part), future))
            self.sent += len(part)

    def results(self, missing: list) -> list:
        """One result per item of ``missing`` (None: parse it here)."""
        self.feed(missing, self.total, final=True)
        out: list = [None] * len(missing)
        try:
            # This process helps: it takes the chunks no worker has started yet, from
            # the back, while the workers go on from the front.
            for first, count, future in reversed(self.futures):
                if not future.cancel():  # type: ignore[attr-defined]
                    break
                out[first : first + count] = [
                    _pack(parse_text(path, doc.text, kind))
                    for path, kind, _, doc in missing[first : first + count]
                ]
            for first, count, future in self.futures:
                if future.cancelled():  # type: ignore[attr-defined]
                    continue  # parsed here
                try:
                    got = future.result()  # type: ignore[attr-defined]
                except Exception:  # a worker died: these files are parsed here
                    continue
                if isinstance(got, list) and len(got) == count:
                    out[first : first + count] = got
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True, cancel_futures=True)
        return out


def _workers(n: int, workers: int | None) -> int:
    if workers is not None:
        return max(1, workers)
    cpus = os.cpu_count() or 1
    return min(cpus, 8) if n > POOL_THRESHOLD and cpus > 1 else 1


def scan(
    paths: Sequence[Path], cache_dir: Path | None = None, *, workers: int | None = None
) -> dict[Path, Document]:
    """Documents for ``paths`` (.py, .pyi, .ipynb; other files are read uncached), equal
    to ``read_document(path)`` for each. ``workers``: processes to use for uncached
    files, this one included (default: automatic; 1 = no worker process)."""
    cache = _Cache(cache_dir if cache_dir is not None else default_cache_dir())
    try:
        return _scan(paths, cache, workers)
    finally:
        cache.close()


_BATCH = 64  # files read and hashed between cache look-ups


def _scan(paths: Sequence[Path], cache: _Cache, workers: int | None) -> dict[Path, Document]:
    docs: dict[Path, Document] = {}
    code: list[tuple[Path, Kind]] = []
    for path in paths:
        kind = detect_kind(path, explicit=True)
        if kind in _CODE_KINDS:
            assert kind is not None
            code.append((path, kind))
            docs[path] = None  # type: ignore[assignment]  # keeps the order of ``paths``
        else:
            docs[path] = read_document(path, kind)
    pool = _Pool(len(code), workers)
    missing: list[tuple[Path, Kind, bytes, Document]] = []
    for start in range(0, len(code), _BATCH):
        pending = []  # hashed, text decoded
        for path, kind in code[start : start + _BATCH]:
            got = _read(path, kind)
            if isinstance(got, Document):
                docs[path] = got
            else:
                pending.append(got)
                docs[path] = got[3]
        hits = cache.get_many([key for _, _, key, _ in pending])
        for item in pending:
            blob = hits.get(item[2])
            # A row that does not unpack (a corrupt or foreign cache) is a miss: parsed
            # again and rewritten below.
            if blob is None or not _try_unpack_into(blob, item[3]):
                missing.append(item)
        pool.feed(missing, start + _BATCH)
    if missing:
        results = pool.results(missing)
        new_rows = []
        for (path, kind, key, doc), result in zip(missing, results, strict=True):
            # parsed here where no worker did: a serial run, or a worker failed
            if not isinstance(result, bytes):
                result = _pack(parse_text(path, doc.text, kind))
            blob = result
            _unpack_into(blob, doc)
            new_rows.append((key, blob))
        cache.put_many(new_rows)
        forget_parsed_statements()  # what this process parsed: peak memory, not speed
    return docs


def _read(path: Path, kind: Kind) -> Document | tuple[Path, Kind, bytes, Document]:
    """A code file read and hashed, its text decoded (imports still to fill in), or the
    whole document where it is not parsed (too big, binary, unreadable)."""
    from .sources.text import decode, detect_newline

    try:
        if path.stat().st_size > MAX_BYTES:
            return read_document(path, kind)
        data = path.read_bytes()
    except OSError:
        return read_document(path, kind)
    if len(data) > MAX_BYTES or looks_binary(data):
        return read_document(path, kind, data)
    dec = decode(data)
    doc = _ScannedDocument(
        path=path,
        kind=kind,
        text=dec.text,
        lines=None,  # type: ignore[arg-type]  # split when asked for
        cells=[] if kind is Kind.NOTEBOOK else None,
        newline=detect_newline(dec.text),
    )
    doc.encoding, doc.bom, doc.newline = dec.encoding, dec.bom, dec.newline
    if dec.lossy and kind is not Kind.NOTEBOOK:
        doc.problems.append(
            Problem(Span.point(0), "file is not valid UTF-8; read as Latin-1", code="LE005")
        )
    return path, kind, cache_key(data, kind), doc


def _try_unpack_into(blob: object, doc: Document) -> bool:
    if not isinstance(blob, bytes):
        return False
    saved = (doc.imports, doc.problems, doc.cells)
    try:
        _unpack_into(blob, doc)
        return True
    except Exception:  # marshal errors, a wrong shape, wrong types: all a miss
        doc.imports, doc.problems, doc.cells = saved
        return False


def _unpack_into(blob: bytes, doc: Document) -> None:
    problems = [p for p in doc.problems if p.code == "LE005"]
    _unpack(blob, doc)
    if doc.kind is Kind.NOTEBOOK:
        doc.problems = doc.problems + problems
    else:
        doc.problems = problems
