"""The engine: documents x targets x rules -> findings. Pure: no LSP, no argparse."""

from __future__ import annotations

import errno
import itertools
import operator
import os
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .api import CheckResult
from .checks import Context, kind_checks
from .config import Config
from .fixcheck import Check, rule_mentions, verified
from .lazy_re import LazyPattern
from .model import Dependency, Document, Finding, Fix, Include, Kind, Problem, Related, Severity
from .named_rules import NAMED_KINDS, NameIndex
from .project_env import ProjectEnv
from .project_model import ProjectModel, ProjectView, build_model
from .repeats import merge_repeats
from .resolve import LOWEST_REQUIRES_PYTHON, declared_python, newer_pythons
from .rule_memo import DependencyMemo
from .ruleset import Rule, RuleSet, load_ruleset
from .sources import detect_kind, internal_problem, read_document
from .suppress import is_suppressed
from .target import Target
from .target_merge import merge_across_targets

if TYPE_CHECKING:
    from .incremental import Reparser


class Engine:
    def __init__(self, root: Path, config: Config, rules: RuleSet | None = None) -> None:
        self.root = root.resolve()
        self.config = config
        self.rules = rules if rules is not None else load_ruleset()
        self._overlays: dict[Path, str] = {}
        self._docs: dict[Path, tuple[object, Document]] = {}
        self._checks = kind_checks()
        self._model: ProjectModel | None = None
        self._view: ProjectView | None = None
        self._walk: list[Path] | None = None  # the discovery walk of the root, resolved
        self._walk_set: frozenset[Path] = frozenset()
        self._model_paths: frozenset[Path] = frozenset()
        self._focus: frozenset[Path] | None = None  # the files a check_paths run reports on
        self.fix_notes: dict[tuple, None] = {}  # (path, line, code, why) of refused fixes
        # per path: the document and pieces of its last unverified check (verified_fixes)
        self._deferred: dict[Path, tuple[Document, list]] = {}
        self._names: NameIndex | None = None  # which rules can match which names
        self._rule_lists: dict[tuple, list[tuple[Rule, bool]]] = {}  # see _rules_for
        # project_documents per folder, for the model they were worked out on
        self._serving: tuple[ProjectModel | None, dict[str, list[Document]]] = (None, {})
        # overlays (an editor's buffers): re-parse only what an edit can change; made
        # when the first overlay is set (a check of files on disk never needs it)
        self.reparser: Reparser | None = None
        self._project_env = ProjectEnv()  # the declarations code files are checked with
        self._dep_memo = DependencyMemo()  # per-requirement findings kept across checks
        self._made_targets: dict[tuple, Target] = {}  # _targets: the same object each check
        # the document the last check_file checked (checked_document of its path, without
        # resolving the path again)
        self.last_checked: Document | None = None
        self._new_run()

    # --- documents -------------------------------------------------------------------

    def set_overlay(self, path: Path, text: str | None) -> None:
        path = path.resolve()
        if text is None:
            self._overlays.pop(path, None)
            if self.reparser is not None:
                self.reparser.forget(path)
        else:
            self._overlays[path] = text
        self._docs.pop(path, None)
        self._deferred.pop(path, None)
        self._view = None
        kind = detect_kind(path)
        if kind is None or kind not in _CODE_KINDS or path.name == "setup.py":
            self._model = None
        elif self._model is not None and path not in self._model_paths:
            self._model = None  # a new code file: first-party names may change

    def document(self, path: Path, kind: Kind | None = None, *, resolved: bool = False) -> Document:
        """The parsed document (cached until the file or its overlay changes). Documents
        carry the resolved path; ``resolved`` says the caller resolved it already."""
        if not resolved:
            path = path.resolve()
        if path in self._overlays:
            key: object = ("overlay", self._overlays[path])
        else:
            try:
                st = path.stat()
                key = (st.st_mtime_ns, st.st_size)
            except OSError:
                key = None
        cached = self._docs.get(path)
        if cached is not None and cached[0] == key and key is not None:
            return cached[1]
        kind = kind or detect_kind(path, explicit=True)
        if path in self._overlays:
            if self.reparser is None:
                from .incremental import Reparser

                self.reparser = Reparser()
            doc = self.reparser.parse(path, self._overlays[path], kind or Kind.REQUIREMENTS)
        else:
            doc = read_document(path, kind)
        self._docs[path] = (key, doc)
        return doc

    def _resolved_document(self, path: Path) -> Document:
        """:meth:`document` of a path known to be resolved (the walk's, an overlay's)."""
        return self.document(path, resolved=True)

    def checked_document(self, path: Path) -> Document | None:
        """The document as last parsed (the text findings were computed on), without
        looking at the disk again; None when it was never read."""
        cached = self._docs.get(path.resolve())
        return cached[1] if cached is not None else None

    def adopt(self, docs: dict[Path, Document]) -> None:
        """Take documents parsed elsewhere (the batch import scanner; resolved paths)."""
        for path, doc in docs.items():
            try:
                st = path.stat()
                self._docs[path] = ((st.st_mtime_ns, st.st_size), doc)
            except OSError:
                continue

    # --- the project around a file ---------------------------------------------------

    def _walked(self) -> list[Path]:
        if self._walk is None:
            from .discovery import discover

            found = discover([self.root], self.root, self.config.exclude)
            self._real.update(found.real)
            errors = list(found.errors)
            # symlinks that lead out of the project are never read (their lines would be
            # echoed into findings)
            inside = self._within_root(list(found.files), [self.root], errors)
            self._walk_files, self._walk_errors = inside, errors
            self._walk = [self._real_path(p) for p in inside]
            self._walk_set = frozenset(self._walk)
        return self._walk

    def project_model(self) -> ProjectModel:
        """What the project declares and what its own modules are (see project_model)."""
        if self._model is None:
            files = list(self._walked())
            files += [p for p in self._overlays if p not in self._walk_set and self._inside(p)]
            self._model = build_model(self.root, files, self._resolved_document)
            self._model_paths = frozenset(self._model.code_files)
            self._view = None
        return self._model

    def _inside(self, path: Path) -> bool:
        try:
            path.relative_to(self.root)
        except ValueError:
            return False
        return detect_kind(path) is not None

    def project_view(self) -> ProjectView:
        """The model with the project's code documents, for rules said once per project."""
        model = self.project_model()
        if self._view is None:
            self._view = ProjectView(model, self._resolved_document, self._focus)
        return self._view

    def project_documents(self, path: Path | None = None) -> list[Document]:
        """The dependency declarations that serve ``path`` (every one when None)."""
        model = self.project_model()
        if path is None:
            return [d.doc for d in model.declarations]
        folder = str(path.parent)
        memo = self._serving
        if memo[0] is not model:  # a new model (a file changed): new answers
            memo = self._serving = (model, {})
        got = memo[1].get(folder)
        if got is None:
            got = memo[1][folder] = [
                d.doc
                for d in model.declarations
                if folder == d.scope or folder.startswith(d.scope.rstrip(os.sep) + os.sep)
            ]
        return list(got)

    def local_modules(self) -> frozenset[str]:
        return self.project_model().first_party

    def _targets(self, doc: Document) -> list[Target]:
        """The targets a document is judged for: each platform with the document's
        Python, why, and (judged on the lowest Python of a range) the range's newer
        minors."""
        # A code file names neither a Python nor a platform: its targets are its
        # folder's (the declarations serving it), the same for every file there.
        memo_key = str(doc.path.parent) if doc.kind in _CODE_KINDS and not doc.python else None
        if memo_key is not None:
            hit = self._folder_targets.get(memo_key)
            if hit is not None:
                return hit
        py, note, source = self._python_source(doc)
        newer: tuple[str, ...] = ()
        if note == LOWEST_REQUIRES_PYTHON and source is not None and source.python:
            newer = newer_pythons(source.python[0], py)
        made = self._made_targets
        out = []
        for platform in self._platforms_for(doc):
            key = (platform, py, note, newer)
            target = made.get(key)
            if target is None:  # one object per target: caches keyed by it hit by identity
                target = made[key] = Target(platform, py, note, newer)
            out.append(target)
        if memo_key is not None:
            self._folder_targets[memo_key] = out
        return out

    def _python_source(self, doc: Document) -> tuple[str | None, str | None, Document | None]:
        """The target Python for a document, why (see resolve.declared_python), and the
        document that declares that Python (None when the configuration sets it, or
        nothing does)."""
        if self.config.python:
            return self.config.python, None, None
        # the project's declarations are read only when the file itself names no Python
        others = (d for pdocs in [None] for d in self.project_documents(doc.path))
        for pdoc in itertools.chain((doc,), others):
            if pdoc.python:
                found = declared_python(pdoc.python[0], conda=pdoc.kind is Kind.CONDA)
                if found:
                    return found[0], found[1], pdoc
                if pdoc is doc:
                    return None, None, None
        return None, None, None

    def python_reason(self, doc: Document) -> str:
        """Where the target Python of ``doc`` comes from, for editors' hovers:
        'configured', 'the lowest your requires-python allows', 'the python pin in
        environment.yml', or 'none declared'."""
        py, note, source = self._python_source(doc)
        if py is None:
            return "none declared"
        if note:
            return note
        if source is None:
            return "configured"
        what = {Kind.CONDA: "the python pin in ", Kind.PYPROJECT: "the Python declared in "}
        return what.get(source.kind, "from ") + self._rel(source.path)

    def contexts_for(self, doc: Document) -> list[Context]:
        """What a check of ``doc`` sees on each target it is checked for: the target
        Python the engine derives, the files ``-r``/``-c`` bring in. Editors ask these
        which version pip would pick (Context.versions, Context.pick)."""
        self._new_run()
        gathered: list[tuple[Dependency, Path, bool]] = []
        if doc.includes:
            self._gather(doc, (doc.path,), set(), gathered)
        return [
            self._context(doc, target, gathered, [], frozenset()) for target in self._targets(doc)
        ]

    def _platforms_for(self, doc: Document) -> list[str]:
        """The configured targets a document is checked for: `requirements-cuda.txt` is
        not for macOS (project_model.meant_for), and neither is a plain `requirements.txt`
        beside a `requirements_apple_silicon.txt` that does not include it."""
        from .project_model import meant_for

        meant = meant_for(doc.path) if doc.kind in _DEP_KINDS else None
        if meant is None and doc.kind in (Kind.REQUIREMENTS, Kind.CONDA):
            meant = self._left_by_siblings(doc)
        return [p for p in self.config.targets if meant is None or p.split("-", 1)[0] in meant]

    def _left_by_siblings(self, doc: Document) -> frozenset[str] | None:
        """A file that names no platform, beside a file of its kind named for macOS
        (`requirements_apple_silicon.txt`, `environment-mac.yml`) that does not include
        it, is the one for the other platforms: the Mac has its own. None: no such
        sibling. Only macOS counts: a `requirements-cuda.txt` beside `requirements.txt`
        makes the plain one the CPU file, still for every platform."""
        for sib in self._mac_files_in(doc.path.parent):
            if (
                sib != doc.path
                and detect_kind(sib) is doc.kind
                and not self._includes(sib, doc.path)
            ):
                return _NOT_MACOS
        return None

    def _mac_files_in(self, folder: Path) -> list[Path]:
        """The files of a folder whose names say they are for macOS, sorted; listed once
        per run (a folder of 400 requirements files is not listed 400 times)."""
        from .project_model import meant_for

        found = self._mac_files.get(folder)
        if found is None:
            try:
                with os.scandir(folder) as entries:
                    names = sorted(e.name for e in entries)
            except OSError:
                names = []
            found = [folder / n for n in names if meant_for(Path(n)) == _MACOS]
            self._mac_files[folder] = found
        return found

    def _includes(self, start: Path, wanted: Path) -> bool:
        """Whether the requirements file ``start`` includes ``wanted``, at any depth."""
        if detect_kind(start) is not Kind.REQUIREMENTS:
            return False
        seen = {start}
        todo = [start]
        while todo:
            for _inc, found in self._edges_of(todo.pop()):
                if found.ok and found.path is not None and found.path not in seen:
                    if found.path == wanted:
                        return True
                    seen.add(found.path)
                    todo.append(found.path)
        return False

    # --- includes ----------------------------------------------------------------------
    #
    # The include graph is computed once per run: each (folder, target) is resolved once
    # (``_resolved``), each file's edges once (``_edges``), and include cycles come from
    # one strongly-connected-components pass (``_scc``). A run is one ``check_paths`` or
    # ``check_file`` call; the caches are cleared at its start (files may have changed).

    def _real_path(self, path: Path) -> Path:
        """``path.resolve()``, asked once per run (discovery knows most of them)."""
        real = self._real.get(path)
        if real is None:
            real = self._real[path] = path.resolve()
        return real

    def _new_run(self) -> None:
        from .snapshot import reload_if_changed

        reload_if_changed()  # `lint-env update` ran while the editor's server was up
        # path -> its real path (discovery's, or resolved); per run: symlinks may change
        self._real: dict[Path, Path] = {}
        self._mac_files: dict[Path, list[Path]] = {}  # folder -> files named for macOS
        self._resolved: dict[tuple[Path, str], _Target] = {}
        self._edges: dict[Path, list[tuple[Include, _Target]]] = {}
        self._scc: dict[Path, int] = {}
        self._scc_min: dict[int, Path] = {}  # component -> its first file (by path)
        self._run_docs: dict[Path, Document] = {}  # included files, read once per run
        self._folder_targets: dict[str, list[Target]] = {}  # _targets of code files

    def _included(self, path: Path) -> Document:
        doc = self._run_docs.get(path)
        if doc is None:
            doc = self.document(path, Kind.REQUIREMENTS, resolved=True)
            self._run_docs[path] = doc
        return doc

    def _include_target(self, doc: Document, target: str) -> _Target:
        """Where ``-r target`` in ``doc`` leads: a file, or why not (never raises)."""
        key = (doc.path.parent, target)
        found = self._resolved.get(key)
        if found is None:
            found = _resolve_include(doc.path.parent, target)
            self._resolved[key] = found
        return found

    def _include_path(self, doc: Document, target: str) -> Path | None:
        found = self._include_target(doc, target)
        return found.path if found.ok else None

    def _edges_of(self, path: Path) -> list[tuple[Include, _Target]]:
        """The includes of the requirements file at ``path`` and where each leads."""
        edges = self._edges.get(path)
        if edges is None:
            doc = self._included(path)
            edges = [(inc, self._include_target(doc, inc.target)) for inc in doc.includes]
            self._edges[path] = edges
        return edges

    def _gather(
        self,
        doc: Document,
        stack: tuple[Path, ...],
        seen: set[Path],
        out: list[tuple[Dependency, Path, bool]],
    ) -> None:
        """Dependencies of the files ``doc`` includes, transitively (each file once)."""
        todo: list[tuple[list[tuple[Include, _Target]], int]] = []
        seen.update(stack)
        edges = [(inc, self._include_target(doc, inc.target)) for inc in doc.includes]
        todo.append((edges, 0))
        while todo:  # depth first, in include order, without recursion
            edges, k = todo.pop()
            if k >= len(edges):
                continue
            todo.append((edges, k + 1))
            inc, found = edges[k]
            if not found.ok or found.path in seen:
                continue
            path = found.path
            seen.add(path)
            sub = self._included(path)
            for dep in sub.dependencies:
                out.append((dep, path, inc.constraint or dep.constraint_only))
            if not inc.constraint:
                todo.append((self._edges_of(path), 0))

    def _component(self, start: Path) -> int:
        """The strongly connected component of ``start`` in the include graph (Tarjan's
        algorithm, iterative; every file reached gets its component on the way)."""
        if start in self._scc:
            return self._scc[start]
        index: dict[Path, int] = {}
        low: dict[Path, int] = {}
        on_stack: set[Path] = set()
        stack: list[Path] = []
        counter = len(self._scc)
        work: list[tuple[Path, int]] = [(start, 0)]
        index[start] = low[start] = 0
        stack.append(start)
        on_stack.add(start)
        n = 1
        while work:
            node, k = work.pop()
            edges = self._edges_of(node)
            if k < len(edges):
                work.append((node, k + 1))
                found = edges[k][1]
                if not found.ok:
                    continue
                nxt = found.path
                if nxt in self._scc:
                    continue  # finished in an earlier pass: not on this stack
                if nxt not in index:
                    index[nxt] = low[nxt] = n
                    n += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                counter += 1
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    self._scc[member] = counter
                    first = self._scc_min.get(counter)
                    if first is None or member < first:
                        self._scc_min[counter] = member
                    if member == node:
                        break
        return self._scc[start]

    def _cycle(self, start: Path, first: Path) -> list[Path] | None:
        """A shortest path of includes from ``first`` back to ``start``, if there is one
        (both in one strongly connected component; the search stays inside it)."""
        if self._component(start) != self._component(first):
            return None
        if first == start:
            return [start, start]
        comp = self._scc[start]
        parent: dict[Path, Path | None] = {first: None}
        queue = [first]
        for path in queue:
            for _, found in self._edges_of(path):
                if not found.ok or self._scc.get(found.path) != comp:
                    continue
                nxt = found.path
                if nxt == start:
                    trail = [path]
                    while parent[trail[-1]] is not None:
                        trail.append(parent[trail[-1]])  # type: ignore[arg-type]
                    return [start, *reversed(trail), start]
                if nxt not in parent:
                    parent[nxt] = path
                    queue.append(nxt)
        return None

    def _include_problems(self, doc: Document) -> list[Problem]:
        problems = []
        for inc in doc.includes:
            found = self._include_target(doc, inc.target)
            what = "constraints file" if inc.constraint else "requirements file"
            if found.reason == "url":
                problems.append(
                    Problem(
                        inc.span,
                        f"included {what} {inc.target} is a URL; lint-env does not fetch it",
                        "LE006",
                    )
                )
                continue
            if found.reason == "unresolved":
                continue  # ${VAR} not set here: the file is not known
            if not found.ok:
                code = "LE004" if found.reason == "unreadable" else "LE002"
                problems.append(
                    Problem(inc.span, f"included {what} {found.message}: {inc.target}", code)
                )
                continue
            comp = self._component(doc.path)
            # Reported on the first file of the cycle (by path); a file that includes
            # itself wherever it is.
            if comp == self._component(found.path) and (
                found.path == doc.path or self._scc_min.get(comp) == doc.path
            ):
                cycle = self._cycle(doc.path, found.path) or [doc.path, doc.path]
                names = " -> ".join(self._rel(p) for p in cycle)
                problems.append(Problem(inc.span, f"include cycle: {names}", "LE003"))
        return problems

    def _rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    # --- checking ----------------------------------------------------------------------

    def check_file(self, path: Path, *, verify: bool = True) -> list[Finding]:
        self._new_run()
        doc = self.last_checked = self.document(path)
        return self.check_document(doc, verify=verify)

    def check_document(self, doc: Document, *, verify: bool = True) -> list[Finding]:
        """The document's findings. An unexpected error while checking one document
        becomes an LE008 finding on it; the other documents are still checked.

        ``verify=False`` (the editor, on every keystroke) leaves the fixes unverified:
        the findings are the same but for their fixes, and :meth:`verified_fixes` gives
        the verified findings later (when a quick fix is asked for)."""
        self._dep_memo.begin()
        self._deferred.pop(doc.path, None)
        try:
            pieces = self._check_document(doc)
            if not verify:
                self._deferred[doc.path] = (doc, pieces)
                return self._finish(doc, _merged(doc, pieces, lambda found, _recheck: found))
            return self._verified(doc, pieces)
        except Exception as exc:  # RecursionError, MemoryError and bugs alike
            return [self._problem_finding(doc, internal_problem(exc, "checking"))]

    def verified_fixes(self, doc: Document) -> list[Finding] | None:
        """The findings of the last ``check_document(doc, verify=False)`` with their fixes
        verified, as ``verify=True`` gives them (None: ``doc`` was not checked so last)."""
        deferred = self._deferred.get(doc.path)
        if deferred is None or deferred[0] is not doc:
            return None
        try:
            return self._verified(doc, deferred[1])
        except Exception:  # a bug: no fix is better than an unverified one
            found = self._finish(doc, _merged(doc, deferred[1], lambda part, _recheck: part))
            return [replace(f, fixes=()) for f in found]

    def _verified(self, doc: Document, pieces: list[_Piece]):
        from .fixes import verified_findings

        # one place for every fix: a fix whose result lint-env reports as an error is
        # not offered (fixcheck.py)
        findings = _merged(
            doc,
            pieces,
            lambda found, recheck: found if recheck is None else verified(doc, found, recheck),
        )
        notes: list[tuple] = []
        findings = verified_findings(doc, self._finish(doc, findings), notes)
        for note in notes:
            if len(self.fix_notes) < 1000:
                self.fix_notes[note] = None
        return findings

    def _check_document(self, doc: Document) -> list[_Piece]:
        """The document's findings in pieces: its problems, then per target (its label)
        what the rules found with the re-check its fixes are verified with."""
        problems = list(doc.problems)
        if doc.kind is Kind.REQUIREMENTS or (doc.kind is Kind.CONDA and doc.includes):
            problems += self._include_problems(doc)
        pieces: list[_Piece] = [(None, [self._problem_finding(doc, p) for p in problems], None)]
        gathered: list[tuple[Dependency, Path, bool]] = []
        if doc.includes:
            self._gather(doc, (doc.path,), set(), gathered)
        code = doc.kind in _CODE_KINDS
        project_docs = self.project_documents(doc.path) if code else []
        declared = self.project_model().declared_for(doc.path, doc) if code else frozenset()
        view = self.project_view() if code else None
        for target in self._targets(doc):

            def for_target(
                d: Document,
                names: frozenset[str] | None = None,
                lines: tuple[int, int] | None = None,
                target: Target = target,
            ) -> list[Finding]:
                ctx = self._context(d, target, gathered, project_docs, declared)
                ctx.project = view
                ctx.memo = self._dep_memo
                ctx.config_enabled = self._enabled_here(d, target.platform)
                if lines is not None:  # a re-check only asks about these lines
                    ctx.own = [x for x in ctx.own if lines[0] <= x.span.line <= lines[1]]
                if names is None:  # only the rules some name here can match run
                    names_here = set(map(_NAME, ctx.own))
                    if ctx.env is not ctx.own:
                        names_here.update(map(_NAME, ctx.env))
                    ctx.named = self._name_index().relevant(names_here)
                pip_ctx = _pip_section(ctx)
                always = self._name_index().always
                per_file = bool(self.config.per_file_ignores)
                found: list[Finding] = []
                for rule, own in self._rules_for(target.platform, d):
                    if (
                        ctx.named is not None
                        and rule.kind in NAMED_KINDS
                        and rule.code not in ctx.named
                        and rule.code not in always
                    ):
                        continue
                    use = ctx if own else pip_ctx  # a requirements rule judges pip:
                    if use is None:
                        continue
                    if per_file and not self.config.enabled(rule.code, d.path):
                        continue
                    if names is not None and not rule_mentions(rule, names):
                        continue
                    found.extend(self._checks[rule.kind](rule, use))
                if d.kind is Kind.LOCK:  # a lock is re-generated, never edited by hand
                    found = self._lock_findings(ctx, found)
                elif target.python_note == LOWEST_REQUIRES_PYTHON:
                    # judged on one Python of a range: `--fix` must not rewrite the file
                    # for every other Python the project supports; the user may pick it
                    found = [_unsafe(f) for f in found]
                found = self._yield_to_specific(found)
                if d.kind in _CODE_KINDS:
                    return self._one_per_line(found)
                return self._summarize(d, target, found)

            def recheck(d: Document, names, lines, for_target=for_target) -> list[Finding]:
                problems = [self._problem_finding(d, p) for p in d.problems]
                return problems + for_target(d, names, lines)

            pieces.append((target.label, for_target(doc), recheck))
        return pieces

    def _summarize(self, doc: Document, target: Target, found: list[Finding]) -> list[Finding]:
        """Summary rules: when a file has ``min`` or more findings of ``codes`` (CU009: GPU-
        only packages), they are one problem, said once at the first of them, with each
        as a related location and the fixes they have as one fix."""
        for rule in self.rules.of_kind("summary"):
            if not rule.applies(target.platform, doc.kind):
                continue
            if not self.config.enabled(rule.code, doc.path):
                continue
            codes = set(rule.params["codes"])
            members = sorted(
                (f for f in found if f.code in codes and not is_suppressed(doc, f)),
                key=lambda f: f.sort_key,
            )
            if len(members) < rule.params["min"]:
                continue
            taken = {id(f) for f in members}
            names = [_package_of(doc, f) for f in members]
            shown = ", ".join(dict.fromkeys(n for n in names if n)) or "GPU-only packages"
            fixes: tuple[Fix, ...] = ()
            first = [f.fixes[0] for f in members if f.fixes]
            if first:
                fixes = (
                    Fix(
                        f"Fix {len(first)} of the {len(members)} lines ({first[0].description}, …)",
                        tuple(e for fix in first for e in fix.edits),
                        all(fix.safe for fix in first),
                    ),
                )
            summary = Finding(
                path=doc.path,
                span=members[0].span,
                code=rule.code,
                name=rule.name,
                severity=rule.severity,
                message=rule.format(
                    count=str(len(members)),
                    names=_shorten(shown),
                    target=target.label,
                    package="",
                    spec="",
                    python="",
                ),
                fixes=fixes,
                related=tuple(Related(doc.path, f.span, f"{f.code}: {f.message}") for f in members),
            )
            found = [f for f in found if id(f) not in taken] + [summary]
        return found

    def _rules_for(self, platform: str, doc: Document) -> list[tuple[Rule, bool]]:
        """The rules a check of ``doc`` on ``platform`` runs, before the per-document
        filters (names, per-file ignores): those that apply to its kind (True) and, for a
        conda file, the requirements rules that judge its ``pip:`` section (False).
        Neither the rules nor the configuration change while an engine lives, so this is
        worked out once per platform and kind instead of for every rule of every file."""
        notebook_deps = doc.kind is Kind.NOTEBOOK and bool(doc.dependencies)
        key = (platform, doc.kind, notebook_deps)
        got = self._rule_lists.get(key)
        if got is None:
            got = []
            for rule in self.rules:
                if rule.kind in ("problem", "runtime", "summary"):
                    continue
                if not self.config.enabled(rule.code):
                    continue
                if rule.opt_in and not self.config.selects_explicitly(rule.code):
                    continue
                if self._applies(rule, platform, doc):
                    got.append((rule, True))
                elif doc.kind is Kind.CONDA and rule.applies(platform, Kind.REQUIREMENTS):
                    got.append((rule, False))
            self._rule_lists[key] = got
        return got

    def _name_index(self) -> NameIndex:
        if self._names is None:
            self._names = NameIndex(self.rules)
        return self._names

    def _enabled_here(self, doc: Document, platform: str):
        def enabled(code: str) -> bool:
            rule = self.rules.get(code)
            return (
                rule is not None
                and self._applies(rule, platform, doc)
                and self.config.enabled(code, doc.path)
                and (not rule.opt_in or self.config.selects_explicitly(code))
            )

        return enabled

    @staticmethod
    def _applies(rule, platform: str, doc: Document) -> bool:
        """A notebook's install cells are requirement lines: the requirements rules run
        on them (and the conda rules on `%conda install` lines)."""
        if rule.applies(platform, doc.kind):
            return True
        if doc.kind is Kind.NOTEBOOK and doc.dependencies and platform in rule.targets:
            return Kind.REQUIREMENTS in rule.files or Kind.CONDA in rule.files
        return False

    def _one_per_line(self, found: list[Finding]) -> list[Finding]:
        """Findings of two import rules about the same line merge into the more specific
        one: an undeclared-import finding gives way to any other rule there (IM004 says
        more about `import theano` than "not declared" does)."""

        def generic(f: Finding) -> bool:
            rule = self.rules.get(f.code)
            return rule is not None and rule.kind == "import-undeclared"

        lines = {(f.span.cell, f.span.line) for f in found if not generic(f)}
        return [f for f in found if not generic(f) or (f.span.cell, f.span.line) not in lines]

    def _lock_findings(self, ctx: Context, found: list[Finding]) -> list[Finding]:
        """A lock's findings: without fixes (a lock is re-generated, never edited by hand);
        on an entry the lock rules report (no file for the target) that exact finding
        stands alone (the advice of a declaration rule, "drop the +cu suffix", is not
        for a lock). An entry only some extras install fails only the install with
        them (``uv sync --extra gpu``): at most a warning, and the message says which."""

        def lock_rule(f: Finding) -> bool:
            rule = self.rules.get(f.code)
            return rule is not None and rule.kind == "lock"

        exact = {f.span for f in found if lock_rule(f)}
        extras = {d.span: label for d in ctx.own if (label := ctx.only_with.get(id(d)))}
        out = []
        for f in found:
            if not lock_rule(f) and f.span in exact:
                continue
            label = extras.get(f.span)
            if label is None:
                out.append(replace(f, fixes=()))
                continue
            message = f.message if lock_rule(f) else f"{f.message} (only with {label})"
            severity = Severity.WARNING if f.severity is Severity.ERROR else f.severity
            out.append(replace(f, fixes=(), message=message, severity=severity))
        return out

    def _yield_to_specific(self, found: list[Finding]) -> list[Finding]:
        """The generic "no wheel for the target" rule (a `wheel` rule over every package of
        the snapshot) gives way to any other rule on the same requirement: TF001 says more
        about tensorflow==2.12 than "no wheel" does."""

        def generic(f: Finding) -> bool:
            rule = self.rules.get(f.code)
            return rule is not None and rule.kind == "wheel" and rule.params["packages"] == ["*"]

        specific = {f.span for f in found if not generic(f)}
        return [f for f in found if not generic(f) or f.span not in specific]

    def _context(
        self,
        doc: Document,
        target: Target,
        gathered: list[tuple[Dependency, Path, bool]],
        project_docs: list[Document],
        declared: frozenset[str],
    ) -> Context:
        applies = target.evaluate_marker
        only_with: dict[int, str] = {}
        if doc.lock is not None:  # a lock: what it installs on this target, exactly
            from .sources.locks import installs

            locked = installs(doc.lock, target)
            own = [p.dependency for p in locked.packages if not p.root]
            only_with = {
                id(p.dependency): label
                for p in locked.packages
                if (label := locked.only_with.get(id(p)))
            }
        else:
            own = [
                d
                for d in doc.dependencies
                if not d.constraint_only and (d.marker is None or applies(d.marker))
            ]
        # what the rules see as ``env`` and ``own`` is one list when they hold the same
        # dependencies (Context.find then indexes it once)
        env = [d for d in own if d.group != "build"] if "build" in map(_GROUP, own) else own
        origin: dict[int, Path] = dict.fromkeys(map(id, doc.dependencies), doc.path)
        constraints: dict[str, list[str]] = {}
        if any(map(_CONSTRAINT_ONLY, doc.dependencies)):
            for d in doc.dependencies:
                if d.constraint_only and applies(d.marker) and d.specifier:
                    constraints.setdefault(d.name, []).append(d.specifier)
        included: list[Dependency] = []
        for dep, path, constraint in gathered:
            if not applies(dep.marker):
                continue
            origin[id(dep)] = path
            if constraint:
                if dep.specifier:
                    constraints.setdefault(dep.name, []).append(dep.specifier)
            else:
                included.append(dep)
        if included:
            env = env + included
        project_env, theirs = self._project_env.of(project_docs, target)
        origin = {**theirs, **origin}  # the file's own and included dependencies first
        return Context(
            doc=doc,
            target=target,
            own=own,
            env=env,
            constraints=constraints,
            origin=origin,
            project_env=project_env,
            project_declared=declared,
            root=self.root,
            local_module_names=self.local_modules,
            declaration_documents=self._declaration_documents,
            only_with=only_with,
        )

    def _declaration_documents(self) -> list[Document]:
        """Every dependency file of the project (for facts said once per project)."""
        return [d.doc for d in self.project_model().declarations]

    def _problem_finding(self, doc: Document, problem: Problem) -> Finding:
        rule = self.rules.get(problem.code)
        return Finding(
            path=doc.path,
            span=problem.span,
            code=problem.code,
            name=rule.name if rule else "parse-error",
            severity=rule.severity if rule else Severity.ERROR,
            message=problem.message,
        )

    def _finish(self, doc: Document, findings: Iterable[Finding]) -> list[Finding]:
        out: dict[tuple, Finding] = {}
        for f in findings:
            if not self.config.enabled(f.code, doc.path) or is_suppressed(doc, f):
                continue
            out.setdefault((f.code, f.span, f.message), f)
        return sorted(out.values(), key=lambda f: f.sort_key)

    def check_paths(self, paths: Sequence[Path]) -> CheckResult:
        from .discovery import discover

        self._new_run()
        whole = [Path(p).resolve() for p in paths] == [self.root]
        if whole:
            self._walked()
            files = list(self._walk_files)
            errors: list[str] = list(self._walk_errors)
        else:
            found = discover([Path(p) for p in paths], self.root, self.config.exclude)
            self._real.update(found.real)
            files = list(found.files)
            errors = list(found.errors)
            files = self._within_root(files, paths, errors)
        files = self._with_includes(files)
        # Imports are read for the whole project when code is checked (rules said once
        # per project need them); checking dependency files alone reads no code.
        code = [p for p in files if detect_kind(p) in _CODE_KINDS]
        if code:
            code = sorted({*code, *(p for p in self._walked() if detect_kind(p) in _CODE_KINDS)})
        if len(code) > 1:
            from .import_scan import scan

            self.adopt(scan(code, None))
        self._focus = None if whole else frozenset(files)  # resolved by _with_includes
        self._view = None
        findings: list[Finding] = []
        for path in files:  # resolved by _with_includes
            findings.extend(self.check_document(self.document(path, resolved=True)))
        findings.sort(key=lambda f: f.sort_key)
        dep_files = sum(1 for p in files if detect_kind(p, explicit=True) in _DEP_KINDS)
        return CheckResult(
            findings=findings,
            files=files,
            errors=errors,
            declarations=dep_files or len(self.project_model().declarations),
            code_files=sum(1 for p in files if detect_kind(p) in _CODE_KINDS),
        )

    def _within_root(
        self, files: list[Path], paths: Sequence[Path], errors: list[str]
    ) -> list[Path]:
        """Files inside the project whose real path is outside it (a symlink to
        ~/.ssh/config) are not read: a finding would show their lines. A file named by
        a path outside the project (``lint-env check ../other/requirements.txt``) is the
        user's choice and stays."""
        named = set()
        for p in paths:
            try:  # the folder resolved, not the last name: where the file is written
                written = Path(os.path.abspath(p))
                written = written.parent.resolve() / written.name
                if not written.is_relative_to(self.root):
                    named.add(written.resolve())
            except (OSError, RuntimeError):
                continue
        out = []
        for path in files:
            try:
                real = self._real_path(path)
            except (OSError, RuntimeError):
                real = path
            if real in named or real.is_relative_to(self.root):
                out.append(path)
            else:
                errors.append(f"{self._rel(path.absolute())}: links outside the project (skipped)")
        return out

    def _with_includes(self, files: list[Path]) -> list[Path]:
        """Requirement files reached through -r/-c are checked too (once each). Files
        outside the project root are read for what they declare, never checked or
        fixed: their lines are not echoed into findings."""
        result = [self._real_path(p) for p in files]
        seen = set(result)
        todo = [p for p in result if detect_kind(p, explicit=True) is Kind.REQUIREMENTS]
        while todo:
            for _, found in self._edges_of(todo.pop()):
                if not found.ok or found.path in seen:
                    continue
                seen.add(found.path)
                if not found.path.is_relative_to(self.root):
                    continue
                result.append(found.path)
                todo.append(found.path)
        return result


