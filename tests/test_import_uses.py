"""Which imports use a dotted module prefix (the import-kind rules' matching), and that
the import's line is read only where the answer depends on it."""

from __future__ import annotations

import pytest
from lint_env.checks.imports import _uses
from lint_env.model import Import, Span


def _imp(module: str) -> Import:
    return Import(module, Span(0, 0, 0, len(module)), 0, False, False)


@pytest.mark.parametrize(
    ("module", "line", "prefix", "expected"),
    [
        ("tensorflow.keras", "import tensorflow.keras", "tensorflow.keras", True),
        (
            "tensorflow.keras.layers",
            "from tensorflow.keras.layers import X",
            "tensorflow.keras",
            True,
        ),
        ("tensorflow", "from tensorflow import keras", "tensorflow.keras", True),
        ("tensorflow", "from tensorflow import data, keras as k", "tensorflow.keras", True),
        ("tensorflow", "from tensorflow import kerasish", "tensorflow.keras", False),
        ("tensorflow", "import tensorflow", "tensorflow.keras", False),
        ("tensorflowx", "import tensorflowx", "tensorflow", False),
        ("keras", "import keras", "tensorflow.keras", False),
    ],
)
def test_uses(module: str, line: str, prefix: str, expected: bool):
    assert _uses(_imp(module), line, prefix) is expected
    asked: list[int] = []
    lazy = lambda: asked.append(1) or line  # noqa: E731
    assert _uses(_imp(module), lazy, prefix) is expected
    # the line matters only for a `from` of the prefix's parent
    assert bool(asked) is (module == prefix.rpartition(".")[0])
