"""Loading and validating the rule database (rules/*.toml; schema in rules/README.md)."""

from __future__ import annotations

import string
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .lazy_re import LazyPattern
from .model import Kind, Severity
from .paths import rules_dir
from .target import PLATFORMS

CODE_RE = LazyPattern(r"^[A-Z]{2,3}[0-9]{3}$", 0, globals(), "CODE_RE")
NAME_RE = LazyPattern(r"^[a-z0-9]+(-[a-z0-9]+)*$", 0, globals(), "NAME_RE")
BASES = ("IDX", "DOC", "ISSUE", "RECON")
COMMON_PLACEHOLDERS = frozenset({"package", "spec", "target", "python"})

# What a project declares (ranges a resolver picks from), and lock files (exact picks).
DECLARED_FILES = (Kind.REQUIREMENTS, Kind.CONDA, Kind.PYPROJECT)
DEP_FILES = (*DECLARED_FILES, Kind.LOCK)
CODE_FILES = (Kind.PYTHON, Kind.NOTEBOOK)

# kind -> (params: name -> (types, required), extra placeholders, default files)
_STR_LIST = (list,)
KINDS: dict[str, tuple[dict[str, tuple[tuple[type, ...], bool]], frozenset[str], tuple]] = {
    "banned": (
        {
            "packages": (_STR_LIST, True),
            "sources": (_STR_LIST, False),
            "extras": (_STR_LIST, False),
            "local_version": ((str,), False),
            "conda_build": ((str,), False),
            "fix": ((str,), False),
            "replacement": ((str,), False),
            "fix_marker": ((str,), False),
            "fix_safe": ((bool,), False),
            "once": ((str,), False),
        },
        frozenset({"replacement"}),
        DEP_FILES,
    ),
    "version": (
        {
            "packages": (_STR_LIST, True),
            "broken": ((str,), True),
            "python": ((str,), False),
            "backtracks": ((bool,), False),
            "fix_specifier": ((str,), False),
            "fix_safe": ((bool,), False),
        },
        frozenset({"broken", "fix_specifier", "version"}),
        DEP_FILES,
    ),
    "wheel": (
        {"packages": (_STR_LIST, True), "exclude": (_STR_LIST, False)},
        frozenset({"first", "last", "version", "hint"}),
        DECLARED_FILES,  # a lock names its own files: the lock-files kind judges them
    ),
    "pairing": (
        {
            "a": (_STR_LIST, True),
            "b": ((str,), True),
            "table": ((list,), True),
            "mode": ((str,), False),
            "a_pinned": ((bool,), False),
            "a_unpinned_too": ((bool,), False),
            "b_versions": (_STR_LIST, False),
            "b_absent": ((bool,), False),
            "b_open_too": ((bool,), False),
            "fix_safe": ((bool,), False),
            "resolves": ((str,), False),
        },
        frozenset({"a", "a_version", "b", "pin", "b_spec", "b_version"}),
        DEP_FILES,
    ),
    "exclusive": (
        {
            "packages": (_STR_LIST, True),
            "unless": ((str,), False),
            "keep": (_STR_LIST, False),
            "allow": ((list,), False),
            "sources": (_STR_LIST, False),
        },
        frozenset({"others", "keep", "names"}),
        DEP_FILES,
    ),
    "python": (
        {"packages": (_STR_LIST, True), "table": ((list,), True)},
        frozenset({"window", "version"}),
        DEP_FILES,
    ),
    "requires": (
        {"package": ((str,), True), "versions": ((str,), False), "needs": (_STR_LIST, True)},
        frozenset({"needs"}),
        DEP_FILES,
    ),
    "conda": (
        {
            "check": ((str,), True),
            "packages": (_STR_LIST, False),
            "channel": ((str,), False),
            "channels": (_STR_LIST, False),
            "key": ((str,), False),
            "values": (_STR_LIST, False),
            "conda_build": ((str,), False),
            "origin_packages": ((dict,), False),
            "table": ((list,), False),
        },
        frozenset({"channel", "value", "count", "builds", "origin", "first"}),
        (Kind.CONDA,),
    ),
    "import-undeclared": (
        {"ignore": (_STR_LIST, False), "which": ((str,), False)},
        frozenset({"module", "distributions", "distribution", "files"}),
        CODE_FILES,
    ),
    "import-shadow": (
        {"modules": (_STR_LIST, True), "check": ((str,), False)},
        frozenset({"module", "local", "importer"}),
        CODE_FILES,
    ),
    "import-mix": (
        {"a": ((str,), True), "b": ((str,), True), "when": ((dict,), False)},
        frozenset({"a", "b"}),
        CODE_FILES,
    ),
    "import": (
        {
            "modules": (_STR_LIST, True),
            "when": ((dict,), False),
            "unless": ((dict,), False),
            "scope": ((str,), False),
        },
        frozenset({"module", "files"}),
        CODE_FILES,
    ),
    "lock": (
        {"check": ((str,), True)},
        frozenset({"version", "environments", "platforms", "subdir", "with_extras"}),
        (Kind.LOCK,),
    ),
    # one finding for a file where many findings of ``codes`` say the same thing (the
    # engine applies it to the other rules' findings; see engine._summarize)
    "summary": (
        {"codes": (_STR_LIST, True), "min": ((int,), True)},
        frozenset({"count", "names"}),
        DEP_FILES,
    ),
    "problem": ({}, frozenset(), DEP_FILES + CODE_FILES),
    "runtime": ({}, frozenset(), ()),
}
CONDA_CHECKS = (
    "channel-required",
    "channel-banned",
    "variable",
    "build",
    "exported-builds",
    "prefix",
    "first-build",
)
LOCK_CHECKS = (
    "no-file",
    "source-build",
    "environments",
    "platforms",
    "manifest-platforms",
    "hash-unpinned",
    "hash-missing",
)


