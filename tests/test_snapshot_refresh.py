"""The snapshot script against a real HTTP index on 127.0.0.1 (no network).

The index serves tests/fixtures/index/: ``jsonpkg.json`` as a PEP 691 JSON project
page (gzip-compressed when the client accepts it) and ``html-pkg.html`` as a PEP 503
HTML page. The expected snapshots below were written by hand from those fixtures.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import expanded_snapshot
from lint_env import snapshot_refresh as sr
from lint_env.snapshot import load_package, snapshot_packages
from packaging.specifiers import SpecifierSet
from packaging.version import Version

FIXTURES = Path(__file__).parent / "fixtures" / "index"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
TAKEN = "2026-01-02"

EXPECTED_JSONPKG = [
    {"version": "0.9", "yanked": False, "requires_python": None, "sdist": True, "wheels": []},
    {
        "version": "1.0.0",
        "yanked": False,
        "requires_python": ">=3.8",
        "sdist": True,
        "wheels": ["py2.py3-none-any"],
    },
    {
        # the yanked cp310 wheel is left out; i686, win32 and musllinux tags are dropped
        "version": "1.1.0",
        "yanked": False,
        "requires_python": ">=3.9",
        "sdist": True,
        "wheels": [
            "cp311-cp311-macosx_11_0_arm64",
            "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
            "cp311-cp311-win_amd64",
        ],
    },
    {
        # every file yanked: the release is yanked and keeps its files
        "version": "1.2.0",
        "yanked": True,
        "requires_python": ">=3.12",
        "sdist": True,
        "wheels": ["cp312-abi3-macosx_10_9_universal2"],
    },
    {
        "version": "1.10.0",
        "yanked": False,
        "requires_python": ">=3.9",
        "sdist": False,
        "wheels": ["cp39-cp39-macosx_11_0_arm64"],
    },
    {
        "version": "2.0.0rc1",
        "yanked": False,
        "requires_python": ">=3.10",
        "sdist": False,
        "wheels": ["py3-none-any"],
    },
]

EXPECTED_HTML_PKG = [
    {"version": "0.1.0", "yanked": False, "requires_python": ">=3.7", "sdist": True, "wheels": []},
    {
        # the yanked arm64 wheel is left out, ppc64le dropped; requires_python is the most
        # common value among the wheels (packaging's normal form of ">=3.9,<3.13")
        "version": "0.2.0",
        "yanked": False,
        "requires_python": "<3.13,>=3.9",
        "sdist": False,
        "wheels": [
            "cp310-cp310-manylinux2014_aarch64",
            "cp39-cp39-macosx_10_9_x86_64",
            "py3-none-any",
        ],
    },
    {
        "version": "0.3.0",
        "yanked": True,
        "requires_python": ">=3.8",
        "sdist": False,
        "wheels": ["py3-none-any"],
    },
    {"version": "0.4.0b2", "yanked": False, "requires_python": None, "sdist": True, "wheels": []},
    {"version": "0.5", "yanked": False, "requires_python": None, "sdist": True, "wheels": []},
]


class _IndexHandler(BaseHTTPRequestHandler):
    requests: list[tuple[str, str, str]]  # (path, Accept, Accept-Encoding)
    fail_first: dict[str, int]  # path -> number of 503 answers still to give

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        accept = self.headers.get("Accept", "")
        encoding = self.headers.get("Accept-Encoding", "")
        self.requests.append((self.path, accept, encoding))
        if self.fail_first.get(self.path, 0) > 0:
            self.fail_first[self.path] -= 1
            self._send(503, "text/plain", b"busy")
            return
        parts = self.path.strip("/").split("/")
        if len(parts) != 2 or parts[0] != "simple":
            self._send(404, "text/plain", b"not found")
            return
        name = parts[1]
        as_json = FIXTURES / f"{name}.json"
        as_html = FIXTURES / f"{name}.html"
        if as_json.is_file() and JSON_TYPE in accept:
            body = as_json.read_bytes()
            if "gzip" in encoding:
                self._send(200, JSON_TYPE, gzip.compress(body), {"Content-Encoding": "gzip"})
            else:
                self._send(200, JSON_TYPE, body)
        elif as_html.is_file():
            self._send(200, "text/html; charset=utf-8", as_html.read_bytes())
        else:
            self._send(404, "text/plain", b"not found")

    def _send(
        self, code: int, ctype: str, body: bytes, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


class Index:
    def __init__(self) -> None:
        handler = type("Handler", (_IndexHandler,), {"requests": [], "fail_first": {}})
        self.handler = handler
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/simple"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def requests(self) -> list[tuple[str, str, str]]:
        return self.handler.requests


@pytest.fixture
def index() -> Iterator[Index]:
    idx = Index()
    idx.thread.start()
    try:
        yield idx
    finally:
        idx.server.shutdown()
        idx.server.server_close()


@pytest.fixture
def clean_env(tmp_path: Path) -> dict[str, str]:
    """The environment without pip index settings, and with no pip configuration files."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


