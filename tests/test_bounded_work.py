"""Bounded work (issue 9): the include graph is resolved once per run and cycles come
from one pass; repeated requirements are resolved once. These count the work done
(no timing here: benchmarks/scale.py prints the figures)."""

from __future__ import annotations

from pathlib import Path

from conftest import write_tree
from lint_env import engine as engine_module
from lint_env.api import Project
from lint_env.config import Config


def counting(monkeypatch, module, name):
    calls: list[tuple] = []
    real = getattr(module, name)

    def wrapper(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_every_include_is_resolved_once_per_run(tmp_path, monkeypatch):
    n = 12
    includes = "".join(f"-r requirements-{k}.txt\n" for k in range(n))
    root = write_tree(
        tmp_path, {f"requirements-{k}.txt": includes + f"pkg-{k}\n" for k in range(n)}
    )
    calls = counting(monkeypatch, engine_module, "_resolve_include")
    result = Project(root, Config(root=root)).check([root])
    # n * n includes, but one folder and n names: each resolved once (was once per
    # visit of each include by each file's cycle search)
    assert len(calls) == len(set(calls)) == n
    cycles = [f for f in result.findings if f.code == "LE003"]
    # the cycle through all files once, on the first file; self-includes where they are
    first = [f for f in cycles if f.path.name == "requirements-0.txt"]
    assert len(first) == n
    assert {f.path.name for f in cycles} == {f"requirements-{k}.txt" for k in range(n)}
    assert all(
        "requirements-0.txt ->" in f.message for f in cycles if f.path.name == "requirements-0.txt"
    )


def test_long_include_chain_is_one_cycle_with_its_whole_path(tmp_path):
    n = 60
    files = {}
    for k in range(n):
        name = "requirements.txt" if k == 0 else f"part{k:03}.txt"
        nxt = "requirements.txt" if k == n - 1 else f"part{k + 1:03}.txt"
        files[name] = f"-r {nxt}\npkg-{k}\n"
    root = write_tree(tmp_path, files)
    result = Project(root, Config(root=root)).check([root])
    (cycle,) = [f for f in result.findings if f.code == "LE003"]
    assert cycle.path.name == "part001.txt"  # the first file of the cycle by path
    names = cycle.message.removeprefix("include cycle: ").split(" -> ")
    assert len(names) == n + 1 and names[0] == names[-1] == "part001.txt"
    assert len(result.files) == n


def test_identical_requirement_lines_are_resolved_once(tmp_path, monkeypatch):
    from lint_env import checks

    root = write_tree(tmp_path, {"requirements.txt": "tensorflow==2.12\n" * 500})
    calls = counting(monkeypatch, checks, "admitted")
    result = Project(root, Config(root=root)).check([root])
    (tf,) = [f for f in result.findings if f.code == "TF001"]  # one problem, said once
    assert {r.span.line for r in tf.related} == set(range(1, 500))
    assert len(calls) <= 4  # per (name, specifier, check_python), not per line


def test_find_keeps_declaration_order(tmp_path):
    from lint_env.checks import Context
    from lint_env.model import Kind
    from lint_env.sources import parse_text
    from lint_env.target import Target

    doc = parse_text(Path("r.txt"), "b\na\nc\na==1\n", Kind.REQUIREMENTS)
    deps = doc.dependencies
    ctx = Context(doc, Target("macos-arm64", None), deps, deps, {}, {}, [], frozenset(), Path("."))
    assert [d.raw for d in ctx.find(["a", "c"])] == ["a", "c", "a==1"]
    assert [d.raw for d in ctx.find(["b"], deps[1:])] == []
    assert [d.raw for d in ctx.find(["a"], deps[2:])] == ["a==1"]


def _reference_select(fixes):
    """The quadratic definition select_fixes must agree with."""
    from lint_env.fixes import _overlaps

    chosen, taken = [], []
    for fix in fixes:
        spans = [e.span for e in fix.edits]
        pairs = [(x, y) for i, x in enumerate(spans) for y in spans[i + 1 :]]
        if any(_overlaps(s, t) for s in spans for t in taken) or any(
            _overlaps(x, y) for x, y in pairs
        ):
            continue
        chosen.append(fix)
        taken.extend(spans)
    return chosen


def test_select_fixes_agrees_with_the_quadratic_definition():
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from lint_env.fixes import select_fixes
    from lint_env.model import Fix, Span, TextEdit

    pos = st.tuples(st.integers(0, 3), st.integers(0, 4))
    span = st.builds(
        lambda a, b, cell: Span(*min(a, b), *max(a, b), cell),
        pos,
        pos,
        st.sampled_from([None, None, 0, 1]),
    )
    fix = st.builds(
        lambda spans: Fix("f", tuple(TextEdit(s, "x") for s in spans)),
        st.lists(span, min_size=1, max_size=3),
    )

    @settings(max_examples=300, deadline=None, database=None)
    @given(st.lists(fix, max_size=12))
    def run(fixes):
        assert select_fixes(fixes) == _reference_select(fixes)

    run()


def test_select_fixes_is_not_quadratic():
    """16,000 fixes: counted comparisons, not time (the old loop compared all pairs)."""
    from lint_env import fixes as fixes_module
    from lint_env.model import Fix, Span, TextEdit

    calls = []
    real = fixes_module._start

    def counting_start(s):
        calls.append(1)
        return real(s)

    items = [Fix("f", (TextEdit(Span(k, 0, k, 5), "x"),)) for k in range(16_000)]
    fixes_module._start = counting_start
    try:
        assert len(fixes_module.select_fixes(items)) == 16_000
    finally:
        fixes_module._start = real
    assert len(calls) < 16_000 * 10
