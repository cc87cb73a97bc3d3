"""Configuration: ``[tool.lint-env]`` in pyproject.toml, overridden by the front (CLI
flags, editor settings)."""

from __future__ import annotations

import fnmatch
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .target import DEFAULT_PLATFORM, PLATFORMS, Target, TargetError, parse_python_version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


DEFAULT_MAX_SNAPSHOT_AGE_DAYS = 90


class ConfigError(ValueError):
    """A bad setting: the message names the file (when there is one) and the key."""


@dataclass(frozen=True)
class Config:
    targets: tuple[str, ...] = (DEFAULT_PLATFORM,)
    python: str | None = None  # "3.11"; None = from the files, else unknown
    select: tuple[str, ...] = ()  # codes or prefixes; empty = all
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()  # extra gitignore-style patterns
    root: Path | None = None  # the folder of the pyproject.toml the config came from
    # Look up packages the snapshot does not know on the configured index (`check`
    # only; the language server never waits on the network). Off by default.
    online: bool = False
    # `check` notes on stderr when the index data it used is older than this.
    max_snapshot_age_days: int = DEFAULT_MAX_SNAPSHOT_AGE_DAYS

    def target_objects(self, python: str | None = None) -> list[Target]:
        py = self.python or python
        return [Target(p, py) for p in self.targets]

    def enabled(self, code: str, path: Path | None = None) -> bool:
        if self.select and not _matches(code, self.select + self.extend_select):
            return False
        if _matches(code, self.ignore):
            return False
        if path is not None and self.per_file_ignores:
            rel = _relative(path, self.root)
            for pattern, codes in self.per_file_ignores:
                if _glob(rel, pattern) and _matches(code, codes):
                    return False
        return True

    def selects_explicitly(self, code: str) -> bool:
        """Is an opt-in rule (off by default) turned on? Only by naming it, or a prefix
        of at least three characters (``IM1``), in select or extend-select; ``ALL`` and
        a bare family (``IM``) do not turn on opt-in rules."""
        return any(
            len(p) >= 3 and p != "ALL" and code.startswith(p)
            for p in self.select + self.extend_select
        )

    def merged(self, **overrides: Any) -> Config:
        """A copy with the given fields replaced; None values leave a field as it is."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def _matches(code: str, patterns: tuple[str, ...]) -> bool:
    return any(p == "ALL" or code.startswith(p) for p in patterns)


def _relative(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def _glob(rel: str, pattern: str) -> bool:
    return fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(rel.rsplit("/", 1)[-1], pattern)


def _nearest(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest pyproject.toml with a [tool.lint-env] table, and that table."""
    here = Path(os.path.abspath(start))  # where it is written (a symlink stays put)
    if here.is_file() or not here.is_dir():
        here = here.parent
    for d in (here, *here.parents):
        candidate = d / "pyproject.toml"
        try:
            if not candidate.is_file():
                continue
            text = candidate.read_text(encoding="utf-8-sig")
            data = tomllib.loads(text)
        except (OSError, ValueError, UnicodeDecodeError, RecursionError, MemoryError):
            # Unreadable or not TOML (a 1,000-deep array exceeds the recursion limit):
            # the parser reports the project's own pyproject.toml; here it is no config.
            continue
        table = data.get("tool", {})
        if isinstance(table, dict) and "lint-env" in table:
            return candidate, _table(table["lint-env"], candidate, text)
    return None


