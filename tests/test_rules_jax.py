"""JX004 on real-shaped files (issue 10 item 11): jax-metal next to a missing, unpinned or
open-ended jax resolves jax past what the plugin supports (jax-metal 0.1.1 declares only
jax>=0.4.34; jax 0.5.1+ fails, jax-ml/jax#27062). Any dependency list counts:
requirements, pyproject, conda `pip:` sections, notebook install cells."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_tree
from lint_env.api import Project
from lint_env.config import Config
from lint_env.model import Dependency, Document, Kind, Span


def _jx(tmp_path: Path, files: dict[str, str], python="3.11"):
    write_tree(tmp_path, files)
    project = Project(tmp_path, Config(targets=("macos-arm64",), python=python))
    return [f for f in project.check([tmp_path]).findings if f.code.startswith("JX")]


# Apple's instructions write `pip install jax-metal` and nothing else
APPLE_STYLE = "# JAX on the Metal GPU (developer.apple.com/metal/jax)\njax-metal\nnumpy\n"


def test_jax_metal_alone_names_the_jax_pip_installs_and_the_pair_that_works(tmp_path):
    (f,) = _jx(tmp_path, {"requirements.txt": APPLE_STYLE})
    assert f.code == "JX004" and f.span.line == 1
    assert "jax-metal 0.1.1 with jax (not declared): pip installs jax 0.10.2" in f.message
    assert "pin jax==0.5.0 and jaxlib==0.5.0" in f.message


def test_python_3_12_gets_the_newer_jax_in_the_message(tmp_path):
    (f,) = _jx(tmp_path, {"requirements.txt": APPLE_STYLE}, python="3.12")
    # jax 0.11+ needs Python 3.12; pip then takes the newest
    assert "pip installs jax 0.12.0.1" in f.message


@pytest.mark.parametrize("jax_line", ["jax", "jax>=0.4.34", "jax[cpu]>=0.4.26"])
def test_open_jax_is_a_warning_with_a_pin_fix(tmp_path, jax_line):
    (f,) = _jx(tmp_path, {"requirements.txt": f"{jax_line}\njax-metal\n"})
    assert f.code == "JX004" and f.severity.value == "warning" and f.span.line == 0
    assert [fix.description for fix in f.fixes] == ["Pin jax==0.5.0"]


def test_working_pins_are_clean(tmp_path):
    text = "jax==0.5.0\njaxlib==0.5.0\njax-metal==0.1.1\n"
    assert _jx(tmp_path, {"requirements.txt": text}) == []


def test_conda_pip_section(tmp_path):
    env = (
        "name: jax-metal\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n"
        "  - pip\n  - pip:\n    - jax-metal\n"
    )
    (f,) = _jx(tmp_path, {"environment.yml": env})
    assert f.code == "JX004" and f.span.line == 7


def test_pyproject(tmp_path):
    text = '[project]\nname = "x"\nversion = "1"\ndependencies = ["jax>=0.4.30", "jax-metal"]\n'
    (f,) = _jx(tmp_path, {"pyproject.toml": text})
    assert f.code == "JX004"


def test_notebook_install_cell_dependencies(tmp_path):
    # The notebook parser's install-cell dependencies are another helper's work; the rule
    # must judge whatever dependency list a notebook document carries (spans in cell 2).
    nb = tmp_path / "metal.ipynb"
    nb.write_text("{}", encoding="utf-8")
    project = Project(tmp_path, Config(targets=("macos-arm64",), python="3.11"))
    cell = ["!pip install jax-metal"]
    dep = Dependency(
        name="jax-metal",
        span=Span.on_line(0, 13, 22, cell=2),
        name_span=Span.on_line(0, 13, 22, cell=2),
        raw="jax-metal",
    )
    doc = Document(nb.resolve(), Kind.NOTEBOOK, "{}", dependencies=[dep], cells=[[], [], cell])
    found = [f for f in project.engine.check_document(doc) if f.code.startswith("JX")]
    assert [(f.code, f.span.cell) for f in found] == [("JX004", 2)]
