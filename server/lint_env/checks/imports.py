"""Rule kinds over imports in .py files and notebooks."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from ..lazy_re import LazyPattern
from ..model import Finding, Import, Kind, Related, Span
from ..ruleset import Rule
from . import Context, spec_contains


def _live(ctx_or_doc) -> list[Import]:
    """Absolute imports that must work at run time (not optional, not typing-only)."""
    doc = getattr(ctx_or_doc, "doc", ctx_or_doc)
    return [i for i in doc.imports if i.level == 0 and i.module and not i.type_checking]


def _when(ctx: Context, when: dict[str, str] | None) -> bool:
    """True when any `package = spec` of ``when`` holds for the declared dependencies.

    The answer depends on the project's declarations for the target (and a file's own
    constraints, which code files seldom have): the files of a folder share it, so it
    is kept in the project view, with the objects it was worked out from."""
    if not when:
        return True
    memo = ctx.project.memo if ctx.project is not None and not ctx.constraints else None
    if memo is None:
        return _when_holds(ctx, when)
    key = ("when", id(when), ctx.target)
    hit = memo.get(key)
    if hit is not None and hit[0] is when and hit[1] is ctx.project_env:
        return hit[2]
    found = _when_holds(ctx, when)
    memo[key] = (when, ctx.project_env, found)
    return found


def _when_holds(ctx: Context, when: dict[str, str]) -> bool:
    for package, spec in when.items():
        for dep in ctx.find([package], ctx.project_env):
            versions = ctx.versions(dep)
            if versions and spec_contains(spec, versions[-1]):
                return True
    return False


# Never suggested: the build backend (setuptools ships pkg_resources and the distutils
# shim; build tools put it there) and the interpreter's own helpers.
_NEVER = frozenset({"setuptools", "pkg_resources", "_distutils_hack", "distutils", "pip"})
_MAX_RELATED = 50
_KERNEL = frozenset({"IPython", "ipykernel"})


def known_distributions(ctx: Context) -> frozenset[str]:
    """Distributions lint-env checks for their own sake: the packages the rules cover in
    the index snapshot (not its whole ML closure: an undeclared ``yaml`` import is not
    worth a default warning) and every package a rule of the database names."""
    view = ctx.project
    hit = view.memo.get("known") if view is not None else None
    if hit is not None:
        return hit  # type: ignore[return-value]
    from ..import_map import canonical
    from ..ruleset import load_ruleset
    from ..snapshot import rules_packages

    global _KNOWN
    packages, rules = rules_packages(), load_ruleset()
    if _KNOWN is not None and _KNOWN[0] is packages and _KNOWN[1] is rules:
        known = _KNOWN[2]  # the language server checks again on every keystroke
        if view is not None:
            view.memo["known"] = known
        return known
    names = set(packages)
    for rule in rules:
        p = rule.params
        for key in ("packages", "a", "needs"):
            value = p.get(key)
            values = value if isinstance(value, list) else [value] if isinstance(value, str) else []
            names.update(canonical(v) for v in values if v and "*" not in v and "?" not in v)
        for key in ("b", "package"):
            if isinstance(p.get(key), str) and "." not in p[key]:
                names.add(canonical(p[key]))
    known = frozenset(names)
    _KNOWN = (packages, rules, known)
    if view is not None:
        view.memo["known"] = known
    return known


# known_distributions' last answer, for the objects it was computed from (both are
# cached where they are loaded, and new objects when a snapshot or rule file changes)
_KNOWN: tuple[object, object, frozenset[str]] | None = None


def _undeclared_places(ctx: Context, which: str) -> dict[str, list]:
    """Distribution -> places in the project's code that import it undeclared."""
    from ..import_map import declared_covers, is_stdlib, mapped_distributions
    from ..project_model import Place

    view = ctx.project
    key = ("undeclared", which)
    hit = view.memo.get(key)
    if hit is not None:
        return hit  # type: ignore[return-value]
    known = known_distributions(ctx)
    model = view.model
    first_party = model.first_party
    out: dict[str, list] = {}
    facts = _fact_modules(ctx)
    for doc in view.code_documents():
        if _fixture(doc.path, model.root):
            continue
        declared = model.declared_for(doc.path, doc)
        in_package = not model.is_script_folder(doc.path.parent)
        notebook = doc.kind is Kind.NOTEBOOK
        # A file that edits sys.path may import any folder of the tree.
        own = model.every_name if "sys.path" in doc.text else first_party
        for imp in _live(doc):
            top = imp.top
            if imp.guarded or top in own or top in _NEVER or is_stdlib(top):
                continue
            if top in facts or _optional(doc, imp, in_package):
                continue
            if notebook and top in _KERNEL:
                continue  # a notebook runs in IPython: the kernel provides it
            if declared_covers(imp.module, declared):
                continue
            dists = mapped_distributions(imp.module)
            if not dists:
                continue  # no distribution is known to provide it: nothing to suggest
            if which != "any" and any(d in known for d in dists) is not (which == "known"):
                continue
            out.setdefault(dists[0], []).append(Place(doc.path, imp.span, imp.module))
    view.memo[key] = out
    return out


