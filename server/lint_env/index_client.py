"""HTTP GETs of simple-index project pages, the way pip would send them.

* the proxy: pip's ``proxy`` setting, else urllib's defaults (``HTTPS_PROXY``,
  ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY`` from the environment);
* certificates: pip's ``cert`` / ``PIP_CERT`` (a bundle file or a folder), else the
  system's (OpenSSL honours ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``); ``client-cert``;
* trusted hosts: pip's ``trusted-host`` (HOST or HOST:PORT): HTTPS to such a host is not
  verified (as pip does), every other host is;
* credentials: the index URL's ``user:password@``, else the host's ``~/.netrc``
  (``$NETRC``) entry; sent as Basic auth to that host only (never on a redirect);
* conditional requests: ``If-None-Match`` with a cached ETag, 304 answered as such;
* timeouts on connect and on every read; a bounded number of retries for transient
  failures (5xx, 429, a dropped connection).

Every failure is a :class:`FetchError` with a one-line message and a ``kind``. No host is
written in this file.
"""

from __future__ import annotations

import base64
import http.client
import netrc
import os
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from dataclasses import dataclass

from .pipconfig import IndexSettings

ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.1"
)
USER_AGENT = "lint-env"
DEFAULT_TIMEOUT = 15.0


class FetchError(Exception):
    """kind: "not-found" (HTTP 404/410), "timeout", "unreachable", "tls", "http", "bad"."""

    def __init__(self, kind: str, message: str, transient: bool = False) -> None:
        super().__init__(message)
        self.kind = kind
        self.transient = transient


@dataclass(frozen=True)
class Response:
    status: int  # 200, or 304 when the ETag sent still matches
    content_type: str
    body: bytes
    etag: str | None


