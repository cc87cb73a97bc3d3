"""``lint-env server``: the language server, a thin front over :class:`lint_env.api.Project`.

Diagnostics are exactly the findings ``lint-env check`` prints for a file. Work on
the core runs on one worker thread (the Project is not shared between threads);
the event loop only converts, schedules and answers. Every handler catches, logs
to the client (``window/logMessage``) and answers.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import inspect
import logging
import sys
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import FeatureRequestError, JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from .. import __version__ as VERSION
from ..model import Finding, Severity
from ..sources import detect_kind
from . import actions, convert
from . import validate as validation
from .notebook import notebook_json
from .settings import SECTION, Settings, parse_settings
from .state import Result, Unit, build_result, lines_of

log = logging.getLogger("lint_env.lsp")

REQUIREMENTS_LANGUAGES = {"pip-requirements", "requirements", "pip_requirements"}
WORKSPACE_POLL_S = 30.0


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

    def _loop(self) -> asyncio.AbstractEventLoop | None:
        return getattr(self, "_main_loop", None)

    def report_server_error(self, error: Exception, source: Any) -> None:
        # Out-of-band errors go to the log, not to a pop-up on every keystroke;
        # request errors were already answered (and logged by the handler).
        if source is FeatureRequestError:
            return
        self.log_error(f"lint-env server error ({getattr(source, '__name__', source)}): {error}")

    # --- units ------------------------------------------------------------------------

    def unit_for(self, uri: str) -> Unit | None:
        unit = self.units.get(uri)
        if unit is None and uri in self.cell_owner:
            unit = self.units.get(self.cell_owner[uri])
        return unit

    def encoding(self) -> str:
        enc = self.workspace.position_encoding
        return str(getattr(enc, "value", enc) or "utf-16")

    def text_of(self, unit: Unit) -> tuple[str, dict[int | None, list[str]]]:
        """The unit's current text (notebooks: nbformat JSON) and lines per cell."""
        if not unit.notebook:
            doc = self.workspace.get_text_document(unit.uri)
            text = doc.source
            return text, {None: lines_of(text)}
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
        if unit.task is not None and not unit.task.done():
            unit.task.cancel()
        unit.task = asyncio.ensure_future(self._check(unit, unit.gen, delay, cascade))

    async def _check(self, unit: Unit, gen: int, delay: float, cascade: bool) -> None:
        try:
            await asyncio.sleep(delay)
            if unit.gen != gen or unit.closed:
                return
            overlays = self._dirty_overlays()  # includes this unit's text if it changed
            _, lines = self.text_of(unit)
            encoding = self.encoding()
            uris = unit.uris
            self._seq += 1
            seq = self._seq
            runtime = list(self.runtime)
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
                for other in list(self.units.values()):
                    if other is not unit and not other.closed:
                        self.schedule(other, 0, cascade=False)
        except asyncio.CancelledError:
            pass
        except Exception as exc:
            self.log_error(f"checking {unit.uri} failed: {exc}\n{traceback.format_exc()}")
            self._wake(unit)

    def _dirty_overlays(self) -> list[tuple[Path, str]]:
        """Overlay texts of every open unit changed since the core last saw it."""
        out = []
        for u in self.units.values():
            if u.closed:
                continue
            key = self.version_key(u)
            if key != u.overlay_key:
                text, _ = self.text_of(u)
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
        overlays: list[tuple[Path, str]],
        encoding: str,
        runtime: list[Any],
    ) -> Result | None:
        """Worker thread: give the core the current texts, check, convert."""
        project = self.project()
        findings: list[Finding] = []
        if project is not None:
            for p, t in overlays:
                project.set_overlay(p, t)
            findings = list(project.check_file(path))
            if runtime:
                findings += self._runtime_findings(project, path, runtime)
        return build_result(
            unit_uri, uris, notebook, gen, seq, findings, lines, encoding,
            self.rule_href, self._uri_of_path, self._lines_of_path,
        )  # fmt: skip

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
        from packaging.utils import canonicalize_name

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


