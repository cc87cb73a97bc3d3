"""``python -m lint_env.lsp [--tcp HOST:PORT] [--log-file F] [-v]``: the language server."""

from .server import main

raise SystemExit(main())
