"""Notebook documents (LSP 3.17 notebook sync) -> the .ipynb JSON text the core parses.

The core reports notebook spans with ``Span.cell`` = the index among *all* cells of
the notebook and a line inside that cell; the server maps that index back to the
cell's document URI.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from lsprotocol import types

PYTHON_LANGUAGES = {"python", "python3", "ipython", ""}


def notebook_json(
    cells: Sequence[types.NotebookCell],
    cell_text: Callable[[str], tuple[str, str]],
    metadata: Any = None,
) -> str:
    """The notebook as nbformat-4 JSON. ``cell_text(uri)`` -> (text, language id).

    Code cells in another language (``%%sql`` cells shown as SQL, R cells) become raw
    cells so their text is not read as Python; indices stay the same.
    """
    out = []
    for cell in cells:
        text, language = cell_text(cell.document)
        if cell.kind == types.NotebookCellKind.Markup:
            cell_type = "markdown"
        elif language.lower() in PYTHON_LANGUAGES:
            cell_type = "code"
        else:
            cell_type = "raw"
        item: dict[str, Any] = {"cell_type": cell_type, "metadata": {}, "source": text}
        if cell_type == "code":
            item["execution_count"] = None
            item["outputs"] = []
        out.append(item)
    meta = metadata if isinstance(metadata, dict) else {}
    return json.dumps({"cells": out, "metadata": meta, "nbformat": 4, "nbformat_minor": 5})
