"""The JSON-RPC protocol of the server: pygls' LanguageServerProtocol with its gaps closed.

pygls 2.1.1 (reported upstream-worthy in issue 9's notes):

- a request whose params do not match the LSP types (``"character": -1``) raises inside
  the JSON decoder's object hook; the error is logged and the request is never
  answered, so the client waits for ever. The same for a request without
  ``"jsonrpc": "2.0"`` (an AttributeError on a dict) and for a *response* of the
  client that does not parse (the server's own request then never completes).
- after ``shutdown`` every request is dropped without an answer (the spec wants an
  error: InvalidRequest); before ``initialize`` requests are run (the spec wants error
  -32002, ServerNotInitialized, and notifications other than exit dropped).
- the future of every notification served by a generator handler (its built-in
  didOpen/didChange/didClose) stays in ``_request_futures`` for ever: about 2 MiB per
  1,000 edits in any pygls server.

:meth:`LintEnvProtocol.handle_raw` takes one decoded frame (see :mod:`.transport`) and
answers every request: a result, or an error response naming what was wrong.
"""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol.types import EXIT, INITIALIZE, ResponseError
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcServerNotInitialized,
)
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import RPCRequest

log = logging.getLogger("lint_env.lsp")


def _detail(exc: BaseException) -> str:
    """What did not parse, e.g. ``invalid value @ $.params.position``."""
    cause = exc.__cause__ or exc
    try:
        import cattrs

        if isinstance(cause, cattrs.errors.BaseValidationError):
            return "; ".join(cattrs.transform_error(cause))[:500]
    except Exception:  # an older cattrs: the plain message will do
        pass
    return (str(cause) or type(cause).__name__)[:500]


class LintEnvProtocol(LanguageServerProtocol):
    _PRUNE_EVERY = 64

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._notifications = 0
        self._initialize_seen = False

    # --- one decoded frame ---------------------------------------------------------

    def handle_raw(self, data: dict[str, Any]) -> None:
        """Structure and handle one JSON-RPC message; every request gets an answer."""
        method = data.get("method")
        msg_id = data.get("id")
        if data.get("jsonrpc") != self.VERSION:
            self._reject(data, JsonRpcInvalidRequest, 'the "jsonrpc" member must be "2.0"')
            return
        if "id" in data and (isinstance(msg_id, bool) or not isinstance(msg_id, (str, int))):
            self._reject(data, JsonRpcInvalidRequest, "the id must be a string or an integer")
            return
        if "method" in data and not isinstance(method, str):
            self._reject(data, JsonRpcInvalidRequest, "the method must be a string")
            return
        try:
            message = self.structure_message(data)
        except JsonRpcException as exc:
            cls = type(exc) if isinstance(exc, JsonRpcInvalidParams) else JsonRpcInvalidParams
            self._reject(data, cls, _detail(exc))
            return
        self.handle_message(message)

    def _reject(self, data: dict[str, Any], cls: type[JsonRpcException], why: str) -> None:
        method = data.get("method")
        msg_id = data.get("id")
        valid_id = isinstance(msg_id, (str, int)) and not isinstance(msg_id, bool)
        what = f"{method!r}" if isinstance(method, str) else "a message"
        text = f"{cls.MESSAGE}: {why}"
        self._problem(f"{what} (id {msg_id!r}) rejected: {text}")
        if "method" in data and "id" in data:  # a request: answer it
            error = ResponseError(code=cls.CODE, message=f"{what}: {text}")
            self._send_response(msg_id if valid_id else None, error=error)  # type: ignore[arg-type]
        elif "id" in data and valid_id:  # a response of the client we cannot read
            future = self._request_futures.pop(msg_id, None)
            self._result_types.pop(msg_id, None)
            if future is not None and not future.done():
                future.set_exception(cls(f"unreadable response: {why}"))

    def _problem(self, message: str) -> None:
        report = getattr(self._server, "protocol_problem", None)
        if report is not None:
            report(message)
        else:
            log.error("%s", message)

    # --- pygls overrides -------------------------------------------------------------

    def handle_message(self, message: Any) -> None:
        method = getattr(message, "method", None)
        if not self._initialize_seen and method not in (INITIALIZE, EXIT):
            if isinstance(message, RPCRequest):  # the spec: error -32002, before initialize
                self._send_response(
                    message.id,
                    error=ResponseError(
                        code=JsonRpcServerNotInitialized.CODE,
                        message=f"{method!r}: the server is not initialized yet",
                    ),
                )
            elif method is not None:
                log.warning("notification %r before initialize dropped", method)
            else:
                super().handle_message(message)  # a response: pygls routes it
            return
        if method == INITIALIZE:
            self._initialize_seen = True
        if self._shutdown and isinstance(message, RPCRequest) and message.method != EXIT:
            # pygls drops these silently; the spec wants an error answer.
            self._send_response(
                message.id,
                error=ResponseError(
                    code=JsonRpcInvalidRequest.CODE,
                    message=f"{message.method!r}: the server is shutting down",
                ),
            )
            return
        super().handle_message(message)

    def _handle_notification(self, method_name: str, params: Any) -> None:
        super()._handle_notification(method_name, params)
        self._notifications += 1
        if self._notifications % self._PRUNE_EVERY == 0:  # see the module docstring
            futures = self._request_futures
            for key in [k for k, f in futures.items() if f.done()]:
                futures.pop(key, None)
