"""`lint-env update`, `check --online` and pip's index settings, against indexes served
on 127.0.0.1 by the test (never a real registry).

The index is a folder written here: empty wheel/sdist files under ``files/`` and, for
each project, ``simple/<name>/index.json`` (PEP 691 JSON) generated from that listing.
The server answers with an ETag (a digest of the page) and 304 to a matching
If-None-Match; it records every request it gets.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import expanded_snapshot, run_cli, write_tree
from lint_env import pipconfig, snapshot, snapshot_store
from lint_env.index_client import FetchError, Session
from lint_env.pipconfig import IndexSettings, read_settings
from lint_env.update import data_age_note

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


# --- the local index ------------------------------------------------------------------


class Index:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()
        self.inflight = 0
        self.max_inflight = 0
        self.delay = 0.0
        self.auth: str | None = None  # "user:password" required when set
        self.html_only = False  # True: a PEP 503 index, text/html pages and no JSON API
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/simple/"

    def publish(self, name: str, filenames: list[str], requires_python: str | None = None):
        """Write the files and the PEP 691 page listing them."""
        files = self.root / "files"
        files.mkdir(parents=True, exist_ok=True)
        for f in filenames:
            (files / f).write_bytes(b"")
        page = {
            "meta": {"api-version": "1.1"},
            "name": name,
            "files": [
                {
                    "filename": f,
                    "url": f"../../files/{f}",
                    "hashes": {"sha256": hashlib.sha256(b"").hexdigest()},
                    "requires-python": requires_python,
                }
                for f in sorted(p.name for p in files.iterdir() if p.name.startswith(_prefix(name)))
            ],
        }
        folder = self.root / "simple" / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "index.json").write_text(json.dumps(page), encoding="utf-8")

    def raw_page(self, name: str, body: bytes) -> None:
        folder = self.root / "simple" / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "index.json").write_bytes(body)

    def paths(self) -> list[str]:
        return [p for p, _ in self.requests]


def _prefix(name: str) -> str:
    return name.replace("-", "_") + "-"


def _html_page(json_body: bytes) -> bytes:
    """A PEP 503 page (PEP 592 data-yanked, data-requires-python) for a PEP 691 one."""
    import html

    page = json.loads(json_body)
    rows = []
    for f in page.get("files", []):
        attrs = f' href="{html.escape(f["url"])}#sha256={f["hashes"]["sha256"]}"'
        if f.get("requires-python"):
            attrs += f' data-requires-python="{html.escape(f["requires-python"])}"'
        if f.get("yanked"):
            attrs += ' data-yanked=""'
        rows.append(f"    <a{attrs}>{html.escape(f['filename'])}</a><br/>")
    text = "<!DOCTYPE html>\n<html>\n  <body>\n" + "\n".join(rows) + "\n  </body>\n</html>\n"
    return text.encode("utf-8")


def _handler(index: Index):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            with index.lock:
                index.requests.append((self.path, dict(self.headers.items())))
                index.inflight += 1
                index.max_inflight = max(index.max_inflight, index.inflight)
            try:
                if index.delay:
                    threading.Event().wait(index.delay)
            finally:
                # counted out before answering: once the answer is written the client
                # may send its next request before this thread runs again
                with index.lock:
                    index.inflight -= 1
            self._answer()

        def _answer(self) -> None:
            if index.auth is not None:
                want = "Basic " + base64.b64encode(index.auth.encode()).decode()
                if self.headers.get("Authorization") != want:
                    self.send_response(401)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
            rel = self.path.split("?", 1)[0].strip("/")
            page = index.root / rel / "index.json"
            if not rel.startswith("simple/") or not page.is_file():
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = page.read_bytes()
            ctype = JSON_TYPE
            if index.html_only:  # the same files as PEP 503 anchors, whatever was asked
                body, ctype = _html_page(body), "text/html; charset=utf-8"
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    idx = Index(tmp_path / "index")
    idx.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(idx))
    thread = threading.Thread(target=idx.server.serve_forever, daemon=True)
    thread.start()
    yield idx
    idx.server.shutdown()
    idx.server.server_close()


class Proxy:
    """A forward proxy that records the absolute URLs asked of it and answers 404."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        proxy = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                proxy.seen.append(self.path)
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_CONNECT(self) -> None:
                proxy.seen.append("CONNECT " + self.path)
                self.send_response(502)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    p = Proxy()
    yield p
    p.close()