def run_script(
    args: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lint_env.snapshot_refresh", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def read_json(path: Path) -> dict:
    """A written file; a package file in the compact encoding (``"format": 2``: a tag
    table and rows ``[version, flags, requires_python, [tag indices]]``) is expanded to
    one object per release, the form the expectations below are written in."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    if raw.get("format") == 2:
        assert raw["tags"] == sorted(set(raw["tags"]))  # each tag once, sorted
    return expanded_snapshot(raw)
    assert raw["tags"] == sorted(set(raw["tags"]))  # each tag once, sorted
    tags = raw.pop("tags")
    del raw["format"]
    raw["releases"] = [
        {
            "version": version,
            "yanked": "y" in flags,
            "requires_python": rp or None,
            "sdist": "s" in flags,
            "wheels": [tags[i] for i in indices],
        }
        for version, flags, rp, indices in raw["releases"]
    ]
    return raw


def assert_snapshot(out: Path) -> None:
    jp = read_json(out / "jsonpkg.json")
    assert jp == {"name": "jsonpkg", "taken": TAKEN, "releases": EXPECTED_JSONPKG}
    hp = read_json(out / "html-pkg.json")
    assert hp == {"name": "html-pkg", "taken": TAKEN, "releases": EXPECTED_HTML_PKG}
    meta = read_json(out / "_meta.json")
    assert meta["taken"] == TAKEN
    assert meta["script"] == "python -m lint_env.snapshot_refresh"
    assert meta["packages"] == ["html-pkg", "jsonpkg"]
    assert meta["failed"] == []


def test_json_and_html_pages_with_index_url(index: Index, tmp_path: Path, clean_env) -> None:
    out = tmp_path / "snap"
    args = ["--out", str(out), "--index-url", index.url, "--taken", TAKEN, "jsonpkg", "HTML_Pkg"]
    done = run_script(args, clean_env)
    assert done.returncode == 0, done.stderr
    assert_snapshot(out)
    # the JSON page was asked for (and served gzip-compressed), by canonical name
    paths = {p: (accept, enc) for p, accept, enc in index.requests}
    assert set(paths) == {"/simple/jsonpkg/", "/simple/html-pkg/"}
    assert JSON_TYPE in paths["/simple/jsonpkg/"][0]
    assert "gzip" in paths["/simple/jsonpkg/"][1]
    # a progress line per package on stderr
    lines = done.stderr.splitlines()
    assert any("jsonpkg: 6 releases (json" in line for line in lines)
    assert any("html-pkg: 5 releases (html" in line for line in lines)
    # one tag and one release per line, and no host written into the snapshot
    text = (out / "jsonpkg.json").read_text(encoding="utf-8")
    tags = {t for r in EXPECTED_JSONPKG for t in r["wheels"]}
    assert len(text.splitlines()) == len(EXPECTED_JSONPKG) + len(tags) + 9
    assert "127.0.0.1" not in text
    assert "127.0.0.1" not in (out / "_meta.json").read_text(encoding="utf-8")


def test_loader_reads_the_written_snapshot(index: Index, tmp_path: Path, clean_env) -> None:
    out = tmp_path / "snap"
    args = ["--out", str(out), "--index-url", index.url, "--taken", TAKEN, "jsonpkg", "html-pkg"]
    assert run_script(args, clean_env).returncode == 0
    pkg = load_package("JsonPkg", directory=out)
    assert pkg is not None
    assert pkg.name == "jsonpkg" and pkg.taken == TAKEN
    assert [r.version for r in pkg.releases] == [
        Version(v) for v in ("0.9", "1.0.0", "1.1.0", "1.2.0", "1.10.0", "2.0.0rc1")
    ]
    r110 = pkg.releases[2]
    assert r110.requires_python == SpecifierSet(">=3.9")
    assert r110.sdist and not r110.yanked
    assert {(w.python, w.abi, w.platform) for w in r110.wheels} == {
        ("cp311", "cp311", "macosx_11_0_arm64"),
        ("cp311", "cp311", "manylinux_2_17_x86_64.manylinux2014_x86_64"),
        ("cp311", "cp311", "win_amd64"),
    }
    assert pkg.releases[3].yanked
    assert pkg.releases[1].wheels[0].python == "py2.py3"
    html = load_package("html-pkg", directory=out)
    assert html is not None
    assert html.releases[1].requires_python == SpecifierSet(">=3.9,<3.13")
    assert snapshot_packages(out) == frozenset({"jsonpkg", "html-pkg"})


def test_index_url_from_environment(index: Index, tmp_path: Path, clean_env) -> None:
    out = tmp_path / "snap"
    env = {**clean_env, "PIP_INDEX_URL": index.url}
    done = run_script(["--out", str(out), "--taken", TAKEN, "jsonpkg", "html-pkg"], env)
    assert done.returncode == 0, done.stderr
    assert "from PIP_INDEX_URL" in done.stderr
    assert_snapshot(out)


def _has_pip() -> bool:
    import importlib.util

    return importlib.util.find_spec("pip") is not None


@pytest.mark.skipif(not _has_pip(), reason="pip is not installed in this interpreter")
def test_index_url_from_pip_config_file(index: Index, tmp_path: Path, clean_env) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text(f"[global]\nindex-url = {index.url}\ntimeout = 5\n", encoding="utf-8")
    out = tmp_path / "snap"
    env = {**clean_env, "PIP_CONFIG_FILE": str(conf)}
    done = run_script(["--out", str(out), "--taken", TAKEN, "jsonpkg", "html-pkg"], env)
    assert done.returncode == 0, done.stderr
    assert "from pip configuration" in done.stderr
    assert_snapshot(out)


@pytest.mark.skipif(not _has_pip(), reason="pip is not installed in this interpreter")
def test_install_section_wins_over_global(tmp_path: Path, clean_env, monkeypatch) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text(
        "[global]\nindex-url = http://127.0.0.1:9/global\n"
        "[install]\nindex-url = http://127.0.0.1:9/install\n",
        encoding="utf-8",
    )
    for k in [k for k in os.environ if k.startswith("PIP_")]:
        monkeypatch.delenv(k)
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    assert sr.resolve_index_url(None) == ("http://127.0.0.1:9/install", "pip configuration")
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/env")
    assert sr.resolve_index_url(None) == ("http://127.0.0.1:9/env", "PIP_INDEX_URL")
    assert sr.resolve_index_url("http://127.0.0.1:9/flag") == (
        "http://127.0.0.1:9/flag",
        "--index-url",
    )


@pytest.mark.skipif(not _has_pip(), reason="pip is not installed in this interpreter")
def test_pip_default_when_nothing_is_configured(monkeypatch) -> None:
    for k in [k for k in os.environ if k.startswith("PIP_")]:
        monkeypatch.delenv(k)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    url, source = sr.resolve_index_url(None)
    assert source == "pip default"
    assert url.startswith("https://") and url.rstrip("/").endswith("/simple")


def test_missing_package_is_one_error_line_and_others_are_written(
    index: Index, tmp_path: Path, clean_env
) -> None:
    out = tmp_path / "snap"
    args = ["--out", str(out), "--index-url", index.url, "--taken", TAKEN]
    done = run_script([*args, "jsonpkg", "no-such-pkg", "html-pkg"], clean_env)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(errors) == 1
    assert "no-such-pkg" in errors[0] and "404" in errors[0]
    assert "Traceback" not in done.stderr
    assert not (out / "no-such-pkg.json").exists()
    assert read_json(out / "jsonpkg.json")["releases"] == EXPECTED_JSONPKG
    assert read_json(out / "html-pkg.json")["releases"] == EXPECTED_HTML_PKG
    meta = read_json(out / "_meta.json")
    assert meta["failed"] == ["no-such-pkg"]
    assert meta["packages"] == ["html-pkg", "jsonpkg"]


def test_failed_refresh_keeps_the_previous_file(index: Index, tmp_path: Path, clean_env) -> None:
    out = tmp_path / "snap"
    args = ["--out", str(out), "--index-url", index.url, "--retries", "0"]
    assert run_script([*args, "--taken", "2025-05-05", "jsonpkg"], clean_env).returncode == 0
    before = (out / "jsonpkg.json").read_text(encoding="utf-8")
    index.handler.fail_first["/simple/jsonpkg/"] = 5
    done = run_script([*args, "--taken", TAKEN, "jsonpkg", "html-pkg"], clean_env)
    assert done.returncode == 1
    assert "jsonpkg: error: HTTP 503" in done.stderr
    assert (out / "jsonpkg.json").read_text(encoding="utf-8") == before
    meta = read_json(out / "_meta.json")
    assert meta["packages"] == ["html-pkg", "jsonpkg"]
    assert meta["failed"] == ["jsonpkg"]


def test_transient_errors_are_retried(index: Index, tmp_path: Path) -> None:
    index.handler.fail_first["/simple/jsonpkg/"] = 2
    out = tmp_path / "snap"
    args = ["--out", str(out), "--index-url", index.url, "--taken", TAKEN, "--retries", "2"]
    assert sr.main([*args, "jsonpkg"]) == 0
    assert [p for p, _, _ in index.requests] == ["/simple/jsonpkg/"] * 3
    assert read_json(out / "jsonpkg.json")["releases"] == EXPECTED_JSONPKG


def test_retries_are_bounded(index: Index, tmp_path: Path, capsys) -> None:
    index.handler.fail_first["/simple/jsonpkg/"] = 100
    args = ["--out", str(tmp_path), "--index-url", index.url, "--retries", "1", "jsonpkg"]
    assert sr.main(args) == 1
    assert len(index.requests) == 2
    assert "HTTP 503" in capsys.readouterr().err


def test_server_that_never_answers_times_out(tmp_path: Path, clean_env) -> None:
    # A listening socket that is never accepted: connections complete in the kernel
    # backlog, and no byte ever comes back.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/simple"
        start = time.monotonic()
        done = run_script(
            [
                "--out",
                str(tmp_path),
                "--index-url",
                url,
                "--timeout",
                "0.3",
                "--retries",
                "1",
                "jsonpkg",
                "html-pkg",
            ],
            clean_env,
            timeout=30,
        )
        elapsed = time.monotonic() - start
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(errors) == 2
    assert all("timed out after 0.3s (2 attempts)" in line for line in errors)
    assert elapsed < 15
    assert not (tmp_path / "jsonpkg.json").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--timeout", "-1", "x"],
        ["--retries", "99", "x"],
        ["bad/name"],
        ["--taken", "yesterday", "x"],
    ],
)
def test_usage_errors_exit_2(args: list[str], tmp_path: Path, clean_env) -> None:
    done = run_script(
        ["--out", str(tmp_path), "--index-url", "http://127.0.0.1:9/", *args], clean_env
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "error" in done.stderr


def test_non_http_index_url_is_refused(tmp_path: Path, clean_env) -> None:
    done = run_script(
        ["--out", str(tmp_path), "--index-url", "ftp://127.0.0.1/simple", "x"], clean_env
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith("error: not an http(s) or file index")


def test_file_index(tmp_path: Path) -> None:
    """A local file:// index laid out as pip's --index-url expects (dir/<name>/index.html)."""
    root = tmp_path / "simple"
    (root / "html-pkg").mkdir(parents=True)
    (root / "html-pkg" / "index.html").write_bytes((FIXTURES / "html-pkg.html").read_bytes())
    out = tmp_path / "snap"
    args = ["--out", str(out), "--index-url", root.as_uri(), "--taken", TAKEN]
    assert sr.main([*args, "html-pkg"]) == 0
    assert read_json(out / "html-pkg.json")["releases"] == EXPECTED_HTML_PKG
    assert sr.main([*args, "missing"]) == 1


# --- page parsing, without a server ----------------------------------------------------


def test_html_attributes_are_unescaped_and_yanked_is_presence() -> None:
    files = sr.parse_html_page(
        '<a href="x/p-1.0-py3-none-any.whl#sha256=0" data-requires-python="&gt;=3.8,&lt;4" '
        "data-yanked>p-1.0-py3-none-any.whl</a>"
        '<a href="x/p-1.1.tar.gz">p-1.1.tar.gz</a>'
    )
    assert files == [
        sr.IndexFile("p-1.0-py3-none-any.whl", ">=3.8,<4", True),
        sr.IndexFile("p-1.1.tar.gz", None, False),
    ]


def test_json_page_problems_are_clear_errors() -> None:
    with pytest.raises(sr.RefreshError, match="no 'files' list"):
        sr.parse_json_page({"meta": {"api-version": "1.0"}})
    with pytest.raises(sr.RefreshError, match=r"unsupported simple API version 2\.0"):
        sr.parse_json_page({"meta": {"api-version": "2.0"}, "files": []})
    with pytest.raises(sr.RefreshError, match="not valid JSON"):
        sr.parse_page(sr.Page(JSON_TYPE, b"{broken"))


def test_page_with_no_installable_files_is_an_error(index: Index, tmp_path: Path) -> None:
    outcome = sr.refresh_one(index.url, "jsonpkg", tmp_path, TAKEN, 5, 0)
    assert outcome.error is None
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "index.html").write_text("<html><a href='e-1.0.exe'>e-1.0.exe</a></html>")
    bad = sr.refresh_one(tmp_path.as_uri(), "empty", tmp_path, TAKEN, 5, 0)
    assert bad.error == "the project page lists no installable files"


