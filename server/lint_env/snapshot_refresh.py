"""Refresh the index snapshot (``rules/index/``) from the package index pip uses.

    python -m lint_env.snapshot_refresh [--out DIR] [--index-url URL] [--timeout S]
                                        [--retries N] [--taken YYYY-MM-DD] [PACKAGES...]

For each package (the rules' list below and ``data/snapshot_packages.txt``, or the
names given) it reads the project
page of a PEP 503 / PEP 691 "simple" index and writes ``<out>/<canonical>.json``
(see rules/README.md, "The index snapshot"; compact encoding, :func:`render_package`)
plus ``<out>/_meta.json``.

Which index: ``--index-url`` > ``PIP_INDEX_URL`` > pip's configuration files
(``install.index-url`` over ``global.index-url``, the files pip reads, with
``PIP_CONFIG_FILE``: see pipconfig) > pip's own default, asked from pip in a subprocess.
No host is written in this file or in the snapshot. The HTTP side (proxies, pip's
``cert``, netrc, retries) is index_client's, shared with ``lint-env update``.

What goes in, per release (one final or pre-release version; files of one version
are merged):

* ``wheels``: the ``python-abi-platform`` tag triple of every wheel, as written in the
  file name (compressed tag sets such as ``py2.py3`` or
  ``manylinux1_x86_64.manylinux2014_x86_64`` stay compressed), deduplicated and
  sorted. Platform tags no lint-env target can install are dropped to keep the
  snapshot small: see ``DROPPED_PLATFORMS`` (32-bit x86 and ARM, ppc64le, s390x,
  riscv64, musllinux, Windows other than win_amd64, iOS/Android). A wheel whose every
  platform tag is dropped is left out.
* ``sdist``: whether a source archive (.tar.gz, .zip, .tar.bz2, .tgz, .tar.xz) exists.
* ``yanked``: true when every file of the release is yanked. In a partly yanked
  release the yanked files are left out (pip ignores them); in a fully yanked one
  all files are kept (an exact ``==`` pin still installs them).
* ``requires_python``: the most common value among the wheels (the sdists' when no
  wheel has one); ties go to the alphabetically first.

Eggs, Windows installers and other files are ignored. Releases are sorted by version.

Exit status: 0 every package written; 1 some package failed (the others are still
written, and a failed package's previous file is kept); 2 usage error or no index.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import functools
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

SCRIPT = "python -m lint_env.snapshot_refresh"

# The packages the rules cover (rules/*.toml and shared research, sections 1-6).
DEFAULT_PACKAGES: tuple[str, ...] = (
    # TensorFlow and its family
    "tensorflow",
    "tensorflow-macos",
    "tensorflow-metal",
    "tensorflow-cpu",
    "tensorflow-gpu",
    "tensorflow-intel",
    "tensorflow-aarch64",
    "tensorflow-rocm",
    "intel-tensorflow",
    "tensorflow-text",
    "tensorflow-io",
    "tensorflow-io-gcs-filesystem",
    "tensorflow-addons",
    "tensorflow-probability",
    "tensorflow-datasets",
    "tensorboard",
    "tf-keras",
    "keras",
    "ml-dtypes",
    "protobuf",
    # scientific stack / first-arm64-wheel floors
    "numpy",
    "scipy",
    "h5py",
    "pandas",
    "scikit-learn",
    "matplotlib",
    "pillow",
    "grpcio",
    "pyarrow",
    "numba",
    "llvmlite",
    "tokenizers",
    "sentencepiece",
    "psycopg2-binary",
    "lxml",
    "opencv-python",
    "opencv-python-headless",
    "opencv-contrib-python",
    "pyqt5",
    "xgboost",
    "lightgbm",
    "onnxruntime",
    "onnxruntime-gpu",
    "mkl",
    # PyTorch
    "torch",
    "torchvision",
    "torchaudio",
    # JAX
    "jax",
    "jaxlib",
    "jax-metal",
    # retired / CUDA-only
    "mxnet",
    "theano",
    # GPU / CUDA-only or Linux-only builds ML projects pin (no macOS arm64 wheel, or none
    # for some Pythons); WH001 judges them from their file lists
    "triton",
    "scann",
    "bitsandbytes",
    "flash-attn",
    "mamba-ssm",
    "causal-conv1d",
    "xformers",
    "deepspeed",
    # NVIDIA DALI is published per CUDA major; the bare "nvidia-dali" project holds only
    # placeholder pre-releases
    "nvidia-dali-cuda110",
    "nvidia-dali-cuda120",
    "nvidia-dali-cuda130",
    "cupy-cuda11x",
    "cupy-cuda12x",
    "cupy-cuda13x",
    "tensorrt",
    "tflite-runtime",
    # native libraries with few or no Mac wheels
    "pyaudio",
    "dlib",
    "tbb",
)


def default_packages() -> tuple[str, ...]:
    """The rules' list, then the wider list the shipped snapshot holds
    (``data/snapshot_packages.txt``: the names ML projects pin and what they install)."""
    path = Path(__file__).parent / "data" / "snapshot_packages.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        text = ""
    more = (ln.split("#", 1)[0].strip() for ln in text.splitlines())
    return tuple(dict.fromkeys([*DEFAULT_PACKAGES, *(n for n in more if n)]))


# Platform tags (one part of a possibly compressed set) that no lint-env target
# (macos-arm64, macos-x86_64, linux-x86_64, linux-aarch64, windows-x86_64) installs.
DROPPED_PLATFORMS: tuple[str, ...] = (
    r"win32",
    r"win_arm64",
    r"win_ia64",
    r".*_i686",
    r".*_i386",
    r".*_ppc64le",
    r".*_ppc64",
    r".*_ppc",
    r".*_s390x",
    r".*_armv6l",
    r".*_armv7l",
    r".*_riscv64",
    r".*_loongarch64",
    r"musllinux_.*",
    r"ios_.*",
    r"android_.*",
)
_DROPPED_RE = re.compile("|".join(f"(?:{p})" for p in DROPPED_PLATFORMS), re.IGNORECASE)

SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar")
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
ACCEPT = f"{JSON_TYPE}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"
USER_AGENT = "lint-env-snapshot-refresh"


class RefreshError(Exception):
    """A failure with a one-line, user-facing message."""


# --- where the index is -------------------------------------------------------------


def _run(cmd: list[str], timeout: float = 60.0) -> str | None:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    try:
        done = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout


_CONFIG_LINE = re.compile(r"^(?P<key>[^=\s]+)=(?P<value>.*)$")


def parse_pip_config_list(text: str) -> dict[str, str]:
    """``pip config list`` output (``global.index-url='https://…'``) -> {key: value}."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        m = _CONFIG_LINE.match(line.strip())
        if not m:
            continue
        value = m.group("value").strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out[m.group("key").lower()] = value
    return out


