"""Fuzzing shared by the test suite (hypothesis, bounded) and ``benchmarks/fuzz.py``
(N random inputs per front): texts built from each front's own fragments, and one
checker that parses and checks a text and says what went wrong.

Wrong is: an exception out of the parser or the engine (a crash), an LE008 finding
(an internal error the guard caught), or a span outside the text or reversed (a bad
span). Hangs are timed by the caller.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from lint_env.model import Document, Finding, Kind, Span

NEWLINES = ["\n", "\r\n", "\r"]

FRAGMENTS: dict[str, list[str]] = {
    "requirements": [
        "numpy",
        "tensorflow==2.12",
        "tensorflow-gpu==2.9",
        "nvidia-cudnn-cu11==9.1",
        "mkl",
        "h5py==3.1.0",
        "Tensor_Flow",
        "==",
        ">=1.21",
        "<2",
        ",",
        ";",
        " ",
        "\t",
        "\\",
        "#",
        " # c",
        "[extra]",
        "[",
        "]",
        "(",
        ")",
        "@",
        " @ ",
        "https://x.invalid/p.whl",
        "git+https://h/r.git",
        "#egg=pkg",
        "-r ",
        "-c ",
        "-r",
        "-c",
        "-e",
        "-i",
        "--editable",
        "--only-binary",
        ":all:",
        "--requirement",
        "--constraint=",
        "-e ",
        "-i ",
        "--pre",
        "--hash=sha256:ab",
        "--bogus",
        "${VAR}",
        "${",
        "./local",
        "file:",
        'python_version < "3.10"',
        "sys_platform == 'darwin'",
        "\ufeff",
        "'",
        '"',
        "=",
        "\x0b",
        "\x0c",
        "\x1c",
        "\u2028",
        "\x85",
    ],
    "conda": [
        "name: x",
        "channels:",
        "dependencies:",
        "variables:",
        "platforms:",
        "  - ",
        "- ",
        "    - ",
        "pip:",
        "  - pip:",
        "numpy",
        "cudatoolkit",
        "tensorflow-gpu==2.9",
        "nvidia-cudnn-cu11",
        "=1.21",
        "==1.0",
        ">=1,<2",
        "::",
        "conda-forge::",
        "=py39*",
        " 1.21.*",
        "python=3.9",
        "-r req.txt",
        "CONDA_SUBDIR: osx-arm64",
        "[",
        "]",
        "{",
        "}",
        ":",
        "'",
        '"',
        "#",
        "---",
        "&a",
        "*a",
        "!!str",
        "?",
        "|",
        ">-",
        ">",
        "\t",
        "[version='>=1']",
        "\\",
        "\\x41",
        "''",
        "\x0b",
        "\x85",
        "\u2028",
    ],
    "pyproject": [
        "[project]",
        "[tool.poetry.dependencies]",
        "[tool.poetry.group.dev.dependencies]",
        "[dependency-groups]",
        "[build-system]",
        "[[x]]",
        "dependencies = ",
        "requires = ",
        "requires-python = ",
        "optional-dependencies",
        "python = ",
        "numpy = ",
        "nvidia-cudnn-cu11 = ",
        '"numpy>=1"',
        "'scipy'",
        '"^1.2.3"',
        '"~1.2"',
        '"h5py==3.1.0 ; sys_platform == \\"darwin\\""',
        '"tensorflow-gpu==2.9"',
        "[",
        "]",
        "{",
        "}",
        ",",
        "=",
        '"""',
        "'''",
        "#",
        'version = "1.0"',
        "markers = ",
        "\"sys_platform == 'darwin'\"",
        "{include-group = 'a'}",
        '"\\u0061"',
        ".",
        '"a.b"',
        "\ufeff",
        "42",
        "true",
        "\\",
        "[tool.lint-env]",
        "lint-env = 5",
    ],
    "notebook": [
        '{"cells": [',
        "]}",
        '{"cell_type": "code", "source": ',
        '"import numpy\\n"',
        '["import x\\r\\n", "from y import z"]',
        '"%pip install tensorflow\\n"',
        '"%%bash\\nimport x"',
        "}",
        ",",
        '"nbformat": 4',
        '"worksheets": [{"cells": [',
        '"input": "import a"',
        "\r",
        "\n",
        '"\\r"',
        "null",
        "[",
        "{",
        '"',
        "\\u2028",
        '"markdown"',
        '"cell_type": "markdown"',
    ],
    "python": [
        "import ",
        "from ",
        " import ",
        "numpy",
        "os.path",
        "(",
        ")",
        ",",
        "\\",
        " as ",
        ".",
        "..",
        "try:",
        "except ImportError:",
        "if TYPE_CHECKING:",
        "    ",
        "\t",
        "#",
        "'",
        '"',
        '"""',
        "__import__('x')",
        "importlib.import_module('y')",
        ";",
        ":",
        "\x0b",
        "\x0c",
        "\x1c",
        "\r",
        "\ufeff",
        "\x00",
        "pass",
        "def f():",
        "else:",
    ],
}