def test_pip_config_list_parsing() -> None:
    text = (
        "global.index-url='https://example.invalid/simple'\n"
        ":env:.default-timeout='180'\n"
        "install.extra-index-url='a b'\n"
    )
    cfg = sr.parse_pip_config_list(text)
    assert cfg["global.index-url"] == "https://example.invalid/simple"
    assert sr.index_url_from_config(cfg) == "https://example.invalid/simple"
    assert sr.index_url_from_config({"install.extra-index-url": "x"}) is None


def test_html_file_name_from_text_then_href_and_unclosed_anchors() -> None:
    files = sr.parse_html_page(
        # a proxy-style link whose path says nothing: the anchor text names the file
        '<a href="/download?id=7">p-2.0-py3-none-any.whl</a>'
        # no usable text: the link's last path segment (percent-decoded)
        '<a href="../files/p-2.1%2Blocal.tar.gz#md5=0"></a>'
        # an anchor never closed, then another one
        '<a href="x/p-2.2.tar.gz">p-2.2.tar.gz'
        '<a href="x/p-2.3.zip" data-requires-python="&gt;=3.10">p-2.3.zip'
    )
    assert [f.filename for f in files] == [
        "p-2.0-py3-none-any.whl",
        "p-2.1+local.tar.gz",
        "p-2.2.tar.gz",
        "p-2.3.zip",
    ]
    assert files[3].requires_python == ">=3.10"