# --- lifecycle ----------------------------------------------------------------------


@server.feature(types.INITIALIZE)
@guarded()
def initialize(ls: LintEnvServer, params: types.InitializeParams) -> None:
    ls._main_loop = asyncio.get_running_loop()
    root = None
    if params.workspace_folders:
        root = _path_of(params.workspace_folders[0].uri)
    if root is None and params.root_uri:
        root = _path_of(params.root_uri)
    if root is None and params.root_path:
        root = Path(params.root_path)
    ls.root = (root or Path.cwd()).resolve() if (root is None or root.exists()) else root
    caps = params.capabilities
    ls.use_pull = bool(caps.text_document and caps.text_document.diagnostic)
    ws = caps.workspace
    ls.refresh_support = bool(ws and ws.diagnostics and ws.diagnostics.refresh_support)
    ls.take_settings(params.initialization_options, initial=True)


@server.feature(types.INITIALIZED)
@guarded()
async def initialized(ls: LintEnvServer, params: types.InitializedParams) -> None:
    ws = ls.client_capabilities.workspace
    if ws and ws.did_change_configuration and ws.did_change_configuration.dynamic_registration:
        try:
            await ls.client_register_capability_async(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id=str(uuid.uuid4()),
                            method=types.WORKSPACE_DID_CHANGE_CONFIGURATION,
                            register_options=types.DidChangeConfigurationRegistrationOptions(
                                section=SECTION
                            ),
                        )
                    ]
                )
            )
        except Exception as exc:
            ls.log_error(f"cannot register for configuration changes: {exc}")
    if await pull_configuration(ls):
        ls.reset_project()


async def pull_configuration(ls: LintEnvServer) -> bool:
    ws = ls.client_capabilities.workspace
    if not (ws and ws.configuration):
        return False
    try:
        values = await ls.workspace_configuration_async(
            types.ConfigurationParams(
                items=[
                    types.ConfigurationItem(section=SECTION, scope_uri=from_fs_path(str(ls.root)))
                ]
            )
        )
    except Exception as exc:
        ls.log_error(f"workspace/configuration failed: {exc}")
        return False
    value = values[0] if values else None
    if value is None:
        return False
    return ls.take_settings({SECTION: value}, initial=False)


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
@guarded()
async def did_change_configuration(
    ls: LintEnvServer, params: types.DidChangeConfigurationParams
) -> None:
    changed = False
    raw = params.settings
    if isinstance(raw, dict) and isinstance(raw.get(SECTION), dict):
        changed = ls.take_settings(raw, initial=False)
    changed = await pull_configuration(ls) or changed
    if changed:
        ls.log_info("lint-env: settings changed; re-checking open documents")
        ls.reset_project()


@server.feature(types.SHUTDOWN)
@guarded()
def shutdown(ls: LintEnvServer, *args: Any) -> None:
    for unit in ls.units.values():
        if unit.task is not None:
            unit.task.cancel()
    ls.executor.shutdown(wait=False, cancel_futures=True)


# --- text documents -----------------------------------------------------------------


def _checked_path(uri: str, language_id: str | None) -> Path | None:
    path = _path_of(uri)
    if path is None:
        return None
    if detect_kind(path) is not None:
        return path
    if (language_id or "").lower() in REQUIREMENTS_LANGUAGES:
        return path
    return None


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
@guarded()
def did_open(ls: LintEnvServer, params: types.DidOpenTextDocumentParams) -> None:
    doc = params.text_document
    if doc.uri in ls.cell_owner:
        return  # a notebook cell: handled with its notebook
    path = _checked_path(doc.uri, doc.language_id)
    if path is None:
        return
    unit = ls.open_unit(doc.uri, path)
    ls.schedule(unit, 0, cascade=True)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@guarded()
