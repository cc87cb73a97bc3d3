"""Install commands in notebook cells: ``!pip install …``, ``%pip install …``,
``!python -m pip install …``, ``%conda install -c apple tensorflow-deps``, ``!mamba install``.

Each requirement of such a line becomes a :class:`Dependency` of the notebook with an
exact span inside its cell (``Span.cell`` = the cell index), parsed like a line of a
requirements file (pip) or an environment file's dependency list (conda), so the same
rules run on it. Options are skipped (those that take a value with their value), a
``-r file`` becomes an include, and the command ends at a shell operator (``&&``,
``;``, ``|``, ``>``, ``2>&1``).
"""

from __future__ import annotations

import re

from ..model import Dependency, Include, Problem, Setting, Span

_COMMAND_RX = re.compile(
    r"^(?P<lead>\s*(?:[!%]\s*)(?:\{[^}]*\}\s+-m\s+|python3?\s+-m\s+|sys\.executable\s+-m\s+)?)"
    r"(?P<tool>pip3?|conda|mamba|micromamba)\s+install\b"
)
# Options that take a value (pip and conda), as separate token or with "=".
_VALUE_OPTIONS = frozenset(
    {
        "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host",
        "-t", "--target", "--prefix", "--root", "--platform", "--python-version",
        "--implementation", "--abi", "--no-binary", "--only-binary", "--progress-bar",
        "--upgrade-strategy", "--cache-dir", "--src", "--log", "--proxy", "--timeout",
        "--retries", "--config-settings", "-C", "--global-option", "--python",
        "-c", "--channel", "-n", "--name", "-p", "--file", "--override-channels-only",
        "--repodata-fn", "--solver",
    }
)  # fmt: skip
_SHELL_END = re.compile(r"(?:&&|\|\||[;|<>]|\d?>&?\d?)")


def _tokens(line: str, start: int) -> list[tuple[int, int]]:
    """(start, end) of shell words from ``start``, quotes kept inside the span."""
    out = []
    i, n = start, len(line)
    while i < n:
        while i < n and line[i] in " \t":
            i += 1
        if i >= n or line[i] == "#":
            break
        j = i
        quote = None
        while j < n:
            c = line[j]
            if quote:
                if c == quote:
                    quote = None
            elif c in "'\"":
                quote = c
            elif c in " \t":
                break
            j += 1
        out.append((i, j))
        i = j
    return out


def parse_install_line(
    line: str, line_no: int, cell: int
) -> tuple[list[Dependency], list[Include], list[Problem]] | None:
    """The requirements of one install command line; None when it is not one."""
    m = _COMMAND_RX.match(line)
    if m is None:
        return None
    tool = m.group("tool")
    conda = tool in ("conda", "mamba", "micromamba")
    deps: list[Dependency] = []
    includes: list[Include] = []
    problems: list[Problem] = []
    channel: str | None = None
    toks = _tokens(line, m.end())
    k = 0
    while k < len(toks):
        a, b = toks[k]
        word = line[a:b]
        if _SHELL_END.fullmatch(word) or word.startswith(("&&", "||", ";", "|", ">", "2>")):
            break
        if word.startswith("$") or word.startswith("{"):
            k += 1
            continue
        if word.startswith("-"):
            opt = word.split("=", 1)[0]
            takes = opt in _VALUE_OPTIONS and "=" not in word
            if opt in ("-r", "--requirement", "-c", "--constraint") and not conda:
                if k + 1 < len(toks):
                    ia, ib = _unquote(line, *toks[k + 1])
                    includes.append(
                        Include(
                            line[ia:ib], _span(line_no, ia, ib, cell), opt in ("-c", "--constraint")
                        )
                    )
                k += 2
                continue
            if conda and opt in ("-c", "--channel") and k + 1 < len(toks):
                channel = line[slice(*toks[k + 1])].strip("'\"")
            if opt == "-e" or opt == "--editable":
                k += 1
                if k < len(toks):
                    _pip(
                        line,
                        line_no,
                        cell,
                        *_unquote(line, *toks[k]),
                        deps,
                        problems,
                        editable=True,
                    )
                k += 1
                continue
            k += 2 if takes else 1
            continue
        a, b = _unquote(line, a, b)
        if conda:
            _conda(line, line_no, cell, a, b, channel, deps)
        else:
            _pip(line, line_no, cell, a, b, deps, problems)
        k += 1
    return deps, includes, problems


