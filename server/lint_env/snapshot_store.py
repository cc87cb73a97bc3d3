"""The user-level index snapshot: ``lint-env update`` and ``--online`` look-ups.

Package files go to ``<cache>/index/<name>.json`` in the shipped snapshot's format
(written by snapshot_refresh's own functions; snapshot.load_package reads them in front
of the shipped ones, the newest ``taken`` winning). What each index answered goes to
``<cache>/pages/<name>.json``: per index URL (without credentials) its ETag and file
list, or that it has no such project, and when it was last asked. The next request
for that page sends ``If-None-Match``; a 304 reuses the stored files.

The index comes from pip's configuration (pipconfig); nothing here runs unless a
front asks (``lint-env update``, ``lint-env check --online``).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from .index_client import FetchError, Session, project_url, redact
from .paths import cache_dir
from .pipconfig import IndexSettings

NAME_RE = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
DEFAULT_JOBS = 8
CONNECTION_KINDS = ("unreachable", "timeout", "tls")  # the index, not the package


def user_index_dir() -> Path:
    return cache_dir() / "index"


def pages_dir() -> Path:
    return cache_dir() / "pages"


def today() -> str:
    return _dt.datetime.now(_dt.timezone.utc).date().isoformat()


@dataclass(frozen=True)
class Outcome:
    name: str
    status: str  # "written" | "unchanged" (304) | "missing" (404) | "fresh" | "error"
    releases: int = 0
    error: str | None = None
    kind: str = ""  # FetchError kind for errors; "deadline" when not done in time


@dataclass
class _Answer:
    name: str
    pages: dict[str, dict] = field(default_factory=dict)
    releases: list[dict[str, object]] | None = None
    status: str = "written"


class NoIndex(Exception):
    """The index cannot be used at all: no URL can be found, or its certificate
    settings cannot be loaded (one-line message)."""


def index_urls(settings: IndexSettings) -> tuple[str, ...]:
    """The configured index (pip's default when none is set) and the extra indexes."""
    main = settings.index_url
    if not main:
        from .snapshot_refresh import RefreshError, resolve_index_url

        try:
            main, _ = resolve_index_url(None)
        except RefreshError as exc:
            raise NoIndex(str(exc)) from None
    return (main, *settings.extra_index_urls)


def _read_pages(canon: str) -> dict:
    try:
        data = json.loads((pages_dir() / f"{canon}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def is_fresh(canon: str, max_age_s: float, now: float | None = None) -> bool:
    checked = _read_pages(canon).get("checked")
    if not isinstance(checked, (int, float)):
        return False
    return (now if now is not None else time.time()) - checked < max_age_s


def _files_of(entry: dict) -> list:
    from .snapshot_refresh import IndexFile

    out = []
    for row in entry.get("files", []):
        if isinstance(row, list) and len(row) == 3 and isinstance(row[0], str):
            out.append(IndexFile(row[0], row[1] if isinstance(row[1], str) else None, bool(row[2])))
    return out


def _ask(session: Session, urls: Sequence[str], canon: str, retries: int) -> _Answer:
    """Every index's answer for one project, merged (pip reads them all). Raises
    FetchError for any failure other than "no such project" on an index."""
    from .snapshot_refresh import Page, RefreshError, build_releases, parse_page

    old = _read_pages(canon).get("indexes", {})
    answer = _Answer(canon)
    files = []
    unchanged = True
    for url in urls:
        key = redact(url)
        prev = old.get(key) if isinstance(old, dict) else None
        prev = prev if isinstance(prev, dict) else {}
        etag = prev.get("etag") if "files" in prev else None
        try:
            resp = session.get(project_url(url, canon), etag=etag, retries=retries)
        except FetchError as exc:
            if exc.kind != "not-found":
                raise
            answer.pages[key] = {"missing": True}
            unchanged = unchanged and bool(prev.get("missing"))
            continue
        if resp.status == 304:
            answer.pages[key] = prev
            files += _files_of(prev)
            continue
        try:
            got, _fmt = parse_page(Page(resp.content_type, resp.body))
        except RefreshError as exc:
            raise FetchError("bad", str(exc)) from None
        unchanged = False
        files += got
        entry: dict[str, object] = {
            "files": [[f.filename, f.requires_python, f.yanked] for f in got]
        }
        if resp.etag:
            entry["etag"] = resp.etag
        answer.pages[key] = entry
    local = _find_links_files(session.settings, canon)
    if local:  # pip takes a find-links folder's files as candidates too
        files += local
        unchanged = False
    elif all(p.get("missing") for p in answer.pages.values()):
        answer.status = "missing"
        return answer
    answer.releases = build_releases(canon, files)
    if not answer.releases:
        raise FetchError("bad", "the project page lists no installable files")
    answer.status = "unchanged" if unchanged else "written"
    return answer


def _find_links_files(settings: IndexSettings, canon: str) -> list:
    """The files of project ``canon`` in pip's local ``find-links`` folders."""
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    from .pipconfig import find_links_dirs
    from .snapshot_refresh import IndexFile

    out = []
    for folder in find_links_dirs(settings)[0]:
        try:
            names = sorted(p.name for p in folder.iterdir())
        except OSError:
            continue
        for name in names:
            try:
                if name.endswith(".whl"):
                    project = parse_wheel_filename(name)[0]
                else:
                    project = parse_sdist_filename(name)[0]
            except (InvalidWheelFilename, InvalidSdistFilename):
                continue
            if project == canon:
                out.append(IndexFile(name, None, False))
    return out


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _store(answer: _Answer, taken: str) -> None:
    from .snapshot_refresh import render_package

    pages = {"checked": time.time(), "indexes": answer.pages}
    if answer.releases is not None:
        text = render_package(answer.name, taken, answer.releases)
        _write_atomic(user_index_dir() / f"{answer.name}.json", text)
    _write_atomic(pages_dir() / f"{answer.name}.json", json.dumps(pages, sort_keys=True) + "\n")


def refresh(
    names: Iterable[str],
    settings: IndexSettings,
    *,
    jobs: int = DEFAULT_JOBS,
    timeout: float | None = None,
    retries: int = 0,
    deadline_s: float | None = None,
    fresh_s: float | None = None,
    progress: Callable[[int, int, Outcome], None] | None = None,
) -> list[Outcome]:
    """Look up ``names`` (canonical) on the configured indexes and store the answers.

    ``fresh_s``: names asked less than that many seconds ago are not asked again.
    ``deadline_s``: the look-ups still running then are abandoned (their answers are
    not stored). When the first ``jobs`` answers are all "cannot connect" / timeouts,
    the rest are not tried. Raises NoIndex when no index URL is known.
    """
    taken = today()
    todo = []
    outcomes: list[Outcome] = []
    for name in dict.fromkeys(names):
        if fresh_s is not None and is_fresh(name, fresh_s):
            outcomes.append(Outcome(name, "fresh"))
        else:
            todo.append(name)
    if not todo:
        return outcomes
    urls = index_urls(settings)
    try:
        session = Session(settings, timeout)
    except FetchError as exc:
        raise NoIndex(str(exc)) from None
    total, done = len(todo), 0
    end = None if deadline_s is None else time.monotonic() + deadline_s
    pool = ThreadPoolExecutor(max_workers=max(1, min(jobs, len(todo) or 1)))
    pending: dict[Future, str] = {pool.submit(_ask, session, urls, n, retries): n for n in todo}
    reached = False
    dead = 0
    try:
        while pending:
            left = None if end is None else max(0.0, end - time.monotonic())
            finished, _ = wait(pending, timeout=left, return_when=FIRST_COMPLETED)
            if not finished:  # the deadline
                for fut, n in pending.items():
                    fut.cancel()
                    outcomes.append(
                        Outcome(n, "error", error="not answered in time", kind="deadline")
                    )
                break
            for fut in finished:
                name = pending.pop(fut)
                outcome = _finish(fut, name, taken)
                if outcome.status == "error" and outcome.kind in CONNECTION_KINDS:
                    dead += 1
                else:
                    reached = True
                done += 1
                outcomes.append(outcome)
                if progress is not None:
                    progress(done, total, outcome)
            if not reached and dead >= min(jobs, total):
                for fut, n in pending.items():
                    fut.cancel()
                    outcomes.append(Outcome(n, "error", error="not tried", kind="skipped"))
                break
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return outcomes


def _finish(fut: Future, name: str, taken: str) -> Outcome:
    try:
        answer = fut.result()
    except FetchError as exc:
        return Outcome(name, "error", error=str(exc), kind=exc.kind)
    except Exception as exc:  # a parser bug must not abort the others
        return Outcome(name, "error", error=f"{type(exc).__name__}: {exc}", kind="bad")
    try:
        _store(answer, taken)
    except OSError as exc:
        return Outcome(name, "error", error=f"cannot write the cache: {exc}", kind="write")
    return Outcome(name, answer.status, len(answer.releases or []))


def unreachable(outcomes: Sequence[Outcome]) -> Outcome | None:
    """The first failure when nothing could be reached at all (the index is down or
    blocked), else None."""
    tried = [o for o in outcomes if o.status != "fresh" and o.kind != "skipped"]
    down = (*CONNECTION_KINDS, "deadline")
    if tried and all(o.status == "error" and o.kind in down for o in tried):
        return tried[0]
    return None
