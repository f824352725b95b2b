# Node 24 LTS for this project, without a manual install: source this file (bash or zsh).
#
#   source infra/node/env.sh      # then: node --version -> v24.x; pnpm install / start / test
#
# The first time, it installs the npm registry's `node@24` package (a real Node binary) into
# .cache/node24 with whatever npm the machine has; later it only checks the binary is there and
# of major 24. Then it puts that Node first on PATH, so pnpm (`#!/usr/bin/env node`), its
# scripts, tsx and every child process the tests spawn (process.execPath) run on Node 24.
# No `set -e`/`exit` here: this runs inside the caller's shell.

ar_node_major=24
ar_node_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/../.." && pwd)"
ar_node_dir="$ar_node_root/.cache/node$ar_node_major"
ar_node_bin="$ar_node_dir/node_modules/node/bin"

ar_node_ok() { [ -x "$1/node" ] && case "$("$1/node" --version 2>/dev/null)" in "v$ar_node_major".*) true ;; *) false ;; esac; }

ar_node_install() {
  command -v npm >/dev/null || {
    echo "node: npm is needed once to fetch node@$ar_node_major into $ar_node_dir" >&2
    return 1
  }
  echo "node: installing node@$ar_node_major from the npm registry into $ar_node_dir ..." >&2
  mkdir -p "$ar_node_root/.cache" || return 1
  # Into a fresh folder first, then renamed into place: a concurrent or interrupted install
  # never leaves a half-written binary where the check above would accept it.
  local tmp="$ar_node_dir.tmp.$$"
  rm -rf "$tmp"
  if ! npm install --prefix "$tmp" --no-save --no-audit --no-fund --loglevel=error "node@$ar_node_major" >&2 ||
    ! ar_node_ok "$tmp/node_modules/node/bin"; then
    rm -rf "$tmp"
    echo "node: could not install node@$ar_node_major" >&2
    return 1
  fi
  if ar_node_ok "$ar_node_bin"; then
    rm -rf "$tmp" # another shell finished first
  else
    rm -rf "$ar_node_dir" && mv "$tmp" "$ar_node_dir" || return 1
  fi
}

if ar_node_ok "$ar_node_bin" || ar_node_install; then
  case "$PATH" in
    "$ar_node_bin":*) ;;
    *) export PATH="$ar_node_bin:$PATH" ;;
  esac
  hash -r 2>/dev/null
  ar_node_found=true
else
  ar_node_found=false
fi
unset -f ar_node_ok ar_node_install
unset ar_node_major ar_node_root ar_node_dir ar_node_bin
# The status of `source` is the last command's: true when Node 24 is first on PATH.
"$ar_node_found" && unset ar_node_found || { unset ar_node_found; false; }
