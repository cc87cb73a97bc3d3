"""Fuzzing in the suite: every front (requirements, conda, pyproject, notebook, .py)
parsed and checked by the engine on generated texts never crashes, never needs the
internal-error guard, and gives spans inside the text. Bounded: ~100 examples a
front. ``benchmarks/fuzz.py`` runs the same checker on many more."""

from __future__ import annotations

import random

import pytest
from fuzzing import FRAGMENTS, FRONTS, NEWLINES, check_input, make_engine, random_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

BOUNDED = settings(
    max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), database=None
)


def texts(front: str) -> st.SearchStrategy[str]:
    piece = st.one_of(st.sampled_from(FRAGMENTS[front]), st.text(max_size=4))
    line = st.lists(piece, max_size=6).map("".join)
    return st.lists(st.tuples(line, st.sampled_from(NEWLINES)), max_size=10).map(
        lambda rows: "".join(a + b for a, b in rows)
    )


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return make_engine(tmp_path_factory.mktemp("fuzz"))


@pytest.mark.parametrize("front", FRONTS)
def test_front_never_crashes_and_spans_stay_inside(engine, front):
    @BOUNDED
    @given(texts(front))
    def run(text):
        assert check_input(engine, front, text) == []

    run()


@pytest.mark.parametrize("front", FRONTS)
def test_random_generator_of_the_benchmark_finds_nothing(engine, front):
    rng = random.Random(f"lint-env-{front}")
    for _ in range(60):
        text = random_text(front, rng)
        assert check_input(engine, front, text) == [], repr(text)
