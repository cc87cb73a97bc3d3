"""Targets: the platform and Python a check is *for* (never the machine lint-env runs on)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

# platform name -> (sys_platform, platform_system, platform_machine, os_name, conda subdir)
PLATFORMS: dict[str, tuple[str, str, str, str, str]] = {
    "macos-arm64": ("darwin", "Darwin", "arm64", "posix", "osx-arm64"),
    "macos-x86_64": ("darwin", "Darwin", "x86_64", "posix", "osx-64"),
    "linux-x86_64": ("linux", "Linux", "x86_64", "posix", "linux-64"),
    "linux-aarch64": ("linux", "Linux", "aarch64", "posix", "linux-aarch64"),
    "windows-x86_64": ("win32", "Windows", "AMD64", "nt", "win-64"),
}
DEFAULT_PLATFORM = "macos-arm64"
# Used for marker evaluation only, when nothing says which Python the target runs.
FALLBACK_PYTHON = "3.12"
# What an unpinned `python` in a conda environment file gets: the newest CPython minor
# conda-forge builds. Source: conda-forge/python-feedstock, recipe/meta.yaml on main
# (version 3.14.6, 2026-06-12; 3.15 only on its prerelease branch). Refresh with the
# index snapshot.
NEWEST_CONDA_PYTHON = "3.14"

_PY_RE = re.compile(r"^3\.(\d{1,2})$")


class TargetError(ValueError):
    pass


def parse_python_version(text: str) -> str:
    """'3.11' / '3.11.4' / 'py311' / '311' -> '3.11'; raises TargetError."""
    t = text.strip().lower().removeprefix("py").removeprefix("cp")
    if re.fullmatch(r"3\d{1,2}", t):
        t = f"3.{t[1:]}"
    m = re.match(r"^(3\.\d{1,2})(\.\d+)?$", t)
    if not m:
        raise TargetError(f"not a Python version: {text!r} (expected e.g. 3.11)")
    return m.group(1)


@dataclass(frozen=True)
class Target:
    platform: str = DEFAULT_PLATFORM
    python: str | None = None  # "3.11"; None = not known
    # why this Python, for messages ("the lowest your requires-python allows"); not part
    # of the target's identity (equal targets share cached answers)
    python_note: str | None = field(default=None, compare=False)
    # judged on the lowest Python of a range: the range's newer minors (ascending, up to
    # the newest CPython), where a rule may say what changes ("on 3.10 it has a wheel")
    newer_pythons: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if self.platform not in PLATFORMS:
            known = ", ".join(PLATFORMS)
            raise TargetError(f"unknown target {self.platform!r} (known: {known})")
        if self.python is not None and not _PY_RE.match(self.python):
            raise TargetError(f"not a Python version: {self.python!r}")

    @property
    def sys_platform(self) -> str:
        return PLATFORMS[self.platform][0]

    @property
    def machine(self) -> str:
        return PLATFORMS[self.platform][2]

    @property
    def conda_subdir(self) -> str:
        return PLATFORMS[self.platform][4]

    @property
    def is_macos(self) -> bool:
        return self.sys_platform == "darwin"

    @property
    def label(self) -> str:
        """'macOS arm64' etc., for messages."""
        os_, _, arch = self.platform.partition("-")
        return {"macos": "macOS", "linux": "Linux", "windows": "Windows"}[os_] + " " + arch

    @property
    def python_label(self) -> str:
        """'Python 3.8 (the lowest your requires-python allows)', or 'any Python'."""
        if self.python is None:
            return "any Python"
        note = f" ({self.python_note})" if self.python_note else ""
        return f"Python {self.python}{note}"

    @property
    def python_tuple(self) -> tuple[int, int] | None:
        if self.python is None:
            return None
        major, minor = self.python.split(".")
        return int(major), int(minor)

    def marker_environment(self) -> dict[str, str]:
        sys_platform, system, machine, os_name, _ = PLATFORMS[self.platform]
        py = self.python or FALLBACK_PYTHON
        return {
            "implementation_name": "cpython",
            "implementation_version": f"{py}.0",
            "os_name": os_name,
            "platform_machine": machine,
            "platform_python_implementation": "CPython",
            "platform_release": "",
            "platform_system": system,
            "platform_version": "",
            "python_full_version": f"{py}.0",
            "python_version": py,
            "sys_platform": sys_platform,
            "extra": "",
        }

    def evaluate_marker(self, marker: str | None) -> bool:
        """True when a requirement with this marker is installed on the target.

        An unparsable marker counts as applying (the parser reports it separately);
        a marker that names an extra applies (the extra may be requested).
        """
        if not marker:
            return True
        return _evaluate_marker(self, marker)

    def evaluate_marker_with(self, marker: str | None, extras: frozenset[str]) -> bool:
        """True when the marker holds on the target with exactly ``extras`` requested
        (canonical names): ``extra == "x"`` holds when x is one of them, ``extra != "x"``
        when it is not. uv writes its conflicting extras and groups this way
        (``extra == 'extra-8-nanochat-gpu'``), so a lock's install with one extra is not
        confused with the union of all of them."""
        if not marker or "extra" not in marker:
            return self.evaluate_marker(marker)
        return _evaluate_with_extras(self, marker, extras)

    # --- wheels -------------------------------------------------------------------

    def wheel_platform_ok(self, platform_tag: str) -> bool:
        """Can a wheel with this platform tag be installed on the target?"""
        tag = platform_tag.lower()
        if tag == "any":
            return True
        parts = tag.split(".")  # compressed tag sets: "manylinux1_x86_64.manylinux2014_x86_64"
        return any(self._one_platform_ok(p) for p in parts)

    def _one_platform_ok(self, tag: str) -> bool:
        plat = self.platform
        if plat.startswith("macos-"):
            m = re.match(r"macosx_\d+_\d+_(.+)$", tag)
            if m is None:
                return False
            arch = m.group(1)
            ok = {"macos-arm64": {"arm64", "universal2"}, "macos-x86_64": {"x86_64", "intel"}}
            return arch in ok[plat] or (
                plat == "macos-x86_64" and arch in {"universal", "universal2"}
            )
        if plat.startswith("linux-"):
            arch = self.machine
            return tag.endswith("_" + arch) and tag.startswith(("manylinux", "linux"))
        return tag in {"win_amd64"}

    def wheel_python_ok(self, python_tag: str, abi_tag: str) -> bool:
        """Does a wheel's python/abi tag pair load on the target's Python (True when unknown)?"""
        pt = self.python_tuple
        if pt is None:
            return True
        for py in python_tag.lower().split("."):
            if py == f"py{pt[0]}":
                return True
            m = re.fullmatch(r"py(\d)(\d+)", py)
            if m and int(m.group(1)) == pt[0] and int(m.group(2)) <= pt[1]:
                return True  # pip accepts pyXY wheels from older minors (packaging.tags)
            m = re.fullmatch(r"cp(\d)(\d+)", py)
            if m:
                wanted = (int(m.group(1)), int(m.group(2)))
                if wanted == pt:
                    return True
                if "abi3" in abi_tag.lower() and wanted <= pt:
                    return True
        return False


def _evaluate_ignoring_extra(marker, env: dict[str, str]) -> bool:
    """Evaluate with every extra requested: `extra == "x"` markers apply when x is asked for."""
    from packaging.markers import UndefinedComparison, UndefinedEnvironmentName

    text = str(marker)
    for name in re.findall(r"extra\s*==\s*['\"]([^'\"]+)['\"]", text):
        try:
            if marker.evaluate({**env, "extra": name}):
                return True
        except (UndefinedComparison, UndefinedEnvironmentName):
            return True
    return False


@lru_cache(maxsize=4096)
def _evaluate_marker(target: Target, marker: str) -> bool:
    """Target.evaluate_marker, cached: the answer depends only on the target's platform
    and Python (its identity) and the marker text; every check asks again per line."""
    # imported here: most files have no markers, and packaging.markers is slow to import
    from packaging.markers import (
        InvalidMarker,
        Marker,
        UndefinedComparison,
        UndefinedEnvironmentName,
    )

    try:
        m = Marker(marker)
    except InvalidMarker:
        return True
    env = target.marker_environment()
    try:
        if "extra" in marker:
            return m.evaluate(env) or _evaluate_ignoring_extra(m, env)
        return m.evaluate(env)
    except (UndefinedComparison, UndefinedEnvironmentName):
        return True


_EXTRA_CMP = re.compile(r"""\bextra\s*(==|!=)\s*(['"])([^'"]*)\2""")


@lru_cache(maxsize=4096)
def _evaluate_with_extras(target: Target, marker: str, extras: frozenset[str]) -> bool:
    """Target.evaluate_marker_with: each ``extra`` comparison is replaced by one against
    "1" (requested) or "0" (not), evaluated with ``extra`` set to "1"."""
    from packaging.markers import (
        InvalidMarker,
        Marker,
        UndefinedComparison,
        UndefinedEnvironmentName,
    )

    from .names import canonicalize_name

    def bind(m: re.Match[str]) -> str:
        wanted = canonicalize_name(m.group(3)) in extras
        return f"extra {m.group(1)} '{1 if wanted else 0}'"

    try:
        return Marker(_EXTRA_CMP.sub(bind, marker)).evaluate(
            {**target.marker_environment(), "extra": "1"}
        )
    except InvalidMarker:
        return True
    except (UndefinedComparison, UndefinedEnvironmentName):
        return True
