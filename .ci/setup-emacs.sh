#!/usr/bin/env bash
# Emacs with eglot for tests/test_emacs.py: Debian's emacs-nox (28) + elpa-eglot.
# Does nothing when an Emacs that can (require 'eglot) is already there; needs root.
set -euo pipefail
if command -v emacs >/dev/null && emacs --batch --eval "(require 'eglot)" >/dev/null 2>&1; then
  exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
  echo "setup-emacs: not root; skipping (tests/test_emacs.py will be skipped)" >&2
  exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends emacs-nox elpa-eglot
