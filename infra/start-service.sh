#!/usr/bin/env bash
# Distributed mode, one service per process: `pnpm start:service invoicing`.
# Needs DATABASE_URL and KAFKA_BROKERS (eval "$(pnpm -s infra:up)" sets both).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
name="${1:?usage: start-service.sh credit-scoring|contract|invoicing|collections|reporting}"
[ -f "$root/services/$name/src/main.ts" ] || { echo "no service '$name'" >&2; exit 2; }
# Node itself loads tsx (--import), not the tsx CLI, and every step execs the next (the script
# in package.json too): the service is the process pnpm started, so a SIGTERM to pnpm reaches it
# and it stops gracefully - with a wrapper between, pnpm and the shell died and the service went
# on as an orphan (tests/e2e/start-scripts.int.test.ts).
cd "$root"
exec node --import tsx "services/$name/src/main.ts"