class RuleError(ValueError):
    """A malformed rule file: the message names file, rule and field."""


@dataclass(frozen=True)
class Example:
    expect: str  # "bad" | "good"
    file: str
    text: str
    target: str | None = None
    python: str | None = None
    fixed: str | None = None
    files: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    kind: str
    severity: Severity
    targets: tuple[str, ...]
    files: tuple[Kind, ...]
    basis: str
    summary: str
    message: str
    explanation: str
    references: tuple[str, ...]
    params: dict[str, Any]
    examples: tuple[Example, ...]
    source: Path
    opt_in: bool = False  # off unless selected by code (`extend-select = ["IM101"]`)

    @property
    def url(self) -> str | None:
        return self.references[0] if self.references else None

    def applies(self, platform: str, kind: Kind) -> bool:
        return platform in self.targets and kind in self.files

    def format(self, **values: Any) -> str:
        return self.message.format_map(_Defaults(values))


class _Defaults(dict):
    def __missing__(self, key: str) -> str:  # validated at load; never reached for known keys
        return "{" + key + "}"


@dataclass
class RuleSet:
    rules: dict[str, Rule]

    def get(self, code: str) -> Rule | None:
        return self.rules.get(code.upper())

    def __iter__(self) -> Iterator[Rule]:
        # sorted once (every check iterates the rules); made again if ``rules`` is
        # replaced or grows or shrinks
        stamp = (id(self.rules), len(self.rules))
        cached = getattr(self, "_sorted", None)
        if cached is None or cached[0] != stamp:
            cached = (stamp, tuple(sorted(self.rules.values(), key=lambda r: r.code)))
            self._sorted = cached
        return iter(cached[1])

    def __len__(self) -> int:
        return len(self.rules)

    def of_kind(self, kind: str) -> list[Rule]:
        return [r for r in self if r.kind == kind]


@cache
def load_ruleset(directory: Path | None = None) -> RuleSet:
    """The rule database in ``directory`` (default: the shipped one), validated.

    Parsing and validating the TOML files costs tens of milliseconds on every run, so
    the validated database is kept in lint-env's cache folder under a digest of the
    rule files' bytes and of the code that validates them: an edited rule file or a
    new lint-env version is a new key. A cache that is missing, unreadable, corrupt
    or unwritable is only a miss."""
    d = directory or rules_dir()
    files = sorted(d.glob("*.toml"))
    if not files:
        raise RuleError(f"{d}: no rule files (*.toml) found")
    blobs = []
    for path in files:
        try:
            blobs.append((path, path.read_bytes()))
        except OSError as exc:
            raise RuleError(f"{path.name}: cannot read: {exc}") from None
    from .datacache import cached

    return cached("rules", _key_parts(d, blobs), lambda: _build(blobs), RuleSet)


