"""Imports in .py files and notebooks: constructs, exact spans, context flags, bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lint_env.model import Kind, Span
from lint_env.sources import read_document
from lint_env.sources.imports import parse_notebook, parse_python
from lint_env.sources.text import split_lines

FIXTURES = Path(__file__).parent / "fixtures" / "imports"


def span_of(text: str, needle: str, nth: int = 0, cell: int | None = None) -> Span:
    """The span of the nth occurrence of ``needle`` (one line), found by plain search."""
    lines = split_lines(text)
    seen = 0
    for i, row in enumerate(lines):
        start = 0
        while (col := row.find(needle, start)) != -1:
            if seen == nth:
                return Span(i, col, i, col + len(needle), cell)
            seen += 1
            start = col + 1
    raise AssertionError(f"{needle!r} not in text")


def imports(text: str):
    return parse_python(Path("m.py"), text).imports


def test_document_basics():
    doc = parse_python(Path("m.py"), "import os\r\nimport sys\r\n")
    assert doc.kind is Kind.PYTHON
    assert doc.lines == ["import os", "import sys", ""]
    assert doc.newline == "\r\n"
    assert [i.module for i in doc.imports] == ["os", "sys"]
    assert doc.problems == []


def test_import_dotted_and_alias_spans():
    text = "import os, a.b as c\nimport  x.y.z as w\n"
    got = imports(text)
    assert [(i.module, i.level) for i in got] == [("os", 0), ("a.b", 0), ("x.y.z", 0)]
    assert got[0].span == span_of(text, "os")
    assert got[1].span == span_of(text, "a.b")
    assert got[2].span == span_of(text, "x.y.z")
    assert got[1].top == "a"


def test_from_imports_spans():
    text = "from a import b\nfrom a.b import c, d\nfrom a.b.c import (\n    e,\n    f,\n)\n"
    got = imports(text)
    assert [i.module for i in got] == ["a", "a.b", "a.b.c"]
    assert got[0].span == span_of(text, "a", 0)
    assert got[1].span == span_of(text, "a.b")
    assert got[2].span == span_of(text, "a.b.c")


def test_relative_imports():
    text = "from . import x\nfrom ..pkg import y\nfrom .mod.sub import z\n"
    got = imports(text)
    assert [(i.module, i.level) for i in got] == [("", 1), ("pkg", 2), ("mod.sub", 1)]
    assert got[0].span == span_of(text, ".", 0)
    assert got[1].span == span_of(text, "..pkg")
    assert got[2].span == span_of(text, ".mod.sub")


def test_import_keyword_is_not_taken_for_a_module_name():
    got = imports("from .import x\nfrom ..importlib_x import y\n")
    assert [(i.module, i.level) for i in got] == [("", 1), ("importlib_x", 2)]
    assert got[0].span == Span(0, 5, 0, 6)


def test_line_continuation_in_from():
    text = "from \\\n    pkg.mod import x\n"
    (imp,) = imports(text)
    assert imp.module == "pkg.mod"
    assert imp.span == span_of(text, "pkg.mod")


@pytest.mark.parametrize(
    "handler",
    [
        "except ImportError:",
        "except ModuleNotFoundError:",
        "except (ValueError, ImportError):",
        "except builtins.ImportError as exc:",
        "except Exception:",
        "except:",
    ],
)
def test_guarded_imports(handler: str):
    text = f"try:\n    import numpy\n    from scipy import linalg\n{handler}\n    import json\n"
    got = {i.module: i for i in imports(text)}
    assert got["numpy"].guarded and got["scipy"].guarded
    assert not got["json"].guarded  # the fallback itself is not optional
    assert got["numpy"].span == span_of(text, "numpy")


def test_other_handlers_do_not_guard():
    (imp,) = imports("try:\n    import numpy\nexcept ValueError:\n    pass\n")
    assert not imp.guarded


def test_type_checking_blocks():
    text = (
        "from typing import TYPE_CHECKING\n"
        "import typing\n"
        "if TYPE_CHECKING:\n    import pandas\n"
        "if typing.TYPE_CHECKING:\n    from numpy import ndarray\nelse:\n    import scipy\n"
    )
    got = {i.module: i for i in imports(text)}
    assert got["pandas"].type_checking and got["numpy"].type_checking
    assert not got["scipy"].type_checking
    assert not got["typing"].type_checking


def test_nested_blocks_are_visited():
    text = (
        "def f():\n    import a\n"
        "class C:\n    import b\n    def m(self):\n        with x:\n            import c\n"
        "for i in y:\n    import d\nelse:\n    import e\n"
        "while z:\n    import f\n"
        "async def g():\n    async with q:\n        import g\n"
        "match v:\n    case 1:\n        import h\n"
        "try:\n    pass\nexcept KeyError:\n    import i\nelse:\n    import j\nfinally:\n    import k\n"
    )
    got = imports(text)
    assert [i.module for i in got] == list("abcdefghijk")
    row = text[: text.index("import c")].count("\n")
    col = split_lines(text)[row].index("import c") + len("import ")
    assert got[2].span == Span(row, col, row, col + 1)
    assert not any(i.guarded for i in got)


def test_dynamic_imports_with_literal_strings():
    text = (
        "import importlib\n"
        "m = importlib.import_module('yaml')\n"
        'n = __import__("os.path")\n'
        "o = importlib.import_module(name)\n"
        "p = importlib.import_module('.rel', 'pkg')\n"
        "try:\n    q = import_module('ujson')\nexcept ImportError:\n    q = None\n"
    )
    got = {i.module: i for i in imports(text)}
    assert set(got) == {"importlib", "yaml", "os.path", "ujson"}
    assert got["yaml"].span == span_of(text, "yaml")
    assert got["os.path"].span == span_of(text, "os.path")
    assert got["ujson"].guarded


def test_non_ascii_columns_are_code_points():
    text = "é = 'ü'; import numpy\nfrom ünïcode import x\n"
    got = imports(text)
    assert got[0].span == span_of(text, "numpy")
    assert got[1].module == "ünïcode"
    assert got[1].span == span_of(text, "ünïcode")


def test_bom_tabs_crlf_null_bytes():
    text = "\ufeffimport os\r\nif x:\r\n\timport sys\r\nimport a\x00b\r\n"
    got = imports(text)
    assert [i.module for i in got][:2] == ["os", "sys"]
    assert got[0].span == span_of(text, "os")
    assert got[1].span == span_of(text, "sys")


def test_cr_only_line_endings():
    text = "import os\rimport sys\r"
    got = imports(text)
    assert got[1].span == Span(1, 7, 1, 10)


def test_huge_line_and_no_imports():
    assert imports("x = " + "1 + " * 50_000 + "1\n") == []
    assert imports("") == []


def test_syntax_error_file_still_yields_imports():
    path = FIXTURES / "broken.py"
    doc = read_document(path)
    text = path.read_text()
    got = {i.module: i for i in doc.imports}
    assert {"os", "typing", "json", "ujson", "collections", "sys"} <= set(got)
    assert got["ujson"].guarded  # the try block parsed on its own keeps its context
    assert got["json"].span == span_of(text, "json")
    assert got["collections"].span == span_of(text, "collections")
    assert got["sys"].span == span_of(text, "sys")
    assert doc.problems == []  # syntax errors in user code are not our business


def test_broken_import_statement_yields_nothing():
    text = "def f(:\n    import json, \nfrom import x\n"
    assert imports(text) == []  # the statements themselves are broken


# --- notebooks -----------------------------------------------------------------------


def test_notebook_cells_and_magics():
    path = FIXTURES / "notebook.ipynb"
    doc = read_document(path)
    assert doc.kind is Kind.NOTEBOOK
    data = json.loads(path.read_text())
    assert doc.cells is not None and len(doc.cells) == len(data["cells"])
    assert doc.cells[0] == [] and doc.cells[4] == []  # markdown and raw cells
    got = [(i.module, i.span.cell, i.span.line) for i in doc.imports]
    assert got == [
        ("numpy", 1, 2),
        ("sklearn.linear_model", 1, 3),
        ("tensorflow", 2, 1),
        ("cv2", 5, 1),
        ("PIL.Image", 5, 6),
    ]
    by = {i.module: i for i in doc.imports}
    cell1 = "".join(data["cells"][1]["source"])
    assert by["sklearn.linear_model"].span == span_of(cell1, "sklearn.linear_model", cell=1)
    assert by["cv2"].guarded
    assert doc.line_text(by["numpy"].span) == "import numpy as np"
    assert doc.problems == []


def test_notebook_source_as_string_and_nbformat3():
    nb4 = {"cells": [{"cell_type": "code", "source": "x = 1\nimport torch"}]}
    doc = parse_notebook(Path("a.ipynb"), json.dumps(nb4))
    assert [(i.module, i.span) for i in doc.imports] == [("torch", Span(1, 7, 1, 12, 0))]
    nb3 = {"worksheets": [{"cells": [{"cell_type": "code", "input": ["import jax\n"]}]}]}
    doc = parse_notebook(Path("b.ipynb"), json.dumps(nb3))
    assert [i.module for i in doc.imports] == ["jax"]


def test_invalid_notebook_json_is_a_problem_on_its_line():
    path = FIXTURES / "invalid.ipynb"
    text = path.read_text()
    doc = parse_notebook(path, text)
    assert doc.imports == []
    (problem,) = doc.problems
    assert problem.code == "LE001"
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        assert problem.span.line == exc.lineno - 1
    assert problem.span.line == 3


@pytest.mark.parametrize("text", ["[]", "{}", '{"cells": 3}', "null", '"x"'])
def test_json_that_is_not_a_notebook(text: str):
    doc = parse_notebook(Path("x.ipynb"), text)
    assert doc.imports == [] and len(doc.problems) == 1


def test_notebook_with_odd_cells():
    nb = {"cells": [1, {"cell_type": "code", "source": [1, "import os"]}, {"cell_type": "code"}]}
    doc = parse_notebook(Path("x.ipynb"), json.dumps(nb))
    assert [i.module for i in doc.imports] == ["os"]
    assert doc.cells == [[], ["import os"], [""]]


# --- survival ------------------------------------------------------------------------


def _inside(span: Span, rows: list[str]) -> bool:
    if not (0 <= span.line <= span.end_line < len(rows)):
        return False
    return 0 <= span.col <= len(rows[span.line]) and 0 <= span.end_col <= len(rows[span.end_line])


_code_like = st.lists(
    st.sampled_from(
        [
            "import os",
            "from . import x",
            "from a.b import (c,",
            "try:",
            "except ImportError:",
            "if TYPE_CHECKING:",
            "    import numpy as np",
            "\timport é",
            "def f(:",
            '"""',
            "\\",
            "x = __import__('json')",
            "",
            "\x00",
            "\ufeff",
        ]
    ),
    max_size=12,
).map(lambda rows: "\n".join(rows))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.one_of(st.text(max_size=300), _code_like))
def test_parse_python_never_raises_and_spans_are_inside(text: str):
    doc = parse_python(Path("x.py"), text)
    for imp in doc.imports:
        assert _inside(imp.span, doc.lines), (imp, doc.lines)