_NAME = operator.attrgetter("name")
_GROUP = operator.attrgetter("group")
_CONSTRAINT_ONLY = operator.attrgetter("constraint_only")


def _package_of(doc: Document, f: Finding) -> str:
    """The package a finding's span names (as written), for a summary's message."""
    text = (
        doc.line_text(f.span)[f.span.col : f.span.end_col] if f.span.line == f.span.end_line else ""
    )
    m = re.match(r"\s*(?:-\s*)?([A-Za-z0-9][A-Za-z0-9._-]*)", text)
    return m.group(1) if m else ""


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(", ", 1)[0] + ", …"


def _unsafe(f: Finding) -> Finding:
    if not any(fix.safe for fix in f.fixes):
        return f
    return replace(f, fixes=tuple(replace(fix, safe=False) for fix in f.fixes))


def _pip_section(ctx: Context) -> Context | None:
    """For a conda file: the context a requirements-file rule sees, whose own
    dependencies are the ``pip:`` section (conda hands it to pip as a requirements
    file); everything else the environment installs stays in ``env``."""
    if ctx.doc.kind is not Kind.CONDA:
        return None
    own = [d for d in ctx.own if d.source == "pip"]
    return replace(ctx, own=own) if own else None


@dataclass(frozen=True)
class _Target:
    """Where an include leads: ``path`` when it is a file, else ``reason``/``message``."""

    path: Path | None = None
    reason: str | None = None  # url | unresolved | missing | unreadable | error
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.path is not None


