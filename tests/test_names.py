"""lint_env.names.canonicalize_name gives what packaging.utils.canonicalize_name gives.

(tests/version_logic_cases.py compares them again under every supported packaging
release; here: the installed one, every ASCII character, and generated text.)"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lint_env.names import canonicalize_name
from packaging.utils import canonicalize_name as packaging_canonicalize_name


def test_examples():
    assert canonicalize_name("Django") == "django"
    assert canonicalize_name("oslo.concurrency") == "oslo-concurrency"
    assert canonicalize_name("A__b..C-_.-d") == "a-b-c-d"
    assert canonicalize_name("tensorflow_metal") == "tensorflow-metal"


def test_every_ascii_character_in_every_position():
    chars = [chr(c) for c in range(128)]
    for c in chars:
        for name in (c, c * 3, f"a{c}b", f"{c}-{c}", f"X{c}.{c}_Y"):
            assert canonicalize_name(name) == packaging_canonicalize_name(name), repr(name)


def test_non_ascii_names_go_to_packaging():
    # packaging's releases disagree here (23.2: "ß-σ", 26: "ß-ς"); the installed one decides
    for name in ("ß.Σ", "İstanbul", "Ǆ_x", "ﬀ.Ⅻ"):
        assert canonicalize_name(name) == packaging_canonicalize_name(name), name


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZ09-_.é Σß\t"), max_size=12) | st.text(max_size=12))
def test_generated_names(name):
    assert canonicalize_name(name) == packaging_canonicalize_name(name)