def undeclared(rule: Rule, ctx: Context) -> Iterator[Finding]:
    """Once per project and distribution: at the first place that imports it, the other
    places as related locations."""
    from ..import_map import distributions_for

    view = ctx.project
    if view is None or not view.model.has_declarations:
        return  # a project that declares nothing: nothing to compare with
    ignore = set(rule.params.get("ignore", []))
    places = _undeclared_places(ctx, rule.params.get("which", "any"))
    for dist, found in places.items():
        found = [p for p in found if p.module.split(".", 1)[0] not in ignore]
        primary = view.primary(found) if found else None
        if primary is None or primary.path != ctx.doc.path:
            continue
        files = len({p.path for p in found})
        yield ctx.finding(
            rule,
            primary.span,
            related=_related(found, primary, "'{module}' is imported here too"),
            module=primary.module.split(".", 1)[0],
            distribution=dist,
            distributions=" or ".join(distributions_for(primary.module)[:3]),
            files=f"{files} file{'s' if files != 1 else ''}",
        )


_FIXTURE_PARTS = ("fixture", "testdata", "test_data", "test-data", "test-examples", "test_examples")


def _fixture(path: Path, root: Path) -> bool:
    """Code kept as test data (expected outputs, sample inputs), never run by the project."""
    try:
        parts = path.relative_to(root).parts[:-1]
    except ValueError:
        return False
    return any(any(f in part.lower() for f in _FIXTURE_PARTS) for part in parts)


def _optional(doc, imp: Import, in_package: bool) -> bool:
    """Imports a project makes only when the package is there or on one path: written as
    a string (``import_module("numpy")``; sympy's ``import_module`` returns None when it
    is missing), nested in a block of a block (``def f(): if plot: import matplotlib``),
    or, in a module of a package, inside any function or block (a lazy import of an
    optional integration: sympy's printers, a library's ``to_torch()``)."""
    row = doc.line_text(imp.span)
    if imp.span.col and row[imp.span.col - 1 : imp.span.col] in ("'", '"'):
        return True
    indent = len(row) - len(row.lstrip(" \t"))
    if indent >= 8 or row.startswith("\t\t"):
        return True  # in a branch of a function (`if args.plot: import matplotlib`)
    if indent and _AVAILABLE_RX.match(_header(doc, imp.span, indent)):
        return True  # `if is_wandb_available(): import wandb`
    return in_package and imp.span.cell is None and indent > 0


_AVAILABLE_RX = LazyPattern(
    r"\s*(?:el)?if\b.*(?:available|installed|find_spec|find_loader|importlib\.util|"
    r"\bin\s+sys\.modules)",
    0,
    globals(),
    "_AVAILABLE_RX",
)


