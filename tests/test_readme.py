"""The README's two commands are the ones CI runs (so they stay true)."""

from __future__ import annotations

import re

from conftest import REPO


def _commands(section: str) -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    part = text.split(f"## {section}", 1)[1]
    return re.findall(r"```sh\n(.*?)\n```", part, re.S)[:1]


def test_ci_runs_the_readme_test_command():
    (command,) = _commands("Run the tests")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert command.strip() in ci.splitlines()


def test_readme_try_command_checks_a_shipped_example():
    (command,) = _commands("Try it")
    m = re.search(r"lint-env check (\S+)", command)
    assert m and (REPO / m.group(1)).is_dir()


def test_readme_sample_output_is_what_the_example_prints():
    from conftest import run_cli

    text = (REPO / "README.md").read_text(encoding="utf-8").split("## Try it", 1)[1]
    blocks = re.findall(r"^```(\w*)\n(.*?)^```$", text, re.M | re.S)
    sample = next(body for lang, body in blocks if lang == "").splitlines()
    out = run_cli("check", "examples/apple-silicon-broken", cwd=REPO).stdout.splitlines()
    for line in sample:
        if line != "…":
            assert line in out, line