def _build(blobs: list[tuple[Path, bytes]]) -> RuleSet:
    rules: dict[str, Rule] = {}
    names: dict[str, str] = {}
    for path, data in blobs:
        for rule in _load_bytes(path, data):
            if rule.code in rules:
                raise RuleError(
                    f"{path.name}: rule {rule.code}: code already used in {rules[rule.code].source.name}"
                )
            if rule.name in names:
                raise RuleError(
                    f"{path.name}: rule {rule.code}: name {rule.name!r} already used by {names[rule.name]}"
                )
            rules[rule.code] = rule
            names[rule.name] = rule.code
    return RuleSet(rules)


# The code whose behaviour is baked into a cached RuleSet: the validation here and the
# classes it pickles. Their bytes are part of the key.
_KEY_MODULES = ("ruleset.py", "model.py", "target.py")


def _key_parts(directory: Path, blobs: list[tuple[Path, bytes]]) -> list[bytes]:
    parts = [str(directory.resolve()).encode("utf-8", "surrogateescape")]
    here = Path(__file__).resolve().parent
    for name in _KEY_MODULES:
        try:
            parts.append((here / name).read_bytes())
        except OSError:  # pragma: no cover - our own files
            parts.append(name.encode())
    for path, data in blobs:
        parts += [path.name.encode("utf-8", "surrogateescape"), data]
    return parts


def load_file(path: Path) -> list[Rule]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RuleError(f"{path.name}: cannot read: {exc}") from None
    return _load_bytes(path, data)