def index_url_from_config(config: dict[str, str]) -> str | None:
    """The index pip's ``install`` command would use, from its configuration files."""
    for key in ("install.index-url", "global.index-url", "install.index_url", "global.index_url"):
        value = config.get(key, "").split()
        if value:
            return value[0]
    return None


def resolve_index_url(flag: str | None) -> tuple[str, str]:
    """(index URL, where it came from). Raises RefreshError when none can be found."""
    if flag:
        return flag, "--index-url"
    env = os.environ.get("PIP_INDEX_URL", "").split()
    if env:
        return env[0], "PIP_INDEX_URL"
    # pip's files, read as pip reads them (pipconfig; shared with `lint-env update`)
    from .pipconfig import PipConfigError, read_settings

    try:
        url = read_settings().index_url
    except PipConfigError as exc:
        raise RefreshError(str(exc)) from None
    if url:
        return url, "pip configuration"
    # pip's own default, asked from pip so that no host is written here.
    ask = "from pip._internal.models.index import PyPI; print(PyPI.simple_url)"
    candidates = [[sys.executable, "-c", ask]]
    for exe in ("python3", "python"):
        path = shutil.which(exe)
        if path:
            candidates.append([path, "-c", ask])
    for cmd in candidates:
        out = _run(cmd)
        if out and out.strip():
            return out.strip().splitlines()[-1].strip(), "pip default"
    raise RefreshError("cannot find the package index: pip is not available; pass --index-url URL")