def _table(value: Any, source: Path, text: str | None = None) -> dict[str, Any]:
    """``[tool.lint-env]`` must be a table (``[tool] lint-env = 5`` is an error naming
    the file and line)."""
    if isinstance(value, dict):
        return value
    where = str(source)
    if text is not None:
        for n, row in enumerate(text.splitlines(), 1):
            if row.lstrip().startswith(("lint-env", '"lint-env"', "'lint-env'")):
                where = f"{source}:{n}"
                break
    raise ConfigError(f"{where}: [tool.lint-env] must be a table, not {type(value).__name__}")


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml with a [tool.lint-env] table, from ``start`` upwards."""
    found = _nearest(start)
    return found[0] if found else None


def load_config(start: Path, default_root: Path | None = None) -> Config:
    """Config from the nearest pyproject.toml with ``[tool.lint-env]`` (read once);
    defaults if none, rooted at ``default_root`` or the folder of ``start``."""
    found = _nearest(start)
    if found is None:
        here = Path(os.path.abspath(start)).resolve() if start.is_dir() else None
        here = here or Path(os.path.abspath(start)).parent.resolve()
        return Config(root=default_root or here)
    path, table = found
    return config_from_table(table, source=path)


def load_config_file(path: Path) -> Config:
    """Config from the ``[tool.lint-env]`` table of a given file (``--config``)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except (RecursionError, MemoryError):
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: [tool] must be a table")
    table = _table(tool.get("lint-env", {}), path, text)
    return config_from_table(table, source=path.resolve())


def _str_list(table: dict[str, Any], key: str, source: str) -> tuple[str, ...] | None:
    if key not in table:
        return None
    value = table[key]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{source}: [tool.lint-env] {key} must be a list of strings")
    return tuple(value)


def config_from_table(table: dict[str, Any], source: Path | None = None) -> Config:
    """Build a Config from a ``[tool.lint-env]``-shaped mapping (also editor settings)."""
    where = str(source) if source else "settings"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tool.lint-env] must be a table, not {type(table).__name__}")
    known = {
        "targets",
        "target",
        "python-version",
        "select",
        "ignore",
        "extend-select",
        "per-file-ignores",
        "exclude",
        "extend-exclude",
        "online",
        "max-snapshot-age-days",
    }
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key in [tool.lint-env]: {', '.join(unknown)}")
    cfg = Config(root=source.parent if source else None)
    targets = _str_list(table, "targets", where) or _str_list(table, "target", where)
    if targets is not None:
        bad = [t for t in targets if t not in PLATFORMS]
        if bad or not targets:
            raise ConfigError(
                f"{where}: [tool.lint-env] targets: unknown target {', '.join(bad) or '(empty)'}"
                f" (known: {', '.join(PLATFORMS)})"
            )
        cfg = replace(cfg, targets=targets)
    if "python-version" in table:
        try:
            cfg = replace(cfg, python=parse_python_version(str(table["python-version"])))
        except TargetError as exc:
            raise ConfigError(f"{where}: [tool.lint-env] python-version: {exc}") from None
    for key, attr in (
        ("select", "select"),
        ("ignore", "ignore"),
        ("extend-select", "extend_select"),
    ):
        value = _str_list(table, key, where)
        if value is not None:
            cfg = replace(cfg, **{attr: value})
    excludes = (_str_list(table, "exclude", where) or ()) + (
        _str_list(table, "extend-exclude", where) or ()
    )
    if excludes:
        cfg = replace(cfg, exclude=excludes)
    if "online" in table:
        if not isinstance(table["online"], bool):
            raise ConfigError(f"{where}: [tool.lint-env] online must be true or false")
        cfg = replace(cfg, online=table["online"])
    if "max-snapshot-age-days" in table:
        age = table["max-snapshot-age-days"]
        if isinstance(age, bool) or not isinstance(age, int) or age < 0:
            raise ConfigError(
                f"{where}: [tool.lint-env] max-snapshot-age-days must be a whole number >= 0"
            )
        cfg = replace(cfg, max_snapshot_age_days=age)
    pfi = table.get("per-file-ignores")
    if pfi is not None:
        if not isinstance(pfi, dict):
            raise ConfigError(f"{where}: [tool.lint-env] per-file-ignores must be a table")
        items = []
        for pattern, codes in pfi.items():
            codes_t = _str_list({"c": codes}, "c", where)
            items.append((pattern, codes_t or ()))
        cfg = replace(cfg, per_file_ignores=tuple(items))
    return cfg
