#!/usr/bin/env bash
# Starts a real Keycloak (infra/keycloak/install.sh: the pinned server from Maven Central) in
# development mode on 127.0.0.1: its database H2 in memory, the realms of infra/keycloak/realm-*.json
# imported at every start (realm `ar`: the platform's roles, the contract service's client, a user
# per role; realm `other`: another issuer). Idempotent: a Keycloak already serving realm `ar` on
# the port is reused; two starts at once make one server. Prints the base URL on success (the
# issuer is <URL>/realms/ar). DEVELOPMENT AND TESTS ONLY: known passwords and client secret.
#
#   infra/keycloak/start.sh                 # start (or reuse) on 127.0.0.1:8180
#   KEYCLOAK_PORT=18180 infra/keycloak/start.sh
#   infra/keycloak/stop.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
port="${KEYCLOAK_PORT:-8180}"
management_port="${KEYCLOAK_MANAGEMENT_PORT:-$((port + 1))}"
data="${KEYCLOAK_DATA_DIR:-$root/.data/keycloak-$port}"
url="http://127.0.0.1:$port"
# Keycloak in development mode starts in 20-60 s on a busy machine of two cores.
wait_seconds="${KEYCLOAK_START_TIMEOUT:-240}"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
serving() { curl -fsS -m 5 -o /dev/null "$url/realms/ar/.well-known/openid-configuration" 2>/dev/null; }

mkdir -p "$data"
# Two starts at once (CI's early start in the background and a test's): the second waits for the
# first and reuses its server.
exec 9>"$data/start.lock"
flock 9

if serving; then
  echo "keycloak: already serving realm ar on $url (reused)" >&2
  echo "$url"
  exit 0
fi
if port_open "$port"; then
  echo "keycloak: 127.0.0.1:$port is taken by something that does not serve realm ar: free it or set KEYCLOAK_PORT" >&2
  exit 1
fi

eval "$(bash "$here/install.sh")"

# The realms to import: Keycloak reads them from its home's data/import at --import-realm.
mkdir -p "$KEYCLOAK_HOME/data/import"
cp "$here"/realm-*.json "$KEYCLOAK_HOME/data/import/"

: > "$data/server.log"
# kc.sh forwards TERM to the JVM, so its pid is the one to stop.
JAVA_HOME="$KEYCLOAK_JAVA_HOME" \
  JAVA_OPTS_KC_HEAP="-Xms64m -Xmx${KEYCLOAK_HEAP:-512m}" \
  KC_BOOTSTRAP_ADMIN_USERNAME="${KEYCLOAK_ADMIN:-admin}" \
  KC_BOOTSTRAP_ADMIN_PASSWORD="${KEYCLOAK_ADMIN_PASSWORD:-admin}" \
  nohup "$KEYCLOAK_HOME/bin/kc.sh" start-dev \
  --db=dev-mem \
  --http-host=127.0.0.1 \
  --http-port="$port" \
  --http-management-port="$management_port" \
  --hostname="$url" \
  --import-realm \
  --log=console,file \
  --log-file="$data/server.log" \
  > "$data/stdout.log" 2>&1 9>&- &
echo $! > "$data/keycloak.pid"

for _ in $(seq 1 $((wait_seconds * 2))); do
  if serving; then
    echo "keycloak: started on $url (pid $(cat "$data/keycloak.pid"), logs $data; admin console $url/admin, ${KEYCLOAK_ADMIN:-admin} / development password)" >&2
    echo "$url"
    exit 0
  fi
  if ! kill -0 "$(cat "$data/keycloak.pid")" 2>/dev/null; then
    echo "keycloak: server exited during start; last lines of its output:" >&2
    tail -30 "$data/stdout.log" >&2 2>/dev/null || true
    exit 1
  fi
  sleep 0.5
done
echo "keycloak: realm ar not served on $url within ${wait_seconds}s; last lines of its output:" >&2
tail -30 "$data/stdout.log" >&2 2>/dev/null || true
exit 1