_cells = st.lists(
    st.fixed_dictionaries(
        {
            "cell_type": st.sampled_from(["code", "markdown", "raw"]),
            "source": st.one_of(st.text(max_size=80), _code_like, st.lists(st.text(max_size=20))),
        }
    ),
    max_size=5,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.one_of(st.text(max_size=200), _cells.map(lambda c: json.dumps({"cells": c}))))
def test_parse_notebook_never_raises_and_spans_are_inside(text: str):
    doc = parse_notebook(Path("x.ipynb"), text)
    for imp in doc.imports:
        assert doc.cells is not None and imp.span.cell is not None
        assert _inside(imp.span, doc.cells[imp.span.cell]), imp
    for problem in doc.problems:
        assert _inside(problem.span, doc.lines) or problem.span.line == 0


@pytest.mark.skipif(sys.version_info < (3, 11), reason="stdlib corpus path layout")
def test_stdlib_corpus_sample_parses():
    """Real code: every import the walker finds has a span that shows its module."""
    import os

    folder = Path(os.__file__).parent
    for path in sorted(folder.glob("*.py"))[:80]:
        doc = read_document(path)
        for imp in doc.imports:
            if imp.level == 0 and imp.span.line == imp.span.end_line:
                shown = doc.line_text(imp.span)[imp.span.col : imp.span.end_col]
                if not shown.startswith(("'", '"')):
                    assert shown.replace(" ", "") == imp.module, (path, imp, shown)


