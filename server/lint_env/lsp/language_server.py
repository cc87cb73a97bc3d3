"""The server object: state, scheduling of checks on the core's worker thread, delivery of
results, client messages. Feature handlers live in lifecycle, documents, pull, features and
commands; they convert and delegate to this object."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
import sys
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.exceptions import FeatureRequestError, JsonRpcException
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from .. import __version__ as VERSION
from ..model import Finding, Kind, Severity, Span
from ..sources import detect_kind
from . import transport
from .notebook import notebook_json
from .protocol import LintEnvProtocol
from .settings import SECTION, Settings, parse_settings
from .state import Result, Unit, build_result, lines_of

TOO_LARGE = "LE004"  # the core's code for a file too large to check
REQUIREMENTS_LANGUAGES = {"pip-requirements", "requirements", "pip_requirements"}
WORKSPACE_POLL_S = 30.0
CASCADE_DELAY_S = 0.15  # other files are re-checked after this pause in editing

log = logging.getLogger("lint_env.lsp")


class LintEnvServer(LanguageServer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.root: Path = Path.cwd()
        self.init_settings = Settings()
        self.client_settings = Settings()
        self.settings = Settings()
        self.use_pull = False
        self.refresh_support = False
        self.units: dict[str, Unit] = {}  # unit URI -> unit
        self.cell_owner: dict[str, str] = {}  # cell URI -> notebook URI
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lint-env-core")
        self._project: Any = None
        self._project_error: str | None = None
        self._ruleset: Any = None
        self._ruleset_loaded = False
        self._seq = 0
        self.runtime: list[Any] = []  # RuntimeFinding-like objects from the last validation
        self.exit_code = 0  # set by start_io/start_tcp when the client said exit
        self.results_changed = asyncio.Event()  # set whenever a unit gets a new result

    # --- core access (worker thread only) ------------------------------------------

    def project(self) -> Any:
        if self._project is None and self._project_error is None:
            try:
                from ..api import Project
                from ..config import ConfigError, load_config

                try:
                    base = load_config(self.root)
                except ConfigError as exc:
                    self.log_error(f"{exc}; using defaults")
                    from ..config import Config

                    base = Config(root=self.root)
                self._project = Project(self.root, self.settings.apply(base))
            except Exception as exc:  # the core failed to start: say so once, keep serving
                self._project_error = f"lint-env core failed to start: {exc}"
                log.exception("core failed to start")
                self.log_error(self._project_error)
                self.show_message(types.MessageType.Error, self._project_error)
        return self._project

    def ruleset(self) -> Any:
        if not self._ruleset_loaded:
            self._ruleset_loaded = True
            try:
                from ..ruleset import load_ruleset

                self._ruleset = load_ruleset()
            except Exception as exc:  # missing or broken rule db: hovers degrade, no crash
                log.info("rule database not available for hovers: %s", exc)
        return self._ruleset

    def rule_href(self, code: str) -> str | None:
        rs = self.ruleset()
        if rs is None:
            return None
        try:
            rule = rs.get(code)
        except Exception:
            return None
        refs = getattr(rule, "references", None) or ()
        for ref in refs:
            if isinstance(ref, str) and ref.startswith(("https://", "http://")):
                return ref
        return None

    # --- client messages --------------------------------------------------------------

    def log_error(self, message: str) -> None:
        log.error("%s", message)
        self._send_log(types.MessageType.Error, message)

    def log_info(self, message: str) -> None:
        log.info("%s", message)
        self._send_log(types.MessageType.Log, message)

    def _send_log(self, kind: types.MessageType, message: str) -> None:
        try:
            loop = self._loop()
            if loop is not None and _in_thread(loop):
                loop.call_soon_threadsafe(self._send_log_now, kind, message)
            else:
                self._send_log_now(kind, message)
        except Exception:
            log.exception("cannot log to client")

    def _send_log_now(self, kind: types.MessageType, message: str) -> None:
        try:
            self.window_log_message(types.LogMessageParams(type=kind, message=message))
        except Exception:
            log.exception("cannot log to client")

    def show_message(self, kind: types.MessageType, message: str) -> None:
        """window/showMessage from any thread."""

        def send() -> None:
            try:
                self.window_show_message(types.ShowMessageParams(type=kind, message=message))
            except Exception:
                log.exception("showMessage failed")

        loop = self._loop()
        if loop is not None and _in_thread(loop):
            loop.call_soon_threadsafe(send)
        else:
            send()

    def _loop(self) -> asyncio.AbstractEventLoop | None:
        return getattr(self, "_main_loop", None)

    def report_server_error(self, error: Exception, source: Any) -> None:
        # Out-of-band errors go to the log, not to a pop-up on every keystroke;
        # request errors were already answered (and logged by the handler).
        if source is FeatureRequestError:
            return
        self.log_error(f"lint-env server error ({getattr(source, '__name__', source)}): {error}")

    def protocol_problem(self, message: str) -> None:
        """A frame or message the protocol could not use: logged with its reason (to the
        client too once it has initialized; before that the spec forbids messages)."""
        text = f"lint-env server: protocol error: {message}"
        if self._loop() is None:
            log.error("%s", text)
        else:
            self.log_error(text)

    # --- transports (pygls' readers replaced: see transport.py) -------------------------

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """Serve over stdio until ``exit`` or end of input; ``exit_code`` is then set."""
        self._stop_event = threading.Event()
        reader = transport.StdinReader(stdin or sys.stdin.buffer, self.thread_pool)
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        self._run(transport.serve(reader, self.protocol, self._stop_event, self.protocol_problem))

    def start_tcp(self, host: str, port: int) -> None:
        """Serve one client over TCP (debugging)."""
        self._stop_event = stop = threading.Event()

        async def connection(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            self.protocol.set_writer(w)  # type: ignore[arg-type]
            try:
                reader = transport.StreamReader(r)
                await transport.serve(reader, self.protocol, stop, self.protocol_problem)
            finally:
                self.shutdown()

        async def listen() -> None:
            self._server = await asyncio.start_server(
                connection, host, port, limit=2 * transport.MAX_HEADER_LINE
            )
            async with self._server:
                with contextlib.suppress(asyncio.CancelledError):
                    await self._server.serve_forever()

        self._run(listen())

    def _run(self, main: Any) -> None:
        self.exit_code = 0
        try:
            asyncio.run(main)
        except SystemExit as exc:  # the exit notification: 0 after shutdown, else 1
            code = exc.code
            self.exit_code = code if isinstance(code, int) else (0 if code is None else 1)
        except BrokenPipeError:
            log.error("the connection to the client is lost; shutting down")
            self.exit_code = 1
        except KeyboardInterrupt:
            pass
        finally:
            self.shutdown()

    # --- units ------------------------------------------------------------------------

    def unit_for(self, uri: str) -> Unit | None:
        unit = self.units.get(uri)
        if unit is None and uri in self.cell_owner:
            unit = self.units.get(self.cell_owner[uri])
        return unit

    def encoding(self) -> str:
        enc = self.workspace.position_encoding
        return str(getattr(enc, "value", enc) or "utf-16")

    def text_of(self, unit: Unit, lines: bool = True) -> tuple[str, dict[int | None, list[str]]]:
        """The unit's current text (notebooks: nbformat JSON) and lines per cell (text
        files: none unless ``lines``)."""
        if not unit.notebook:
            text = self.workspace.get_text_document(unit.uri).source
            return text, {None: lines_of(text)} if lines else {}
        nb = self.workspace.get_notebook_document(notebook_uri=unit.uri)
        if nb is None:
            return "", {}
        cells = list(nb.cells)
        unit.cells = [c.document for c in cells]
        for c in unit.cells:
            self.cell_owner[c] = unit.uri
        texts: dict[str, tuple[str, str]] = {}

        def cell_text(uri: str) -> tuple[str, str]:
            doc = self.workspace.text_documents.get(uri) or _find_doc(self, uri)
            texts[uri] = (doc.source, doc.language_id or "") if doc else ("", "")
            return texts[uri]

        text = notebook_json(cells, cell_text, nb.metadata)
        lines = {i: lines_of(texts.get(u, ("", ""))[0]) for i, u in enumerate(unit.cells)}
        return text, lines

    def version_key(self, unit: Unit) -> object:
        if not unit.notebook:
            doc = self.workspace.get_text_document(unit.uri)
            return ("text", doc.version, len(doc.source))
        nb = self.workspace.get_notebook_document(notebook_uri=unit.uri)
        return ("nb", getattr(nb, "version", None), id(nb))

    # --- scheduling -------------------------------------------------------------------

    def schedule(self, unit: Unit, delay: float, cascade: bool) -> None:
        """(Re)check ``unit`` after ``delay``; any older pending check is cancelled and
        any older result still running is dropped when it arrives."""
        unit.gen += 1
        unit.waiting_cascade = False
        if unit.task is not None and not unit.task.done():
            unit.task.cancel()
        unit.task = asyncio.ensure_future(self._check(unit, unit.gen, delay, cascade))
        if cascade:
            # The user is editing: re-checks caused by other files wait until they pause.
            for other in self.units.values():
                if other is not unit and other.waiting_cascade:
                    self.schedule_cascade(other)

    def schedule_cascade(self, unit: Unit) -> None:
        """Re-check ``unit`` because another file changed, after a pause in editing."""
        self.schedule(unit, max(self.settings.debounce, CASCADE_DELAY_S), cascade=False)
        unit.waiting_cascade = True

    async def _check(self, unit: Unit, gen: int, delay: float, cascade: bool) -> None:
        try:
            await asyncio.sleep(delay)
            if unit.gen != gen or unit.closed:
                return
            unit.waiting_cascade = False
            overlays = self._dirty_overlays()  # includes this unit's text if it changed
            too_large = self.too_large(unit)
            if too_large is None:
                _, lines = self.text_of(unit)
            else:  # not analysed: one diagnostic at the top says why
                lines = {None: [""]} if not unit.notebook else {0: [""]}
            encoding = self.encoding()
            uris = unit.uris
            self._seq += 1
            seq = self._seq
            runtime = list(self.runtime)
            made = unit.result.made if unit.result is not None else None
            loop = asyncio.get_running_loop()
            # Shielded: a cancelled check still lets the core take the overlays it carries.
            job = loop.run_in_executor(
                self.executor,
                functools.partial(
                    self._analyze,
                    unit.uri,
                    unit.path,
                    unit.notebook,
                    uris,
                    gen,
                    seq,
                    lines,
                    overlays,
                    encoding,
                    runtime,
                    too_large,
                    made,
                ),
            )
            result = await asyncio.shield(job)
            if unit.gen != gen or unit.closed or result is None:
                return  # stale: a newer edit is (or will be) checked
            previous = unit.result
            unit.result = result
            self.results_changed.set()
            self._wake(unit)
            self.deliver(unit, previous, own_change=cascade)
            if cascade:
                # Checks of code files read the declared dependencies (and other code
                # files); checks of dependency files never read code.
                code_changed = is_code(unit.path)
                for other in list(self.units.values()):
                    if other is unit or other.closed:
                        continue
                    if code_changed and not is_code(other.path):
                        continue
                    self.schedule_cascade(other)
        except asyncio.CancelledError:
            pass
        except Exception as exc:
            self.log_error(f"checking {unit.uri} failed: {exc}\n{traceback.format_exc()}")
            self._wake(unit)

    def too_large(self, unit: Unit) -> int | None:
        """The unit's size in UTF-8 bytes when it is over the limit, else None."""
        limit = self.settings.max_bytes
        if not unit.notebook:
            texts = [self.workspace.get_text_document(unit.uri).source]
        else:
            texts = []
            for c in unit.cells:
                doc = self.workspace.text_documents.get(c)
                texts.append(doc.source if doc is not None else "")
        chars = sum(len(t) for t in texts)
        if chars * 4 <= limit:
            return None  # cannot be over, whatever the characters are
        size = sum(len(t.encode("utf-8", "surrogatepass")) for t in texts)
        return size if size > limit else None

    def _too_large_finding(self, path: Path, size: int, notebook: bool) -> Finding:
        """The LE004 finding ``lint-env check`` gives a file too large to read."""
        rule = None
        with contextlib.suppress(Exception):
            rule = self.ruleset().get(TOO_LARGE)
        limit = self.settings.max_bytes
        return Finding(
            path=path,
            span=Span(0, 0, 0, 0, cell=0 if notebook else None),
            code=TOO_LARGE,
            name=getattr(rule, "name", "unreadable-file"),
            severity=getattr(rule, "severity", Severity.WARNING),
            message=(
                f"not checked: this buffer is {size:,} bytes, more than the limit of"
                f" {limit:,} bytes (setting {SECTION}.maxDocumentBytes)"
            ),
        )

    def _dirty_overlays(self) -> list[tuple[Path, str | None]]:
        """Overlay texts of every open unit changed since the core last saw it."""
        out = []
        for u in self.units.values():
            if u.closed:
                continue
            key = self.version_key(u)
            if key != u.overlay_key:
                # A buffer too large to check is not given to the core (which then reads
                # the file on disk, with its own size limit).
                text = None if self.too_large(u) is not None else self.text_of(u, False)[0]
                out.append((u.path, text))
                u.overlay_key = key
        return out

    def _analyze(
        self,
        unit_uri: str,
        path: Path,
        notebook: bool,
        uris: list[str],
        gen: int,
        seq: int,
        lines: dict[int | None, list[str]],
        overlays: list[tuple[Path, str | None]],
        encoding: str,
        runtime: list[Any],
        too_large: int | None = None,
        made: dict | None = None,
    ) -> Result | None:
        """Worker thread: give the core the current texts, check, convert."""
        project = self.project()
        findings: list[Finding] = []
        if project is not None:
            for p, t in overlays:
                project.set_overlay(p, t)
        verify = None
        if too_large is not None:
            findings = [self._too_large_finding(path, too_large, notebook)]
        elif project is not None:
            # fixes are verified when a quick fix is asked for (Result.settle), not on
            # every keystroke
            engine = project.engine
            findings = list(engine.check_file(path, verify=False))
            doc = engine.last_checked  # engine.checked_document(path), not resolved again
            if doc is not None and any(f.fixes for f in findings):
                verify = functools.partial(engine.verified_fixes, doc)
            if runtime:
                findings += self._runtime_findings(project, path, runtime)
        result = build_result(
            unit_uri, uris, notebook, gen, seq, findings, lines, encoding,
            self.rule_href, self._uri_of_path, self._lines_of_path, made,
        )  # fmt: skip
        result.verify = verify
        return result

    def _uri_of_path(self, path: Path, cell: int | None) -> str | None:
        for u in self.units.values():
            if u.path == path:
                return u.uri_for_cell(cell)
        return from_fs_path(str(path))

    def _lines_of_path(self, path: Path, cell: int | None) -> list[str]:
        try:
            doc = self._project.document(path)
            if cell is not None and doc.cells is not None:
                return doc.cells[cell] if 0 <= cell < len(doc.cells) else []
            return doc.lines
        except Exception:
            return []

    def _runtime_findings(self, project: Any, path: Path, runtime: list[Any]) -> list[Finding]:
        """Runtime findings that concern a dependency declared in this file, on its line."""
        from ..names import canonicalize_name

        try:
            doc = project.document(path)
        except Exception:
            return []
        by_name: dict[str, list[Any]] = {}
        for dep in doc.dependencies:
            by_name.setdefault(dep.name, []).append(dep)
        out = []
        for rf in runtime:
            pkg = getattr(rf, "package", None)
            if not pkg:
                continue
            for dep in by_name.get(canonicalize_name(str(pkg)), []):
                sev = getattr(rf, "severity", "warning")
                sev = getattr(sev, "value", sev)
                try:
                    severity = Severity(str(sev).lower())
                except ValueError:
                    severity = Severity.WARNING
                out.append(
                    Finding(
                        path=path,
                        span=dep.span,
                        code=str(getattr(rf, "code", "RT000")),
                        name="runtime",
                        severity=severity,
                        message=f"{getattr(rf, 'message', '')} (lint-env validate)",
                    )
                )
        return out

    def _wake(self, unit: Unit) -> None:
        waiters, unit.waiters = unit.waiters, []
        for w in waiters:
            if not w.done():
                w.set_result(None)

    def deliver(self, unit: Unit, previous: Result | None, own_change: bool) -> None:
        """Push to clients that cannot pull; ask pull clients to refresh for cross-file
        effects (their own edits are pulled by the client)."""
        result = unit.result
        if result is None:
            return
        if not self.use_pull:
            for uri in unit.uris:
                version = None
                doc = self.workspace.text_documents.get(uri) or _find_doc(self, uri)
                if doc is not None:
                    version = doc.version
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(
                        uri=uri, version=version, diagnostics=result.diagnostics.get(uri, [])
                    )
                )
            return
        changed = previous is None or previous.diagnostics != result.diagnostics
        if changed and not own_change and self.refresh_support:
            self.request_refresh()

    def request_refresh(self) -> None:
        if getattr(self, "_refresh_pending", False):
            return
        self._refresh_pending = True

        def done(_: Any) -> None:
            self._refresh_pending = False

        try:
            fut = self.protocol.send_request(types.WORKSPACE_DIAGNOSTIC_REFRESH, None)
            fut.add_done_callback(done)
        except Exception as exc:
            self._refresh_pending = False
            self.log_error(f"diagnostic refresh failed: {exc}")

    async def current(self, unit: Unit) -> Result | None:
        """The unit's result for its latest generation (waits for a running check)."""
        for _ in range(50):
            if unit.closed:
                return unit.result
            if unit.result is not None and unit.result.gen == unit.gen:
                return unit.result
            if unit.task is None or unit.task.done():
                self.schedule(unit, 0, cascade=False)
            fut = asyncio.get_running_loop().create_future()
            unit.waiters.append(fut)
            await fut
        return unit.result

    def recheck_all(self) -> None:
        for unit in list(self.units.values()):
            self.schedule(unit, 0, cascade=False)
        if self.use_pull and self.refresh_support:
            self.request_refresh()

    def reset_project(self) -> None:
        """New config: rebuild the core on the worker thread, then re-check everything."""
        self._project = None
        self._project_error = None
        for u in self.units.values():
            u.overlay_key = None
        self.recheck_all()

    def open_unit(self, uri: str, path: Path, notebook: bool = False) -> Unit:
        old = self.units.get(uri)
        if old is not None:
            old.closed = True
            self._wake(old)
        unit = Unit(uri=uri, path=path, notebook=notebook)
        self.units[uri] = unit
        return unit

    def close_unit(self, uri: str) -> None:
        unit = self.units.pop(uri, None)
        if unit is None:
            return
        unit.closed = True
        if unit.task is not None and not unit.task.done():
            unit.task.cancel()
        self._wake(unit)
        for c in unit.cells:
            self.cell_owner.pop(c, None)
        path = unit.path
        self.executor.submit(self._drop_overlay, path)
        if not self.use_pull:
            for u in unit.uris:
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(uri=u, diagnostics=[])
                )
        for other in list(self.units.values()):
            self.schedule(other, self.settings.debounce, cascade=False)

    def _drop_overlay(self, path: Path) -> None:
        try:
            if self._project is not None:
                self._project.set_overlay(path, None)
        except Exception as exc:
            self.log_error(f"dropping the buffer of {path} failed: {exc}")

    # --- settings ---------------------------------------------------------------------

    def take_settings(self, raw: Any, initial: bool) -> bool:
        """Parse client settings; True when the effective settings changed."""
        parsed, errors = parse_settings(raw)
        for e in errors:
            self.log_error(f"ignored setting: {e}")
        if errors:
            try:
                self.window_show_message(
                    types.ShowMessageParams(
                        type=types.MessageType.Warning,
                        message="lint-env: ignored settings: " + "; ".join(errors),
                    )
                )
            except Exception:
                log.exception("showMessage failed")
        if initial:
            self.init_settings = parsed
        else:
            self.client_settings = parsed
        new = self.client_settings.over(self.init_settings)
        changed = new != self.settings
        self.settings = new
        return changed