def did_change(ls: LintEnvServer, params: types.DidChangeTextDocumentParams) -> None:
    unit = ls.unit_for(params.text_document.uri)
    if unit is not None:
        ls.schedule(unit, ls.settings.debounce, cascade=True)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
@guarded()
def did_save(ls: LintEnvServer, params: types.DidSaveTextDocumentParams) -> None:
    path = _path_of(params.text_document.uri)
    if path is not None and path.name == "pyproject.toml":
        ls.reset_project()  # [tool.lint-env] may have changed on disk
        return
    unit = ls.unit_for(params.text_document.uri)
    if unit is not None:
        ls.schedule(unit, 0, cascade=True)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@guarded()
def did_close(ls: LintEnvServer, params: types.DidCloseTextDocumentParams) -> None:
    if params.text_document.uri in ls.units:
        ls.close_unit(params.text_document.uri)


# --- notebooks ----------------------------------------------------------------------


@server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
@guarded()
def notebook_open(ls: LintEnvServer, params: types.DidOpenNotebookDocumentParams) -> None:
    nb = params.notebook_document
    path = _path_of(nb.uri)
    if path is None:
        return
    unit = ls.open_unit(nb.uri, path, notebook=True)
    unit.cells = [c.document for c in nb.cells]
    for c in unit.cells:
        ls.cell_owner[c] = nb.uri
    ls.schedule(unit, 0, cascade=True)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
@guarded()
def notebook_change(ls: LintEnvServer, params: types.DidChangeNotebookDocumentParams) -> None:
    unit = ls.units.get(params.notebook_document.uri)
    if unit is None:
        return
    before = set(unit.cells)
    nb = ls.workspace.get_notebook_document(notebook_uri=unit.uri)
    if nb is not None:
        unit.cells = [c.document for c in nb.cells]
        for c in unit.cells:
            ls.cell_owner[c] = unit.uri
    gone = before - set(unit.cells)
    for c in gone:
        ls.cell_owner.pop(c, None)
        if not ls.use_pull:
            ls.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=c, diagnostics=[])
            )
    ls.schedule(unit, ls.settings.debounce, cascade=True)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
@guarded()
def notebook_save(ls: LintEnvServer, params: types.DidSaveNotebookDocumentParams) -> None:
    unit = ls.units.get(params.notebook_document.uri)
    if unit is not None:
        ls.schedule(unit, 0, cascade=True)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
@guarded()
def notebook_close(ls: LintEnvServer, params: types.DidCloseNotebookDocumentParams) -> None:
    ls.close_unit(params.notebook_document.uri)


# --- pull diagnostics ---------------------------------------------------------------


def _empty_report() -> types.FullDocumentDiagnosticReport:
    return types.FullDocumentDiagnosticReport(items=[])


@server.feature(
    types.TEXT_DOCUMENT_DIAGNOSTIC,
    types.DiagnosticOptions(
        identifier="lint-env", inter_file_dependencies=True, workspace_diagnostics=True
    ),
)
@guarded(_empty_report)
async def document_diagnostic(ls: LintEnvServer, params: types.DocumentDiagnosticParams):
    uri = params.text_document.uri
    unit = ls.unit_for(uri)
    if unit is None:
        return _empty_report()
    result = await ls.current(unit)
    if result is None:
        return _empty_report()
    result_id = f"{result.seq}"
    if params.previous_result_id == result_id:
        return types.UnchangedDocumentDiagnosticReport(result_id=result_id)
    return types.FullDocumentDiagnosticReport(
        items=result.diagnostics.get(uri, []), result_id=result_id
    )


