"""pip requirements files: every edge case with exact spans.

Expected spans are computed from the test text with str.index, never by the parser.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import on
from lint_env.model import Include, Kind, Setting, Span
from lint_env.sources import read_document
from lint_env.sources.requirements import parse_requirements

FIXTURES = Path(__file__).parent / "fixtures" / "sources"


def parse(text: str):
    return parse_requirements(Path("requirements.txt"), text)


def only_dep(text: str):
    doc = parse(text)
    assert doc.problems == []
    assert len(doc.dependencies) == 1, doc.dependencies
    return doc.dependencies[0]


def test_document_basics():
    text = "numpy\n"
    doc = parse(text)
    assert doc.kind is Kind.REQUIREMENTS
    assert doc.text == text
    assert doc.lines == ["numpy", ""]


def test_simple_pin_spans_and_fix_by_specifier_span():
    text = "tensorflow-metal==1.1.0\n"
    dep = only_dep(text)
    assert dep.name == "tensorflow-metal"
    assert dep.specifier == "==1.1.0"
    assert dep.span == on(text, 0, "tensorflow-metal==1.1.0")
    assert dep.name_span == on(text, 0, "tensorflow-metal")
    assert dep.specifier_span == on(text, 0, "==1.1.0")
    assert dep.raw == "tensorflow-metal==1.1.0"
    assert dep.source == "pip"
    # A fix replaces the specifier span.
    s = dep.specifier_span
    row = text.splitlines()[0]
    assert row[: s.col] + "==1.2.0" + row[s.end_col :] == "tensorflow-metal==1.2.0"


def test_name_is_canonical_but_span_is_as_written():
    text = "Tensorflow_Metal>=1.0\n"
    dep = only_dep(text)
    assert dep.name == "tensorflow-metal"
    assert dep.name_span == on(text, 0, "Tensorflow_Metal")


def test_no_specifier_has_no_specifier_span():
    dep = only_dep("numpy\n")
    assert dep.specifier == ""
    assert dep.specifier_span is None


def test_comments_and_blank_lines():
    text = "# a comment\n\n   \nnumpy==1.21  # pinned for TF\n\t# indented comment\nscipy\n"
    doc = parse(text)
    assert doc.problems == []
    assert [d.name for d in doc.dependencies] == ["numpy", "scipy"]
    numpy = doc.dependencies[0]
    assert numpy.span == on(text, 3, "numpy==1.21")
    assert numpy.raw == "numpy==1.21"
    assert doc.dependencies[1].span == on(text, 5, "scipy")


def test_hash_sign_without_whitespace_is_not_a_comment():
    text = "git+https://example.invalid/repo.git#egg=mypkg\n"
    dep = only_dep(text)
    assert dep.name == "mypkg"
    assert dep.url == "git+https://example.invalid/repo.git#egg=mypkg"


def test_continuation_spans_cover_several_lines():
    text = "numpy \\\n    >=1.21\nscipy\n"
    doc = parse(text)
    assert doc.problems == []
    numpy, scipy = doc.dependencies
    assert numpy.name_span == on(text, 0, "numpy")
    assert numpy.specifier_span == on(text, 1, ">=1.21")
    assert numpy.span == Span(0, 0, 1, len("    >=1.21"))
    assert numpy.specifier == ">=1.21"
    assert scipy.span == on(text, 2, "scipy")


def test_continuation_ended_by_comment_line():
    text = "numpy \\\n# a comment line ends the continuation\nscipy\n"
    doc = parse(text)
    assert doc.problems == []
    assert [d.name for d in doc.dependencies] == ["numpy", "scipy"]
    assert doc.dependencies[0].span == on(text, 0, "numpy")
    assert doc.dependencies[1].span == on(text, 2, "scipy")


def test_continuation_at_end_of_file():
    text = "numpy==1.0 \\"
    dep = only_dep(text)
    assert dep.span == on(text, 0, "numpy==1.0")


@pytest.mark.parametrize(
    ("line", "target", "constraint"),
    [
        ("-r base.txt", "base.txt", False),
        ("--requirement base.txt", "base.txt", False),
        ("--requirement=base.txt", "base.txt", False),
        ("-rbase.txt", "base.txt", False),
        ("-c constraints.txt", "constraints.txt", True),
        ("--constraint constraints.txt", "constraints.txt", True),
        ("--constraint=constraints.txt", "constraints.txt", True),
        ("-r ../shared/reqs.txt  # comment", "../shared/reqs.txt", False),
    ],
)
def test_includes(line, target, constraint):
    text = f"numpy\n{line}\n"
    doc = parse(text)
    assert doc.problems == []
    assert doc.includes == [Include(target, on(text, 1, target), constraint)]
    assert [d.name for d in doc.dependencies] == ["numpy"]


def test_include_without_a_file_is_a_malformed_include():
    text = "-r\nnumpy\n--constraint\n"
    doc = parse(text)
    assert doc.includes == []
    assert [(p.code, p.span) for p in doc.problems] == [
        ("LE002", on(text, 0, "-r")),
        ("LE002", on(text, 2, "--constraint")),
    ]
    assert [d.name for d in doc.dependencies] == ["numpy"]


@pytest.mark.parametrize(
    ("line", "key", "value"),
    [
        (
            "--index-url https://example.invalid/simple",
            "--index-url",
            "https://example.invalid/simple",
        ),
        ("-i https://example.invalid/simple", "--index-url", "https://example.invalid/simple"),
        (
            "--extra-index-url=https://example.invalid/x",
            "--extra-index-url",
            "https://example.invalid/x",
        ),
        ("--find-links ./wheels", "--find-links", "./wheels"),
        ("-f ./wheels", "--find-links", "./wheels"),
        ("--only-binary :all:", "--only-binary", ":all:"),
        ("--only-binary=numpy,scipy", "--only-binary", "numpy,scipy"),
        ("--no-binary :none:", "--no-binary", ":none:"),
        ("--pre", "--pre", ""),
        ("--prefer-binary", "--prefer-binary", ""),
        ("--no-index", "--no-index", ""),
        ("--require-hashes", "--require-hashes", ""),
        ("--trusted-host example.invalid", "--trusted-host", "example.invalid"),
        ("--use-feature=truststore", "--use-feature", "truststore"),
    ],
)
def test_option_lines_become_settings(line, key, value):
    text = f"{line}\nnumpy\n"
    doc = parse(text)
    assert doc.problems == []
    assert doc.settings == [Setting(key, value, on(text, 0, line))]
    assert [d.name for d in doc.dependencies] == ["numpy"]


def test_several_options_on_one_line():
    text = "--pre --only-binary :all:\n"
    doc = parse(text)
    assert doc.problems == []
    assert doc.settings == [
        Setting("--pre", "", on(text, 0, "--pre")),
        Setting("--only-binary", ":all:", on(text, 0, "--only-binary :all:")),
    ]


def test_unknown_option_is_a_problem_and_the_file_is_still_read():
    text = "--frobnicate yes\nnumpy\n"
    doc = parse(text)
    assert [(p.code, p.span) for p in doc.problems] == [("LE001", on(text, 0, "--frobnicate"))]
    assert "--frobnicate" in doc.problems[0].message
    assert [d.name for d in doc.dependencies] == ["numpy"]


def test_per_requirement_hashes_with_continuations():
    text = (
        "numpy==1.26.4 \\\n"
        "    --hash=sha256:aaaa \\\n"
        "    --hash sha256:bbbb\n"
        "scipy==1.11.0 --hash=sha256:cccc\n"
    )
    doc = parse(text)
    assert doc.problems == []
    numpy, scipy = doc.dependencies
    assert numpy.span == on(text, 0, "numpy==1.26.4")
    assert numpy.specifier_span == on(text, 0, "==1.26.4")
    assert numpy.raw == "numpy==1.26.4"
    assert scipy.span == on(text, 3, "scipy==1.11.0")


def test_unknown_option_after_a_requirement_keeps_the_requirement():
    text = "numpy==1.0 --frob\n"
    doc = parse(text)
    assert [d.name for d in doc.dependencies] == ["numpy"]
    assert [p.span for p in doc.problems] == [on(text, 0, "--frob")]


def test_editable_vcs_with_egg():
    text = "-e git+https://example.invalid/org/My_Pkg.git@main#egg=My_Pkg\n"
    dep = only_dep(text)
    assert dep.editable is True
    assert dep.name == "my-pkg"
    assert dep.name_span == on(text, 0, "My_Pkg", nth=1)
    assert dep.url == "git+https://example.invalid/org/My_Pkg.git@main#egg=My_Pkg"
    assert dep.span == on(text, 0, dep.url)


def test_long_editable_option():
    text = "--editable=git+https://example.invalid/r.git#egg=foo\n"
    dep = only_dep(text)
    assert (dep.name, dep.editable) == ("foo", True)


def test_editable_path_without_name_is_a_setting():
    text = "-e .\n--editable ./libs/core\n"
    doc = parse(text)
    assert doc.problems == []
    assert doc.dependencies == []
    assert doc.settings == [
        Setting("editable", ".", on(text, 0, ".")),
        Setting("editable", "./libs/core", on(text, 1, "./libs/core")),
    ]


def test_pep508_direct_reference_with_marker():
    text = 'foo @ https://example.invalid/foo-1.0-py3-none-any.whl ; sys_platform == "darwin"\n'
    dep = only_dep(text)
    assert dep.name == "foo"
    assert dep.url == "https://example.invalid/foo-1.0-py3-none-any.whl"
    assert dep.marker == 'sys_platform == "darwin"'
    assert dep.specifier == ""
    assert dep.specifier_span is None
    assert dep.name_span == on(text, 0, "foo")
    assert dep.span == on(text, 0, text.rstrip("\n"))


def test_vcs_url_with_egg_and_marker():
    text = 'git+https://example.invalid/x.git#egg=xpkg ; python_version >= "3.9"\n'
    dep = only_dep(text)
    assert dep.name == "xpkg"
    assert dep.url == "git+https://example.invalid/x.git#egg=xpkg"
    assert dep.marker == 'python_version >= "3.9"'


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("./local/path", "path"),
        ("../sibling", "path"),
        ("/abs/pkg-1.0.tar.gz", "path"),
        ("wheels/pkg-1.0-py3-none-any.whl", "path"),
        ("file:../x", "url"),
        ("https://example.invalid/pkg-1.0.tar.gz", "url"),
    ],
)
def test_bare_path_or_url_without_name_is_a_setting_not_a_problem(line, key):
    text = f"{line}\nnumpy\n"
    doc = parse(text)
    assert doc.problems == []
    assert doc.settings == [Setting(key, line, on(text, 0, line))]
    assert [d.name for d in doc.dependencies] == ["numpy"]


def test_extras():
    text = "tensorflow[and-cuda, extra2]>=2.15\n"
    dep = only_dep(text)
    assert dep.extras == ("and-cuda", "extra2")
    assert dep.name_span == on(text, 0, "tensorflow")
    assert dep.specifier_span == on(text, 0, ">=2.15")


def test_markers():
    text = 'tensorflow-macos==2.13.0; sys_platform == "darwin" and platform_machine == "arm64"\n'
    dep = only_dep(text)
    assert dep.marker == 'sys_platform == "darwin" and platform_machine == "arm64"'
    assert dep.specifier_span == on(text, 0, "==2.13.0")
    assert dep.span == on(text, 0, text.rstrip("\n"))


def test_parenthesised_specifier():
    text = "numpy (>=1.21)\n"
    dep = only_dep(text)
    assert dep.specifier == ">=1.21"
    assert dep.specifier_span == on(text, 0, "(>=1.21)")


def test_env_var_in_version_makes_specifier_unknown_without_problem():
    text = "tensorflow==${TF_VERSION}\n"
    dep = only_dep(text)
    assert dep.name == "tensorflow"
    assert dep.specifier == ""
    assert dep.raw == "tensorflow==${TF_VERSION}"
    assert dep.specifier_span == on(text, 0, "==${TF_VERSION}")


def test_env_var_in_url_is_kept_as_written():
    text = "git+https://${TOKEN}@example.invalid/x.git#egg=private\n"
    dep = only_dep(text)
    assert dep.name == "private"
    assert dep.url == "git+https://${TOKEN}@example.invalid/x.git#egg=private"


def test_env_var_as_name_is_not_a_problem():
    text = "${PKG}==1.0\n"
    doc = parse(text)
    assert doc.problems == []
    assert doc.dependencies == []
    assert doc.settings == [Setting("unresolved", "${PKG}==1.0", on(text, 0, "${PKG}==1.0"))]


def test_env_var_in_include():
    text = "-r ${CONFIG_DIR}/base.txt\n"
    doc = parse(text)
    assert doc.includes == [
        Include("${CONFIG_DIR}/base.txt", on(text, 0, "${CONFIG_DIR}/base.txt"))
    ]


def test_crlf_spans_exclude_carriage_returns():
    text = "numpy==1.21\r\n-r base.txt\r\nscipy>=1.0 \\\r\n  ; python_version > '3.8'\r\n"
    doc = parse(text)
    assert doc.problems == []
    assert doc.lines[0] == "numpy==1.21"
    numpy, scipy = doc.dependencies
    assert numpy.span == on(text, 0, "numpy==1.21")
    assert doc.includes[0].span == on(text, 1, "base.txt")
    assert scipy.span == Span(2, 0, 3, len("  ; python_version > '3.8'"))
    assert scipy.marker == "python_version > '3.8'"
    assert scipy.specifier_span == on(text, 2, ">=1.0")


def test_lone_cr_line_breaks_agree_with_split_lines():
    text = "numpy\rscipy==1.0\r"
    doc = parse(text)
    assert len(doc.lines) == 3
    assert [d.span for d in doc.dependencies] == [on(text, 0, "numpy"), on(text, 1, "scipy==1.0")]


def test_other_unicode_line_separators_do_not_break_lines():
    # str.splitlines would break at U+2028; editors and split_lines do not.
    text = "numpy # note\u2028still the comment\nscipy\n"
    doc = parse(text)
    assert doc.problems == []
    assert [d.name for d in doc.dependencies] == ["numpy", "scipy"]
    assert doc.dependencies[1].span == on(text, 1, "scipy")


def test_leading_bom_is_tolerated():
    text = "\ufeffnumpy==1.0\n"
    dep = only_dep(text)
    assert dep.name == "numpy"
    assert dep.span == Span(0, 1, 0, 11)


def test_bom_bytes_via_read_document(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"\xef\xbb\xbfnumpy==1.0\n")
    doc = read_document(path)
    assert doc.bom is True
    assert doc.problems == []
    assert doc.dependencies[0].span == Span(0, 0, 0, 10)


def test_tabs():
    text = "\tnumpy\t>=1.21\t# tabbed\n-r\tbase.txt\n"
    doc = parse(text)
    assert doc.problems == []
    dep = doc.dependencies[0]
    assert dep.span == on(text, 0, "numpy\t>=1.21")
    assert dep.specifier_span == on(text, 0, ">=1.21")
    assert doc.includes[0].span == on(text, 1, "base.txt")


def test_non_utf8_bytes_are_read_as_latin1_with_a_problem():
    doc = read_document(FIXTURES / "requirements-latin1.txt")
    assert doc.encoding == "latin-1"
    assert [p.code for p in doc.problems] == ["LE005"]
    assert [d.name for d in doc.dependencies] == ["numpy", "scipy"]
    text = doc.text
    assert "é" in text
    assert doc.dependencies[1].span == on(text, 2, "scipy>=1.11")


def test_crlf_fixture_via_read_document():
    doc = read_document(FIXTURES / "requirements-crlf.txt")
    assert doc.newline == "\r\n"
    assert doc.problems == []
    names = [d.name for d in doc.dependencies]
    assert names == ["tensorflow-macos", "tensorflow-metal", "numpy"]
    metal = doc.dependencies[1]
    assert metal.specifier_span == on(doc.text, 2, "==1.1.0")
    assert doc.includes == [Include("base.txt", on(doc.text, 4, "base.txt"))]


def test_invalid_requirement_is_a_problem_on_its_span_and_the_rest_is_read():
    text = "numpy==1.0\ntensorflow=2.9\nscipy\n"
    doc = parse(text)
    assert [d.name for d in doc.dependencies] == ["numpy", "scipy"]
    assert len(doc.problems) == 1
    problem = doc.problems[0]
    assert problem.code == "LE001"
    assert problem.span == on(text, 1, "tensorflow=2.9")
    assert "tensorflow=2.9" in problem.message


def test_unexpected_text_after_option():
    text = "-r a.txt b.txt\n"
    doc = parse(text)
    assert doc.includes == [Include("a.txt", on(text, 0, "a.txt"))]
    assert [p.span for p in doc.problems] == [on(text, 0, "b.txt")]


def test_flag_with_value_is_a_problem():
    text = "--pre=yes\n"
    doc = parse(text)
    assert doc.settings == []
    assert [p.span for p in doc.problems] == [on(text, 0, "--pre=yes")]


def test_empty_file():
    doc = parse("")
    assert doc.lines == [""]
    assert (doc.dependencies, doc.problems, doc.includes, doc.settings) == ([], [], [], [])


def test_specifier_keeps_the_written_order_without_spaces():
    text = "tensorflow (>= 2.9 , < 2.13)\n"
    dep = only_dep(text)
    assert dep.specifier == ">=2.9,<2.13"
    assert dep.specifier_span == on(text, 0, "(>= 2.9 , < 2.13)")


def test_line_option_after_a_requirement_is_one_problem():
    text = "numpy==1.0 -r other.txt\nscipy\n"
    doc = parse(text)
    assert [d.name for d in doc.dependencies] == ["numpy", "scipy"]
    assert doc.includes == []
    assert [p.span for p in doc.problems] == [on(text, 0, "-r")]
    assert "not allowed after a requirement" in doc.problems[0].message


# --- the requirements read without packaging -------------------------------------------


def test_simple_requirements_agree_with_packaging():
    """The subset `_simple` reads is read as the installed packaging reads it (and
    tests/version_logic_cases.py repeats this under every supported packaging release)."""
    from version_logic_cases import simple_reading_differs, simple_requirement_samples

    samples = simple_requirement_samples()
    assert [d for d in map(simple_reading_differs, samples) if d] == []


def test_simple_subset_examples():
    from lint_env.sources.requirements import _simple

    assert _simple("tensorflow==2.16.2") == ("tensorflow", "==2.16.2")
    assert _simple("Tensorflow_Metal>=1.1,<2") == ("Tensorflow_Metal", ">=1.1,<2")
    assert _simple("numpy") == ("numpy", "")
    for other in (
        "numpy>=1,>=1.0",  # packaging merges equal clauses (1 == 1.0)
        "numpy~=1",  # invalid: compatible release needs two components
        "numpy==1.*",
        "numpy>=1.0rc1",
        "numpy >=1",
        "numpy[x]==1",
        "numpy==1;python_version<'3.12'",
        "numpy===1",
        "numpy-==1",
    ):
        assert _simple(other) is None, other


def test_documents_are_the_same_with_and_without_the_fast_reading(monkeypatch):
    """Whole documents: every sample line read with `_simple` and with packaging alone."""
    from lint_env.sources import requirements
    from version_logic_cases import simple_requirement_samples

    text = "\n".join(simple_requirement_samples(1500, seed=7)) + "\n"
    fast = parse_requirements(Path("requirements.txt"), text)
    requirements._one_line.cache_clear()
    requirements._placed.cache_clear()
    monkeypatch.setattr(requirements, "_simple", lambda req: None)
    slow = parse_requirements(Path("requirements.txt"), text)
    requirements._one_line.cache_clear()
    requirements._placed.cache_clear()
    assert len(fast.dependencies) > 300
    assert fast == slow