def is_code(path: Path) -> bool:
    return detect_kind(path) in (Kind.PYTHON, Kind.NOTEBOOK)


def _in_thread(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is not loop
    except RuntimeError:
        return True


def _find_doc(ls: LintEnvServer, uri: str) -> Any:
    for doc in ls.workspace.text_documents.values():
        if doc.uri == uri:
            return doc
    return None


def _path_of(uri: str) -> Path | None:
    fs = to_fs_path(uri)
    return Path(fs) if fs else None


server = LintEnvServer(
    "lint-env",
    VERSION,
    protocol_cls=LintEnvProtocol,
    notebook_document_sync=types.NotebookDocumentSyncOptions(
        notebook_selector=[
            types.NotebookDocumentFilterWithCells(
                notebook=kind, cells=[types.NotebookCellLanguage(language="python")]
            )
            for kind in ("jupyter-notebook", "interactive")
        ],
        save=True,
    ),
)


def guarded(fallback: Callable[[], Any] = lambda: None):
    """Never die: log any exception to the client and answer ``fallback()``.

    JSON-RPC errors meant for the client (e.g. "validation not available") pass through.
    """

    def wrap(fn):
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def run_async(ls: LintEnvServer, *args: Any):
                try:
                    return await fn(ls, *args)
                except JsonRpcException:
                    raise
                except Exception as exc:
                    ls.log_error(f"{fn.__name__} failed: {exc}\n{traceback.format_exc()}")
                    return fallback()

            return run_async

        @functools.wraps(fn)
        def run(ls: LintEnvServer, *args: Any):
            try:
                return fn(ls, *args)
            except JsonRpcException:
                raise
            except Exception as exc:
                ls.log_error(f"{fn.__name__} failed: {exc}\n{traceback.format_exc()}")
                return fallback()

        return run

    return wrap
