"""Rule kinds over imports in .py files and notebooks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..model import Finding, Import
from ..ruleset import Rule
from . import Context, spec_contains


def _live(ctx: Context) -> list[Import]:
    """Absolute imports that must work at run time (not optional, not typing-only)."""
    return [i for i in ctx.doc.imports if i.level == 0 and i.module and not i.type_checking]


def _when(ctx: Context, when: dict[str, str] | None) -> bool:
    """True when any `package = spec` of ``when`` holds for the declared dependencies."""
    if not when:
        return True
    for package, spec in when.items():
        for dep in ctx.find([package], ctx.project_env):
            versions = ctx.versions(dep)
            if versions and spec_contains(spec, versions[-1]):
                return True
    return False


def undeclared(rule: Rule, ctx: Context) -> Iterator[Finding]:
    from ..import_map import declared_covers, distributions_for, is_local, is_stdlib

    if not ctx.project_declared:
        return  # a project that declares nothing: nothing to compare with
    ignore = set(rule.params.get("ignore", []))
    local = ctx.local_modules
    seen: set[str] = set()
    for imp in _live(ctx):
        top = imp.top
        if imp.guarded or top in seen or top in ignore or top in local or is_stdlib(top):
            continue
        # The full name: namespace packages (google.protobuf) map by their longest prefix.
        if declared_covers(imp.module, ctx.project_declared):
            continue
        if is_local(top, ctx.root, ctx.doc.path):  # a sibling module of a script
            continue
        dists = distributions_for(imp.module)
        seen.add(top)
        yield ctx.finding(rule, imp.span, module=top, distributions=" or ".join(dists))


def shadow(rule: Rule, ctx: Context) -> Iterator[Finding]:
    from ..import_map import distributions_for, is_stdlib

    modules = rule.params["modules"]
    folder = ctx.doc.path.parent
    seen: set[str] = set()
    for imp in _live(ctx):
        top = imp.top
        if top in seen or is_stdlib(top):
            continue
        if modules == ["*"]:
            if not set(distributions_for(top)) & ctx.project_declared:
                continue
        elif top not in modules:
            continue
        local = _local_shadow(folder, top, ctx.doc.path)
        if local is None:
            continue
        seen.add(top)
        yield ctx.finding(rule, imp.span, module=top, local=_rel(local, ctx.root))


def _local_shadow(folder: Path, module: str, importer: Path) -> Path | None:
    """A file or package next to the importing script that Python finds first (sys.path[0])."""
    candidate = folder / f"{module}.py"
    if candidate.is_file() and candidate.resolve() != importer.resolve():
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


def _uses(imp: Import, line: str, prefix: str) -> bool:
    """Does this import use ``prefix`` (dotted)? `from tensorflow import keras` counts as
    tensorflow.keras."""
    if imp.module == prefix or imp.module.startswith(prefix + "."):
        return True
    head, _, last = prefix.rpartition(".")
    if head and imp.module == head:
        import re

        return re.search(rf"\bimport\b.*\b{re.escape(last)}\b", line) is not None
    return False


def mix(rule: Rule, ctx: Context) -> Iterator[Finding]:
    p = rule.params
    if not _when(ctx, p.get("when")):
        return
    a_imps = [i for i in _live(ctx) if _uses(i, ctx.doc.line_text(i.span), p["a"])]
    b_imps = [i for i in _live(ctx) if _uses(i, ctx.doc.line_text(i.span), p["b"])]
    # `import tensorflow.keras` also "uses" tensorflow; a and b are told apart by the longer one
    if p["a"].startswith(p["b"] + "."):
        b_imps = [i for i in b_imps if i not in a_imps]
    elif p["b"].startswith(p["a"] + "."):
        a_imps = [i for i in a_imps if i not in b_imps]
    if not a_imps or not b_imps:
        return
    from ..model import Related

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
    if not _when(ctx, p.get("when")) or (p.get("unless") and _when(ctx, p["unless"])):
        return
    for imp in _live(ctx):
        line = ctx.doc.line_text(imp.span)
        for prefix in p["modules"]:
            if _uses(imp, line, prefix):
                yield ctx.finding(rule, imp.span, module=prefix)
                break