def redact(url: str) -> str:
    """The URL without ``user:password@`` (for messages and files)."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def project_url(index_url: str, canonical_name: str) -> str:
    return index_url.rstrip("/") + "/" + urllib.parse.quote(canonical_name) + "/"


class Session:
    def __init__(self, settings: IndexSettings, timeout: float | None = None) -> None:
        self.settings = settings
        self.timeout = timeout or settings.timeout or DEFAULT_TIMEOUT
        proxies = None
        if settings.proxy:
            proxies = {"http": settings.proxy, "https": settings.proxy}
        handlers: list[urllib.request.BaseHandler] = [
            urllib.request.ProxyHandler(proxies),  # None: the *_PROXY variables
            _TrustingHTTPSHandler(
                self._ssl_context(),
                self._ssl_context(verify=False) if settings.trusted_hosts else None,
                settings.trusted_hosts,
            ),
        ]
        self._opener = urllib.request.build_opener(*handlers)
        self._netrc: netrc.netrc | bool | None = False  # False: not read yet

    def _ssl_context(self, verify: bool = True) -> ssl.SSLContext:
        cert = self.settings.cert
        try:
            if not verify:  # a trusted host (pip's --trusted-host)
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            elif cert and os.path.isdir(cert):
                ctx = ssl.create_default_context(capath=cert)
            elif cert:
                ctx = ssl.create_default_context(cafile=cert)
            else:
                ctx = ssl.create_default_context()
            if self.settings.client_cert:
                ctx.load_cert_chain(self.settings.client_cert)
        except (OSError, ssl.SSLError) as exc:
            which = cert or self.settings.client_cert
            raise FetchError("tls", f"cannot load the certificate {which}: {exc}") from None
        return ctx

    def _netrc_auth(self, host: str) -> tuple[str, str] | None:
        if self._netrc is False:
            path = os.environ.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
            try:
                self._netrc = netrc.netrc(path) if os.path.isfile(path) else None
            except (OSError, netrc.NetrcParseError):
                self._netrc = None  # pip ignores an unreadable netrc too
        if not self._netrc:
            return None
        entry = self._netrc.authenticators(host)  # type: ignore[union-attr]
        if not entry:
            return None
        login, _account, password = entry
        return (login or "", password or "")

    def _request(self, url: str, etag: str | None) -> urllib.request.Request:
        parts = urllib.parse.urlsplit(url)
        auth: tuple[str, str] | None = None
        if "@" in parts.netloc:
            userinfo, host = parts.netloc.rsplit("@", 1)
            user, _, password = userinfo.partition(":")
            auth = (urllib.parse.unquote(user), urllib.parse.unquote(password))
            url = urllib.parse.urlunsplit(parts._replace(netloc=host))
        elif parts.hostname:
            auth = self._netrc_auth(parts.hostname)
        req = urllib.request.Request(
            url, headers={"Accept": ACCEPT, "Accept-Encoding": "gzip", "User-Agent": USER_AGENT}
        )
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            req.add_unredirected_header("Authorization", f"Basic {token}")
        if etag:
            req.add_header("If-None-Match", etag)
        return req

    def get(self, url: str, etag: str | None = None, retries: int = 0) -> Response:
        """GET one page. Raises FetchError (after ``retries`` more tries when transient)."""
        if urllib.parse.urlsplit(url).scheme == "file":
            return _get_file(url)
        for attempt in range(retries + 1):
            if attempt:
                time.sleep(min(0.5 * 2 ** (attempt - 1), 4.0))
            try:
                return self._get_once(url, etag)
            except FetchError as exc:
                if not exc.transient or attempt == retries:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _get_once(self, url: str, etag: str | None) -> Response:
        from .snapshot_refresh import _decode_body

        req = self._request(url, etag)
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                raw = resp.read()
                status, headers = resp.status, resp.headers
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                return Response(304, "", b"", exc.headers.get("ETag") or etag)
            if exc.code in (404, 410):
                raise FetchError("not-found", f"not found on the index (HTTP {exc.code})") from None
            transient = exc.code in (408, 425, 429) or exc.code >= 500
            raise FetchError("http", f"HTTP {exc.code} {exc.reason}", transient) from None
        except ssl.SSLError as exc:
            raise FetchError("tls", f"TLS error: {exc.reason or exc}") from None
        except (TimeoutError, OSError) as exc:  # URLError is an OSError
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, ssl.SSLError):
                raise FetchError("tls", f"TLS error: {reason.reason or reason}") from None
            if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                raise FetchError("timeout", f"timed out after {self.timeout:g}s", True) from None
            raise FetchError("unreachable", f"cannot connect: {reason}", True) from None
        except Exception as exc:  # http.client.HTTPException (a dropped connection) and kin
            raise FetchError("unreachable", f"bad answer: {type(exc).__name__}", True) from None
        try:
            body = _decode_body(raw, headers.get("Content-Encoding"))
        except (EOFError, OSError, zlib.error) as exc:
            raise FetchError("bad", f"bad response: {exc}") from None
        return Response(status, headers.get("Content-Type", ""), body, headers.get("ETag"))


def is_trusted(netloc: str, trusted: tuple[str, ...]) -> bool:
    """pip's trusted-host match: ``host`` trusts every port, ``host:port`` that port."""
    hostport = netloc.rsplit("@", 1)[-1].lower()
    host = urllib.parse.urlsplit("//" + hostport).hostname or hostport
    return any(entry.lower() in (hostport, host) for entry in trusted)


class _TrustingHTTPSHandler(urllib.request.HTTPSHandler):
    """HTTPS with the verifying context, or the non-verifying one for a trusted host
    (chosen per request, so a redirect to another host is verified again)."""

    def __init__(
        self, secure: ssl.SSLContext, insecure: ssl.SSLContext | None, trusted: tuple[str, ...]
    ) -> None:
        super().__init__(context=secure)
        self._secure, self._insecure, self._trusted = secure, insecure, trusted

    def https_open(self, req):  # type: ignore[override]
        netloc = urllib.parse.urlsplit(req.full_url).netloc
        trusted = self._insecure is not None and is_trusted(netloc, self._trusted)
        ctx = self._insecure if trusted else self._secure
        return self.do_open(http.client.HTTPSConnection, req, context=ctx)


def _get_file(url: str) -> Response:
    from .snapshot_refresh import RefreshError, _fetch_file

    try:
        page = _fetch_file(url)
    except RefreshError as exc:
        kind = "not-found" if "not found" in str(exc) else "unreachable"
        raise FetchError(kind, str(exc)) from None
    return Response(200, page.content_type, page.body, None)