def _header(doc, span, indent: int) -> str:
    """The line that opens the block an indented line is in."""
    rows = doc.lines if span.cell is None else (doc.cells or [[]])[span.cell]
    for i in range(span.line - 1, max(span.line - 200, -1), -1):
        row = rows[i] if 0 <= i < len(rows) else ""
        stripped = row.lstrip(" \t")
        if stripped and not stripped.startswith("#") and len(row) - len(stripped) < indent:
            return row
    return ""


def _fact_modules(ctx: Context) -> frozenset[str]:
    """Top-level modules a project-level import rule (IM004 Theano) speaks about: their
    undeclared-import findings give way to it."""
    view = ctx.project
    key = ("fact-modules", ctx.target.platform)
    hit = view.memo.get(key)
    if hit is None:
        from ..ruleset import load_ruleset

        mods: set[str] = set()
        for rule in load_ruleset().of_kind("import"):
            project = rule.params.get("scope") == "project"
            if project and ctx.config_enabled(rule.code) and _fact_places(rule, ctx):
                mods |= _tops(rule.params["modules"])
        hit = frozenset(mods)
        view.memo[key] = hit
    return hit  # type: ignore[return-value]


def _related(places: list, primary, message: str) -> tuple[Related, ...]:
    from ..project_model import _place_key

    rest = sorted((p for p in places if p is not primary), key=_place_key)
    return tuple(
        Related(p.path, p.span, message.format(module=p.module)) for p in rest[:_MAX_RELATED]
    )


def shadow(rule: Rule, ctx: Context) -> Iterator[Finding]:
    """A local module Python imports instead of the intended one, by Python's real rules:
    only the folder of the script that runs (a folder that is not a package) comes
    first on sys.path; modules inside packages use absolute imports."""
    check = rule.params.get("check", "sibling")
    view = ctx.project
    if view is None:
        return
    if check == "self":
        yield from _shadow_self(rule, ctx)
        return
    places = _shadow_places(rule, ctx, check)
    for (local, module), found in places.items():
        primary = view.primary(found)
        if primary is None or primary.path != ctx.doc.path:
            continue
        rel = _rel(local, ctx.root)
        related = (Related(local, Span.point(0), f"{rel} is imported instead of '{module}'"),)
        related += _related(found, primary, "this import gets the local file too")
        yield ctx.finding(
            rule, primary.span, related=related[: _MAX_RELATED + 1], module=module, local=rel
        )


def _third_party(module: str, rule: Rule, ctx: Context) -> bool:
    from ..import_map import mapped_distributions

    if module in rule.params["modules"]:
        return True
    dists = mapped_distributions(module)
    return bool(dists) and any(d in known_distributions(ctx) for d in dists)


def _shadow_self(rule: Rule, ctx: Context) -> Iterator[Finding]:
    """A script named like what it imports (`tensorflow.py` with `import tensorflow`,
    `random.py` with `import random`) imports itself."""
    from ..import_map import is_stdlib

    doc = ctx.doc
    if doc.kind is not Kind.PYTHON or not ctx.project.model.is_script_folder(doc.path.parent):
        return
    stem = doc.path.name.split(".", 1)[0]
    if stem in ("__init__", "__main__", "setup", "conftest"):
        return
    for imp in _live_doc(doc):
        if imp.top != stem:
            continue
        if is_stdlib(stem) or _third_party(stem, rule, ctx):
            yield ctx.finding(rule, imp.span, module=stem, local=_rel(doc.path, ctx.root))
            return


