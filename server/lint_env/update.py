"""The fronts of the user-level snapshot: ``lint-env update``, ``check --online`` and
the data-age note. The work is snapshot_store's; this module talks to the terminal."""

from __future__ import annotations

import argparse
import datetime as _dt
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the network modules load only when a command goes online
    from .snapshot_store import Outcome

ONLINE_JOBS = 8  # concurrent look-ups
ONLINE_TIMEOUT_S = 10.0  # per request
ONLINE_DEADLINE_S = 30.0  # all look-ups of one run together
ONLINE_FRESH_S = 3600.0  # an answer younger than this is used without asking again


def _settings(index_url: str | None = None):
    from .pipconfig import PipConfigError, read_settings

    try:
        settings = read_settings()
    except PipConfigError as exc:
        raise ValueError(str(exc)) from None
    if index_url:
        settings = replace(settings, index_url=index_url)
    return settings


def _shown(url: str) -> str:
    from .index_client import redact

    return redact(url)


# --- lint-env update -------------------------------------------------------------------


def cmd_update(args: argparse.Namespace) -> int:
    from .names import canonicalize_name
    from .snapshot import snapshot_packages
    from .snapshot_store import (
        CONNECTION_KINDS,
        NAME_RE,
        NoIndex,
        index_urls,
        refresh,
        unreachable,
        user_index_dir,
    )

    names = [canonicalize_name(n) for n in args.packages] or sorted(snapshot_packages())
    bad = [n for n in names if not NAME_RE.fullmatch(n)]
    if bad:
        print(f"lint-env: error: not a package name: {', '.join(bad)}", file=sys.stderr)
        return 2
    settings = _settings(args.index_url)
    try:
        urls = index_urls(settings)
    except NoIndex as exc:
        print(f"lint-env: error: {exc}", file=sys.stderr)
        return 2
    from .pipconfig import unsupported_notes

    for note in unsupported_notes(settings):
        print(f"lint-env: note: {note}", file=sys.stderr)
    tty = hasattr(sys.stderr, "isatty") and sys.stderr.isatty()
    if tty:
        where = ", ".join(_shown(u) for u in urls)
        print(f"index: {where}; {len(names)} packages -> {user_index_dir()}", file=sys.stderr)
    width = len(str(len(names)))
    held: list[str] = []  # connection failures: said per package only if others got through

    def progress(i: int, total: int, o: Outcome) -> None:
        line = _problem(o)
        if line and o.kind in CONNECTION_KINDS:
            held.append(line)
            line = None
        if tty:
            sys.stderr.write(f"\r\033[K[{i:>{width}}/{total}] {o.name}")
            if line:
                sys.stderr.write("\r\033[K")
            sys.stderr.flush()
        if line:
            print(line, file=sys.stderr)

    try:
        outcomes = refresh(
            names,
            settings,
            jobs=args.jobs,
            timeout=args.timeout,
            retries=1,
            progress=progress,
        )
    except NoIndex as exc:
        print(f"lint-env: error: {exc}", file=sys.stderr)
        return 2
    if tty:
        sys.stderr.write("\r\033[K")
    down = unreachable(outcomes)
    if down is not None:
        where = " / ".join(_shown(u) for u in urls)
        print(f"lint-env: error: cannot reach the index {where}: {down.error}", file=sys.stderr)
        return 2
    for line in held:
        print(line, file=sys.stderr)
    counts = {s: sum(1 for o in outcomes if o.status == s) for s in ("written", "unchanged")}
    missing = sum(1 for o in outcomes if o.status == "missing")
    failed = [o for o in outcomes if o.status == "error"]
    print(
        f"lint-env: updated {counts['written']} packages, {counts['unchanged']} unchanged, "
        f"{missing} not on the index, {len(failed)} failed",
        file=sys.stderr,
    )
    return 1 if failed else 0


def _problem(o: Outcome) -> str | None:
    if o.status == "missing":
        return f"lint-env: {o.name}: skipped: not found on the index (HTTP 404)"
    if o.status == "error" and o.kind != "skipped":
        return f"lint-env: error: {o.name}: {o.error}"
    return None


