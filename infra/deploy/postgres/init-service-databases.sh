#!/bin/sh
# The postgres image runs this at its first start (docker-entrypoint-initdb.d): a login and a
# database per service, each password from <SERVICE>_DB_PASSWORD (docker-compose.yml passes
# them; the defaults there are for a laptop, not for production).
set -eu
for service in credit_scoring contract invoicing collections reporting; do
  variable="$(echo "$service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  password="$(printenv "$variable" || true)"
  [ -n "$password" ] || { echo "$variable is not set" >&2; exit 1; }
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v service="$service" -v password="$password" -f /ar/service-database.sql
done