FILES = {
    "requirements": ("requirements.txt", Kind.REQUIREMENTS),
    "conda": ("environment.yml", Kind.CONDA),
    "pyproject": ("pyproject.toml", Kind.PYPROJECT),
    "notebook": ("nb.ipynb", Kind.NOTEBOOK),
    "python": ("mod.py", Kind.PYTHON),
}
FRONTS = tuple(FILES)


# --- structured files: valid syntax around generated requirements ---------------------

NAMES = [
    "numpy",
    "tensorflow",
    "tensorflow-gpu",
    "Tensorflow_GPU",
    "nvidia-cudnn-cu11",
    "mkl",
    "h5py",
    "torch",
    "cudatoolkit",
    "jax",
    "keras",
    "scipy",
    "tensorflow-macos",
]
SPECS = ["", "==2.9", "==2.12", ">=1.0", "==3.1.0", "==9.1.0.70", "<2,>=1", " == 2.9", "~=1.4"]
MARKERS = [
    "",
    'sys_platform == "linux"',
    "sys_platform == 'darwin'",
    'python_version < "3.12"',
    "platform_machine != 'arm64' and os_name == \"posix\"",
]
COMMENTS = ["", "  # keep", " #x", "  # fix me: 'quoted' \"too\""]


def requirement(rng: random.Random) -> str:
    name = rng.choice(NAMES)
    if rng.random() < 0.2:
        name += "[gpu]"
    req = name + rng.choice(SPECS)
    marker = rng.choice(MARKERS)
    if marker:
        req += rng.choice([" ; ", ";", "; "]) + marker
    return req


def conda_spec(rng: random.Random) -> str:
    name = rng.choice(NAMES).lower().replace("_", "-")
    return name + rng.choice(["", "=2.9", "==1.0", ">=1.0", " 1.21.*", "=11.2=h1234_0"])


def _yaml_item(value: str, rng: random.Random, indent: str, nl: str) -> str:
    style = rng.choice(["plain", "plain", "double", "single", "folded", "literal"])
    if style == "double":
        body = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if rng.random() < 0.3:
            body = body.replace("a", "\\x61", 1)
    elif style == "single":
        body = "'" + value.replace("'", "''") + "'"
    elif style in ("folded", "literal"):
        return f"{indent}- {'>-' if style == 'folded' else '|'}{nl}{indent}    {value}{nl}"
    else:
        body = value
    return f"{indent}- {body}{rng.choice(COMMENTS)}{nl}"


def conda_file(rng: random.Random) -> str:
    nl = rng.choice(NEWLINES)
    out = ["name: x", "channels:", "  - conda-forge", "dependencies:"]
    text = nl.join(out) + nl
    for _ in range(rng.randint(0, 5)):
        text += _yaml_item(conda_spec(rng), rng, "  ", nl)
    if rng.random() < 0.7:
        text += f"  - pip:{nl}"
        for _ in range(rng.randint(1, 4)):
            req = requirement(rng)
            if "'" in req and rng.random() < 0.5:
                req = req.replace("'", '"')
            text += _yaml_item(req, rng, "    ", nl)
    return text


def _toml_string(value: str, rng: random.Random) -> str:
    style = rng.choice(["basic", "basic", "literal", "escaped", "multi"])
    if style == "literal" and "'" not in value:
        return f"'{value}'"
    if style == "multi" and '"' not in value:
        return f'"""{value}"""'
    body = value.replace("\\", "\\\\").replace('"', '\\"')
    if style == "escaped":
        body = body.replace("n", "\\u006e", 1)
    return f'"{body}"'


def pyproject_file(rng: random.Random) -> str:
    nl = rng.choice(["\n", "\r\n"])  # TOML has no bare \r line ending
    rows = ["[project]", 'name = "x"', 'version = "0"', "dependencies = ["]
    for _ in range(rng.randint(0, 5)):
        rows.append(f"  {_toml_string(requirement(rng), rng)},{rng.choice(COMMENTS)}")
    rows.append("]")
    if rng.random() < 0.6:
        rows.append("[tool.poetry.dependencies]")
        used = set()
        for _ in range(rng.randint(0, 4)):
            name = rng.choice(NAMES).lower().replace("_", "-")
            if name in used:
                continue
            used.add(name)
            version = rng.choice(["9.1.0.70", "^2.9", "2.12", "*", ">=1.0"])
            form = rng.choice(["string", "table", "table-marker"])
            if form == "string":
                rows.append(f"{name} = {_toml_string(version, rng)}")
            elif form == "table":
                rows.append(f"{name} = {{version = {_toml_string(version, rng)}}}")
            else:
                rows.append(
                    f'{name} = {{ version = "{version}", markers = "python_version >= \'3.9\'" }}'
                )
    return nl.join(rows) + nl


def requirements_file(rng: random.Random) -> str:
    nl = rng.choice(NEWLINES)
    rows = []
    # a file with any --hash is in pip's hash-checking mode and is never fixed: only some
    # files get hashes, so the fix properties are exercised on the others
    hashed = rng.random() < 0.2
    for _ in range(rng.randint(0, 6)):
        kind = rng.random()
        if kind < 0.7:
            rows.append(requirement(rng) + rng.choice(COMMENTS))
        elif kind < 0.8:
            rows.append(rng.choice(["# a comment", "", "--index-url https://x.invalid/simple"]))
        elif kind < 0.9 and hashed:
            rows.append(requirement(rng) + " \\" + nl + "    --hash=sha256:ab")
        else:
            rows.append(requirement(rng) + " \\" + nl + "  " + rng.choice(["", "# c"]))
    return nl.join(rows) + (nl if rng.random() < 0.8 else "")


