#!/usr/bin/env bash
# Starts a real single-node Apache Kafka broker (KRaft, no ZooKeeper) on 127.0.0.1, using
# Kafka's own jars fetched from Maven Central by Maven. Idempotent: if a broker already
# answers on the port, it is reused. Prints the bootstrap address on success.
#
#   infra/kafka/start.sh            # start (or reuse) on 127.0.0.1:9092
#   KAFKA_PORT=19092 infra/kafka/start.sh
#   KAFKA_SASL=scram KAFKA_ADMIN_PASSWORD=... infra/kafka/start.sh   # SASL/SCRAM + ACLs (README, Kafka access)
#   infra/kafka/stop.sh
#
# With KAFKA_SASL=scram every listener asks a login and an authorizer allows nothing without an
# ACL: the services log in with SCRAM-SHA-512 (users provisioned by infra/kafka/provision-access.ts);
# the super user `admin` (KAFKA_ADMIN_PASSWORD) logs in with PLAIN, its password only in the
# broker's own config file (mode 600) - never on a command line - and the broker itself uses it
# on its inter-broker and controller connections.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"
cache="${KAFKA_CACHE_DIR:-$root/.cache/kafka}"
data="${KAFKA_DATA_DIR:-$root/.data/kafka-$port}"
libs="$cache/libs"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if port_open "$port"; then
  echo "kafka: already listening on 127.0.0.1:$port (reused)" >&2
  echo "127.0.0.1:$port"
  exit 0
fi

command -v java >/dev/null || { echo "kafka: java (17+) is required; on Debian: apt-get install -y openjdk-17-jre-headless" >&2; exit 1; }

if [ ! -f "$libs/.complete" ]; then
  command -v mvn >/dev/null || { echo "kafka: maven is required to fetch Kafka's jars; on Debian: apt-get install -y maven" >&2; exit 1; }
  echo "kafka: fetching Apache Kafka jars from Maven Central into $libs ..." >&2
  rm -rf "$libs"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$libs" -DincludeScope=runtime >&2
  touch "$libs/.complete"
fi

mkdir -p "$data"
config="$data/server.properties"
sasl="${KAFKA_SASL:-}"
case "$sasl" in
  ''|none) client_protocol=PLAINTEXT; controller_protocol=PLAINTEXT ;;
  scram)
    client_protocol=SASL_PLAINTEXT; controller_protocol=SASL_PLAINTEXT
    [ -n "${KAFKA_ADMIN_PASSWORD:-}" ] || { echo "kafka: KAFKA_SASL=scram needs KAFKA_ADMIN_PASSWORD (the admin user's password)" >&2; exit 1; }
    ;;
  *) echo "kafka: KAFKA_SASL must be scram or none, not '$sasl'" >&2; exit 1 ;;
esac
cat > "$config" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=$client_protocol://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=$client_protocol://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:$controller_protocol,$client_protocol:$client_protocol
inter.broker.listener.name=$client_protocol
log.dirs=$data/logs
num.partitions=${KAFKA_NUM_PARTITIONS:-3}
offsets.topic.replication.factor=1
offsets.topic.num.partitions=${KAFKA_OFFSETS_PARTITIONS:-5}
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
# Domain-event topics are the system of record for BI: keep them.
log.retention.ms=-1
PROPS
if [ "$sasl" = scram ]; then
  # The password goes into the broker's own config (mode 600), never onto a command line.
  chmod 600 "$config"
  admin_login="org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"$KAFKA_ADMIN_PASSWORD\" user_admin=\"$KAFKA_ADMIN_PASSWORD\";"
  cat >> "$config" <<PROPS
sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN
sasl.mechanism.inter.broker.protocol=PLAIN
sasl.mechanism.controller.protocol=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=$admin_login
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=$admin_login
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin
PROPS
fi
cat > "$data/log4j.properties" <<PROPS
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$data/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
PROPS

cp="$libs/*"
jvm=(-Xms256m -Xmx${KAFKA_HEAP:-768m} -XX:+UseG1GC -Djava.awt.headless=true "-Dlog4j.configuration=file:$data/log4j.properties")

if [ ! -f "$data/logs/meta.properties" ]; then
  java "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool format -t "${KAFKA_CLUSTER_ID:-arplatformlocal0000001}" -c "$config" >&2
fi

nohup java "${jvm[@]}" -cp "$cp" kafka.Kafka "$config" > "$data/stdout.log" 2>&1 &
echo $! > "$data/kafka.pid"

for _ in $(seq 1 120); do
  if port_open "$port"; then
    echo "kafka: started on 127.0.0.1:$port (pid $(cat "$data/kafka.pid"), logs $data)" >&2
    echo "127.0.0.1:$port"
    exit 0
  fi
  if ! kill -0 "$(cat "$data/kafka.pid")" 2>/dev/null; then
    echo "kafka: broker exited during start; last lines of its output:" >&2
    tail -30 "$data/stdout.log" "$data/server.log" >&2 2>/dev/null || true
    exit 1
  fi
  sleep 0.5
done
echo "kafka: broker did not open 127.0.0.1:$port within 60s" >&2
exit 1