# pip expands ``${NAME}`` (upper-case letters, digits, underscore) from the environment
# in requirements files, and leaves it as written when NAME is not set; ``$NAME`` and
# ``%NAME%`` stay literal. (pip's req_file.py: ENV_VAR_RE, expand_env_variables.)
_PIP_ENV_VAR = LazyPattern(r"\$\{([A-Z0-9_]+)\}", 0, globals(), "_PIP_ENV_VAR")


def expand_pip_vars(text: str) -> str:
    return _PIP_ENV_VAR.sub(lambda m: os.environ.get(m.group(1)) or m.group(0), text)


def _resolve_include(folder: Path, target: str) -> _Target:
    expanded = expand_pip_vars(target)
    if "://" in expanded:
        return _Target(reason="url", message="is a URL")
    if _PIP_ENV_VAR.search(expanded):
        return _Target(reason="unresolved", message="names an unset variable")
    try:
        path = (folder / expanded).resolve()
        st = path.stat()
    except FileNotFoundError:
        return _Target(reason="missing", message="not found")
    except PermissionError:
        return _Target(reason="unreadable", message="cannot be read (permission denied)")
    except OSError as exc:  # ENAMETOOLONG, ELOOP, ENOTDIR, ...
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return _Target(reason="missing", message="not found")
        why = exc.strerror or type(exc).__name__
        return _Target(reason="error", message=f"cannot be opened ({why.lower()})")
    except (RuntimeError, ValueError) as exc:  # a symlink loop (Python 3.10-3.12), NUL
        why = "symbolic link loop" if isinstance(exc, RuntimeError) else "invalid name"
        return _Target(reason="error", message=f"cannot be opened ({why})")
    if not stat.S_ISREG(st.st_mode):
        return _Target(reason="missing", message="not found (not a file)")
    return _Target(path=path)


# A piece of a document's check: the target's label (None: the document's problems),
# what the rules found there, and the re-check its fixes are verified with.
_Piece = tuple[str | None, list[Finding], Check | None]


def _merged(doc: Document, pieces: list[_Piece], settle) -> list[Finding]:
    """The pieces' findings, each settled by ``settle(found, recheck)`` (fixes verified or
    not), with a problem a dependency file repeats said once (repeats.py) and a finding
    said on several targets in the same words said once (target_merge.py)."""
    problems: list[Finding] = []
    per_target: list[tuple[str, list[Finding]]] = []
    for label, found, recheck in pieces:
        settled = settle(found, recheck)
        if label is None:
            problems.extend(settled)
            continue
        if doc.kind not in _CODE_KINDS:
            settled = merge_repeats(doc, settled)
        per_target.append((label, settled))
    return problems + merge_across_targets(per_target)


_DEP_KINDS = (Kind.REQUIREMENTS, Kind.CONDA, Kind.PYPROJECT)  # what a project declares
_MACOS = frozenset({"macos"})
_NOT_MACOS = frozenset({"linux", "windows"})
_CODE_KINDS = (Kind.PYTHON, Kind.NOTEBOOK)
