#!/usr/bin/env bash
# Stops the Keycloak started by start.sh (same KEYCLOAK_PORT / KEYCLOAK_DATA_DIR). Its realms are in
# memory: the next start imports them afresh.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
port="${KEYCLOAK_PORT:-8180}"
data="${KEYCLOAK_DATA_DIR:-$root/.data/keycloak-$port}"
[ -f "$data/keycloak.pid" ] || { echo "keycloak: no pid file in $data" >&2; exit 0; }
pid="$(cat "$data/keycloak.pid")"
# kc.sh passes TERM on to the JVM and waits for it.
kill "$pid" 2>/dev/null || true
for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$pid" 2>/dev/null; then
  pkill -9 -P "$pid" 2>/dev/null || true # the JVM, child of kc.sh
  kill -9 "$pid" 2>/dev/null || true
fi
rm -f "$data/keycloak.pid"
