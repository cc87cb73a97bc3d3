"""Version logic that must not depend on the installed `packaging` release.

Not collected by pytest directly (no test_ prefix): tests/test_version_logic.py runs
this file in a fresh interpreter once per packaging release (the oldest pyproject.toml
allows, 25.x, 26.0 where `contains()` changed, the newest), with that release first
on sys.path. Run by hand: `python tests/version_logic_cases.py` prints the packaging
version and one line per failed case; the exit status is the number of failures.

The index is a made-up one (tests/fixtures/prerelease/index, package `delta`):
finals 1.0.0 and 1.1.0 (macOS arm64 cp311 wheels), 1.2.0 (Linux wheels only),
pre-releases 1.1.0rc0, 2.0.0rc0 and 2.0.0rc1 (macOS arm64 cp311 wheels).
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
INDEX = HERE / "fixtures" / "prerelease" / "index"


def _use_fixture_index() -> None:
    from lint_env import resolve, snapshot

    snapshot.index_dir = lambda: INDEX
    snapshot.load_package.cache_clear()
    snapshot.snapshot_packages.cache_clear()
    resolve.clear_caches()


def _admitted(spec: str, constraints=(), target="macos-arm64") -> list[str]:
    from lint_env.resolve import admitted
    from lint_env.target import Target

    found = admitted("delta", spec, Target(target, "3.11"), constraints)
    assert found is not None
    return [str(v) for v in found]


def case_open_range_takes_finals_only():
    # packaging 26 with prereleases=None would admit 2.0.0rc1 here
    assert _admitted(">=1.0") == ["1.0.0", "1.1.0", "1.2.0"]
    assert _admitted("") == ["1.0.0", "1.1.0", "1.2.0"]


def case_specifier_naming_a_prerelease_admits_them():
    assert _admitted(">=2.0.0rc0") == ["2.0.0rc0", "2.0.0rc1"]
    assert _admitted("==2.0.0rc1") == ["2.0.0rc1"]
    assert _admitted(">=1.1.0rc0") == ["1.1.0rc0", "1.1.0", "1.2.0", "2.0.0rc0", "2.0.0rc1"]


def case_no_final_matches_falls_back_to_prereleases():
    # pip installs 2.0.0rc1 for `delta>=1.5` when no final release matches
    assert _admitted(">=1.5") == ["2.0.0rc0", "2.0.0rc1"]
    # ... and when no matching final has a file for the target (1.2.0 is Linux-only)
    assert _admitted(">=1.2") == ["1.2.0", "2.0.0rc0", "2.0.0rc1"]
    assert _admitted(">=1.2", target="linux-x86_64") == ["1.2.0"]
    assert _admitted(">=2") == []  # 2.0.0rc0 < 2.0.0: not in the range at all


def case_not_equal_to_a_prerelease_names_none():
    assert _admitted(">=1.0,!=2.0.0rc0") == ["1.0.0", "1.1.0", "1.2.0"]


def case_constraints_take_part():
    assert _admitted(">=1.0", ["<1.1"]) == ["1.0.0"]
    assert _admitted(">=1.0", ["<1.2"]) == ["1.0.0", "1.1.0"]
    # the constraint names the pre-release: it is allowed
    assert _admitted(">=1.0", [">=2.0.0rc1"]) == ["2.0.0rc1"]


def case_in_range_is_membership():
    from lint_env.resolve import in_range
    from packaging.version import Version

    assert in_range(">=2.15,<2.17", Version("2.16.0rc0"))
    assert not in_range("<2.17", Version("2.17.0rc0"))  # PEP 440: `<V` excludes V's pre-releases
    assert in_range(">=1.0", "2.22.0rc0")
    assert not in_range("not a specifier", "1.0")


def case_pick_is_the_newest_final_with_a_file():
    from lint_env.resolve import file_kind
    from lint_env.target import Target
    from packaging.version import Version

    t = Target("macos-arm64", "3.11")
    versions = [Version(v) for v in _admitted(">=1")]
    pick = next(v for v in reversed(versions) if file_kind("delta", v, t) is not None)
    assert pick == Version("1.1.0")


def case_hover_lists_finals():
    from lint_env.hover import versions_known_to_work
    from lint_env.target import Target

    t = Target("macos-arm64", "3.11")
    assert versions_known_to_work("delta", ">=1.0", t) == ["1.1.0", "1.0.0"]
    assert versions_known_to_work("delta", ">=1.5", t) == ["2.0.0rc1", "2.0.0rc0"]
    assert versions_known_to_work("delta", "", t) == ["1.1.0", "1.0.0"]


def case_python_windows():
    from lint_env.resolve import lowest_python

    assert lowest_python(">=3.9") == "3.9"
    assert lowest_python(">=3.10,<3.12") == "3.10"
    assert lowest_python("3.11.*") == "3.11"


# --- readings lint-env does without packaging (its import is slow) -------------------

_NAME_BITS = ["a", "Z", "tf", "0", "9", ".", "_", "-", "--", "x1", "é", " "]
_OPS = ["==", "!=", "<=", ">=", "~=", "<", ">", "===", "=", "=>", "~", "!", " == "]
_VERSION_BITS = [
    "0",
    "1",
    "2",
    "10",
    "007",
    "9" * 16,
    "9" * 17,
    ".",
    ".*",
    "a1",
    "rc1",
    ".post1",
    ".dev0",
    "+local",
    "v",
    "1!",
    "-",
    " ",
]
_TAILS = [
    "",
    "",
    "",
    ",",
    ", ",
    " ",
    ";",
    "; python_version<'3.12'",
    "[x]",
    " @ file:///x",
    "(",
    ")",
    "\t",
]


def simple_requirement_samples(n: int = 4000, seed: int = 20261203) -> list[str]:
    """Strings in and near the subset `sources.requirements._simple` reads itself."""
    import random

    rnd = random.Random(seed)

    def version() -> str:
        if rnd.random() < 0.6:
            return ".".join(
                rnd.choice(["0", "1", "2", "10", "007", "9" * 16]) for _ in range(rnd.randint(1, 4))
            )
        return "".join(rnd.choice(_VERSION_BITS) for _ in range(rnd.randint(1, 4)))

    out = []
    for _ in range(n):
        name = "".join(
            rnd.choice(_NAME_BITS[:5] if rnd.random() < 0.5 else _NAME_BITS)
            for _ in range(rnd.randint(1, 4))
        )
        clauses = [
            rnd.choice(_OPS[:7] if rnd.random() < 0.8 else _OPS) + version()
            for _ in range(rnd.choice([0, 1, 1, 2, 2, 3]))
        ]
        text = name + ",".join(clauses)
        if rnd.random() < 0.3:
            text += rnd.choice(_TAILS)
        out.append(text)
    return out


def simple_reading_differs(req: str) -> str | None:
    """None when lint-env's own reading of ``req`` (or its refusal to read it) agrees
    with the installed packaging's Requirement, else what differs."""
    from lint_env.sources.requirements import _normal_spec, _simple
    from packaging.requirements import Requirement

    got = _simple(req)
    if got is None:
        return None  # packaging reads it
    try:
        parsed = Requirement(req)
    except Exception as exc:
        return f"{req!r}: read as {got}, but packaging rejects it: {exc}"
    name, spec = got
    clauses = spec.split(",") if spec else []
    if parsed.name != name:
        return f"{req!r}: name {name!r}, packaging {parsed.name!r}"
    if parsed.extras or parsed.url is not None or parsed.marker is not None:
        return f"{req!r}: packaging finds extras, a URL or a marker"
    if len(parsed.specifier) != len(clauses):
        return f"{req!r}: {len(clauses)} clauses, packaging {len(parsed.specifier)}"
    if sorted(str(c) for c in parsed.specifier) != sorted(clauses):
        return f"{req!r}: clauses {clauses}, packaging {sorted(map(str, parsed.specifier))}"
    if _normal_spec(spec, parsed) != spec:
        return f"{req!r}: specifier {spec!r}, packaging's reading {_normal_spec(spec, parsed)!r}"
    return None