def _load_bytes(path: Path, blob: bytes) -> list[Rule]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    where = path.name
    try:
        data = tomllib.loads(blob.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RuleError(f"{where}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{where}: invalid TOML: {exc}") from None
    if data.get("schema") != 1:
        raise RuleError(f"{where}: field 'schema': must be 1")
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        raise RuleError(f"{where}: field 'rules': must be an array of tables ([[rules]])")
    return [_rule(path, i, r) for i, r in enumerate(raw_rules)]


def _rule(path: Path, index: int, raw: Any) -> Rule:
    code = raw.get("code") if isinstance(raw, dict) else None
    where = f"{path.name}: rule {code if isinstance(code, str) else f'#{index + 1}'}"

    def err(fld: str, msg: str) -> RuleError:
        return RuleError(f"{where}: field '{fld}': {msg}")

    if not isinstance(raw, dict):
        raise RuleError(f"{where}: must be a table")
    known = {
        "code", "name", "kind", "severity", "targets", "files", "basis", "summary",
        "message", "explanation", "references", "params", "examples", "opt-in",
    }  # fmt: skip
    for key in raw:
        if key not in known:
            raise err(key, "unknown field")

    def text(fld: str, required: bool = True) -> str:
        v = raw.get(fld)
        if v is None and not required:
            return ""
        if not isinstance(v, str) or (required and not v.strip()):
            raise err(fld, "required, a non-empty string")
        return v

    if not isinstance(code, str) or not CODE_RE.match(code):
        raise err("code", "required, like TF001 (2-3 capitals and 3 digits)")
    name = text("name")
    if not NAME_RE.match(name):
        raise err("name", "must be kebab-case (lowercase words joined by '-')")
    kind = text("kind")
    if kind not in KINDS:
        raise err("kind", f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
    param_spec, extra_ph, default_files = KINDS[kind]
    try:
        severity = Severity(text("severity"))
    except ValueError:
        raise err("severity", "must be one of error, warning, info") from None
    targets = raw.get("targets", ["*"])
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets) or not targets:
        raise err("targets", "must be a non-empty list of platform names or ['*']")
    if targets == ["*"]:
        targets = list(PLATFORMS)
    for t in targets:
        if t not in PLATFORMS:
            raise err("targets", f"unknown platform {t!r} (known: {', '.join(PLATFORMS)})")
    files_raw = raw.get("files")
    if files_raw is None:
        files = default_files
    else:
        try:
            files = tuple(Kind(f) for f in files_raw)
        except (ValueError, TypeError):
            raise err(
                "files", f"must list document kinds: {', '.join(k.value for k in Kind)}"
            ) from None
        # A lock holds exact pip picks: every rule that judges pip declarations judges
        # them too (the wheel kind excepted: a lock names its own files).
        pip_files = Kind.REQUIREMENTS in files or Kind.PYPROJECT in files
        if pip_files and kind in KINDS and Kind.LOCK in KINDS[kind][2] and Kind.LOCK not in files:
            files = (*files, Kind.LOCK)
    basis = raw.get("basis", "DOC" if kind in ("problem",) else None)
    if kind != "problem" and basis not in BASES:
        raise err("basis", f"required, one of {', '.join(BASES)}")
    if basis == "RECON" and severity is Severity.ERROR:
        raise err("severity", "a rule whose basis is RECON must not be an error")
    summary = text("summary")
    message = text("message")
    explanation = text("explanation")
    refs = raw.get("references", [])
    if not isinstance(refs, list) or not all(
        isinstance(r, str) and r.startswith("http") for r in refs
    ):
        raise err("references", "must be a list of URLs")
    if kind not in ("problem",) and not refs:
        raise err("references", "at least one source is required")
    allowed = COMMON_PLACEHOLDERS | extra_ph
    try:
        used = {f for _, f, _, _ in string.Formatter().parse(message) if f}
    except ValueError as exc:
        raise err("message", f"bad placeholder syntax: {exc}") from None
    unknown = sorted(used - allowed)
    if unknown and kind != "runtime":  # the probe formats runtime messages with its own values
        raise err(
            "message",
            f"unknown placeholder {{{unknown[0]}}} (allowed: {', '.join(sorted(allowed))})",
        )
    params = raw.get("params", {})
    if not isinstance(params, dict):
        raise err("params", "must be a table")
    for key, value in params.items():
        if key not in param_spec:
            raise err(f"params.{key}", f"not a parameter of kind {kind!r}")
        types, _ = param_spec[key]
        if not isinstance(value, types):
            raise err(f"params.{key}", f"must be a {types[0].__name__}")
    for key, (_, required) in param_spec.items():
        if required and key not in params:
            raise err(f"params.{key}", f"required by kind {kind!r}")
    _check_params(kind, params, err)
    examples = _examples(raw.get("examples", []), err, kind)
    opt_in = raw.get("opt-in", False)
    if not isinstance(opt_in, bool):
        raise err("opt-in", "must be true or false")
    return Rule(
        code=code,
        name=name,
        kind=kind,
        severity=severity,
        targets=tuple(targets),
        files=tuple(files),
        basis=basis or "DOC",
        summary=summary.strip(),
        message=message.strip(),
        explanation=explanation.strip(),
        references=tuple(refs),
        params=params,
        examples=examples,
        source=path,
        opt_in=opt_in,
    )


def _check_params(kind: str, params: dict[str, Any], err) -> None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    def spec(fld: str, value: Any) -> None:
        try:
            SpecifierSet(value)
        except (InvalidSpecifier, TypeError):
            raise err(fld, f"not a version specifier: {value!r}") from None

    for key in ("broken", "fix_specifier", "python", "versions"):
        if key in params:
            spec(f"params.{key}", params[key])
    if kind == "banned" and params.get("fix", "remove") not in (
        "remove",
        "replace",
        "marker",
        "none",
    ):
        raise err("params.fix", "must be remove, replace, marker or none")
    if kind == "banned" and params.get("fix") == "replace" and "replacement" not in params:
        raise err("params.replacement", "required when fix = 'replace'")
    if kind == "banned" and params.get("fix") == "marker" and "fix_marker" not in params:
        raise err("params.fix_marker", "required when fix = 'marker'")
    for key, allowed in (
        ("which", ("known", "other", "any")),
        ("scope", ("project", "file")),
        ("once", ("project",)),
    ):
        if key in params and params[key] not in allowed:
            raise err(f"params.{key}", f"must be one of {', '.join(allowed)}")
    if kind == "import-shadow" and params.get("check", "sibling") not in (
        "sibling",
        "self",
        "stdlib",
    ):
        raise err("params.check", "must be one of sibling, self, stdlib")
    if kind == "conda" and params.get("check") not in CONDA_CHECKS:
        raise err("params.check", f"must be one of {', '.join(CONDA_CHECKS)}")
    if kind == "lock" and params.get("check") not in LOCK_CHECKS:
        raise err("params.check", f"must be one of {', '.join(LOCK_CHECKS)}")
    if kind == "conda" and params.get("check") == "first-build":
        from packaging.version import InvalidVersion, Version

        for i, row in enumerate(params.get("table", [])):
            if not isinstance(row, dict) or not {"package", "channel", "first"} <= set(row):
                raise err(f"params.table[{i}]", "rows need 'package', 'channel' and 'first'")
            try:
                Version(row["first"])
            except (InvalidVersion, TypeError):
                raise err(f"params.table[{i}].first", f"not a version: {row['first']!r}") from None
    if kind == "pairing":
        if params.get("mode", "mismatch") not in ("mismatch", "unpinned"):
            raise err("params.mode", "must be mismatch or unpinned")
        for i, row in enumerate(params["table"]):
            if not isinstance(row, dict) or "a" not in row or "b" not in row:
                raise err(f"params.table[{i}]", "rows need 'a' and 'b' specifiers (and 'pin')")
            for k in ("a", "b", "pin"):
                if k in row:
                    spec(f"params.table[{i}].{k}", row[k])
        from packaging.version import InvalidVersion, Version

        for v in params.get("b_versions", []):
            try:
                Version(v)
            except (InvalidVersion, TypeError):
                raise err("params.b_versions", f"not a version: {v!r}") from None
    if kind == "exclusive":
        for i, row in enumerate(params.get("allow", [])):
            names = row.get("packages") if isinstance(row, dict) else None
            if not isinstance(names, list) or len(names) < 2:
                raise err(f"params.allow[{i}]", "rows need 'packages' (two or more names)")
            if not isinstance(row.get("targets", []), list):
                raise err(f"params.allow[{i}].targets", "must be a list of platforms")
            if not isinstance(row.get("same_version", False), bool):
                raise err(f"params.allow[{i}].same_version", "must be true or false")
    if kind == "python":
        for i, row in enumerate(params["table"]):
            if not isinstance(row, dict) or "versions" not in row or "python" not in row:
                raise err(f"params.table[{i}]", "rows need 'versions' and 'python' specifiers")
            spec(f"params.table[{i}].versions", row["versions"])
            spec(f"params.table[{i}].python", row["python"])
    for key in ("when", "unless"):
        value = params.get(key)
        if isinstance(value, dict):  # exclusive's `unless` is a word, not a table
            for pkg, s in value.items():
                spec(f"params.{key}.{pkg}", s)


def _examples(raw: Any, err, kind: str) -> tuple[Example, ...]:
    if not isinstance(raw, list):
        raise err("examples", "must be an array of tables ([[rules.examples]])")
    out = []
    for i, ex in enumerate(raw):
        fld = f"examples[{i}]"
        if not isinstance(ex, dict):
            raise err(fld, "must be a table")
        extra = set(ex) - {"expect", "file", "text", "target", "python", "fixed", "files"}
        if extra:
            raise err(f"{fld}.{sorted(extra)[0]}", "unknown field")
        if ex.get("expect") not in ("bad", "good"):
            raise err(f"{fld}.expect", "must be 'bad' or 'good'")
        if not isinstance(ex.get("file"), str) or not isinstance(ex.get("text"), str):
            raise err(fld, "needs 'file' and 'text' strings")
        if ex.get("target") is not None and ex["target"] not in PLATFORMS:
            raise err(f"{fld}.target", f"unknown platform {ex['target']!r}")
        files = ex.get("files", {})
        if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
            raise err(f"{fld}.files", "must map file names to text")
        out.append(
            Example(
                expect=ex["expect"],
                file=ex["file"],
                text=ex["text"],
                target=ex.get("target"),
                python=str(ex["python"]) if ex.get("python") is not None else None,
                fixed=ex.get("fixed"),
                files=dict(files),
            )
        )
    if kind != "problem":
        expects = {e.expect for e in out}
        if expects != {"bad", "good"}:
            raise err("examples", "at least one 'bad' and one 'good' example are required")
    return tuple(out)
