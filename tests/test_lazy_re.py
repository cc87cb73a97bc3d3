"""lazy_re.LazyPattern: compiled on first use, then replaced by the compiled pattern."""

from __future__ import annotations

import re

from lint_env.lazy_re import LazyPattern


def test_first_use_compiles_and_replaces_the_global():
    ns: dict = {}
    ns["RX"] = early = LazyPattern(r"(a+)(b)?", re.I, ns, "RX")
    assert isinstance(ns["RX"], LazyPattern)
    assert early.match("AAb").groups() == ("AA", "b")
    assert ns["RX"] is re.compile(r"(a+)(b)?", re.I)  # re's own cache: the same object
    assert isinstance(ns["RX"], re.Pattern)
    # a reference taken before keeps working (delegation)
    assert early.sub("x", "caab") == "cx" and early.pattern == "(a+)(b)?" and early.groups == 2
    assert [m.group() for m in early.finditer("a b aa")] == ["a", "aa"]


def test_a_rebound_name_is_left_alone():
    ns: dict = {}
    lazy = LazyPattern("x", 0, ns, "RX")
    ns["RX"] = "something else"
    assert lazy.fullmatch("x")
    assert ns["RX"] == "something else"


def test_module_patterns_are_replaced_after_use():
    from lint_env.sources import imports

    imports.parse_python  # noqa: B018 - the module is imported
    assert imports._TRY_RX.match("try:")  # first use
    assert isinstance(vars(imports)["_TRY_RX"], re.Pattern)