# --- fetching -----------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    content_type: str
    body: bytes


def project_url(index_url: str, name: str) -> str:
    return index_url.rstrip("/") + "/" + urllib.parse.quote(name) + "/"


def _decode_body(raw: bytes, encoding: str | None) -> bytes:
    enc = (encoding or "").lower()
    if enc == "gzip":
        return gzip.decompress(raw)
    if enc == "deflate":
        try:
            return zlib.decompress(raw)
        except zlib.error:
            return zlib.decompress(raw, -zlib.MAX_WBITS)
    return raw


def _fetch_file(url: str) -> Page:
    path = Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path))
    if path.is_dir():
        for candidate in ("index.html", "index.json"):
            if (path / candidate).is_file():
                path = path / candidate
                break
        else:
            raise RefreshError("not found on the index")
    try:
        body = path.read_bytes()
    except FileNotFoundError:
        raise RefreshError("not found on the index") from None
    except OSError as exc:
        raise RefreshError(f"cannot read {path}: {exc.strerror}") from None
    ctype = JSON_TYPE if path.suffix == ".json" else "text/html"
    return Page(ctype, body)


def fetch_page(url: str, timeout: float, retries: int) -> Page:
    """GET a project page (JSON preferred), retrying transient failures a bounded number
    of times. Raises RefreshError with a one-line reason. The HTTP side (proxies, pip's
    certificates, netrc) is index_client's, shared with `lint-env update`."""
    if urllib.parse.urlparse(url).scheme == "file":
        return _fetch_file(url)
    from .index_client import FetchError

    try:
        resp = _session(timeout).get(url, retries=retries)
    except FetchError as exc:
        if not exc.transient:
            raise RefreshError(str(exc)) from None
        tries = retries + 1
        raise RefreshError(f"{exc} ({tries} attempt{'s' if tries != 1 else ''})") from None
    return Page(resp.content_type, resp.body)


@functools.cache
def _session(timeout: float):
    from .index_client import FetchError, Session
    from .pipconfig import PipConfigError, read_settings

    try:
        return Session(read_settings(), timeout)
    except (PipConfigError, FetchError) as exc:
        raise RefreshError(str(exc)) from None


# --- parsing project pages ----------------------------------------------------------


@dataclass(frozen=True)
class IndexFile:
    filename: str
    requires_python: str | None = None
    yanked: bool = False


def _looks_like_file(text: str) -> bool:
    lower = text.lower()
    return (
        bool(text)
        and not any(c.isspace() for c in text)
        and (
            lower.endswith((".whl", ".egg", ".exe", ".msi", ".rpm", ".dmg"))
            or lower.endswith(SDIST_SUFFIXES)
        )
    )


class _AnchorParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.files: list[IndexFile] = []
        self._attrs: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._flush()  # an anchor left open
            self._attrs = dict(attrs)
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._attrs is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._flush()

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self) -> None:
        if self._attrs is None:
            return
        attrs, self._attrs = self._attrs, None
        text = "".join(self._text).strip()
        href = attrs.get("href") or ""
        from_href = urllib.parse.unquote(urllib.parse.urlparse(href).path.rsplit("/", 1)[-1])
        # PEP 503: the anchor text is the file name; fall back on the link's last segment.
        filename = text if _looks_like_file(text) else from_href or text
        if not filename:
            return
        rp = attrs.get("data-requires-python")
        self.files.append(
            IndexFile(
                filename=filename,
                requires_python=rp.strip() if rp and rp.strip() else None,
                yanked="data-yanked" in attrs,
            )
        )


