"""The engine: documents x targets x rules -> findings. Pure: no LSP, no argparse."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from .api import CheckResult
from .checks import Context, kind_checks
from .config import Config
from .fixcheck import rule_mentions, verified
from .model import Dependency, Document, Finding, Kind, Problem, Severity
from .resolve import LOWEST_REQUIRES_PYTHON, declared_python
from .ruleset import RuleSet, load_ruleset
from .sources import detect_kind, parse_text, read_document
from .suppress import is_suppressed
from .target import Target

_PROJECT_FILES = (
    "pyproject.toml",
    "requirements*.txt",
    "requirements*.in",
    "requirements/*.txt",
    "environment*.yml",
    "environment*.yaml",
)


class Engine:
    def __init__(self, root: Path, config: Config, rules: RuleSet | None = None) -> None:
        self.root = root.resolve()
        self.config = config
        self.rules = rules if rules is not None else load_ruleset()
        self._overlays: dict[Path, str] = {}
        self._docs: dict[Path, tuple[object, Document]] = {}
        self._checks = kind_checks()
        self._project: list[Document] | None = None
        self._local_modules: frozenset[str] | None = None

    # --- documents -------------------------------------------------------------------

    def set_overlay(self, path: Path, text: str | None) -> None:
        path = path.resolve()
        if text is None:
            self._overlays.pop(path, None)
        else:
            self._overlays[path] = text
        self._docs.pop(path, None)
        self._project = None
        if path.suffix == ".py" or path.is_dir():
            self._local_modules = None

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
            doc = parse_text(path, self._overlays[path], kind or Kind.REQUIREMENTS)
        else:
            doc = read_document(path, kind)
        self._docs[path] = (key, doc)
        return doc

    def adopt(self, docs: dict[Path, Document]) -> None:
        """Take documents parsed elsewhere (the batch import scanner; resolved paths)."""
        for path, doc in docs.items():
            try:
                st = path.stat()
                self._docs[path] = ((st.st_mtime_ns, st.st_size), doc)
            except OSError:
                continue

    # --- the project around a file ---------------------------------------------------

    def project_documents(self) -> list[Document]:
        """The project's dependency declarations: files at the root (and requirements/)."""
        if self._project is None:
            paths: set[Path] = set()
            for pattern in _PROJECT_FILES:
                paths.update(p.resolve() for p in self.root.glob(pattern) if p.is_file())
            paths.update(
                p for p in self._overlays if p.parent == self.root and detect_kind(p) in _DEP_KINDS
            )
            docs = [self.document(p) for p in sorted(paths)]
            self._project = [d for d in docs if d.kind in _DEP_KINDS]
        return self._project

    def local_modules(self) -> frozenset[str]:
        if self._local_modules is None:
            from .import_map import local_modules

            self._local_modules = frozenset(local_modules(self.root))
        return self._local_modules

    def _python_for(self, doc: Document) -> tuple[str | None, str | None]:
        """The target Python for a document, and why (see resolve.declared_python)."""
        if self.config.python:
            return self.config.python, None
        for pdoc in (doc, *self.project_documents()):
            if pdoc.python:
                found = declared_python(pdoc.python[0], conda=pdoc.kind is Kind.CONDA)
                if found:
                    return found
                if pdoc is doc:
                    return None, None
        return None, None

    # --- includes ----------------------------------------------------------------------

    def _include_path(self, doc: Document, target: str) -> Path | None:
        expanded = os.path.expandvars(target)
        if "://" in expanded or "$" in expanded:
            return None
        return (doc.path.parent / expanded).resolve()

    def _gather(
        self,
        doc: Document,
        stack: tuple[Path, ...],
        seen: set[Path],
        out: list[tuple[Dependency, Path, bool]],
    ) -> None:
        for inc in doc.includes:
            path = self._include_path(doc, inc.target)
            if path is None or path in stack or path in seen or not path.is_file():
                continue
            seen.add(path)
            sub = self.document(path, Kind.REQUIREMENTS)
            for dep in sub.dependencies:
                out.append((dep, path, inc.constraint or dep.constraint_only))
            if not inc.constraint:
                self._gather(sub, (*stack, path), seen, out)

    def _cycle(self, start: Path, first: Path) -> list[Path] | None:
        """A path of includes from ``first`` back to ``start``, if there is one."""
        todo = [(first, [start, first])]
        seen = {first}
        while todo:
            path, trail = todo.pop()
            if not path.is_file():
                continue
            doc = self.document(path, Kind.REQUIREMENTS)
            for inc in doc.includes:
                nxt = self._include_path(doc, inc.target)
                if nxt is None:
                    continue
                if nxt == start:
                    return [*trail, start]
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append((nxt, [*trail, nxt]))
        return None

    def _include_problems(self, doc: Document) -> list[Problem]:
        problems = []
        for inc in doc.includes:
            path = self._include_path(doc, inc.target)
            what = "constraints file" if inc.constraint else "requirements file"
            if path is None:
                if "://" in inc.target:
                    problems.append(
                        Problem(
                            inc.span,
                            f"included {what} {inc.target} is a URL; lint-env does not fetch it",
                            "LE006",
                        )
                    )
                continue
            if not path.is_file():
                problems.append(
                    Problem(inc.span, f"included {what} not found: {inc.target}", "LE002")
                )
                continue
            cycle = self._cycle(doc.path, path)
            if cycle and min(cycle) == doc.path:
                names = " -> ".join(self._rel(p) for p in cycle)
                problems.append(Problem(inc.span, f"include cycle: {names}", "LE003"))
        return problems

    def _rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    # --- checking ----------------------------------------------------------------------

    def check_file(self, path: Path) -> list[Finding]:
        return self.check_document(self.document(path))

    def check_document(self, doc: Document) -> list[Finding]:
        findings: list[Finding] = []
        problems = list(doc.problems)
        if doc.kind is Kind.REQUIREMENTS or (doc.kind is Kind.CONDA and doc.includes):
            problems += self._include_problems(doc)
        for p in problems:
            findings.append(self._problem_finding(doc, p))
        py, py_note = self._python_for(doc)
        gathered: list[tuple[Dependency, Path, bool]] = []
        if doc.includes:
            self._gather(doc, (doc.path,), set(), gathered)
        project_docs = self.project_documents() if doc.kind in _CODE_KINDS else []
        declared = frozenset(
            d.name for pd in project_docs for d in pd.dependencies if not d.constraint_only
        )
        for platform in self.config.targets:
            target = Target(platform, py, py_note)

            def for_target(
                d: Document,
                names: frozenset[str] | None = None,
                lines: tuple[int, int] | None = None,
                target: Target = target,
            ) -> list[Finding]:
                ctx = self._context(d, target, gathered, project_docs, declared)
                if lines is not None:  # a re-check only asks about these lines
                    ctx.own = [x for x in ctx.own if lines[0] <= x.span.line <= lines[1]]
                pip_ctx = _pip_section(ctx)
                found: list[Finding] = []
                for rule in self.rules:
                    if rule.kind in ("problem", "runtime"):
                        continue
                    if rule.applies(target.platform, d.kind):
                        use = ctx
                    elif pip_ctx is not None and rule.applies(target.platform, Kind.REQUIREMENTS):
                        use = pip_ctx  # a requirements rule judges the pip: section
                    else:
                        continue
                    if not self.config.enabled(rule.code, d.path):
                        continue
                    if names is not None and not rule_mentions(rule, names):
                        continue
                    found.extend(self._checks[rule.kind](rule, use))
                if d.kind is Kind.LOCK:  # a lock is re-generated, never edited by hand
                    found = [replace(f, fixes=()) for f in found]
                elif target.python_note == LOWEST_REQUIRES_PYTHON:
                    # judged on one Python of a range: `--fix` must not rewrite the file
                    # for every other Python the project supports; the user may pick it
                    found = [_unsafe(f) for f in found]
                return self._yield_to_specific(found)

            def recheck(d: Document, names, lines, for_target=for_target) -> list[Finding]:
                problems = [self._problem_finding(d, p) for p in d.problems]
                return problems + for_target(d, names, lines)

            # one place for every fix: a fix whose result lint-env reports as an error
            # is not offered (fixcheck.py)
            findings.extend(verified(doc, for_target(doc), recheck))
        return self._finish(doc, findings)

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
        if doc.lock is not None:  # a lock: what it installs on this target, exactly
            from .sources.locks import installed_on

            locked = installed_on(doc.lock, applies)
            own = [p.dependency for p in locked if not p.root]
        else:
            own = [d for d in doc.dependencies if not d.constraint_only and applies(d.marker)]
        env = [d for d in own if d.group != "build"]
        origin: dict[int, Path] = {id(d): doc.path for d in doc.dependencies}
        constraints: dict[str, list[str]] = {}
        for d in doc.dependencies:
            if d.constraint_only and applies(d.marker) and d.specifier:
                constraints.setdefault(d.name, []).append(d.specifier)
        for dep, path, constraint in gathered:
            if not applies(dep.marker):
                continue
            origin[id(dep)] = path
            if constraint:
                if dep.specifier:
                    constraints.setdefault(dep.name, []).append(dep.specifier)
            else:
                env.append(dep)
        project_env = [
            d
            for pd in project_docs
            for d in pd.dependencies
            if not d.constraint_only and applies(d.marker)
        ]
        for pd in project_docs:
            for d in pd.dependencies:
                origin.setdefault(id(d), pd.path)
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
        )

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

        found = discover([Path(p) for p in paths], self.root, self.config.exclude)
        files = list(found.files)
        errors = list(found.errors)
        files = self._with_includes(files)
        code = [p for p in files if detect_kind(p) in _CODE_KINDS]
        if len(code) > 1:
            from .import_scan import scan

            self.adopt(scan(code, None))
        findings: list[Finding] = []
        for path in files:  # resolved by _with_includes
            findings.extend(self.check_document(self.document(path, resolved=True)))
        findings.sort(key=lambda f: f.sort_key)
        return CheckResult(findings=findings, files=files, errors=errors)

    def _with_includes(self, files: list[Path]) -> list[Path]:
        """Requirement files reached through -r/-c are checked too (once each)."""
        result = [p.resolve() for p in files]
        seen = set(result)
        todo = [p for p in result if detect_kind(p, explicit=True) is Kind.REQUIREMENTS]
        while todo:
            doc = self.document(todo.pop(), Kind.REQUIREMENTS, resolved=True)
            for inc in doc.includes:
                path = self._include_path(doc, inc.target)
                if path is not None and path not in seen and path.is_file():
                    seen.add(path)
                    result.append(path)
                    self.document(path, Kind.REQUIREMENTS, resolved=True)
                    todo.append(path)
        return result


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


_DEP_KINDS = (Kind.REQUIREMENTS, Kind.CONDA, Kind.PYPROJECT)  # what a project declares
_CODE_KINDS = (Kind.PYTHON, Kind.NOTEBOOK)
