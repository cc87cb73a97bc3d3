"""workspace/executeCommand: lint-env.validate, with progress reporting."""

from __future__ import annotations

import asyncio
import functools
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from ..model import Severity
from . import validate as validation
from .language_server import (
    LintEnvServer,
    server,
)

# --- commands -----------------------------------------------------------------------

# Not the loop's default executor: asyncio.run waits for that one at exit, and a
# server told to exit must not wait for a probe (server.main kills running probes).
_PROBES = ThreadPoolExecutor(max_workers=2, thread_name_prefix="lint-env-probe")


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
            _PROBES,
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
