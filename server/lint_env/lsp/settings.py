"""Editor settings (section ``lintEnv``) -> overrides of the project's Config.

Accepted from ``initializationOptions`` (a bare object, ``{"lintEnv": {...}}`` or the
MS-template shape ``{"settings": ..., "globalSettings": ...}``) and from
``workspace/configuration``. A bad value is reported and ignored, never fatal.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from ..config import Config
from ..sources.text import MAX_BYTES
from ..target import PLATFORMS, TargetError, parse_python_version

DEFAULT_DEBOUNCE_MS = 10
SECTION = "lintEnv"


@dataclass(frozen=True)
class Settings:
    targets: tuple[str, ...] | None = None
    python: str | None = None
    interpreter: str | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    debounce_ms: int | None = None
    max_document_bytes: int | None = None  # larger buffers are not analysed

    def over(self, base: Settings) -> Settings:
        """``self`` layered over ``base`` (None leaves base's value)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return replace(base, **{k: v for k, v in values.items() if v is not None})

    @property
    def debounce(self) -> float:
        ms = DEFAULT_DEBOUNCE_MS if self.debounce_ms is None else self.debounce_ms
        return max(0, ms) / 1000.0

    @property
    def max_bytes(self) -> int:
        """Buffers larger than this are not analysed (default: the CLI's file limit)."""
        return MAX_BYTES if self.max_document_bytes is None else self.max_document_bytes

    def apply(self, config: Config) -> Config:
        return config.merged(
            targets=self.targets, python=self.python, select=self.select, ignore=self.ignore
        )


def section_of(raw: Any) -> dict[str, Any]:
    """Find the lintEnv object inside whatever shape a client sent."""
    if not isinstance(raw, dict):
        return {}
    if isinstance(raw.get(SECTION), dict):
        return raw[SECTION]
    merged: dict[str, Any] = {}
    glob = raw.get("globalSettings")
    if isinstance(glob, dict):
        merged.update(section_of(glob) or glob)
    settings = raw.get("settings")
    if isinstance(settings, list) and settings and isinstance(settings[0], dict):
        settings = settings[0]
    if isinstance(settings, dict):
        merged.update(section_of(settings) or settings)
    if merged:
        return merged
    return raw


def _str_list(value: Any, key: str, errors: list[str]) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        errors.append(f"lintEnv.{key} must be a list of strings")
        return None
    # An empty list means "not set": the project's [tool.lint-env] value applies (this is
    # what the shipped editor configurations send by default).
    return tuple(value) or None


def parse_settings(raw: Any) -> tuple[Settings, list[str]]:
    """Settings from a client object, and one message per value that was ignored."""
    data = section_of(raw)
    errors: list[str] = []
    targets = _str_list(data.get("targets", data.get("target")), "targets", errors)
    if targets is not None and not targets:
        targets = None  # [] is the editors' default: "use the project's targets"
    if targets is not None:
        bad = [t for t in targets if t not in PLATFORMS]
        if bad:
            errors.append(
                f"lintEnv.targets: unknown target {', '.join(bad)} (known: {', '.join(PLATFORMS)})"
            )
            targets = None
    python = None
    raw_py = data.get("pythonVersion")
    if raw_py not in (None, ""):
        try:
            python = parse_python_version(str(raw_py))
        except TargetError as exc:
            errors.append(f"lintEnv.pythonVersion: {exc}")
    interpreter = data.get("interpreter")
    if isinstance(interpreter, list):  # VS Code's python.interpreterPath style
        interpreter = interpreter[0] if interpreter else None
    if interpreter is not None and not isinstance(interpreter, str):
        errors.append("lintEnv.interpreter must be a path")
        interpreter = None
    debounce = data.get("debounceMs")
    if debounce is not None and (not isinstance(debounce, int) or isinstance(debounce, bool)):
        errors.append("lintEnv.debounceMs must be an integer")
        debounce = None
    max_bytes = data.get("maxDocumentBytes")
    if max_bytes is not None and (
        not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes < 1
    ):
        errors.append("lintEnv.maxDocumentBytes must be a positive integer")
        max_bytes = None
    return (
        Settings(
            targets=targets,
            python=python,
            interpreter=interpreter or None,
            select=_str_list(data.get("select"), "select", errors),
            ignore=_str_list(data.get("ignore"), "ignore", errors),
            debounce_ms=debounce,
            max_document_bytes=max_bytes,
        ),
        errors,
    )
