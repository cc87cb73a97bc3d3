"""initialize, initialized, configuration changes, shutdown."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path

from .language_server import (
    LintEnvServer,
    _path_of,
    guarded,
    server,
)
from .settings import SECTION

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
    if not (caps.text_document and caps.text_document.inlay_hint):
        # Inlay hints are offered only to a client that can show them (pygls computes the
        # capabilities from the registered features after this handler).
        ls.protocol.fm.features.pop(types.TEXT_DOCUMENT_INLAY_HINT, None)


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
