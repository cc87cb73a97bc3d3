"""Import rules on small projects: what is undeclared (IM001, opt-in IM101), what
really shadows (IM002, IM005, IM006, by Python's sys.path rules), and project-level
facts said once (IM004)."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli
from lint_env.api import Project
from lint_env.config import Config


def _check(root: Path, **config) -> list:
    return Project(root, Config(**config)).check([root]).findings


def _codes(findings, prefix: str = "IM") -> list[tuple[str, str, int]]:
    return sorted((f.code, f.path.name, f.span.line) for f in findings if f.code.startswith(prefix))


# --- IM001: the ML stack, once per project and distribution ----------------------


def test_undeclared_ml_import_is_said_once_with_the_other_places_related(project):
    root = project(
        {
            "requirements.txt": "numpy==1.26.4\n",
            "a_train.py": "import torch\nimport torch.nn as nn\n",
            "b_eval.py": "import torch\n",
            "c_notes.py": "from torch import optim\n",
        }
    )
    found = [f for f in _check(root) if f.code == "IM001"]
    assert len(found) == 1
    (f,) = found
    assert (f.path.name, f.span.line) == ("a_train.py", 0)  # the first place, path order
    assert "'torch'" in f.message and "3 files" in f.message
    assert "cannot check its version for macOS arm64" in f.message
    related = sorted((r.path.name, r.span.line) for r in f.related)
    assert related == [("a_train.py", 1), ("b_eval.py", 0), ("c_notes.py", 0)]


def test_generic_imports_are_not_im001_and_im101_is_opt_in(project):
    root = project(
        {
            "requirements.txt": "torch==2.5.1\n",
            "train.py": "import torch\nimport yaml\nimport tqdm\nimport setuptools\n"
            "import pkg_resources\nimport mlir\nimport bazel_tools\n",
        }
    )
    assert _codes(_check(root)) == []
    # Selected by code, IM101 reports what a known distribution provides, and never the
    # build backend or a module no distribution is known to publish.
    found = [f for f in _check(root, extend_select=("IM101",)) if f.code == "IM101"]
    assert sorted(f.span.line for f in found) == [1, 2]
    assert any("pyyaml" in f.message for f in found)
    assert not any("setuptools" in f.message or "mlir" in f.message for f in found)
    # ALL and the bare family do not turn an opt-in rule on.
    assert not [f for f in _check(root, select=("ALL",)) if f.code == "IM101"]
    assert not [f for f in _check(root, extend_select=("IM",)) if f.code == "IM101"]


def test_nothing_first_party_is_undeclared(project):
    root = project(
        {
            "pyproject.toml": '[project]\nname = "mylib"\ndependencies = ["numpy"]\n',
            "src/mylib/__init__.py": "",
            "src/mylib/core.py": "import mylib.helpers\nfrom mylib import core\n",
            "nsproj/part.py": "x = 1\n",  # a namespace package (no __init__.py)
            "scripts/run.py": "import helpers_here\nimport nsproj.part\nimport mylib\n",
            "scripts/helpers_here.py": "",
            "tools/torch_utils/__init__.py": "",
            "tests/test_x.py": "import mylib\nimport torch_utils\n",
        }
    )
    assert _codes(_check(root, extend_select=("IM101",))) == []


def test_brought_transitive_and_conda_names_count_as_declared(project):
    root = project(
        {
            "environment.yml": "name: x\nchannels: [conda-forge]\ndependencies:\n"
            "  - pytorch\n  - py-opencv\n  - tensorflow-gpu\n  - scikit-learn\n",
            "train.py": "import torch\nimport cv2\nimport tensorflow\nimport sklearn\n"
            "import numpy\nimport scipy\nimport keras\n",
        }
    )
    # numpy/scipy come with scikit-learn, keras with TensorFlow.
    assert _codes(_check(root)) == []


def test_declarations_serve_their_own_folder(project):
    root = project(
        {
            "requirements.txt": "numpy\n",
            "docs/requirements.txt": "matplotlib\n",
            "docs/conf.py": "import matplotlib\n",
            "examples/a/requirements.txt": "torch\n",
            "examples/a/run.py": "import torch\n",
            "examples/b/run.py": "import torch\nimport matplotlib\n",
            "requirements/dev.txt": "pandas\n",  # a folder without code serves the root
            "src/x.py": "import pandas\n",
        }
    )
    found = [f for f in _check(root) if f.code == "IM001"]
    # torch and matplotlib in examples/b/, whose folders declare neither
    assert [f.path.relative_to(root).as_posix() for f in found] == ["examples/b/run.py"] * 2
    msgs = " ".join(f.message for f in found)
    assert "'torch'" in msgs and "'matplotlib'" in msgs and "pandas" not in msgs


def test_requirements_folders_nest_and_their_readme_is_no_requirements_file(project):
    """The layout of PyTorch Lightning: requirements/pytorch/*.txt (names without
    "requirements", next to a helper script) serve the whole project, and a README.txt
    in requirements/ is documentation, not a requirements file."""
    root = project(
        {
            "pyproject.toml": "[project]\nname = 'x'\nversion = '1'\ndependencies = ['numpy']\n",
            "requirements/README.txt": "Pins per extra.\nRun pip install -r base.txt to set up.\n",
            "requirements/pytorch/examples.txt": "torchvision >=0.16.0, <0.26.0\n",
            "requirements/pytorch/test.txt": "scikit-learn >0.22.1\n",
            "requirements/pytorch/check-extras.py": "import sklearn\n",
            "examples/train.py": "import numpy, torchvision, sklearn\n",
        }
    )
    found = _check(root)
    assert [f for f in found if f.code in ("IM001", "LE001")] == []
    checked = Project(root, Config()).check([root]).files
    names = {p.relative_to(root).as_posix() for p in checked}
    assert "requirements/pytorch/examples.txt" in names
    assert "requirements/README.txt" not in names


def test_setup_py_and_setup_cfg_are_read_statically(project):
    root = project(
        {
            "setup.py": "import os\nBASE = ['torch>=2']\n"
            "setup(name='x', install_requires=BASE + ['jax'],\n"
            "      extras_require={'cv': ['opencv-python']},\n"
            "      tests_require=open('test-reqs.txt').read().splitlines())\n"
            "os.system('touch executed')\n",
            "test-reqs.txt": "pandas\n",
            "setup.cfg": "[options]\ninstall_requires =\n    scipy\n"
            "[options.extras_require]\nviz = matplotlib\n",
            "train.py": "import torch, jax, cv2, pandas, scipy, matplotlib\n",
        }
    )
    assert _codes(_check(root)) == []
    assert not (root / "executed").exists()


def test_optional_and_lazy_imports_of_a_library_are_not_undeclared(project):
    root = project(
        {
            "pyproject.toml": '[project]\nname = "lib"\ndependencies = ["mpmath"]\n',
            "lib/__init__.py": "",
            "lib/printing.py": "def to_torch():\n    import torch\n    return torch\n"
            "np = import_module('numpy')\n",
            "lib/tests/fixture-data/out.py": "import tensorflow\n",
            "lib/opt.py": "try:\n    import jax\nexcept ImportError:\n    jax = None\n",
        }
    )
    assert _codes(_check(root)) == []


def test_nothing_is_reported_when_nothing_is_declared(project):
    root = project({"train.py": "import torch\n"})
    assert _codes(_check(root)) == []


def test_vcs_and_direct_references_declare_their_project(project):
    root = project(
        {
            "requirements.txt": "-e git+https://github.com/CompVis/taming-transformers.git"
            "@master#egg=taming-transformers\ngit+https://github.com/openai/CLIP.git\n"
            "invisible-watermark\nabsl-py\n",
            "run.py": "import taming.models\nimport clip\nimport imwatermark\nfrom absl import app\n",
        }
    )
    assert _codes(_check(root, extend_select=("IM101",))) == []


# --- IM002 / IM005 / IM006: Python's real sys.path rules -------------------------


def test_package_modules_do_not_shadow(project):
    root = project(
        {
            "requirements.txt": "numpy\njax\n",
            "jax/__init__.py": "",
            "jax/_src/__init__.py": "",
            "jax/_src/numpy/__init__.py": "",
            "jax/_src/x.py": "import numpy\nimport random\n",
            "jax/_src/random.py": "",
            "conftest.py": "import jax\n",  # the project's own package at its root
            "pyproject.toml": '[project]\nname = "jax"\n',
        }
    )
    assert _codes(_check(root)) == []


def test_sibling_module_next_to_a_script_shadows(project):
    root = project(
        {
            "requirements.txt": "keras==3.5.0\ntorch\n",
            "a.py": "import keras\n",
            "b.py": "import keras\n",
            "keras.py": "# helpers\n",
            "torch/__init__.py": "",
            "c.py": "import torch\n",
            "nsdir/tensorflow/x.py": "",  # a namespace folder: the installed one wins
            "nsdir/run.py": "import tensorflow\n",
        }
    )
    found = [f for f in _check(root) if f.code == "IM002"]
    assert sorted((f.path.name, f.span.line) for f in found) == [("a.py", 0), ("c.py", 0)]
    keras = next(f for f in found if "keras" in f.message)
    assert {(r.path.name, r.span.line) for r in keras.related} == {("keras.py", 0), ("b.py", 0)}


def test_script_named_like_what_it_imports(project):
    root = project(
        {
            "requirements.txt": "tensorflow==2.16.2\n",
            "tensorflow.py": "import tensorflow as tf\n",
            "random.py": "import random\n",
            "pkg/__init__.py": "",
            "pkg/tensorflow.py": "import tensorflow\n",  # a package module: absolute import
        }
    )
    found = _codes(_check(root), "IM005")
    assert found == [("IM005", "random.py", 0), ("IM005", "tensorflow.py", 0)]


def test_stdlib_named_file_next_to_a_script_of_the_ml_stack(project):
    root = project(
        {
            "requirements.txt": "tensorflow==2.16.2\nnumpy\n",
            "train.py": "import tensorflow as tf\n",
            "eval.py": "import tensorflow\n",
            "code.py": "print('mine')\n",
            "email.py": "",
            "other/run.py": "import numpy\n",
            "other/email.py": "",  # numpy does not load email
            "pkg/__init__.py": "",
            "pkg/random.py": "",
            "pkg/model.py": "import tensorflow\n",
        }
    )
    found = [f for f in _check(root) if f.code == "IM006"]
    assert sorted(f.message.split()[1] for f in found) == ["code.py", "email.py"]
    assert all(f.path.name == "eval.py" for f in found)  # the first script, path order
    assert all("whatsnew" not in f.message for f in found)


# --- IM004 and merging ------------------------------------------------------------


def test_project_fact_once_and_same_line_merges_into_the_specific_rule(project):
    root = project(
        {
            "requirements.txt": "numpy\n",
            "a.py": "import theano\n",
            "b.py": "import theano.tensor as T\n",
        }
    )
    found = _codes(_check(root))
    assert found == [("IM004", "a.py", 0)]  # theano's IM001 gives way to IM004
    (f,) = [f for f in _check(root) if f.code == "IM004"]
    assert [(r.path.name, r.span.line) for r in f.related] == [("b.py", 0)]
    # On Linux, IM004 does not apply: the undeclared import is said instead.
    linux = _codes(_check(root, targets=("linux-x86_64",)))
    assert linux == [("IM001", "a.py", 0)]


def test_cli_reports_project_findings_on_the_files_it_checks(project):
    root = project(
        {
            "requirements.txt": "numpy\n",
            "a.py": "import torch\n",
            "b.py": "import torch\n",
        }
    )
    whole = run_cli("check", ".", "--no-color", cwd=root)
    assert whole.stdout.count("IM001") == 1 and "a.py:1:8: IM001" in whole.stdout
    only_b = run_cli("check", "b.py", "--no-color", cwd=root)
    assert "b.py:1:8: IM001" in only_b.stdout


# --- discovery and the project model's files -------------------------------------


def test_dependency_files_people_keep_are_found(project):
    from lint_env.discovery import discover

    root = project(
        {
            "build/test-requirements.txt": "pytest\n",
            "build/lib/x.py": "",  # build output: not walked
            "docs/requirements.txt": "sphinx\n",
            "reqs/base.pip": "numpy\n",
            "requirements/dev.in": "ruff\n",
            "dev-requirements.txt": "black\n",
            "install/torch-conda.yml": "name: t\ndependencies:\n  - pytorch\n",
            "envs/metal.yaml": "channels:\n  - apple\ndependencies:\n  - tensorflow-deps\n",
            "requirements.yaml": "dependencies:\n  - numpy\n",
            ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    steps:\n      - run: x\n",
            "config.yaml": "lr: 0.1\n",
        }
    )
    found = {p.relative_to(root).as_posix() for p in discover([root], root).files}
    assert found == {
        "build/test-requirements.txt",
        "docs/requirements.txt",
        "reqs/base.pip",
        "requirements/dev.in",
        "dev-requirements.txt",
        "install/torch-conda.yml",
        "envs/metal.yaml",
        "requirements.yaml",
    }


def test_utf16_files_are_read_and_conda_is_told_it_cannot(project):
    text = (
        "name: t\nchannels:\n  - conda-forge\ndependencies:\n  - cudatoolkit=11.8\n  - tensorflow\n"
    )
    root = project(
        {
            "environment.yml": b"\xff\xfe" + text.encode("utf-16-le"),
            "requirements.txt": b"\xff\xfe" + "torch==2.5.1+cu121\n".encode("utf-16-le"),
            "train.py": "import tensorflow\nimport torch\n",
        }
    )
    findings = _check(root)
    by_file = {(f.path.name, f.code) for f in findings}
    assert ("environment.yml", "LE007") in by_file
    assert ("environment.yml", "CU004") in by_file  # the rest is checked as usual
    assert ("requirements.txt", "CU002") in by_file  # pip reads UTF-16: no LE007 there
    assert ("requirements.txt", "LE007") not in by_file
    assert not [f for f in findings if f.code in ("LE004", "IM001")]


def test_cli_says_when_there_is_no_dependency_file(project):
    root = project({"a.py": "import torch\n", "b.ipynb": '{"cells": []}'})
    r = run_cli("check", ".", "--no-color", cwd=root)
    assert r.returncode == 0
    assert "no requirements, environment or pyproject file found; checked 2 code files" in r.stdout
    assert "All checks passed" not in r.stdout
    (root / "requirements.txt").write_text("torch\n")
    assert "All checks passed" in run_cli("check", ".", cwd=root).stdout


# --- notebook install cells (issue 10 item 7) ------------------------------------


def _notebook(*cells: str) -> str:
    import json

    return json.dumps(
        {"cells": [{"cell_type": "code", "source": c, "metadata": {}} for c in cells]}
    )


def test_notebook_install_cells_are_requirement_lines_with_exact_spans(project):
    cell0 = "!pip install -q tensorflow-gpu==2.4.1 'keras>=2.4' > /dev/null 2>&1"
    cell1 = "import tensorflow as tf\n%conda install -c apple tensorflow-deps=2.9.0"
    root = project({"nb.ipynb": _notebook(cell0, cell1)})
    project_ = Project(root, Config())
    doc = project_.document(root / "nb.ipynb")
    got = [(d.name, d.specifier, d.source, d.channel, d.span.cell) for d in doc.dependencies]
    assert got == [
        ("tensorflow-gpu", "==2.4.1", "pip", None, 0),
        ("keras", ">=2.4", "pip", None, 0),
        ("tensorflow-deps", "==2.9.0.*", "conda", "apple", 1),
    ]
    rows = {0: cell0.splitlines(), 1: cell1.splitlines()}
    written = [
        rows[d.span.cell][d.span.line][d.span.col : d.span.end_col] for d in doc.dependencies
    ]
    assert written == ["tensorflow-gpu==2.4.1", "keras>=2.4", "tensorflow-deps=2.9.0"]
    findings = project_.check([root]).findings
    # the dependency rules run on them: tensorflow-gpu has no macOS build (TF005) …
    tf005 = [f for f in findings if f.code == "TF005"]
    assert [(f.span.cell, f.span.line, f.span.col) for f in tf005] == [(0, 0, 16)]
    # … and they declare what the notebook imports: no IM001 for tensorflow
    assert not [f for f in findings if f.code == "IM001"]


def test_project_facts_are_not_said_about_the_project_itself_or_twice(project):
    own = project(
        {
            "setup.py": "setup(name='Theano', install_requires=['numpy'])\n",
            "theano/__init__.py": "",
            "bin/theano_cache.py": "import theano\n",
        }
    )
    assert _codes(_check(own)) == []


def test_theano_declared_is_said_at_the_declaration_only(project):
    root = project({"requirements.txt": "Theano>=0.8.2\n", "docs/conf.py": "import theano\n"})
    assert {f.code for f in _check(root)} == {"KR011"}


def test_files_named_for_another_platform_are_not_checked_for_this_one(project):
    root = project(
        {
            "requirements-jax-cuda.txt": "jax[cuda12]\ntensorflow-cpu\n",
            "requirements-tpu.txt": "tensorflow-cpu\n",
            "requirements.txt": "tensorflow-cpu\n",
            "train.py": "import jax\n",
        }
    )
    assert {f.path.name for f in _check(root)} == {"requirements.txt"}
    assert not [f for f in _check(root) if f.code == "IM001"]  # still declarations


def test_a_plain_file_beside_one_for_the_mac_is_the_one_for_other_platforms(project):
    """The layout of text-generation-webui: requirements.txt (NVIDIA) beside
    requirements_apple_silicon.txt. The plain file is not judged for macOS, unless the
    Mac file includes it; on Linux it still is."""
    files = {
        "requirements.txt": "tensorflow-cpu\n",
        "requirements_apple_silicon.txt": "tensorflow==2.16.2\n",
        "environment.yml": "dependencies:\n  - cudatoolkit=11.8\n",
        "environment-mac.yml": "dependencies:\n  - numpy\n",
    }
    root = project(files)
    assert {f.path.name for f in _check(root)} == set()
    linux = {f.path.name for f in _check(root, targets=("linux-x86_64",))}
    assert "environment.yml" not in linux  # cudatoolkit installs on Linux
    root = project({**files, "requirements_apple_silicon.txt": "-r requirements.txt\n"})
    assert {f.path.name for f in _check(root)} == {"requirements.txt"}  # TF001 for macOS


def test_imports_on_one_path_of_a_script_are_optional(project):
    root = project(
        {
            "requirements.txt": "numpy\n",
            "run.py": "def main(plot):\n    import torch\n    if plot:\n"
            "        import matplotlib.pyplot as plt\n",
        }
    )
    # torch runs on every call of main(): reported; matplotlib only when plotting.
    assert [f.message.split()[0] for f in _check(root) if f.code == "IM001"] == ["'torch'"]


def test_notebook_python_is_its_kernel_version(project):
    import json

    nb = {
        "metadata": {"language_info": {"name": "python", "version": "3.9.7"}},
        "cells": [{"cell_type": "code", "source": "!pip install torch==1.8.1", "metadata": {}}],
    }
    root = project(
        {"nb.ipynb": json.dumps(nb), "environment.yml": "dependencies:\n  - python=3.7\n"}
    )
    doc = Project(root, Config()).document(root / "nb.ipynb")
    assert doc.python is not None and doc.python[0] == "==3.9.*"
    wh = [f for f in _check(root) if f.code == "WH001" and f.path.name == "nb.ipynb"]
    assert len(wh) == 1 and "Python 3.9" in wh[0].message


def test_availability_guards_and_sys_path_edits_are_understood(project):
    root = project(
        {
            "requirements.txt": "numpy\n",
            "train.py": "from utils import is_wandb_available\n"
            "if is_wandb_available():\n    import wandb\n",
            "bench/run.py": "import sys\nsys.path.append('..')\nimport messages.m1\n",
            "tools/messages/m1.py": "",
            "colab.ipynb": _notebook("from google.colab import drive\nimport IPython\n"),
        }
    )
    assert _codes(_check(root, extend_select=("IM101",))) == []


def test_transitive_requirements_come_from_the_wheels_metadata():
    from lint_env.import_map import with_brought

    # tiktoken 0.14.0 requires regex; seaborn requires pandas, which requires numpy.
    assert "regex" in with_brought({"tiktoken"})
    assert {"pandas", "numpy", "matplotlib"} <= with_brought({"seaborn"})
    assert "torch" not in with_brought({"numpy"})


def test_an_end_of_life_kernel_python_is_not_the_notebooks_python(project):
    import json

    nb = {
        "metadata": {"language_info": {"name": "python", "version": "3.7.10"}},
        "cells": [{"cell_type": "code", "source": "!pip install pillow", "metadata": {}}],
    }
    root = project({"nb.ipynb": json.dumps(nb)})
    assert Project(root, Config()).document(root / "nb.ipynb").python is None


def test_editor_checks_see_the_project_finding_at_its_first_place_only(project):
    """The language server checks one file at a time (check_file); the project-level
    finding sits at the first importing file and follows the open buffers."""
    root = project({"requirements.txt": "numpy\n", "a.py": "x = 1\n", "b.py": "import torch\n"})
    p = Project(root, Config())
    assert [f.code for f in p.check_file(root / "b.py")] == ["IM001"]
    p.set_overlay(root / "a.py", "import torch.nn\n")  # an unsaved edit in a.py
    assert [f.code for f in p.check_file(root / "a.py")] == ["IM001"]
    assert p.check_file(root / "b.py") == []
    (f,) = p.check_file(root / "a.py")
    assert [(r.path.name, r.span.line) for r in f.related] == [("b.py", 0)]
    p.set_overlay(root / "requirements.txt", "numpy\ntorch\n")  # declared in the editor
    assert p.check_file(root / "a.py") == []


def test_setup_py_reads_requirement_files_only_inside_its_folder(project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "reqs.txt").write_text("torch\n")
    root = project(
        {
            "setup.py": f"setup(install_requires=open({str(outside / 'reqs.txt')!r}).read()"
            ".splitlines(), tests_require=open('../reqs.txt').readlines())\n",
            "requirements.txt": "numpy\n",
            "train.py": "import torch\n",
        }
    )
    (root.parent / "reqs.txt").write_text("torch\n")
    assert _codes(_check(root)) == [("IM001", "train.py", 0)]


def test_a_lockfile_declares_what_it_locks(project):
    lock = (
        'version = 1\nrequires-python = ">=3.11"\n\n[[package]]\nname = "torch"\n'
        'version = "2.5.1"\nsource = { registry = "https://example.org/simple" }\n'
    )
    root = project({"uv.lock": lock, "requirements.txt": "numpy\n", "train.py": "import torch\n"})
    assert _codes(_check(root)) == []


def test_a_fact_about_a_package_is_said_once_per_project(project):
    """AD004 (tensorflow-addons reached end of life) is a fact about the package, not
    about a line: one finding at the first dependency file (path order), the other
    declarations as related locations; a notebook cell only when no dependency file
    declares it. (ageron/handson-ml2 declared it in three places: three findings.)"""
    import json

    from conftest import run_cli

    nb = {
        "cells": [
            {"cell_type": "code", "metadata": {}, "outputs": [],
             "source": "%pip install tensorflow-addons\n"},
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }  # fmt: skip
    root = project(
        {
            "environment.yml": "name: x\ndependencies:\n  - python=3.10\n  - pip\n"
            "  - pip:\n    - tensorflow-addons==0.23.0\n",
            "requirements.txt": "tensorflow-addons~=0.14.0\n",
            "nlp.ipynb": json.dumps(nb),
        }
    )
    out = json.loads(run_cli("check", root, "--format", "json").stdout)
    ad = [f for f in out if f["code"] == "AD004"]
    assert [(Path(f["path"]).name, f["line"]) for f in ad] == [("environment.yml", 6)]
    assert sorted(Path(r["path"]).name for r in ad[0]["related"]) == ["requirements.txt"]
    # each file checked on its own (as an editor does) agrees
    for name in ("requirements.txt", "nlp.ipynb"):
        alone = json.loads(run_cli("check", root / name, "--format", "json").stdout)
        assert "AD004" not in {f["code"] for f in alone}, name
    # with no dependency file declaring it, the notebook says it itself
    (root / "environment.yml").unlink()
    (root / "requirements.txt").unlink()
    out = json.loads(run_cli("check", root, "--format", "json").stdout)
    assert [Path(f["path"]).name for f in out if f["code"] == "AD004"] == ["nlp.ipynb"]


def test_what_a_folder_shares_is_worked_out_per_folder_and_per_declaration(project):
    """The engine keeps per run what every code file of a folder shares (its targets,
    the declarations serving it, whether a rule's `when` holds for them): two folders
    declaring different TensorFlows get different answers, and an edit of the
    declarations in a long-lived engine (the editor's) changes the answer."""
    root = project(
        {
            "new/requirements.txt": "tensorflow==2.16.1\n",
            "new/train.py": "from keras.engine import topology\n",
            "new/eval.py": "from keras.engine import topology\n",
            "old/requirements.txt": "tensorflow==2.15.1\n",
            "old/train.py": "from keras.engine import topology\n",
        }
    )
    found = _check(root)
    assert sorted((f.path.parent.name, f.path.name) for f in found if f.code == "KR005") == [
        ("new", "eval.py"),
        ("new", "train.py"),
    ]
    live = Project(root, Config())
    code = root / "new" / "train.py"
    assert [f.code for f in live.check_file(code)].count("KR005") == 1
    live.set_overlay(root / "new" / "requirements.txt", "tensorflow==2.15.1\n")
    assert "KR005" not in [f.code for f in live.check_file(code)]
    live.set_overlay(root / "new" / "requirements.txt", "tensorflow==2.16.1\n")
    assert [f.code for f in live.check_file(code)].count("KR005") == 1
