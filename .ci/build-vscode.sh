#!/usr/bin/env bash
# Build, test and package the VS Code extension (editors/vscode).
#   .ci/build-vscode.sh [path/to/lint_env-*.whl]
# Steps: npm ci (offline-first, default npm cache), tsc --noEmit, unit tests
# (node --test), bundled/libs (pip install --target) from the given
# wheel or from this checkout, vsce package (its vscode:prepublish runs the esbuild
# bundle) -> editors/vscode/lint-env.vsix.
# Idempotent: bundled/libs, dist/, out/ and the .vsix are rebuilt every run.
# PYTHON selects the interpreter whose pip builds bundled/libs (default: the repo's
# .venv if there is one, else python3).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ext="$repo/editors/vscode"
if [[ -n "${PYTHON:-}" ]]; then
  python="$PYTHON"
elif [[ -x "$repo/.venv/bin/python" ]]; then
  python="$repo/.venv/bin/python"  # the venv .ci/run builds
else
  python=python3
fi
wheel="${1:-}"
if [[ -n "$wheel" ]]; then
  wheel="$(cd "$(dirname "$wheel")" && pwd)/$(basename "$wheel")"
fi

cd "$ext"
echo "== npm ci"
npm ci --prefer-offline --no-audit --no-fund
echo "== typecheck"
npx tsc -p . --noEmit
echo "== unit tests"
rm -rf out
npm test
echo "== bundled/libs"
rm -rf bundled/libs
mkdir -p bundled/libs
# tomli is needed by Python 3.10 interpreters but not by the build interpreter.
"$python" -m pip install --quiet --disable-pip-version-check --no-compile \
  --target bundled/libs "${wheel:-$repo}" "tomli>=2.0"
rm -rf bundled/libs/bin
# Keep the bundle pure Python (it runs on macOS and Linux, any CPython >= 3.10):
# PyYAML falls back to its pure-Python loader without the compiled _yaml module.
find bundled/libs \( -name '*.so' -o -name '*.pyd' -o -name '*.dylib' \) -delete
find bundled/libs -name __pycache__ -prune -exec rm -rf {} +
echo "== bundled server smoke test (site-packages off: the bundle alone)"
"$python" -S scripts/smoke_server.py --libs "$ext/bundled/libs"
echo "== package (vsce runs vscode:prepublish: the esbuild bundle into dist/)"
rm -rf dist lint-env.vsix
npm run package
[[ -f dist/extension.js ]] || { echo "vscode:prepublish built no dist/extension.js"; exit 1; }
echo "built $ext/lint-env.vsix"