def test_fast_path_agrees_with_the_ast_walk_on_real_code():
    """The line-based fast path must give exactly what the full ``ast`` walk gives, on
    valid files it accepts (a sample of the standard library: real, varied code)."""
    import ast
    import os

    from lint_env.sources.imports import _ast_imports, _fast_eligible, _fast_imports, _Text

    folder = Path(os.__file__).parent
    paths = sorted(folder.rglob("*.py"))[::7][:400]
    compared = 0
    for path in paths:
        text = read_document(path).text
        try:
            ast.parse(text)
        except (SyntaxError, ValueError):
            continue
        lines = split_lines(text)
        fast = _fast_imports(_Text(text, lines, None)) if _fast_eligible(text) else None
        if fast is None:
            continue
        assert fast == _ast_imports(_Text(text, lines, None)), path
        compared += 1
    assert compared > 100


@pytest.mark.parametrize(
    "text",
    [
        'x = """\nimport inside_string\n"""\nimport real\n',
        "s = 'a' \\\n    'b'\nimport real\n",
        "# import commented\nimport real\n",
        "def f():\n    x = (\n1)\n    import real\n",
        "try:\n    pass\nfinally:\n    import real\n",
        "if a:\n    pass\nelif TYPE_CHECKING:\n    import real\n",
        "try:\n    import real\nexcept (\n    ValueError,\n    ImportError,\n):\n    pass\n",
        "try:\n    import real\nexcept* ImportError:\n    pass\n",
        "from a import (b,  # c (\n    d)\nimport real\n",
        "raise X \\\n    from e\nimport real\n",
        "import os\n@dec\ndef f():\n    try:\n        m = import_module('real')\n"
        "    except ImportError:\n        pass\n",
        "x = __import__('real')\nclass C:\n    import os\n",
        "def f():\n    '''import_module('inside_string')'''\n    import real\n",
    ],
)
def test_fast_path_cases_agree_with_ast(text: str):
    from lint_env.sources.imports import _ast_imports, _fast_eligible, _fast_imports, _Text

    assert _fast_eligible(text)
    lines = split_lines(text)
    fast = _fast_imports(_Text(text, lines, None))
    assert fast is not None
    assert fast == _ast_imports(_Text(text, lines, None))
    assert "real" in [i.module for i in fast]
    assert "inside_string" not in [i.module for i in fast]