def parse_html_page(text: str) -> list[IndexFile]:
    """PEP 503 anchors (with PEP 592 ``data-yanked`` and ``data-requires-python``)."""
    parser = _AnchorParser()
    parser.feed(text)
    parser.close()
    return parser.files


def parse_json_page(data: object) -> list[IndexFile]:
    """A PEP 691 project page; raises RefreshError on an unknown shape or version."""
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise RefreshError("the JSON project page has no 'files' list")
    meta = data.get("meta")
    api = str(meta.get("api-version", "1.0")) if isinstance(meta, dict) else "1.0"
    if not api.startswith("1."):
        raise RefreshError(f"unsupported simple API version {api}")
    files = []
    for f in data["files"]:
        if not isinstance(f, dict) or not isinstance(f.get("filename"), str):
            continue
        rp = f.get("requires-python")
        files.append(
            IndexFile(
                filename=f["filename"],
                requires_python=rp.strip() if isinstance(rp, str) and rp.strip() else None,
                yanked=bool(f.get("yanked")),
            )
        )
    return files


def parse_page(page: Page) -> tuple[list[IndexFile], str]:
    """Files on a project page, and which format it was ("json" / "html")."""
    ctype = page.content_type.split(";")[0].strip().lower()
    looks_json = page.body.lstrip()[:1] == b"{"
    if ctype == JSON_TYPE or (ctype.endswith("json") and looks_json) or (not ctype and looks_json):
        try:
            data = json.loads(page.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise RefreshError(f"the JSON project page is not valid JSON: {exc}") from None
        return parse_json_page(data), "json"
    charset = "utf-8"
    m = re.search(r"charset=([\w-]+)", page.content_type, re.IGNORECASE)
    if m:
        charset = m.group(1)
    try:
        text = page.body.decode(charset, errors="replace")
    except LookupError:
        text = page.body.decode("utf-8", errors="replace")
    return parse_html_page(text), "html"


# --- files -> releases --------------------------------------------------------------


@dataclass
class _Release:
    files: list[tuple[IndexFile, str | None]] = field(default_factory=list)  # (file, wheel tag)


def _sdist_version(filename: str, canon: str) -> str | None:
    from packaging.utils import InvalidSdistFilename, canonicalize_name, parse_sdist_filename

    lower = filename.lower()
    for suffix in SDIST_SUFFIXES:
        if lower.endswith(suffix):
            stem = filename[: -len(suffix)]
            break
    else:
        return None
    try:
        name, version = parse_sdist_filename(stem + ".tar.gz")
    except (InvalidSdistFilename, ValueError):
        return None
    if canonicalize_name(name) != canon:
        # "name-ver" splits at the last dash; a versionless or oddly named file is not ours.
        return None
    return str(version)


def _wheel_tag(filename: str, canon: str) -> tuple[str, str] | None:
    """(version, "py-abi-plat" with dropped platform parts removed) or None."""
    from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

    try:
        name, version, _build, _tags = parse_wheel_filename(filename)
    except (InvalidWheelFilename, ValueError):
        return None
    if canonicalize_name(name) != canon:
        return None
    py, abi, plat = filename[: -len(".whl")].split("-")[-3:]
    kept = [p for p in plat.split(".") if not _DROPPED_RE.fullmatch(p)]
    if not kept:
        return str(version), ""
    return str(version), f"{py}-{abi}-{'.'.join(kept)}"


def _normal_requires_python(value: str) -> str:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return str(SpecifierSet(value))
    except InvalidSpecifier:
        return value


def _pick_requires_python(files: Sequence[tuple[IndexFile, str | None]]) -> str | None:
    wheel_values = [f.requires_python for f, tag in files if tag is not None and f.requires_python]
    values = wheel_values or [f.requires_python for f, _ in files if f.requires_python]
    if not values:
        return None
    counts = Counter(_normal_requires_python(v) for v in values)
    best = max(counts.values())
    return min(v for v, n in counts.items() if n == best)


def build_releases(name: str, files: Iterable[IndexFile]) -> list[dict[str, object]]:
    """Merge a project's files into releases (see the module docstring for the rules)."""
    from packaging.version import InvalidVersion, Version

    from .names import canonicalize_name

    canon = canonicalize_name(name)
    by_version: dict[Version, _Release] = {}
    for f in files:
        lower = f.filename.lower()
        tag: str | None
        if lower.endswith(".whl"):
            parsed = _wheel_tag(f.filename, canon)
            if parsed is None:
                continue
            version_text, tag = parsed
        else:
            version_text = _sdist_version(f.filename, canon)
            if version_text is None:
                continue  # .egg, .exe, .msi, .rpm, .dmg, foreign or unparsable names
            tag = None
        try:
            version = Version(version_text)
        except InvalidVersion:
            continue
        by_version.setdefault(version, _Release()).files.append((f, tag))

    releases: list[dict[str, object]] = []
    for version in sorted(by_version):
        rel_files = by_version[version].files
        yanked = all(f.yanked for f, _ in rel_files)
        live = rel_files if yanked else [(f, t) for f, t in rel_files if not f.yanked]
        wheels = sorted({t for _, t in live if t})
        releases.append(
            {
                "version": str(version),
                "yanked": yanked,
                "requires_python": _pick_requires_python(live),
                "sdist": any(t is None for _, t in live),
                "wheels": wheels,
            }
        )
    return releases


# --- writing ------------------------------------------------------------------------


def render_package(name: str, taken: str, releases: Sequence[dict[str, object]]) -> str:
    """The compact encoding (``"format": 2``): every distinct wheel tag once, in a sorted
    ``tags`` table, and one release per line as ``[version, flags, requires_python,
    [tag indices]]`` (flags: ``s`` an sdist exists, ``y`` yanked; ``""`` for no
    requires-python). Tags repeat across releases, so this is a fifth of the size of a
    release-per-object encoding; it stays line-oriented text for reviewable diffs."""

    def dump(obj: object) -> str:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))

    tags = sorted({str(t) for r in releases for t in r.get("wheels", [])})  # type: ignore[union-attr]
    index = {t: i for i, t in enumerate(tags)}
    rows = []
    for r in releases:
        flags = ("s" if r.get("sdist") else "") + ("y" if r.get("yanked") else "")
        wheels = sorted(index[str(t)] for t in r.get("wheels", []))  # type: ignore[union-attr]
        rows.append([str(r["version"]), flags, r.get("requires_python") or "", wheels])

    def block(items: list) -> list[str]:
        return [dump(x) + ("," if i < len(items) - 1 else "") for i, x in enumerate(items)]

    lines = ["{", f'"name":{dump(name)},', '"format":2,', f'"taken":{dump(taken)},']
    lines += ['"tags":[', *block(tags), "],", '"releases":[', *block(rows), "]", "}"]
    return "\n".join(lines) + "\n"


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


