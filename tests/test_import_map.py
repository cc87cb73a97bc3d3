"""Import name <-> distribution mapping, the standard library, and the project's own modules."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from lint_env import import_map
from lint_env.import_map import (
    canonical,
    declared_covers,
    distributions_for,
    imports_for,
    is_local,
    is_stdlib,
    local_modules,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DATA = Path(import_map.__file__).parent / "data" / "import_names.toml"


@pytest.mark.parametrize(
    ("module", "dist"),
    [
        ("absl", "absl-py"),
        ("sklearn", "scikit-learn"),
        ("PIL", "pillow"),
        ("cv2", "opencv-python"),
        ("cv2", "opencv-python-headless"),
        ("cv2", "opencv-contrib-python"),
        ("cv2", "opencv-contrib-python-headless"),
        ("tensorflow", "tensorflow-macos"),
        ("tensorflow", "tensorflow-cpu"),
        ("tensorflow", "tensorflow-aarch64"),
        ("tf_keras", "tf-keras"),
        ("yaml", "pyyaml"),
        ("google.protobuf", "protobuf"),
        ("bs4", "beautifulsoup4"),
        ("dateutil", "python-dateutil"),
        ("jwt", "pyjwt"),
        ("skimage", "scikit-image"),
        ("attr", "attrs"),
        ("OpenSSL", "pyopenssl"),
        ("Crypto", "pycryptodome"),
        ("serial", "pyserial"),
        ("dotenv", "python-dotenv"),
        ("magic", "python-magic"),
        ("jax", "jax"),
        ("jaxlib", "jaxlib"),
        ("torch", "torch"),
    ],
)
def test_distributions_for_known_names(module: str, dist: str):
    assert dist in distributions_for(module)
    assert declared_covers(module, {dist})
    assert declared_covers(module + ".sub.module", {dist})


def test_first_distribution_is_the_one_to_suggest():
    assert distributions_for("cv2")[0] == "opencv-python"
    assert distributions_for("tensorflow")[0] == "tensorflow"
    assert distributions_for("sklearn") == ("scikit-learn",)


def test_namespace_packages_use_the_longest_prefix():
    assert distributions_for("google.protobuf.message") == ("protobuf",)
    assert distributions_for("google.cloud.storage.blob") == ("google-cloud-storage",)
    assert not declared_covers("google.protobuf", {"google-cloud-storage"})


def test_default_rule_both_ways():
    assert distributions_for("some_pkg") == ("some-pkg",)
    assert imports_for("Some.Pkg") == ("some_pkg",)
    assert declared_covers("typing_extensions", {"typing-extensions"})
    assert declared_covers("My_Pkg.sub", {"my-pkg"})


def test_reverse_mapping():
    assert imports_for("scikit-learn") == ("sklearn",)
    assert imports_for("absl_py") == ("absl",)
    assert set(imports_for("attrs")) == {"attr", "attrs"}
    assert imports_for("opencv-python-headless") == ("cv2",)


def test_not_covered():
    assert not declared_covers("sklearn", {"numpy"})
    assert not declared_covers("numpy", set())
    assert not declared_covers("", {"numpy"})
    assert not declared_covers("tensorflow", {"tensorflow-metal"})  # a plugin, no module


def test_stdlib():
    for name in ("os", "os.path", "json", "asyncio", "__future__", "tomllib", "distutils", "imp"):
        assert is_stdlib(name), name
    for name in ("numpy", "yaml", "tensorflow", ""):
        assert not is_stdlib(name), name
    assert all(is_stdlib(n) for n in sys.stdlib_module_names)


def test_table_is_well_formed():
    table = tomllib.loads(DATA.read_text(encoding="utf-8"))["imports"]
    assert len(table) >= 300
    for module, dists in table.items():
        assert all(part.isidentifier() for part in module.split(".")), module
        # [] marks a module no distribution provides (google.colab: Colab's runtime)
        assert isinstance(dists, list), module
        assert all(isinstance(d, str) and d == canonical(d) for d in dists), module
        assert len(set(dists)) == len(dists), module


def _touch(path: Path, text: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_local_modules_layouts(tmp_path: Path):
    _touch(tmp_path / "train.py")
    _touch(tmp_path / "mypkg" / "__init__.py")
    _touch(tmp_path / "nsdir" / "tool.py")  # namespace package
    _touch(tmp_path / "src" / "srcpkg" / "__init__.py")
    _touch(tmp_path / "data" / "table.csv")  # not Python: not a module
    _touch(tmp_path / "ext.cpython-311-darwin.so")
    _touch(tmp_path / ".venv" / "lib.py")
    _touch(tmp_path / "node_modules" / "x.py")
    _touch(tmp_path / "my-scripts" / "a.py")  # not an identifier
    import_map.clear_caches()
    assert local_modules(tmp_path) == {"train", "mypkg", "nsdir", "srcpkg", "ext"}


def test_is_local_sibling_and_parents(tmp_path: Path):
    _touch(tmp_path / "pkg" / "__init__.py")
    _touch(tmp_path / "scripts" / "run.py", "import helpers\n")
    _touch(tmp_path / "scripts" / "helpers.py")
    _touch(tmp_path / "scripts" / "deep" / "job.py", "import helpers\n")
    import_map.clear_caches()
    assert is_local("pkg.sub", tmp_path)
    assert is_local("", tmp_path)  # a bare relative import
    assert not is_local("helpers", tmp_path)
    assert is_local("helpers", tmp_path, tmp_path / "scripts" / "run.py")
    assert is_local("helpers", tmp_path, tmp_path / "scripts" / "deep" / "job.py")
    assert not is_local("numpy", tmp_path, tmp_path / "scripts" / "run.py")


def test_local_modules_is_cached_until_cleared(tmp_path: Path):
    import_map.clear_caches()
    assert local_modules(tmp_path) == frozenset()
    _touch(tmp_path / "late.py")
    assert local_modules(tmp_path) == frozenset()
    import_map.clear_caches()
    assert local_modules(tmp_path) == {"late"}


def test_end_to_end_no_false_undeclared_imports(tmp_path: Path):
    """Mapping quality through the whole check: differing names, the standard library,
    the project's own packages and sibling modules are never reported as undeclared."""
    from lint_env.api import Project
    from lint_env.config import Config

    (tmp_path / "requirements.txt").write_text(
        "absl-py\nscikit-learn\npillow\nopencv-python\ntensorflow-macos\ntf-keras\nprotobuf\n"
    )
    _touch(tmp_path / "src" / "myproj" / "__init__.py")
    _touch(tmp_path / "src" / "myproj" / "model.py", "from . import utils\n")
    _touch(tmp_path / "scripts" / "helpers.py")
    script = (
        "import os, json, tomllib\n"
        "from absl import flags\n"
        "import sklearn.linear_model\n"
        "from PIL import Image\n"
        "import cv2\n"
        "import tensorflow as tf\n"
        "import tf_keras\n"
        "from google.protobuf import message\n"
        "import myproj.model\n"
        "import helpers\n"
        "import not_declared_anywhere\n"
        "import yaml\n"
    )
    _touch(tmp_path / "scripts" / "train.py", script)
    import_map.clear_caches()
    result = Project(tmp_path).check()
    assert [f for f in result.findings if f.code.startswith("IM")] == []
    # Opted in, the generic rule reports only what a known distribution provides:
    # `yaml` (PyYAML), never a name no distribution is known to publish.
    config = Config(extend_select=("IM101",))
    result = Project(tmp_path, config).check()
    undeclared = [f for f in result.findings if f.code == "IM101"]
    assert [(f.path.name, f.span.line) for f in undeclared] == [("train.py", 11)]
    assert "'yaml'" in undeclared[0].message and "pyyaml" in undeclared[0].message