_valid_like = st.lists(
    st.sampled_from(
        [
            "import os",
            "import a.b as c, d",
            "from . import x",
            "from ..pkg import (y,",
            "    z)",
            "try:",
            "except ImportError:",
            "except (ValueError, KeyError):",
            "else:",
            "finally:",
            "if TYPE_CHECKING:",
            "if typing.TYPE_CHECKING:",
            "def f():",
            "class C:",
            "@dec",
            "    import numpy as np",
            "    from scipy import linalg",
            "        import deep",
            "    pass",
            "pass",
            "x = '''",
            "import in_string",
            "'''",
            'y = "import not_this"  # import nor_this',
            "m = import_module('dyn')",
            "    n = __import__('dyn2')",
            "",
        ]
    ),
    max_size=14,
).map(lambda rows: "\n".join(rows) + "\n")


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(_valid_like)
def test_fast_path_agrees_with_ast_on_generated_code(text: str):
    import ast

    from lint_env.sources.imports import _ast_imports, _fast_eligible, _fast_imports, _Text

    try:
        ast.parse(text)
    except SyntaxError:
        return  # only valid code has one right answer
    if not _fast_eligible(text):
        return
    lines = split_lines(text)
    fast = _fast_imports(_Text(text, lines, None))
    if fast is not None:
        assert fast == _ast_imports(_Text(text, lines, None))


def test_one_liner_search_agrees_with_its_regex():
    """``_has_one_liner`` (substring search) says what ``_ONE_LINER_RX`` says."""
    from hypothesis import example, given, settings
    from hypothesis import strategies as st
    from lint_env.sources.imports import _ONE_LINER_RX, _has_one_liner

    parts = ["import", "from", ":", ";", " ", "\t", "\n", "x", "_", "é", "1", ".", "#", "if x"]

    @settings(max_examples=500, deadline=None, database=None)
    @given(st.lists(st.sampled_from(parts), max_size=14).map("".join))
    @example("if x: import os")
    @example("a;from")
    @example("x:\t importlib")
    @example("x: fromé")
    def run(text):
        assert _has_one_liner(text) is (_ONE_LINER_RX.search(text) is not None)

    run()