PY_LINES = [
    "import numpy",
    "import numpy as np, os.path",
    "from tensorflow import keras",
    "from . import sibling",
    "from ..pkg import (a,\n    b)",
    "try:",
    "    import jax",
    "except ImportError:",
    "    jax = None",
    "if TYPE_CHECKING:",
    "    import torch",
    "import scipy \\\n    .linalg",
    "x = __import__('yaml')",
    "def f():",
    "    import mkl",
    "s = '''import fake",
    "'''",
    "# import commented",
    "\x0b",
    "\x0c",
    "\x1c",
    "%matplotlib inline",
    "!pip install tensorflow-gpu",
    "import",
    "from",
    "import keras;import tf_keras",
]


def python_file(rng: random.Random) -> str:
    nl = rng.choice(NEWLINES)
    rows = [rng.choice(PY_LINES) for _ in range(rng.randint(0, 8))]
    text = nl.join(rows) + (nl if rng.random() < 0.8 else "")
    return text.replace("\n", nl) if nl != "\n" else text


def notebook_file(rng: random.Random) -> str:
    cells = []
    for _ in range(rng.randint(0, 4)):
        src = python_file(rng) + rng.choice(["", "\n%pip install " + requirement(rng)])
        source = src if rng.random() < 0.5 else src.splitlines(keepends=True)
        cells.append({"cell_type": rng.choice(["code", "code", "markdown"]), "source": source})
    text = json.dumps({"cells": cells, "nbformat": 4}, indent=rng.choice([None, 1]))
    return text.replace("\n", rng.choice(NEWLINES)) if rng.random() < 0.3 else text


STRUCTURED = {
    "requirements": requirements_file,
    "conda": conda_file,
    "pyproject": pyproject_file,
    "notebook": notebook_file,
    "python": python_file,
}


def random_text(front: str, rng: random.Random) -> str:
    """Half the time a well-formed file of the front with generated requirements (now
    and then with a fragment inserted somewhere), else a soup of fragments and random
    characters."""
    if front in STRUCTURED and rng.random() < 0.5:
        text = STRUCTURED[front](rng)
        if text and rng.random() < 0.2:
            at = rng.randrange(len(text))
            text = text[:at] + rng.choice(FRAGMENTS[front]) + text[at:]
        return text
    pieces = FRAGMENTS[front]
    rows = []
    for _ in range(rng.randint(0, 10)):
        row = []
        for _ in range(rng.randint(0, 6)):
            if rng.random() < 0.15:
                row.append("".join(chr(rng.randint(0, 0x2FF)) for _ in range(rng.randint(1, 4))))
            else:
                row.append(rng.choice(pieces))
        rows.append("".join(row) + rng.choice(NEWLINES))
    return "".join(rows)


def _bad_span(span: Span, doc: Document) -> str | None:
    if span.cell is not None:
        if doc.cells is None or not 0 <= span.cell < len(doc.cells):
            return f"cell {span.cell} outside the notebook"
        rows = doc.cells[span.cell] or [""]
    else:
        rows = doc.lines
    if (span.line, span.col) > (span.end_line, span.end_col):
        return f"reversed span {span}"
    for line, col in ((span.line, span.col), (span.end_line, span.end_col)):
        if not 0 <= line < len(rows) or not 0 <= col <= len(rows[line]):
            return f"span {span} outside the text"
    return None


def spans_of(doc: Document, findings: list[Finding]) -> list[Span]:
    spans = [f.span for f in findings]
    spans += [e.span for f in findings for x in f.fixes for e in x.edits]
    for d in doc.dependencies:
        spans += [d.span, d.name_span] + ([d.specifier_span] if d.specifier_span else [])
    spans += [i.span for i in doc.includes] + [i.span for i in doc.imports]
    spans += [p.span for p in doc.problems] + [s.span for s in doc.settings]
    spans += [s for _, s in doc.channels]
    return spans


def check_input(engine, front: str, text: str) -> list[str]:
    """What is wrong with lint-env on this text: ``crash: ...`` / ``bad span: ...``."""
    name, _ = FILES[front]
    path = engine.root / name
    try:
        engine.set_overlay(path, text)
        doc = engine.document(path)
        findings = engine.check_file(path)
    except Exception as exc:
        return [f"crash: {type(exc).__name__}: {exc}"]
    finally:
        engine.set_overlay(path, None)
    out = [f"crash (caught): {f.message}" for f in findings if f.code == "LE008"]
    for span in spans_of(doc, findings):
        why = _bad_span(span, doc)
        if why:
            out.append(f"bad span: {why}")
            break
    return out


def make_engine(root: Path):
    from lint_env.config import Config
    from lint_env.engine import Engine

    return Engine(root, Config(root=root))
