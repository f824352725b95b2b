#!/usr/bin/env bash
# Stops the PostgreSQL server infra/postgres/start.sh started on ${PGPORT:-5432}: its wrapper
# process, and the server itself by its postmaster.pid (a wrapper killed with kill -9 leaves it
# running). Waits until the server is gone, so a start right after takes over the same data.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
data="$root/.data/postgres-${PGPORT:-5432}"
postmaster_pid() { [ -f "$data/data/postmaster.pid" ] && head -1 "$data/data/postmaster.pid" || true; }
if [ -f "$data/server.pid" ]; then
  pid="$(cat "$data/server.pid")"; kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  rm -f "$data/server.pid"
fi
server="$(postmaster_pid)"
if [ -n "$server" ] && kill -0 "$server" 2>/dev/null && grep -q postgres "/proc/$server/cmdline" 2>/dev/null; then
  kill -INT "$server" 2>/dev/null || true # fast shutdown
  for i in $(seq 1 120); do
    kill -0 "$server" 2>/dev/null || exit 0
    [ "$i" = 80 ] && kill -QUIT "$server" 2>/dev/null # immediate shutdown; recovers on start
    sleep 0.25
  done
  echo "postgres: server pid $server on $data did not stop" >&2; exit 1
fi
