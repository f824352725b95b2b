#!/usr/bin/env bash
# Distributed mode, one service per process: `pnpm start:service invoicing`.
# Needs DATABASE_URL and KAFKA_BROKERS (eval "$(pnpm -s infra:up)" sets both).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
name="${1:?usage: start-service.sh credit-scoring|contract|invoicing|collections|reporting}"
[ -f "$root/services/$name/src/main.ts" ] || { echo "no service '$name'" >&2; exit 2; }
exec "$root/node_modules/.bin/tsx" "$root/services/$name/src/main.ts"