def case_simple_requirements_read_as_packaging_reads_them():
    from lint_env.sources.requirements import _simple

    samples = simple_requirement_samples()
    read = [s for s in samples if _simple(s) is not None]
    assert len(read) > 500, len(read)  # the generator reaches the subset often
    assert len(read) < len(samples) - 1000  # ... and strays out of it often
    bad = [d for d in map(simple_reading_differs, samples) if d]
    assert not bad, bad[:5]


def case_canonical_names_as_packaging_makes_them():
    from lint_env.names import canonicalize_name as ours
    from packaging.utils import canonicalize_name

    # "ß.Σ": packaging 23.2 replaces first ("ß-σ"), 26 lower-cases first ("ß.ς" -> "ß-ς")
    names = ["Django", "oslo.concurrency", "A__b..C--d", "-x-", "_", "", "İstanbul", "ß.Σ"]
    names += [s.split("=")[0] for s in simple_requirement_samples(500)]
    for name in names:
        assert ours(name) == canonicalize_name(name), name


def main() -> int:
    import packaging

    print(f"packaging {packaging.__version__} from {Path(packaging.__file__).parent}")
    _use_fixture_index()
    failures = 0
    for name, fn in sorted(globals().items()):
        if name.startswith("case_") and callable(fn):
            try:
                fn()
            except Exception:
                failures += 1
                print(f"FAIL {name}\n{traceback.format_exc()}")
    print(f"{failures} failed")
    return failures


if __name__ == "__main__":
    sys.exit(main())
