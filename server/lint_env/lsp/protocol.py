"""The JSON-RPC protocol of the server: pygls' LanguageServerProtocol with its gaps closed."""

from __future__ import annotations

from typing import Any

from pygls.protocol import LanguageServerProtocol


class LintEnvProtocol(LanguageServerProtocol):
    """pygls 2.1.1 keeps the future of every notification served by a generator handler
    (its built-in didOpen/didChange/didClose) in ``_request_futures`` for ever: about
    2 MiB per 1,000 edits in any pygls server. Drop finished ones now and then."""

    _PRUNE_EVERY = 64

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._notifications = 0

    def _handle_notification(self, method_name: str, params: Any) -> None:
        super()._handle_notification(method_name, params)
        self._notifications += 1
        if self._notifications % self._PRUNE_EVERY == 0:
            futures = self._request_futures
            for key in [k for k, f in futures.items() if f.done()]:
                futures.pop(key, None)
