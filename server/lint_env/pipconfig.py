"""The package index settings from pip's own configuration, read the way pip reads them.

Files, lowest precedence first (pip's ``Configuration``): global (each
``$XDG_CONFIG_DIRS/pip/pip.conf``, default ``/etc/xdg``, then ``/etc/pip.conf``; on macOS
``/Library/Application Support/pip/pip.conf``; on Windows ``%PROGRAMDATA%\\pip\\pip.ini``),
user (``~/.pip/pip.conf``, then ``$XDG_CONFIG_HOME/pip/pip.conf``; on macOS also
``~/Library/Application Support/pip/pip.conf``; on Windows ``%APPDATA%\\pip\\pip.ini``),
site (``sys.prefix/pip.conf``), then ``PIP_CONFIG_FILE``. When ``PIP_CONFIG_FILE``
names an existing file the user files are not read (pip does the same). Within the
merged files an ``[install]`` key beats the same ``[global]`` key; ``PIP_*``
environment variables beat every file.

Read too: ``trusted-host`` (HOST or HOST:PORT, whitespace-separated, as pip takes it),
``find-links`` (only local folders are listed; a URL there is not fetched) and
``keyring-provider`` (not supported: :func:`unsupported_notes` says so in one line).

Nothing here opens a connection; no index host is written in this file.
"""

from __future__ import annotations

import configparser
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

COMMAND = "install"  # the section pip's `install` reads after [global]


@dataclass(frozen=True)
class IndexSettings:
    index_url: str | None  # None: pip's built-in default (asked from pip when needed)
    extra_index_urls: tuple[str, ...] = ()
    cert: str | None = None  # a CA bundle file or folder (pip's --cert)
    client_cert: str | None = None
    timeout: float | None = None
    proxy: str | None = None  # pip's --proxy; else urllib reads the *_PROXY variables
    # pip's --trusted-host: HOST or HOST:PORT whose HTTPS certificate is not verified
    trusted_hosts: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()  # pip's --find-links; only local folders are read
    keyring_provider: str | None = None  # not supported: a note says so
    sources: dict[str, str] = field(default_factory=dict)  # key -> where it came from

    @property
    def index_urls(self) -> tuple[str, ...]:
        return ((self.index_url,) if self.index_url else ()) + self.extra_index_urls


def _global_files() -> list[Path]:
    if sys.platform == "win32":
        base = os.environ.get("PROGRAMDATA", r"C:\ProgramData")
        return [Path(base) / "pip" / "pip.ini"]
    if sys.platform == "darwin":
        return [Path("/Library/Application Support/pip/pip.conf")]
    dirs = os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg"
    files = [Path(d) / "pip" / "pip.conf" for d in dirs.split(os.pathsep) if d]
    return [*files, Path("/etc/pip.conf")]


def _user_files() -> list[Path]:
    home = Path.home()
    if sys.platform == "win32":
        appdata = os.environ.get("APPDATA") or str(home / "AppData" / "Roaming")
        return [home / "pip" / "pip.ini", Path(appdata) / "pip" / "pip.ini"]
    files = [home / ".pip" / "pip.conf"]  # legacy, overridden by the new location
    if sys.platform == "darwin":
        mac = home / "Library" / "Application Support" / "pip" / "pip.conf"
        if mac.is_file():
            files.append(mac)
            return files
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(home / ".config")
    files.append(Path(xdg) / "pip" / "pip.conf")
    return files


def _site_files() -> list[Path]:
    return [Path(sys.prefix) / ("pip.ini" if sys.platform == "win32" else "pip.conf")]


def config_files() -> list[Path]:
    """Every file pip would read, lowest precedence first (existing or not)."""
    env_file = os.environ.get("PIP_CONFIG_FILE")
    files = _global_files()
    if not (env_file and os.path.exists(env_file)):
        files += _user_files()
    files += _site_files()
    if env_file:
        files.append(Path(env_file))
    return files


def _read(path: Path) -> dict[str, str]:
    """``{"global.index-url": value}`` of one file; unreadable files count as empty
    (pip errors out on a malformed file; lint-env says so in one line instead)."""
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        raise PipConfigError(f"{path}: cannot read pip configuration: {exc.message}") from None
    out = {}
    for section in parser.sections():
        for key, value in parser.items(section):
            out[f"{section.lower()}.{key.lower().replace('_', '-')}"] = value
    return out


class PipConfigError(ValueError):
    """A pip configuration file that pip would refuse too (one line, names the file)."""


def _env_var(key: str) -> str | None:
    value = os.environ.get("PIP_" + key.upper().replace("-", "_"))
    return value if value is not None and value.strip() else None


def read_settings(files: list[Path] | None = None) -> IndexSettings:
    merged: dict[str, tuple[str, str]] = {}  # "section.key" -> (value, file)
    for path in config_files() if files is None else files:
        for key, value in _read(path).items():
            merged[key] = (value, str(path))
    sources: dict[str, str] = {}

    def get(key: str) -> str | None:
        env = _env_var(key)
        if env is not None:
            sources[key] = "PIP_" + key.upper().replace("-", "_")
            return env
        for section in (COMMAND, "global"):
            hit = merged.get(f"{section}.{key}")
            if hit is not None and hit[0].strip():
                sources[key] = f"{hit[1]} [{section}]"
                return hit[0]
        return None

    index = (get("index-url") or "").split()
    extras = tuple((get("extra-index-url") or "").split())
    timeout_text = get("timeout")
    timeout = None
    if timeout_text:
        try:
            timeout = float(timeout_text)
        except ValueError:
            raise PipConfigError(
                f"pip configuration: timeout is not a number: {timeout_text!r}"
            ) from None
        if timeout <= 0:
            timeout = None
    return IndexSettings(
        index_url=index[0] if index else None,
        extra_index_urls=extras,
        cert=get("cert"),
        client_cert=get("client-cert"),
        timeout=timeout,
        proxy=get("proxy"),
        trusted_hosts=tuple((get("trusted-host") or "").split()),
        find_links=tuple((get("find-links") or "").split()),
        keyring_provider=(get("keyring-provider") or "").strip() or None,
        sources=sources,
    )


def find_links_dirs(settings: IndexSettings) -> tuple[tuple[Path, ...], list[str]]:
    """The local folders among pip's ``find-links`` (a path or a ``file:`` URL), and a
    note for each URL that is not read: a look-up asks the configured indexes only and
    never fetches other pages."""
    import urllib.parse
    import urllib.request

    dirs: list[Path] = []
    notes: list[str] = []
    for item in settings.find_links:
        scheme = urllib.parse.urlsplit(item).scheme.lower()
        if scheme == "file":
            dirs.append(Path(urllib.request.url2pathname(urllib.parse.urlsplit(item).path)))
        elif len(scheme) > 1:  # http(s) and other URLs (a drive letter is one character)
            notes.append(f"find-links {item.split('@')[-1]} is a URL: not read")
        else:
            dirs.append(Path(os.path.expanduser(item)))
    return tuple(d for d in dirs if d.is_dir()), notes


def unsupported_notes(settings: IndexSettings) -> list[str]:
    """One line per pip setting in effect that lint-env's look-ups do not follow."""
    notes = find_links_dirs(settings)[1]
    if settings.keyring_provider and settings.keyring_provider.lower() != "disabled":
        notes.append(
            f"keyring-provider = {settings.keyring_provider} is not supported: credentials "
            "come from the index URL or ~/.netrc only"
        )
    return notes