def _shadow_places(rule: Rule, ctx: Context, check: str) -> dict[tuple[Path, str], list]:
    """(local file, module) -> the imports in script folders that get the local file."""
    from ..import_map import canonical, mapped_distributions
    from ..project_model import Place

    view = ctx.project
    key = ("shadow", rule.code)
    hit = view.memo.get(key)
    if hit is not None:
        return hit  # type: ignore[return-value]
    model = view.model
    own = model.own_distributions
    out: dict[tuple[Path, str], list] = {}
    ml = set(rule.params["modules"])
    loads = stdlib_loaded_by() if check == "stdlib" else {}
    shadows: dict[tuple[Path, str], Path | None] = {}
    for doc in view.code_documents():
        folder = doc.path.parent
        if not model.is_script_folder(folder):
            continue
        imports = _live_doc(doc)
        if check == "stdlib":
            if not any(i.top in loads for i in imports):
                continue
            present = _names_here(folder)
            for imp in imports:
                for name in loads.get(imp.top, ()):
                    if name in present:
                        local = folder / f"{name}.py"
                        out.setdefault((local, name), []).append(Place(doc.path, imp.span, imp.top))
            continue
        for imp in imports:
            top = imp.top
            if top not in ml:
                continue
            here = (folder, top)
            if here not in shadows:
                shadows[here] = _local_shadow(folder, top, None)
            local = shadows[here]
            if local is None or local == doc.path:
                continue
            dists = mapped_distributions(top) or (canonical(top),)
            if own & set(dists) or canonical(top) in own:
                continue  # the project's own package, run from its source tree
            out.setdefault((local, top), []).append(Place(doc.path, imp.span, top))
    view.memo[key] = out
    return out


def stdlib_loaded_by() -> dict[str, tuple[str, ...]]:
    """Package -> the standard-library modules its import loads (data/stdlib_imports.toml)."""
    from ..import_map import _toml

    global _LOADS
    if _LOADS is None:
        _LOADS = {k: tuple(v) for k, v in _toml("stdlib_imports.toml")["loads"].items()}
    return _LOADS


_LOADS: dict[str, tuple[str, ...]] | None = None


def _names_here(folder: Path) -> frozenset[str]:
    """Stems of the .py files directly in ``folder``."""
    import os

    try:
        return frozenset(
            e.name[:-3] for e in os.scandir(folder) if e.name.endswith(".py") and e.is_file()
        )
    except OSError:
        return frozenset()


def _live_doc(doc) -> list[Import]:
    return [i for i in doc.imports if i.level == 0 and i.module and not i.type_checking]


def _local_shadow(folder: Path, module: str, importer: Path | None) -> Path | None:
    """A module or regular package in ``folder`` that Python finds before site-packages
    (a namespace folder does not: a regular package later on sys.path wins over it)."""
    candidate = folder / f"{module}.py"
    if candidate.is_file() and candidate != importer:
        return candidate
    pkg = folder / module
    if (pkg / "__init__.py").is_file():
        return pkg
    return None


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _uses(imp: Import, line: str | Callable[[], str], prefix: str) -> bool:
    """Does this import use ``prefix`` (dotted)? `from tensorflow import keras` counts as
    tensorflow.keras. ``line``: the import's line, or what gives it (read only for a
    ``from`` of the prefix's parent)."""
    if imp.module == prefix or imp.module.startswith(prefix + "."):
        return True
    head, _, last = prefix.rpartition(".")
    if head and imp.module == head:
        import re

        text = line if isinstance(line, str) else line()
        return re.search(rf"\bimport\b.*\b{re.escape(last)}\b", text) is not None
    return False


def _line_of(doc, imp: Import) -> Callable[[], str]:
    return lambda: doc.line_text(imp.span)


def _tops(modules: Iterable[str]) -> frozenset[str]:
    """The top-level names of dotted module prefixes: an import can only use a prefix
    (see :func:`_uses`) when its own top-level name is the prefix's."""
    return frozenset(m.split(".", 1)[0] for m in modules)


