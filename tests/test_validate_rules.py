"""rules/runtime.toml against the code that fills its messages."""

from __future__ import annotations

import json
import re

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import pytest
from lint_env.model import Severity
from lint_env.paths import rules_dir
from lint_env.probe.validate import findings_from_report, rule_texts

RULES = tomllib.loads((rules_dir() / "runtime.toml").read_text(encoding="utf-8"))["rules"]
BAD = [(r["code"], ex) for r in RULES for ex in r["examples"] if ex["expect"] == "bad"]


def test_codes_are_runtime_and_unique() -> None:
    codes = [r["code"] for r in RULES]
    assert len(codes) == len(set(codes)) and all(re.fullmatch(r"RT\d{3}", c) for c in codes)
    assert all(r["kind"] == "runtime" for r in RULES)
    assert set(rule_texts()) == set(codes)


@pytest.mark.parametrize(("code", "example"), BAD, ids=[c for c, _ in BAD])
def test_bad_example_message_is_fully_filled(code: str, example: dict) -> None:
    found = [f for f in findings_from_report(json.loads(example["text"])) if f.code == code]
    assert found, f"{code}: its bad example does not fire"
    for f in found:
        assert "{" not in f.message and "?" not in f.message.replace("?)", ""), f.message
        assert f.name == next(r["name"] for r in RULES if r["code"] == code)
        assert isinstance(f.severity, Severity)


def test_unparseable_report_is_one_finding() -> None:
    found = findings_from_report("{not json")
    assert [f.code for f in found] == ["RT014"]
    assert findings_from_report({}) == []  # an empty excerpt: nothing to judge


def test_wrong_tag_with_good_binaries_is_only_a_warning() -> None:
    """grpcio's universal2 wheels carried an x86_64 Tag: the binary decides."""
    data = {
        "interpreter": {"os": "macos", "arch": "arm64"},
        "distributions": [
            {
                "name": "grpcio",
                "version": "1.62.0",
                "foreign_tags": ["cp311-cp311-macosx_10_10_x86_64"],
            }
        ],
        "binaries": {
            "foreign": [],
            "by_dist": {"grpcio": {"files": 1, "archs": ["arm64", "x86_64"]}},
        },
    }
    (f,) = findings_from_report(data)
    assert f.code == "RT002" and f.severity is Severity.WARNING
    assert "the tag may be wrong" in f.message


@pytest.mark.parametrize(
    ("tf", "keras", "tf_keras", "legacy", "fires"),
    [
        ("2.15.1", "2.15.0", None, None, False),
        ("2.13.1", "2.13.1", None, None, False),
        ("2.15.1", "3.3.3", None, None, True),
        ("2.14.1", "2.15.0", None, None, True),
        ("2.16.2", "3.6.0", None, None, False),
        ("2.16.2", "2.15.0", None, None, True),
        ("2.16.2", "3.6.0", None, "1", True),  # legacy flag without tf-keras
        ("2.16.2", "3.6.0", "2.16.0", "1", False),
        ("2.17.1", "3.6.0", "2.16.0", "True", True),  # tf-keras of another minor
        ("2.5.0", "2.4.3", None, None, False),  # before the coupling this rule knows
    ],
)
def test_keras_pairing(tf: str, keras: str, tf_keras: str | None, legacy, fires: bool) -> None:
    versions = {"tensorflow": tf, "keras": keras}
    if tf_keras:
        versions["tf-keras"] = tf_keras
    data = {
        "versions": versions,
        "keras_config": {"tf_use_legacy_keras": legacy},
        "tensorflow": {"present": True, "version": tf},
    }
    assert any(f.code == "RT009" for f in findings_from_report(data)) is fires


@pytest.mark.parametrize(
    ("keras", "env", "json_backend", "installed", "fires"),
    [
        ("3.3.3", "jax", None, {"jax": "0.4.30", "jaxlib": "0.4.30"}, False),
        ("3.3.3", "jax", None, {"jax": "0.4.30"}, True),  # no jaxlib
        ("3.3.3", "openvino", None, {"openvino": "2024.4"}, True),  # openvino needs 3.8
        ("3.8.0", "openvino", None, {"openvino": "2024.4"}, False),
        ("3.3.3", None, "theano", {}, True),
        ("3.3.3", "torch", "theano", {"torch": "2.4.0"}, False),  # the env var wins
        ("2.15.0", "theano", None, {}, False),  # Keras 2.4-2.15 ignore it
    ],
)
def test_keras_backend(keras, env, json_backend, installed, fires) -> None:
    data = {
        "versions": {"keras": keras, "tensorflow": "2.16.2", **installed},
        "keras_config": {"backend_env": env, "keras_json_backend": json_backend},
    }
    assert any(f.code == "RT010" for f in findings_from_report(data)) is fires
