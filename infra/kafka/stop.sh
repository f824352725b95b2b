#!/usr/bin/env bash
# Stops the broker started by start.sh (same KAFKA_PORT / KAFKA_DATA_DIR).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
port="${KAFKA_PORT:-9092}"
data="${KAFKA_DATA_DIR:-$root/.data/kafka-$port}"
[ -f "$data/kafka.pid" ] || { echo "kafka: no pid file in $data" >&2; exit 0; }
pid="$(cat "$data/kafka.pid")"
kill "$pid" 2>/dev/null || true
for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
kill -9 "$pid" 2>/dev/null || true
rm -f "$data/kafka.pid"