def _live_under(ctx: Context, modules: Sequence[str]) -> list[Import]:
    """The document's live imports that may use one of ``modules`` (dotted prefixes):
    :func:`_uses` is true only for an import of a prefix, of a module under it, or of
    the prefix's parent (``from keras import engine``), so any other import is left
    out with one set look-up and one ``startswith``."""
    exact, under = _near(tuple(modules))
    return [i for i in _live(ctx) if i.module in exact or i.module.startswith(under)]


@functools.lru_cache(maxsize=256)
def _near(modules: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    exact = {*modules, *(m.rpartition(".")[0] for m in modules if "." in m)}
    return frozenset(exact), tuple(m + "." for m in modules)


def mix(rule: Rule, ctx: Context) -> Iterator[Finding]:
    p = rule.params
    # the imports first: most files import neither, and then no `when` is evaluated
    candidates = _live_under(ctx, (p["a"], p["b"]))
    a_imps = [i for i in candidates if _uses(i, _line_of(ctx.doc, i), p["a"])]
    b_imps = [i for i in candidates if _uses(i, _line_of(ctx.doc, i), p["b"])]
    if not a_imps or not b_imps or not _when(ctx, p.get("when")):
        return
    # `import tensorflow.keras` also "uses" tensorflow; a and b are told apart by the longer one
    if p["a"].startswith(p["b"] + "."):
        b_imps = [i for i in b_imps if i not in a_imps]
    elif p["b"].startswith(p["a"] + "."):
        a_imps = [i for i in a_imps if i not in b_imps]
    if not a_imps or not b_imps:
        return
    first_a = a_imps[0]
    for imp in b_imps:
        yield ctx.finding(
            rule,
            imp.span,
            related=(Related(ctx.doc.path, first_a.span, f"{p['a']} is imported here"),),
            a=p["a"],
            b=p["b"],
        )


def forbidden_import(rule: Rule, ctx: Context) -> Iterator[Finding]:
    p = rule.params
    project = p.get("scope") == "project" and ctx.project is not None
    # a file's own imports first: most import none of the modules, and then no `when`
    # is evaluated
    candidates = [] if project else _live_under(ctx, p["modules"])
    if not project and not candidates:
        return
    if not _when(ctx, p.get("when")) or (p.get("unless") and _when(ctx, p["unless"])):
        return
    if project:
        yield from _project_fact(rule, ctx)
        return
    for imp in candidates:
        line = _line_of(ctx.doc, imp)
        for prefix in p["modules"]:
            if _uses(imp, line, prefix):
                yield ctx.finding(rule, imp.span, module=prefix)
                break


def _fact_places(rule: Rule, ctx: Context) -> list:
    from ..project_model import Place

    view = ctx.project
    key = ("fact", rule.code)
    places = view.memo.get(key)
    if places is None:
        places = []
        model = view.model
        tops = _tops(rule.params["modules"])
        for doc in view.code_documents():
            in_package = not model.is_script_folder(doc.path.parent)
            for imp in _live_doc(doc):
                if imp.top not in tops:
                    continue
                if imp.top in model.first_party or _optional(doc, imp, in_package):
                    continue  # Theano's own repository imports itself
                line = _line_of(doc, imp)
                prefix = next((m for m in rule.params["modules"] if _uses(imp, line, m)), None)
                if prefix is not None:
                    places.append(Place(doc.path, imp.span, prefix))
        view.memo[key] = places
    return places  # type: ignore[return-value]


def _project_fact(rule: Rule, ctx: Context) -> Iterator[Finding]:
    """A fact about the project (Theano is unmaintained): said once, at the first import
    of the project, with the others as related locations."""

    view = ctx.project
    places = _fact_places(rule, ctx)
    primary = view.primary(places) if places else None
    if primary is None or primary.path != ctx.doc.path:
        return
    files = len({p.path for p in places})
    yield ctx.finding(
        rule,
        primary.span,
        related=_related(places, primary, "'{module}' is imported here too"),
        module=primary.module,
        files=f"{files} file{'s' if files != 1 else ''}",
    )