def _unquote(line: str, a: int, b: int) -> tuple[int, int]:
    if b - a >= 2 and line[a] in "'\"" and line[b - 1] == line[a]:
        return a + 1, b - 1
    return a, b


def _span(line_no: int, a: int, b: int, cell: int) -> Span:
    return Span(line_no, a, line_no, b, cell)


def _in_cell(span: Span, line_no: int, cell: int) -> Span:
    return Span(line_no, span.col, line_no, span.end_col, cell)


def _pip(line, line_no, cell, a, b, deps, problems, editable: bool = False) -> None:
    from .requirements import OffsetMap, Positions, parse_pep508

    pos = Positions(line, [line])
    m = OffsetMap.direct(pos, 0, len(line))
    res = parse_pep508(line, m, a, b, editable=editable)
    if isinstance(res, Dependency):
        deps.append(
            Dependency(
                name=res.name,
                span=_in_cell(res.span, line_no, cell),
                name_span=_in_cell(res.name_span, line_no, cell),
                raw=res.raw,
                specifier=res.specifier,
                specifier_span=_in_cell(res.specifier_span, line_no, cell)
                if res.specifier_span
                else None,
                extras=res.extras,
                marker=res.marker,
                url=res.url,
                editable=res.editable,
            )
        )
    elif isinstance(res, Setting) and res.key in ("url", "editable"):
        name = _repo_name(res.value)
        if name:
            span = _span(line_no, a, b, cell)
            deps.append(
                Dependency(name=name, span=span, name_span=span, raw=line[a:b], url=res.value)
            )


def _repo_name(url: str) -> str | None:
    """The project a VCS/URL requirement without ``#egg=`` installs, from its last path
    part (``git+https://…/openai/CLIP.git`` -> clip). Used as a declaration only."""
    from ..names import canonicalize_name

    tail = url.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    tail = tail.split("@", 1)[0].removesuffix(".git")
    for suffix in (".zip", ".tar.gz", ".whl"):
        tail = tail.removesuffix(suffix)
    if "-" in tail and tail.endswith((".zip", ".whl")):
        return None
    return canonicalize_name(tail) if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", tail) else None


def _conda(line, line_no, cell, a, b, channel, deps) -> None:
    from ..names import canonicalize_name
    from .conda import conda_version_to_pep440

    text = line[a:b]
    chan = channel
    if "::" in text:
        chan, _, rest = text.partition("::")
        a += len(chan) + 2
        text = rest
    nm = re.match(r"[A-Za-z0-9_][A-Za-z0-9._-]*", text)
    if not nm:
        return
    name = nm.group()
    spec = ""
    spec_span = None
    rest = text[nm.end() :]
    if rest:
        # name=1.2 (fuzzy: 1.2.*), name==1.2, name>=1.2; a build string after a second "="
        if rest.startswith("=") and not rest.startswith("=="):
            version, fuzzy = rest[1:].split("=", 1)[0], True
        else:
            version, fuzzy = rest, False
        spec = conda_version_to_pep440(version, fuzzy_bare=fuzzy)
        spec_span = _span(line_no, a + nm.end(), b, cell)
    if canonicalize_name(name) == "python":
        return
    deps.append(
        Dependency(
            name=canonicalize_name(name),
            span=_span(line_no, a, b, cell),
            name_span=_span(line_no, a, a + nm.end(), cell),
            raw=line[a:b],
            specifier=spec,
            specifier_span=spec_span,
            source="conda",
            channel=chan,
        )
    )