# --- check --online --------------------------------------------------------------------

ALLOW_ENV = "LINT_ENV_ALLOW_ONLINE"  # the user's opt-in to a project's ``online = true``


def project_online(environ=None) -> tuple[bool, str | None]:
    """Whether a project's ``[tool.lint-env] online = true`` turns look-ups on, and the
    note to print when it does not. The setting lives in the repository being checked:
    honouring it alone would let a repository make a mere ``check`` connect to the
    network, so it counts only when the user allows it (``LINT_ENV_ALLOW_ONLINE=1``)."""
    import os

    env = os.environ if environ is None else environ
    if env.get(ALLOW_ENV, "").strip().lower() in ("1", "true", "yes", "on"):
        return True, None
    return False, (
        "[tool.lint-env] online = true is ignored: a project's own setting does not "
        f"turn on network look-ups; pass --online, or set {ALLOW_ENV}=1 to allow it"
    )


def unknown_names(project) -> list[str]:
    """pip requirements of the project that the shipped snapshot does not hold."""
    from .snapshot import shipped_packages
    from .snapshot_store import NAME_RE

    known = shipped_packages()
    names = set()
    for doc in project.engine.project_documents():
        for dep in doc.dependencies:
            if dep.source != "pip" or dep.url or dep.name in known:
                continue
            if NAME_RE.fullmatch(dep.name):
                names.add(dep.name)
    return sorted(names)


def look_up_unknown(project, *, deadline_s: float = ONLINE_DEADLINE_S) -> list[str]:
    """Online look-ups for ``check --online``; returns the warnings to print (one
    line each). Answers land in the user snapshot, which the check then reads."""
    names = unknown_names(project)
    if not names:
        return []
    from .snapshot import clear_caches
    from .snapshot_store import NoIndex, index_urls, refresh, unreachable

    try:
        settings = _settings()
    except ValueError as exc:  # a pip.conf pip would refuse: the check itself still runs
        return [f"online look-ups skipped: {exc}"]
    try:
        outcomes = refresh(
            names,
            settings,
            jobs=ONLINE_JOBS,
            timeout=ONLINE_TIMEOUT_S,
            deadline_s=deadline_s,
            fresh_s=ONLINE_FRESH_S,
        )
    except NoIndex as exc:
        return [f"online look-ups skipped: {exc}"]
    finally:
        clear_caches()
    down = unreachable(outcomes)
    if down is not None:
        urls = index_urls(settings)
        where = " / ".join(_shown(u) for u in urls)
        return [f"online look-ups: cannot reach the index {where}: {down.error}"]
    from .pipconfig import unsupported_notes

    notes = [f"online look-ups: {n}" for n in unsupported_notes(settings)]
    late = [o.name for o in outcomes if o.kind == "deadline"]
    if late:
        notes.append(
            f"online look-ups: {len(late)} not answered within {deadline_s:g}s "
            f"({', '.join(late[:5])}{', ...' if len(late) > 5 else ''}); judged from the snapshot"
        )
    for o in outcomes:
        if o.status == "error" and o.kind not in ("deadline", "skipped"):
            notes.append(f"online look-up of {o.name}: {o.error}")
    return notes


# --- the data-age note -----------------------------------------------------------------


def data_age_note(taken: Sequence[str], max_days: int, today: _dt.date | None = None) -> str:
    """ "the index data used is N days old ..." when the oldest date is older than
    ``max_days``, else ""."""
    dates = []
    for t in taken:
        try:
            dates.append(_dt.date.fromisoformat(t))
        except ValueError:
            continue
    if not dates:
        return ""
    oldest = min(dates)
    now = today or _dt.datetime.now(_dt.timezone.utc).date()
    age = (now - oldest).days
    if age <= max_days:
        return ""
    return (
        f"the package index data used is {age} days old (taken {oldest.isoformat()}, "
        f"more than max-snapshot-age-days = {max_days}); `lint-env update` refreshes it"
    )
