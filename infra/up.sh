#!/usr/bin/env bash
# Brings up the real servers of the distributed mode on this machine, without Docker:
# a single-node Kafka (KRaft) broker and a PostgreSQL server. Prints the env to use them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
brokers="$("$here/kafka/start.sh")"
database_url="$("$here/postgres/start.sh")"
echo "export KAFKA_BROKERS=$brokers"
echo "export DATABASE_URL=$database_url"