@pytest.fixture
def silent() -> Iterator[str]:
    """An index URL whose server accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # the kernel completes the handshakes; nobody reads or writes
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/simple/"
    sock.close()


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def env(tmp_path: Path, monkeypatch) -> dict[str, str]:
    """An environment with our own cache, no user pip files, no proxies; pip.conf at
    tmp/pip.conf (PIP_CONFIG_FILE). Returned as a dict for subprocesses too."""
    for k in list(os.environ):
        if k.startswith("PIP_") or k.upper() in PROXY_VARS:
            monkeypatch.delenv(k)
    conf = tmp_path / "pip.conf"
    conf.write_text("", encoding="utf-8")
    values = {
        "LINT_ENV_CACHE_DIR": str(tmp_path / "cache"),
        "PIP_CONFIG_FILE": str(conf),
        "XDG_CONFIG_DIRS": str(tmp_path / "no-global"),
        "XDG_CONFIG_HOME": str(tmp_path / "no-user"),
        "NETRC": str(tmp_path / "no-netrc"),
    }
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "no-site"))
    snapshot.clear_caches()
    yield {k: v for k, v in os.environ.items() if k.upper() not in PROXY_VARS}
    snapshot.clear_caches()


def _pipconf(env: dict[str, str], text: str) -> None:
    Path(env["PIP_CONFIG_FILE"]).write_text(text, encoding="utf-8")


def _user_file(env: dict[str, str], name: str) -> dict:
    """A user snapshot file; the compact encoding (``"format": 2``, a tag table and rows
    ``[version, flags, requires_python, [tag indices]]``) expanded to one object per
    release, the form the expectations here are written in."""
    path = Path(env["LINT_ENV_CACHE_DIR"]) / "index" / f"{name}.json"
    return expanded_snapshot(json.loads(path.read_text(encoding="utf-8")))


LINUX_ONLY = [
    "gpuonly-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "gpuonly-1.0-cp311-cp311-win_amd64.whl",
]
WITH_MAC = [*LINUX_ONLY, "gpuonly-1.0-cp311-cp311-macosx_11_0_arm64.whl"]


# --- pip's configuration --------------------------------------------------------------


def test_pip_config_precedence(tmp_path: Path, env, monkeypatch) -> None:
    glob = tmp_path / "global" / "pip" / "pip.conf"
    user = tmp_path / "user" / "pip" / "pip.conf"
    site = tmp_path / "site" / "pip.conf"
    envfile = tmp_path / "envfile.conf"
    write_tree(
        tmp_path,
        {
            "global/pip/pip.conf": "[global]\nindex-url = http://g/simple\ntimeout = 7\n"
            "cert = /g.pem\nextra-index-url =\n  http://g-extra/a\n  http://g-extra/b\n",
            "user/pip/pip.conf": "[global]\nindex-url = http://u/simple\n"
            "[install]\ncert = /u-install.pem\n",
            "site/pip.conf": "[global]\nindex_url = http://s/simple\n",
        },
    )
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "global"))
    real_global = pipconfig._global_files()
    assert real_global[0] == glob  # $XDG_CONFIG_DIRS first, then /etc/pip.conf
    # the machine's own /etc/pip.conf would take part in every read below
    monkeypatch.setattr(pipconfig, "_global_files", lambda: [glob])
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user"))
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "site"))
    monkeypatch.setenv("PIP_CONFIG_FILE", str(tmp_path / "absent.conf"))  # not a file

    files = pipconfig.config_files()
    assert glob in files and user in files and site in files
    assert files.index(glob) < files.index(user) < files.index(site)

    s = read_settings()
    assert s.index_url == "http://s/simple"  # site over user over global
    assert s.extra_index_urls == ("http://g-extra/a", "http://g-extra/b")
    assert s.cert == "/u-install.pem"  # [install] of the user file over [global]
    assert s.timeout == 7.0

    envfile.write_text("[global]\nindex-url = http://e/simple\n", encoding="utf-8")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(envfile))
    assert user not in pipconfig.config_files()  # an existing PIP_CONFIG_FILE: no user files
    s = read_settings()
    assert s.index_url == "http://e/simple"
    assert s.cert == "/g.pem"  # the user file is not read any more

    monkeypatch.setenv("PIP_INDEX_URL", "http://v/simple")
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "http://v1/x http://v2/y")
    monkeypatch.setenv("PIP_CERT", "/v.pem")
    s = read_settings()
    assert (s.index_url, s.extra_index_urls, s.cert) == (
        "http://v/simple",
        ("http://v1/x", "http://v2/y"),
        "/v.pem",
    )
    assert s.sources["index-url"] == "PIP_INDEX_URL"


def test_broken_pip_config_is_one_line(tmp_path: Path, env) -> None:
    _pipconf(env, "index-url = http://x/simple\n")  # no section header
    done = run_cli("update", "x", env=env)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "pip.conf" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


# --- lint-env update ------------------------------------------------------------------


def test_update_writes_the_user_snapshot_from_pip_conf(index: Index, env, tmp_path) -> None:
    index.publish("gpuonly", [*LINUX_ONLY, "gpuonly-0.9.tar.gz"], requires_python=">=3.9")
    index.publish("other-pkg", ["other_pkg-2.0-py3-none-any.whl"])
    _pipconf(env, f"[global]\nindex-url = {index.url}\n")
    done = run_cli("update", "gpuonly", "Other_Pkg", "not-there", env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    # not a terminal: no progress, one line for the skipped package and a summary
    assert lines == [
        "lint-env: not-there: skipped: not found on the index (HTTP 404)",
        "lint-env: updated 2 packages, 0 unchanged, 1 not on the index, 0 failed",
    ]
    got = _user_file(env, "gpuonly")
    assert got["releases"] == [
        {
            "version": "0.9",
            "yanked": False,
            "requires_python": ">=3.9",
            "sdist": True,
            "wheels": [],
        },
        {
            "version": "1.0",
            "yanked": False,
            "requires_python": ">=3.9",
            "sdist": False,
            "wheels": [
                "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
                "cp311-cp311-win_amd64",
            ],
        },
    ]
    assert _user_file(env, "other-pkg")["releases"][0]["wheels"] == ["py3-none-any"]
    assert sorted(index.paths()) == [
        "/simple/gpuonly/",
        "/simple/not-there/",
        "/simple/other-pkg/",
    ]


def test_bad_json_is_an_error_naming_the_package(index: Index, env) -> None:
    index.publish("good", ["good-1.0-py3-none-any.whl"])
    index.raw_page("broken", b'{"meta": {"api-version": "1.0"}, "files": [')
    done = run_cli("update", "--index-url", index.url, "good", "broken", env=env)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and errors[0].startswith("lint-env: error: broken: ")
    assert "not valid JSON" in errors[0]
    assert "Traceback" not in done.stderr
    assert _user_file(env, "good")["releases"][0]["version"] == "1.0"


def test_unreachable_index_is_one_line(env) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/simple/"
    done = run_cli("update", "--index-url", url, "a", "b", "c", env=env)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(f"lint-env: error: cannot reach the index {url}: cannot connect")


def test_a_server_that_does_not_answer_times_out(silent: str, env) -> None:
    session = Session(IndexSettings(index_url=silent), timeout=0.5)
    with pytest.raises(FetchError) as err:
        session.get(silent + "x/")
    assert err.value.kind == "timeout" and str(err.value) == "timed out after 0.5s"

    done = run_cli("update", "--index-url", silent, "--timeout", "0.5", "x", env=env)
    assert done.returncode == 2
    assert "cannot reach the index" in done.stderr and "timed out after 0.5s" in done.stderr


def test_etag_sends_if_none_match_and_304_keeps_the_data(index: Index, env) -> None:
    index.publish("gpuonly", LINUX_ONLY)
    settings = IndexSettings(index_url=index.url)
    first = snapshot_store.refresh(["gpuonly"], settings)
    assert [(o.status, o.releases) for o in first] == [("written", 1)]
    assert "If-None-Match" not in index.requests[0][1]
    etag = json.loads((Path(env["LINT_ENV_CACHE_DIR"]) / "pages" / "gpuonly.json").read_text())[
        "indexes"
    ][index.url]["etag"]

    second = snapshot_store.refresh(["gpuonly"], settings)
    assert [o.status for o in second] == ["unchanged"]
    assert index.requests[1][1]["If-None-Match"] == etag
    assert _user_file(env, "gpuonly")["releases"][0]["wheels"] == [
        "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
        "cp311-cp311-win_amd64",
    ]

    # a fresh answer is not asked again when the caller allows it (check --online)
    assert [o.status for o in snapshot_store.refresh(["gpuonly"], settings, fresh_s=3600)] == [
        "fresh"
    ]
    assert len(index.requests) == 2

    index.publish("gpuonly", WITH_MAC)  # the page changes: a new ETag, a 200
    third = snapshot_store.refresh(["gpuonly"], settings)
    assert [o.status for o in third] == ["written"]
    assert "cp311-cp311-macosx_11_0_arm64" in _user_file(env, "gpuonly")["releases"][0]["wheels"]


def test_extra_index_pages_are_merged(index: Index, env, tmp_path) -> None:
    index.publish("gpuonly", LINUX_ONLY)
    other = Index(tmp_path / "other")
    other.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(other))
    threading.Thread(target=other.server.serve_forever, daemon=True).start()
    try:
        other.publish("gpuonly", ["gpuonly-1.0-cp311-cp311-macosx_11_0_arm64.whl"])
        _pipconf(env, f"[global]\nindex-url = {index.url}\nextra-index-url = {other.url}\n")
        [o] = snapshot_store.refresh(["gpuonly"], read_settings())
        assert o.status == "written"
        wheels = _user_file(env, "gpuonly")["releases"][0]["wheels"]
        assert "cp311-cp311-macosx_11_0_arm64" in wheels and "cp311-cp311-win_amd64" in wheels
    finally:
        other.server.shutdown()
        other.server.server_close()


def test_concurrency_is_bounded(index: Index, env) -> None:
    names = [f"p{i}" for i in range(12)]
    for n in names:
        index.publish(n, [f"{n}-1.0-py3-none-any.whl"])
    index.delay = 0.05
    out = snapshot_store.refresh(names, IndexSettings(index_url=index.url), jobs=3)
    assert sorted(o.name for o in out if o.status == "written") == sorted(names)
    assert 1 <= index.max_inflight <= 3


def test_deadline_abandons_slow_lookups(silent: str, env) -> None:
    out = snapshot_store.refresh(
        ["a", "b"], IndexSettings(index_url=silent), timeout=30, deadline_s=0.3
    )
    assert sorted((o.name, o.kind) for o in out) == [("a", "deadline"), ("b", "deadline")]
    assert not (Path(env["LINT_ENV_CACHE_DIR"]) / "index").exists()


# --- credentials and proxies ----------------------------------------------------------


def test_netrc_and_url_credentials(index: Index, env, tmp_path: Path) -> None:
    index.publish("gpuonly", LINUX_ONLY)
    index.auth = "alice:s3cret"
    netrc_file = Path(env["NETRC"])
    netrc_file.write_text("machine 127.0.0.1 login alice password s3cret\n", encoding="utf-8")
    netrc_file.chmod(0o600)
    [o] = snapshot_store.refresh(["gpuonly"], IndexSettings(index_url=index.url))
    assert o.status == "written", o.error

    netrc_file.unlink()
    snapshot_store.refresh(["gpuonly"], IndexSettings(index_url=index.url))
    [o] = snapshot_store.refresh(["gpuonly"], IndexSettings(index_url=index.url))
    assert o.status == "error" and o.error == "HTTP 401 Unauthorized"

    with_user = index.url.replace("http://", "http://alice:s3cret@")
    [o] = snapshot_store.refresh(["gpuonly"], IndexSettings(index_url=with_user))
    assert o.status in ("written", "unchanged"), o.error
    pages = (Path(env["LINT_ENV_CACHE_DIR"]) / "pages" / "gpuonly.json").read_text()
    assert "s3cret" not in pages  # the cache keys the index by its URL without credentials


def test_proxy_from_the_environment_is_used(index: Index, proxy: Proxy, env, monkeypatch) -> None:
    index.publish("gpuonly", LINUX_ONLY)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    [o] = snapshot_store.refresh(["gpuonly"], IndexSettings(index_url=index.url))
    assert proxy.seen == [index.url + "gpuonly/"]
    assert o.status == "missing"  # the proxy answered 404
    assert index.requests == []


def test_no_proxy_sends_127_0_0_1_directly(index: Index, env, monkeypatch) -> None:
    index.publish("gpuonly", LINUX_ONLY)
    dead = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("HTTP_PROXY", dead)
    monkeypatch.setenv("HTTPS_PROXY", dead)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    [o] = snapshot_store.refresh(["gpuonly"], IndexSettings(index_url=index.url))
    assert o.status == "written", o.error
    assert index.paths() == ["/simple/gpuonly/"]


def test_https_proxy_is_not_used_for_an_http_index(
    index: Index, proxy: Proxy, env, monkeypatch
) -> None:
    index.publish("gpuonly", LINUX_ONLY)
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    [o] = snapshot_store.refresh(["gpuonly"], IndexSettings(index_url=index.url))
    assert o.status == "written" and proxy.seen == []


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_https_index_with_pip_cert(index: Index, env, tmp_path: Path) -> None:
    import ssl

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    made = subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes"),
            *("-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip("openssl cannot make a certificate here")
    index.publish("gpuonly", LINUX_ONLY)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(index))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{server.server_address[1]}/simple/"
    try:
        [o] = snapshot_store.refresh(["gpuonly"], IndexSettings(index_url=url))
        assert o.status == "error" and o.kind == "tls" and "CERTIFICATE_VERIFY_FAILED" in o.error
        _pipconf(env, f"[global]\nindex-url = {url}\ncert = {cert}\n")
        [o] = snapshot_store.refresh(["gpuonly"], read_settings())
        assert o.status == "written", o.error
        # pip's trusted-host: the certificate of that host (or host:port) is not verified
        port = server.server_address[1]
        for trusted, ok in [
            ("127.0.0.1", True),
            (f"127.0.0.1:{port}", True),
            ("127.0.0.1:1", False),
            ("localhost", False),
        ]:
            _pipconf(env, f"[global]\nindex-url = {url}\ntrusted-host = {trusted}\n")
            assert read_settings().trusted_hosts == (trusted,)
            [o] = snapshot_store.refresh(["gpuonly"], read_settings(), fresh_s=0)
            assert (o.status in ("written", "unchanged")) is ok, (trusted, o.error)
    finally:
        server.shutdown()
        server.server_close()


def test_find_links_folders_are_read_and_urls_are_not(index: Index, env, tmp_path: Path) -> None:
    """pip takes the files of a find-links folder as candidates next to the index's; a
    find-links URL is not fetched (a note says so), and keyring is not supported."""
    wheels = tmp_path / "wheelhouse"
    wheels.mkdir()
    mac = "gpuonly-1.0-cp311-cp311-macosx_11_0_arm64.whl"
    (wheels / mac).write_bytes(b"")
    (wheels / "other-2.0-py3-none-any.whl").write_bytes(b"")  # another project
    (wheels / "notes.txt").write_text("not a distribution", encoding="utf-8")
    index.publish("gpuonly", LINUX_ONLY)
    elsewhere = index.url + "elsewhere/"
    _pipconf(
        env,
        f"[global]\nindex-url = {index.url}\nfind-links =\n    {wheels}\n    {elsewhere}\n"
        "keyring-provider = import\n",
    )
    done = run_cli("update", "gpuonly", env=env)
    assert done.returncode == 0, done.stderr
    assert index.paths() == ["/simple/gpuonly/"]  # the find-links URL is never asked
    assert f"find-links {elsewhere} is a URL: not read" in done.stderr
    assert "keyring-provider = import is not supported" in done.stderr
    (release,) = _user_file(env, "gpuonly")["releases"]
    assert "cp311-cp311-macosx_11_0_arm64" in release["wheels"]
    proj = write_tree(tmp_path / "proj", {"requirements.txt": REQS})
    check = run_cli("check", "--python-version", "3.11", "--format", "json", str(proj), env=env)
    assert json.loads(check.stdout) == []  # the folder's macOS wheel installs
    # a file: URL names a folder too; a missing folder is skipped
    _pipconf(
        env, f"[global]\nindex-url = {index.url}\nfind-links = {wheels.as_uri()} /no/such/dir\n"
    )
    settings = read_settings()
    assert pipconfig.find_links_dirs(settings) == ((wheels,), [])
    assert pipconfig.unsupported_notes(settings) == []


# --- check --online -------------------------------------------------------------------

REQS = "gpuonly==1.0\n"


def test_online_data_changes_the_check(index: Index, env, tmp_path: Path) -> None:
    proj = write_tree(tmp_path / "proj", {"requirements.txt": REQS})
    index.publish("gpuonly", LINUX_ONLY)
    _pipconf(env, f"[global]\nindex-url = {index.url}\n")
    args = ("check", "--python-version", "3.11", "--format", "json", str(proj))

    offline = run_cli(*args, env=env)
    assert offline.returncode == 0, offline.stdout + offline.stderr
    assert json.loads(offline.stdout) == []
    assert index.requests == []

    online = run_cli(*args, "--online", env=env)
    assert online.returncode == 1, online.stderr
    codes = [f["code"] for f in json.loads(online.stdout)]
    assert codes == ["WH001"]
    assert index.paths() == ["/simple/gpuonly/"]

    # the answer is cached: a check without --online (and the language server, which
    # reads the same user snapshot and never connects) now knows the package
    again = run_cli(*args, env=env)
    assert [f["code"] for f in json.loads(again.stdout)] == ["WH001"]
    assert len(index.requests) == 1

    # the index gains a macOS arm64 wheel: `update` refreshes the cached package
    index.publish("gpuonly", WITH_MAC)
    upd = run_cli("update", "gpuonly", env=env)
    assert upd.returncode == 0, upd.stderr
    fixed = run_cli(*args, env=env)
    assert fixed.returncode == 0 and "WH001" not in fixed.stdout


def test_an_html_only_index_serves_update_and_online(index: Index, env, tmp_path: Path) -> None:
    """A PEP 503 index without the JSON API (text/html pages only, as a plain file
    server or an older mirror gives): the anchors are read, data-requires-python too."""
    index.html_only = True
    proj = write_tree(tmp_path / "proj", {"requirements.txt": REQS})
    index.publish("gpuonly", LINUX_ONLY, requires_python=">=3.8")
    _pipconf(env, f"[global]\nindex-url = {index.url}\n")
    args = ("check", "--python-version", "3.11", "--format", "json", str(proj))
    online = run_cli(*args, "--online", env=env)
    assert online.returncode == 1, online.stderr
    assert [f["code"] for f in json.loads(online.stdout)] == ["WH001"], online.stderr
    assert index.paths() == ["/simple/gpuonly/"]
    assert "vnd.pypi.simple.v1+json" in index.requests[0][1]["Accept"]  # asked, not given
    (release,) = _user_file(env, "gpuonly")["releases"]
    assert release["version"] == "1.0" and release["requires_python"] == ">=3.8"
    assert sorted(release["wheels"]) == sorted(n.split("-", 2)[2][:-4] for n in LINUX_ONLY)
    index.publish("gpuonly", WITH_MAC)  # now with a macOS arm64 wheel, any Python
    upd = run_cli("update", "gpuonly", env=env)
    assert upd.returncode == 0, upd.stderr
    assert json.loads(run_cli(*args, env=env).stdout) == []


def test_online_setting_in_pyproject(index: Index, env, tmp_path: Path) -> None:
    proj = write_tree(
        tmp_path / "proj",
        {
            "requirements.txt": REQS,
            "pyproject.toml": '[tool.lint-env]\nonline = true\npython-version = "3.11"\n',
        },
    )
    index.publish("gpuonly", LINUX_ONLY)
    _pipconf(env, f"[global]\nindex-url = {index.url}\n")
    # the repository's own setting alone sends nothing (a checked repository must not
    # make lint-env connect): a one-line note says how to allow it
    alone = run_cli("check", "--format", "json", str(proj), cwd=proj, env=env)
    assert index.requests == [] and json.loads(alone.stdout) == [], alone.stderr
    assert "online = true is ignored" in alone.stderr
    assert "LINT_ENV_ALLOW_ONLINE=1" in alone.stderr
    allowed = {**env, "LINT_ENV_ALLOW_ONLINE": "1"}
    done = run_cli("check", "--format", "json", str(proj), cwd=proj, env=allowed)
    assert [f["code"] for f in json.loads(done.stdout)] == ["WH001"], done.stderr
    assert "ignored" not in done.stderr
    off = run_cli("check", "--no-online", "--format", "json", str(proj), cwd=proj, env=allowed)
    assert len(index.requests) == 1  # --no-online overrides the setting
    assert off.returncode in (0, 1) and "ignored" not in off.stderr


def test_online_off_sends_nothing_even_with_a_poisoned_environment(
    index: Index, proxy: Proxy, env, tmp_path: Path
) -> None:
    proj = write_tree(tmp_path / "proj", {"requirements.txt": REQS + "unknown-thing>=1\n"})
    poisoned = {
        **env,
        "PIP_INDEX_URL": index.url,
        "PIP_EXTRA_INDEX_URL": index.url,
        "HTTP_PROXY": proxy.url,
        "HTTPS_PROXY": proxy.url,
        "ALL_PROXY": proxy.url,
    }
    _pipconf(env, f"[global]\nindex-url = {index.url}\n")
    done = run_cli("check", "--python-version", "3.11", str(proj), env=poisoned)
    assert done.returncode in (0, 1), done.stderr
    assert index.requests == [] and proxy.seen == []


def test_online_off_attempts_no_connection_in_process(env, tmp_path: Path, monkeypatch) -> None:
    from lint_env import cli

    proj = write_tree(tmp_path / "proj", {"requirements.txt": REQS})
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple/")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    attempts: list[object] = []

    def refuse(self, address):
        attempts.append(address)
        raise OSError("connection attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))
    assert cli.main(["check", "--python-version", "3.11", str(proj)]) in (0, 1)
    assert attempts == []


def test_online_unreachable_index_is_a_warning_and_the_check_still_runs(
    env, tmp_path: Path
) -> None:
    proj = write_tree(tmp_path / "proj", {"requirements.txt": REQS + "numpy==1.19.0\n"})
    url = f"http://127.0.0.1:{_closed_port()}/simple/"
    _pipconf(env, f"[global]\nindex-url = {url}\n")
    done = run_cli("check", "--online", "--python-version", "3.11", str(proj), env=env)
    warnings = [line for line in done.stderr.splitlines() if "warning" in line]
    assert warnings == [
        f"lint-env: warning: online look-ups: cannot reach the index {url}: "
        + warnings[0].split(f"{url}: ", 1)[1]
    ]
    assert "cannot connect" in warnings[0]
    assert "WH001" in done.stdout  # numpy 1.19.0 is judged from the shipped snapshot


# --- the data-age note ----------------------------------------------------------------


def _user_snapshot(env: dict[str, str], name: str, taken: str) -> None:
    folder = Path(env["LINT_ENV_CACHE_DIR"]) / "index"
    folder.mkdir(parents=True, exist_ok=True)
    rel = {
        "version": "1.0",
        "yanked": False,
        "requires_python": None,
        "sdist": False,
        "wheels": ["py3-none-any"],
    }
    (folder / f"{name}.json").write_text(
        json.dumps({"name": name, "taken": taken, "releases": [rel]}), encoding="utf-8"
    )


def test_data_age_note_text() -> None:
    import datetime as dt

    today = dt.date(2027, 3, 1)
    assert data_age_note(["2026-11-21", "2027-02-01"], 90, today) == (
        "the package index data used is 100 days old (taken 2026-11-21, more than "
        "max-snapshot-age-days = 90); `lint-env update` refreshes it"
    )
    assert data_age_note(["2026-12-01"], 90, today) == ""
    assert data_age_note(["not a date"], 0, today) == ""


def test_check_notes_old_data_once_on_stderr(env, tmp_path: Path) -> None:
    import datetime as dt

    old = (dt.date.today() - dt.timedelta(days=400)).isoformat()
    new = dt.datetime.now(dt.timezone.utc).date().isoformat()
    _user_snapshot(env, "oldpkg", old)
    _user_snapshot(env, "newpkg", new)
    proj = write_tree(tmp_path / "p", {"requirements.txt": "oldpkg==1.0\n"})
    done = run_cli("check", str(proj), env=env)
    notes = [line for line in done.stderr.splitlines() if "note" in line]
    assert notes == [
        "lint-env: note: the package index data used is 400 days old "
        f"(taken {old}, more than max-snapshot-age-days = 90); `lint-env update` refreshes it"
    ]
    assert "400 days" not in done.stdout  # not a finding

    (proj / "requirements.txt").write_text("newpkg==1.0\n", encoding="utf-8")
    (proj / "pyproject.toml").write_text(
        "[tool.lint-env]\nmax-snapshot-age-days = 0\n", encoding="utf-8"
    )
    done = run_cli("check", str(proj), env=env)
    assert "note" not in done.stderr, done.stderr

    (proj / "requirements.txt").write_text("oldpkg==1.0\n", encoding="utf-8")
    (proj / "pyproject.toml").write_text(
        "[tool.lint-env]\nmax-snapshot-age-days = 1000\n", encoding="utf-8"
    )
    done = run_cli("check", str(proj), env=env)
    assert "note" not in done.stderr, done.stderr


def test_user_snapshot_wins_when_newer_and_shipped_when_older(env) -> None:
    shipped = snapshot.load_package("numpy")
    assert shipped is not None and shipped.taken
    _user_snapshot(env, "numpy", "2000-01-01")
    snapshot.clear_caches()
    assert snapshot.load_package("numpy").taken == shipped.taken
    _user_snapshot(env, "numpy", "2999-01-01")
    snapshot.clear_caches()
    got = snapshot.load_package("numpy")
    assert got.taken == "2999-01-01" and [str(r.version) for r in got.releases] == ["1.0"]
    assert "numpy" in snapshot.snapshot_packages()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('online = "yes"', "online must be true or false"),
        ("max-snapshot-age-days = -1", "max-snapshot-age-days must be a whole number"),
        ("max-snapshot-age-days = 1.5", "max-snapshot-age-days must be a whole number"),
    ],
)
def test_bad_settings_are_one_line(env, tmp_path: Path, table: str, message: str) -> None:
    proj = write_tree(
        tmp_path / "p",
        {"requirements.txt": "numpy\n", "pyproject.toml": f"[tool.lint-env]\n{table}\n"},
    )
    done = run_cli("check", str(proj), cwd=proj, env=env)
    assert done.returncode == 2
    assert message in done.stderr and done.stderr.count("\n") == 1


# --- the language server and the terminal ---------------------------------------------


def test_language_server_uses_the_cache_and_never_connects(
    index: Index, proxy: Proxy, env, tmp_path: Path
) -> None:
    from lsp_raw import RawServer

    index.publish("gpuonly", LINUX_ONLY)
    index.publish("notcached", LINUX_ONLY)
    assert run_cli("update", "--index-url", index.url, "gpuonly", env=env).returncode == 0
    asked = len(index.requests)
    proj = write_tree(
        tmp_path / "ws",
        {"pyproject.toml": '[tool.lint-env]\nonline = true\npython-version = "3.11"\n'},
    )
    poisoned = {**env, "PIP_INDEX_URL": index.url, "HTTP_PROXY": proxy.url}
    with RawServer(proj, env=poisoned) as srv:
        srv.initialize(proj)
        uri = srv.open(proj / "requirements.txt", REQS + "notcached==1.0\n", "pip-requirements")
        diags = srv.diagnostics(uri)
        assert [(d["code"], d["range"]["start"]["line"]) for d in diags] == [("WH001", 0)]
        assert srv.shutdown_and_exit() == 0
    assert len(index.requests) == asked and proxy.seen == []


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_update_shows_a_counter_on_a_terminal(index: Index, env) -> None:
    import pty

    index.publish("aa", ["aa-1.0-py3-none-any.whl"])
    index.publish("bb", ["bb-1.0-py3-none-any.whl"])
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "lint_env", "update", "--index-url", index.url, "aa", "bb"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=follower,
            timeout=120,
            check=False,
        )
        os.close(follower)
        follower = -1
        out = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed (Linux reports EIO)
                break
            if not chunk:
                break
            out += chunk
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    text = out.decode("utf-8", "replace")
    assert done.returncode == 0, text
    assert "[1/2] " in text and "[2/2] " in text and "\r" in text
    assert f"index: {index.url}; 2 packages" in text
    assert text.rstrip().endswith(
        "lint-env: updated 2 packages, 0 unchanged, 0 not on the index, 0 failed"
    )


def test_a_running_project_sees_a_snapshot_update(env, tmp_path: Path) -> None:
    """What the language server holds: one Project across edits and an update."""
    from lint_env.api import Project
    from lint_env.config import Config

    proj = write_tree(tmp_path / "ws", {"requirements.txt": REQS})
    project = Project(proj, Config(python="3.11", root=proj))
    assert project.check_file(proj / "requirements.txt") == []
    folder = Path(env["LINT_ENV_CACHE_DIR"]) / "index"
    folder.mkdir(parents=True)
    taken = snapshot_store.today()
    rel = {"version": "1.0", "yanked": False, "requires_python": None, "sdist": False}
    page = {"name": "gpuonly", "taken": taken, "releases": [{**rel, "wheels": [LINUX_ONLY_TAG]}]}
    (folder / "gpuonly.json").write_text(json.dumps(page), encoding="utf-8")
    os.utime(folder, ns=(1, 10**18))  # a clearly new folder time, whatever the filesystem
    assert [f.code for f in project.check_file(proj / "requirements.txt")] == ["WH001"]


LINUX_ONLY_TAG = "cp311-cp311-manylinux_2_17_x86_64"


def test_online_with_a_broken_pip_conf_warns_and_checks(env, tmp_path: Path) -> None:
    _pipconf(env, "index-url = http://127.0.0.1:9/simple\n")  # no section header
    proj = write_tree(tmp_path / "p", {"requirements.txt": REQS + "numpy==1.19.0\n"})
    done = run_cli("check", "--online", "--python-version", "3.11", str(proj), env=env)
    warnings = [line for line in done.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "online look-ups skipped" in warnings[0], done.stderr
    assert "pip.conf" in warnings[0]
    assert done.returncode == 1 and "WH001" in done.stdout
