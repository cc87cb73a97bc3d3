#!/usr/bin/env bash
# Installs what the real-VS-Code end-to-end test (tests/test_vscode_e2e.py) needs and
# prints the code-server entry point on its last line:
#   - Debian packages: chromium (Playwright drives it; Playwright's own browser download
#     is never used), ripgrep (served to @vscode/ripgrep instead of its download),
#     libkrb5-dev (code-server's native kerberos module);
#   - code-server 4.100.3 from npm (= VS Code 1.100.3, the newest whose engines accept
#     Node 20) into ~/.cache/lint-env-tests/code-server-4.100.3;
#   - Playwright for Python into ~/.cache/lint-env-tests/playwright-venv (no browsers).
# Cached: a second run only checks the stamps. Needs root for apt-get (CI runs as root).
#   LINT_ENV_TESTS_CACHE overrides ~/.cache/lint-env-tests.
set -euo pipefail

version=4.100.3
cache="${LINT_ENV_TESTS_CACHE:-$HOME/.cache/lint-env-tests}"
prefix="$cache/code-server-$version"
venv="$cache/playwright-venv"
entry="$prefix/node_modules/code-server/out/node/entry.js"
log() { echo "setup-code-server: $*" >&2; }

need_apt=()
[[ -x /usr/bin/chromium ]] || need_apt+=(chromium)
command -v rg >/dev/null || need_apt+=(ripgrep)
[[ -e /usr/include/krb5.h || -e /usr/include/gssapi/gssapi.h ]] || need_apt+=(libkrb5-dev)
command -v g++ >/dev/null || need_apt+=(g++ make)
if ((${#need_apt[@]})); then
  log "apt-get install ${need_apt[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >&2
fi

if [[ ! -f "$prefix/.complete" ]]; then
  log "npm install code-server@$version into $prefix"
  rm -rf "$prefix"
  mkdir -p "$prefix/tmp"
  # The node-pty / kerberos / @vscode/ripgrep postinstalls: root needs unsafe-perm,
  # node-gyp builds against the headers Debian's nodejs ships in /usr/include/node,
  # `npx node-gyp` must not prompt.
  export npm_config_unsafe_perm=true npm_config_nodedir=/usr npm_config_yes=true
  export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
  # @vscode/ripgrep downloads its binary from a release page at install time; give it
  # the cached download it looks for, built from Debian's rg. A private TMPDIR keeps
  # that cache out of the shared /tmp.
  export TMPDIR="$prefix/tmp"
  npm install --ignore-scripts --prefix "$prefix" "code-server@$version" >&2
  shrinkwrap="$prefix/node_modules/code-server/lib/vscode/npm-shrinkwrap.json"
  rg_version="$(node -e 'const s=require(process.argv[1]); console.log(s.packages["node_modules/@vscode/ripgrep"].version)' "$shrinkwrap")"
  rg_cache="$TMPDIR/vscode-ripgrep-cache-$rg_version"
  mkdir -p "$rg_cache/src"
  cp "$(command -v rg)" "$rg_cache/src/rg"
  for target in x86_64-unknown-linux-musl aarch64-unknown-linux-musl; do
    tar -czf "$rg_cache/ripgrep-v13.0.0-10-$target.tar.gz" -C "$rg_cache/src" rg
  done
  # Now the install scripts, the cache in place: argon2's native module and
  # code-server's postinstall (npm install of lib/vscode and its extensions).
  npm rebuild --prefix "$prefix" --foreground-scripts >&2
  XDG_CONFIG_HOME="$prefix/tmp/config" node "$entry" --version >&2 ||
    { log "code-server does not start after install"; exit 1; }
  rm -rf "$prefix/tmp"
  touch "$prefix/.complete"
fi

if [[ ! -f "$venv/.complete" ]]; then
  log "Playwright for Python into $venv (no browser download: the test uses /usr/bin/chromium)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "playwright>=1.40" >&2
  touch "$venv/.complete"
fi

echo "$entry"
