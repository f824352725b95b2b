#!/usr/bin/env bash
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
data="$root/.data/postgres-${PGPORT:-5432}"
[ -f "$data/server.pid" ] || exit 0
pid="$(cat "$data/server.pid")"; kill "$pid" 2>/dev/null || true
for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
rm -f "$data/server.pid"