@server.feature(types.WORKSPACE_DIAGNOSTIC)
@guarded(lambda: types.WorkspaceDiagnosticReport(items=[]))
async def workspace_diagnostic(ls: LintEnvServer, params: types.WorkspaceDiagnosticParams):
    previous = {p.uri: p.value for p in params.previous_result_ids or []}
    report = await _workspace_report(ls, previous)
    unchanged = all(
        isinstance(i, types.WorkspaceUnchangedDocumentDiagnosticReport) for i in report.items
    )
    if previous and unchanged:
        # Nothing new: hold the request open (long poll) until a result changes, so a
        # client that re-asks at once (VS Code) does not spin.
        ls.results_changed.clear()
        try:
            await asyncio.wait_for(ls.results_changed.wait(), WORKSPACE_POLL_S)
        except asyncio.TimeoutError:
            return report
        report = await _workspace_report(ls, previous)
    return report


async def _workspace_report(ls: LintEnvServer, previous: dict[str, str]):
    items: list[Any] = []
    for unit in list(ls.units.values()):
        result = await ls.current(unit)
        if result is None:
            continue
        result_id = f"{result.seq}"
        for uri in unit.uris:
            doc = ls.workspace.text_documents.get(uri) or _find_doc(ls, uri)
            version = doc.version if doc is not None else None
            if previous.get(uri) == result_id:
                items.append(
                    types.WorkspaceUnchangedDocumentDiagnosticReport(
                        uri=uri, version=version, result_id=result_id
                    )
                )
            else:
                items.append(
                    types.WorkspaceFullDocumentDiagnosticReport(
                        uri=uri,
                        version=version,
                        items=result.diagnostics.get(uri, []),
                        result_id=result_id,
                    )
                )
    return types.WorkspaceDiagnosticReport(items=items)


# --- code actions -------------------------------------------------------------------


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=actions.KINDS, resolve_provider=False),
)
@guarded(list)
async def code_action(ls: LintEnvServer, params: types.CodeActionParams):
    uri = params.text_document.uri
    unit = ls.unit_for(uri)
    if unit is None:
        return []
    result = await ls.current(unit)
    if result is None:
        return []
    caps = ls.client_capabilities.workspace
    use_doc_changes = bool(caps and caps.workspace_edit and caps.workspace_edit.document_changes)

    def make_edit(edits: dict[str, list[types.TextEdit]]) -> types.WorkspaceEdit:
        if not use_doc_changes:
            return types.WorkspaceEdit(changes=edits)
        changes = []
        for u, es in edits.items():
            doc = ls.workspace.text_documents.get(u) or _find_doc(ls, u)
            changes.append(
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=u, version=doc.version if doc is not None else None
                    ),
                    edits=es,
                )
            )
        return types.WorkspaceEdit(document_changes=changes)

    return actions.code_actions(
        unit,
        result,
        uri,
        params.range,
        params.context.only,
        params.context.diagnostics or [],
        ls.encoding(),
        make_edit,
    )


# --- hover --------------------------------------------------------------------------


@server.feature(types.TEXT_DOCUMENT_HOVER)
@guarded()
async def hover(ls: LintEnvServer, params: types.HoverParams):
    uri = params.text_document.uri
    unit = ls.unit_for(uri)
    if unit is None:
        return None
    result = await ls.current(unit)
    if result is None:
        return None
    cell = unit.cell_index(uri) if unit.notebook else None
    rows = result.lines.get(cell, [])
    enc = ls.encoding()
    line, col = convert.from_client(rows, params.position, enc)
    loop = asyncio.get_running_loop()
    info = await loop.run_in_executor(
        ls.executor, functools.partial(_hover_info, ls, unit.path, result, line, col, cell)
    )
    if info is None:
        return None
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=info.markdown),
        range=convert.span_to_range(rows, info.span, enc),
    )


def _hover_info(ls: LintEnvServer, path: Path, result: Result, line: int, col: int, cell):
    from ..hover import hover as hover_at

    project = ls.project()
    if project is None:
        return None
    doc = project.document(path)
    targets = project.config.target_objects()
    return hover_at(
        doc, result.findings, line, col, cell=cell, targets=targets, ruleset=ls.ruleset()
    )