@dataclass(frozen=True)
class Outcome:
    name: str
    releases: int = 0
    fmt: str = ""
    seconds: float = 0.0
    error: str | None = None


def refresh_one(
    index_url: str, name: str, out: Path, taken: str, timeout: float, retries: int
) -> Outcome:
    from .names import canonicalize_name

    canon = canonicalize_name(name)
    start = time.monotonic()
    try:
        page = fetch_page(project_url(index_url, canon), timeout, retries)
        files, fmt = parse_page(page)
        releases = build_releases(canon, files)
        if not releases:
            raise RefreshError("the project page lists no installable files")
        _write_atomic(out / f"{canon}.json", render_package(canon, taken, releases))
    except RefreshError as exc:
        return Outcome(canon, seconds=time.monotonic() - start, error=str(exc))
    except OSError as exc:
        return Outcome(canon, seconds=time.monotonic() - start, error=f"cannot write: {exc}")
    return Outcome(canon, len(releases), fmt, time.monotonic() - start)


def _default_out() -> Path:
    from .snapshot import index_dir

    return index_dir()


def _date(text: str) -> str:
    try:
        return _dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _arg_parser() -> argparse.ArgumentParser:
    from .cli import positive_number

    p = argparse.ArgumentParser(
        prog=SCRIPT,
        description="Write the index snapshot (rules/index/) from the simple index pip uses.",
    )
    p.add_argument("packages", nargs="*", metavar="PACKAGE", help="default: the rules' list")
    p.add_argument("--out", type=Path, help="output folder (default: the rules' index/)")
    p.add_argument("--index-url", help="simple index URL (default: pip's configured index)")
    p.add_argument("--timeout", type=positive_number, default=30.0, help="seconds per request")
    p.add_argument("--retries", type=int, default=2, choices=range(0, 6), metavar="0-5")
    p.add_argument("--jobs", type=int, default=4, choices=range(1, 17), metavar="1-16")
    p.add_argument("--taken", type=_date, help="the date to record (default: today, UTC)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _arg_parser().parse_args(argv)
    from .names import canonicalize_name

    names = list(dict.fromkeys(canonicalize_name(n) for n in (args.packages or default_packages())))
    bad = [n for n in names if not re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?", n)]
    if bad:
        print(f"error: not a package name: {', '.join(bad)}", file=sys.stderr)
        return 2
    try:
        index_url, source = resolve_index_url(args.index_url)
    except RefreshError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if urllib.parse.urlparse(index_url).scheme not in ("http", "https", "file"):
        print(f"error: not an http(s) or file index URL: {index_url}", file=sys.stderr)
        return 2
    out: Path = args.out or _default_out()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"error: cannot create {out}: {exc.strerror}", file=sys.stderr)
        return 2
    taken = args.taken or _dt.datetime.now(_dt.timezone.utc).date().isoformat()
    print(f"index: {index_url} (from {source}); {len(names)} packages -> {out}", file=sys.stderr)

    outcomes: list[Outcome] = []
    width = len(str(len(names)))
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [
            pool.submit(refresh_one, index_url, n, out, taken, args.timeout, args.retries)
            for n in names
        ]
        for i, fut in enumerate(futures, 1):
            o = fut.result()
            outcomes.append(o)
            head = f"[{i:>{width}}/{len(names)}] {o.name}:"
            if o.error:
                print(f"{head} error: {o.error}", file=sys.stderr)
            else:
                print(f"{head} {o.releases} releases ({o.fmt}, {o.seconds:.1f}s)", file=sys.stderr)

    written = sorted(o.name for o in outcomes if not o.error)
    failed = sorted(o.name for o in outcomes if o.error)
    meta_path = out / "_meta.json"
    try:
        old = json.loads(meta_path.read_text(encoding="utf-8"))
        previous = old.get("packages", []) if isinstance(old, dict) else []
    except (OSError, ValueError):
        previous = []
    meta = {
        "taken": taken,
        "script": SCRIPT,
        # Every package with a file in this folder (a failed refresh keeps its old file,
        # whose own "taken" says when it was read).
        "packages": sorted(
            {
                *written,
                *(p for p in previous if isinstance(p, str) and (out / f"{p}.json").is_file()),
            }
        ),
        "failed": failed,
        "dropped_platforms": list(DROPPED_PLATFORMS),
        # The packages the rules themselves cover (DEFAULT_PACKAGES): what an import
        # of an undeclared distribution is reported for by default (IM001); the wider
        # list only widens what the wheel checks know.
        "rules_packages": sorted(
            n
            for n in (canonicalize_name(d) for d in DEFAULT_PACKAGES)
            if (out / f"{n}.json").is_file()
        ),
    }
    try:
        _write_atomic(meta_path, json.dumps(meta, sort_keys=True, indent=1) + "\n")
    except OSError as exc:
        print(f"error: cannot write {meta_path}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"wrote {len(written)} packages, {len(failed)} failed", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
