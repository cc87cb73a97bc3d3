"""The batch import scanner: same documents as a fresh parse, a cache that is invalidated
correctly, and a process pool that may be missing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lint_env import import_scan
from lint_env.import_scan import scan
from lint_env.sources import read_document

FIXTURES = Path(__file__).parent / "fixtures" / "imports"


def _project(root: Path, n: int = 5) -> list[Path]:
    root.mkdir(parents=True)
    files = []
    for i in range(n):
        path = root / f"m{i}.py"
        path.write_text(f"import os\ntry:\n    import mod{i}\nexcept ImportError:\n    pass\n")
        files.append(path)
    nb = root / "nb.ipynb"
    shutil.copy(FIXTURES / "notebook.ipynb", nb)
    broken = root / "broken.py"
    shutil.copy(FIXTURES / "broken.py", broken)
    bad_nb = root / "bad.ipynb"
    shutil.copy(FIXTURES / "invalid.ipynb", bad_nb)
    latin = root / "latin.py"
    latin.write_bytes(b"# caf\xe9\nimport numpy\n")
    crlf = root / "crlf.py"
    crlf.write_bytes(b"\xef\xbb\xbfimport a\r\nimport b\r\n")
    binary = root / "bin.py"
    binary.write_bytes(b"import x\x00\x01")
    return [*files, nb, broken, bad_nb, latin, crlf, binary]


def test_cold_and_warm_equal_fresh_parse(tmp_path: Path):
    files = _project(tmp_path / "p")
    cache = tmp_path / "cache"
    fresh = {p: read_document(p) for p in files}
    cold = scan(files, cache)
    assert list(cold) == files
    assert cold == fresh
    assert (cache / "imports.sqlite").is_file()
    warm = scan(files, cache)
    assert warm == fresh
    # Spot checks so that equality cannot come from two empty results.
    assert [i.module for i in warm[files[0]].imports] == ["os", "mod0"]
    assert warm[files[0]].imports[1].guarded
    assert warm[tmp_path / "p" / "nb.ipynb"].imports[0].span.cell == 1
    assert warm[tmp_path / "p" / "bad.ipynb"].problems[0].code == "LE001"
    assert warm[tmp_path / "p" / "latin.py"].encoding == "latin-1"
    assert (
        warm[tmp_path / "p" / "crlf.py"].bom and warm[tmp_path / "p" / "crlf.py"].newline == "\r\n"
    )


def test_warm_run_does_not_parse(tmp_path: Path, monkeypatch):
    files = _project(tmp_path / "p")
    cache = tmp_path / "cache"
    scan(files, cache)

    def boom(*args, **kwargs):
        raise AssertionError("parsed although cached")

    monkeypatch.setattr(import_scan, "parse_text", boom)
    monkeypatch.setattr(import_scan, "_start_pool", boom)
    assert scan(files, cache) == {p: read_document(p) for p in files}


def test_changed_content_is_parsed_again(tmp_path: Path):
    files = _project(tmp_path / "p", n=2)
    cache = tmp_path / "cache"
    scan(files, cache)
    files[0].write_text("import changed_module\n")
    again = scan(files, cache)
    assert [i.module for i in again[files[0]].imports] == ["changed_module"]
    assert again == {p: read_document(p) for p in files}


def test_parser_version_bump_parses_again(tmp_path: Path, monkeypatch):
    files = _project(tmp_path / "p", n=2)
    cache = tmp_path / "cache"
    scan(files, cache)
    parsed: list[Path] = []
    real = import_scan.parse_text

    def counting(path, text, kind):
        parsed.append(path)
        return real(path, text, kind)

    monkeypatch.setattr(import_scan, "parse_text", counting)
    scan(files, cache)
    assert parsed == []  # all cached
    monkeypatch.setattr(import_scan, "PARSER_VERSION", import_scan.PARSER_VERSION + 1)
    result = scan(files, cache)
    code = [p for p in files if p.name != "bin.py"]  # binary files are never parsed
    assert sorted(parsed) == sorted(code)
    assert result == {p: read_document(p) for p in files}


def test_unwritable_cache_is_not_an_error(tmp_path: Path):
    files = _project(tmp_path / "p", n=1)
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    assert scan(files, blocker / "cache") == {p: read_document(p) for p in files}


def test_corrupt_cache_file_is_not_an_error(tmp_path: Path):
    files = _project(tmp_path / "p", n=1)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "imports.sqlite").write_bytes(b"this is not a database" * 100)
    assert scan(files, cache) == {p: read_document(p) for p in files}


def _stolen_suffix(here: list[Path], files: list[Path]) -> bool:
    """Files this process parsed while it waited for the workers: the chunks no worker
    had started, taken from the back (a suffix of the files read, each file once)."""
    read = [p for p in files if read_document(p).text and p.name != "bin.py"]
    return len(set(here)) == len(here) and sorted(here) == sorted(read[len(read) - len(here) :])


def test_process_pool(tmp_path: Path, monkeypatch):
    """With ``workers=2`` one worker process parses chunks from the front while this
    process, done reading, takes the chunks none has started from the back; no file is
    parsed twice."""
    files = _project(tmp_path / "p", n=200)
    started: list[int] = []
    real_start = import_scan._start_pool

    def spy(workers):
        started.append(workers)
        return real_start(workers)

    here: list[Path] = []
    real_parse = import_scan.parse_text

    def parse_here(path, text, kind):
        here.append(path)
        return real_parse(path, text, kind)

    monkeypatch.setattr(import_scan, "_start_pool", spy)
    monkeypatch.setattr(import_scan, "parse_text", parse_here)
    result = scan(files, tmp_path / "cache", workers=2)
    assert started == [1]  # one pool, of one worker beside this process
    assert _stolen_suffix(here, files)
    assert result == {p: read_document(p) for p in files}


def test_pool_starts_only_for_enough_uncached_files(tmp_path: Path, monkeypatch):
    files = _project(tmp_path / "p", n=300)
    started: list[int] = []
    monkeypatch.setattr(import_scan, "_start_pool", lambda n: started.append(n))  # no pool
    monkeypatch.setattr(import_scan.os, "cpu_count", lambda: 2)
    cache = tmp_path / "cache"
    assert scan(files, cache) == {p: read_document(p) for p in files}  # parsed here instead
    assert started == [1]  # two CPUs: one worker and this process
    (files[0]).write_text("import changed\n")
    started.clear()
    assert scan(files, cache) == {p: read_document(p) for p in files}
    assert started == []  # one changed file: no pool


def test_pool_that_cannot_start_falls_back(tmp_path: Path, monkeypatch):
    import concurrent.futures

    class NoPool:
        def __init__(self, *args, **kwargs):
            raise OSError("no processes here")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", NoPool)
    files = _project(tmp_path / "p", n=30)
    assert scan(files, tmp_path / "cache", workers=4) == {p: read_document(p) for p in files}


def test_missing_file_and_other_kinds(tmp_path: Path):
    missing = tmp_path / "gone.py"
    nb = tmp_path / "x.ipynb"
    nb.write_text(json.dumps({"cells": [{"cell_type": "code", "source": "import jax"}]}))
    result = scan([missing, nb], tmp_path / "cache")
    assert result[missing].problems[0].code == "LE004"
    assert [i.module for i in result[nb].imports] == ["jax"]


def test_default_cache_dir(monkeypatch, tmp_path: Path):
    monkeypatch.delenv("LINT_ENV_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert import_scan.default_cache_dir() == tmp_path / "xdg" / "lint-env"
    monkeypatch.setenv("LINT_ENV_CACHE_DIR", str(tmp_path / "own"))
    assert import_scan.default_cache_dir() == tmp_path / "own"
    monkeypatch.delenv("LINT_ENV_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert import_scan.default_cache_dir() == Path.home() / ".cache" / "lint-env"


@pytest.mark.parametrize("kind", ["python", "notebook"])
def test_cache_key_depends_on_content_kind_and_version(kind: str, monkeypatch):
    from lint_env.model import Kind

    k = Kind(kind)
    a = import_scan.cache_key(b"import os\n", k)
    assert a == import_scan.cache_key(b"import os\n", k)
    assert a != import_scan.cache_key(b"import sys\n", k)
    other = Kind.NOTEBOOK if k is Kind.PYTHON else Kind.PYTHON
    assert a != import_scan.cache_key(b"import os\n", other)
    monkeypatch.setattr(import_scan, "PARSER_VERSION", import_scan.PARSER_VERSION + 1)
    assert a != import_scan.cache_key(b"import os\n", k)


def test_process_pool_from_a_threaded_process(tmp_path: Path, monkeypatch):
    """With other threads running (the language server), workers are spawned, not forked."""
    import threading

    files = _project(tmp_path / "p", n=10)
    real = import_scan._start_pool
    contexts: list[str] = []

    def spy(workers):
        pool = real(workers)
        assert pool is not None, "the pool did not start"
        contexts.append(pool._mp_context.get_start_method())
        return pool

    here: list[Path] = []
    real_parse = import_scan.parse_text
    monkeypatch.setattr(import_scan, "_start_pool", spy)
    monkeypatch.setattr(
        import_scan, "parse_text", lambda p, t, k: here.append(p) or real_parse(p, t, k)
    )
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        result = scan(files, tmp_path / "cache", workers=2)
    finally:
        stop.set()
        thread.join()
    assert contexts == ["spawn"]
    assert _stolen_suffix(here, files)  # the rest was parsed by the spawned worker
    assert result == {p: read_document(p) for p in files}


_LINE_TEXTS = ["", "\n", "a", "a\nb", "a\nb\n", "\n\nimport x\n", "x\r\ny\rz\n", "é\nü\n\n"]


@pytest.mark.parametrize("text", _LINE_TEXTS)
def test_scanned_documents_split_lines_only_when_asked(tmp_path: Path, text: str):
    """A scanned document's lines are split when first read, and every line_text before
    that gives what the split lines give."""
    from lint_env.model import Kind, Span
    from lint_env.sources.text import split_lines

    rows = split_lines(text)
    doc = import_scan._ScannedDocument(path=tmp_path / "m.py", kind=Kind.PYTHON, text=text)
    doc.lines = None  # as the scan leaves them
    for n in range(-1, len(rows) + 2):
        want = rows[n] if 0 <= n < len(rows) else ""
        assert doc.line_text(Span(n, 0, n, 0)) == want
    assert doc.lines == rows
    assert doc == _document_of(tmp_path / "m.py", text)


def _document_of(path: Path, text: str):
    from lint_env.model import Document, Kind
    from lint_env.sources.text import split_lines

    return Document(path=path, kind=Kind.PYTHON, text=text, lines=split_lines(text))


def test_scanned_documents_switch_to_split_lines_when_asked_often(tmp_path: Path):
    from lint_env.model import Kind, Span

    text = "\n".join(f"line {i}" for i in range(100))
    doc = import_scan._ScannedDocument(path=tmp_path / "m.py", kind=Kind.PYTHON, text=text)
    doc.lines = None
    got = [doc.line_text(Span(i, 0, i, 0)) for i in range(100)]
    assert got == [f"line {i}" for i in range(100)]
    assert doc.__dict__["_lines"] is not None  # split once after the first few searches


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["", "a", "é", "import x", " "]), max_size=12).map("\n".join),
    st.lists(st.integers(-1, 14), max_size=16),
)
def test_scanned_line_text_in_any_order_gives_the_split_lines(text: str, asked: list[int]):
    """line_text goes on from the line it found last: any order of questions (forward,
    back, past the end, the same line again) gives what the split lines give."""
    from lint_env.model import Kind, Span
    from lint_env.sources.text import split_lines

    rows = split_lines(text)
    doc = import_scan._ScannedDocument(path=Path("m.py"), kind=Kind.PYTHON, text=text)
    doc.lines = None
    for n in asked:
        want = rows[n] if 0 <= n < len(rows) else ""
        assert doc.line_text(Span(n, 0, n, 0)) == want, n