# --- commands -----------------------------------------------------------------------


@server.command(validation.COMMAND)
async def validate_command(ls: LintEnvServer, *args: Any) -> dict[str, Any]:
    try:
        return await _validate(ls, args)
    except JsonRpcException as exc:
        ls.log_error(exc.message)
        raise
    except Exception as exc:
        ls.log_error(f"lint-env.validate failed: {exc}\n{traceback.format_exc()}")
        raise validation.CommandFailed(f"lint-env.validate failed: {exc}") from None


async def _validate(ls: LintEnvServer, args: tuple[Any, ...]) -> dict[str, Any]:
    run_validation = validation.load_probe()
    from ..probe.validate import ValidationError

    opts = validation.parse_arguments(args)
    python = opts.python or ls.settings.interpreter  # None: the probe's own discovery
    loop = asyncio.get_running_loop()
    token: str | None = None
    window = ls.client_capabilities.window
    if window and window.work_done_progress:
        token = f"lint-env-validate-{uuid.uuid4()}"
        try:
            await ls.work_done_progress.create_async(token)
            ls.work_done_progress.begin(
                token,
                types.WorkDoneProgressBegin(
                    title="lint-env: validating the environment",
                    message=python or "discovering the interpreter",
                    cancellable=False,
                ),
            )
        except Exception as exc:
            ls.log_error(f"progress not available: {exc}")
            token = None

    def on_progress(message: Any, *_: Any) -> None:  # called from the probe's thread
        if token is not None:
            loop.call_soon_threadsafe(
                ls.work_done_progress.report,
                token,
                types.WorkDoneProgressReport(message=str(message)),
            )

    try:
        report = await loop.run_in_executor(
            None,
            functools.partial(
                run_validation,
                python,
                cwd=ls.root,
                timeout=opts.timeout,
                on_progress=on_progress,
                tensorflow=opts.tensorflow,
                sites=opts.sites,
                as_platform=opts.as_platform,
            ),
        )
    except ValidationError as exc:
        raise validation.CommandFailed(f"lint-env.validate: {exc}") from None
    finally:
        if token is not None:
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="done"))
    data = validation.report_json(report)
    ls.runtime = list(getattr(report, "findings", []) or [])
    errors = any(getattr(f, "severity", None) is Severity.ERROR for f in ls.runtime)
    ls.window_show_message(
        types.ShowMessageParams(
            type=types.MessageType.Warning if errors else types.MessageType.Info,
            message=validation.summary(report.interpreter, report),
        )
    )
    ls.recheck_all()
    return data


# --- the CLI front ------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tcp", metavar="HOST:PORT", help="serve one client over TCP (debugging); default stdio"
    )
    parser.add_argument("--log-file", metavar="FILE", help="write the server log to FILE")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging")


def main(args: argparse.Namespace | None = None) -> int:
    if args is None:
        parser = argparse.ArgumentParser(prog="lint-env server", description=__doc__)
        add_arguments(parser)
        args = parser.parse_args()
    level = logging.WARNING - 10 * min(int(getattr(args, "verbose", 0) or 0), 2)
    handlers: list[logging.Handler] = []
    log_file = getattr(args, "log_file", None)
    if log_file:
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    else:
        handlers.append(logging.StreamHandler())  # stderr: stdout is the protocol
    logging.basicConfig(level=level, handlers=handlers, format="%(asctime)s %(name)s %(message)s")
    tcp = getattr(args, "tcp", None)
    try:
        if tcp:
            host, _, port = str(tcp).rpartition(":")
            if not port.isdigit():
                print(f"lint-env server: --tcp expects HOST:PORT, got {tcp!r}", file=sys.stderr)
                return 2
            server.start_tcp(host or "127.0.0.1", int(port))
        else:
            server.start_io()
    except KeyboardInterrupt:
        return 0
    return 0
