"""``lint-env server``: the language server, a thin front over :class:`lint_env.api.Project`.

Diagnostics are exactly the findings ``lint-env check`` prints for a file. Work on
the core runs on one worker thread (the Project is not shared between threads);
the event loop only converts, schedules and answers. Every handler catches, logs
to the client (``window/logMessage``) and answers.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys

from . import commands, documents, features, lifecycle, pull  # noqa: F401 (register handlers)
from .language_server import LintEnvServer, server
from .protocol import LintEnvProtocol

__all__ = ["LintEnvProtocol", "LintEnvServer", "add_arguments", "main", "server"]


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
        try:
            handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
        except OSError as exc:
            print(f"lint-env server: cannot write the log file: {exc}", file=sys.stderr)
            return 2
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
    return _leave(server.exit_code)


def _leave(code: int) -> int:
    """End the process now with ``code``. A check still running on the core's worker
    thread (a huge buffer, a slow file system) must not keep a server that was told to
    exit alive: Python would wait for that thread before exiting."""
    runner = sys.modules.get("lint_env.probe.runner")
    if runner is not None:  # a validation still running: nothing may outlive the server
        with contextlib.suppress(Exception):
            runner.kill_active()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
