#!/usr/bin/env bash
# The real Kafka + Cassandra + Spark toolchain on one machine, without Docker.
#
#   scripts/stack.sh up     [--cluster|--single] [component...]   fetch what is missing, start, wait until healthy
#   scripts/stack.sh down   [component...]   stop (SIGTERM, bounded wait, then SIGKILL)
#   scripts/stack.sh status [component...]   one line per process; exit 0 only if all healthy
#   scripts/stack.sh env                     shell-sourceable AIRC__* settings
#
# Two profiles. single (the default): kafka (KRaft single node, 127.0.0.1:9092,
# controller 9093), cassandra (127.0.0.1:9042), spark (not a server: the venv
# with pyspark and the connector jars that spark-submit needs), postgres
# (Debian's PostgreSQL 15 on 127.0.0.1:5433, the Spark job's batch sink);
# optional: registry (Apicurio schema registry, 127.0.0.1:8081, for Avro).
# cluster (--cluster): kafka = three KRaft nodes kafka1..3 (9092/9094/9096,
# controllers 9093/9095/9097, topic users_created 3 partitions x 3 replicas,
# min.insync.replicas 2), cassandra = two nodes cassandra1/cassandra2
# (127.0.0.1 and 127.0.0.2, port 9042), spark = standalone master
# spark://127.0.0.1:7077 (web UI 8090) + workers spark-worker1/2 (1 core, 1g),
# registry and postgres; `env` then sets Avro (AIRC__KAFKA__FORMAT=avro).
# The profile of the last `up` is kept in <stack home>/profile; down, status and
# env follow it. In the cluster profile a single process (kafka2, cassandra2,
# spark-worker1, ...) may be named as a component. docs/stack.md has the ports
# and their AIRC_STACK_* overrides.
#
# Everything lives under the stack home ${AIRC_STACK_HOME:-<repo>/.stack}:
# lib/{kafka,cassandra,spark-jars} (jars from Maven Central via the POMs in
# scripts/stack/), venv/ (pyspark + cassandra-driver from PyPI), conf/, data/,
# logs/, pids/. Jars and the venv are fetched once: a folder counts as complete
# only when its marker file matches the POM (or requirement) it came from.
#
# Not for: production, several hosts, or anything listening beyond 127.0.0.0/8.
# docker-compose.yml describes the same system for hosts with Docker.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
STACK_HOME=${AIRC_STACK_HOME:-$REPO/.stack}
mkdir -p "$STACK_HOME"
STACK_HOME=$(cd "$STACK_HOME" && pwd)
POMS=$REPO/scripts/stack
LIB=$STACK_HOME/lib
VENV=$STACK_HOME/venv
CONF=$STACK_HOME/conf
DATA=$STACK_HOME/data
LOGS=$STACK_HOME/logs
PIDS=$STACK_HOME/pids

KAFKA_HOST=127.0.0.1
KAFKA_PORT=${AIRC_STACK_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${AIRC_STACK_KAFKA_CONTROLLER_PORT:-9093}
KAFKA_HEAP=${AIRC_STACK_KAFKA_HEAP:-512m}
CASSANDRA_HOST=127.0.0.1
CASSANDRA_PORT=${AIRC_STACK_CASSANDRA_PORT:-9042}
CASSANDRA_STORAGE_PORT=${AIRC_STACK_CASSANDRA_STORAGE_PORT:-7000}
CASSANDRA_HEAP=${AIRC_STACK_CASSANDRA_HEAP:-1G}
KAFKA_TIMEOUT=${AIRC_STACK_KAFKA_TIMEOUT:-90}
CASSANDRA_TIMEOUT=${AIRC_STACK_CASSANDRA_TIMEOUT:-240}
STOP_TIMEOUT=${AIRC_STACK_STOP_TIMEOUT:-45}
# pyspark 3.5.7: the newest 3.5 whose spark-sql-kafka jar this machine's Maven
# Central has (see scripts/stack/spark-connectors-pom.xml).
PIP_REQUIREMENTS="pyspark==3.5.7 cassandra-driver"
ALL_COMPONENTS="kafka cassandra spark postgres"
PROFILE_FILE=$STACK_HOME/profile

# --- cluster profile settings (ports: docs/stack.md) ---
# Broker i (1..3) listens on KAFKA_PORTS[i-1] and its controller on
# KAFKA_CONTROLLER_PORTS[i-1]; by default the single node's ports + 0, 2, 4.
IFS=, read -r -a KAFKA_PORTS <<<"${AIRC_STACK_KAFKA_PORTS:-$KAFKA_PORT,$((KAFKA_PORT + 2)),$((KAFKA_PORT + 4))}"
IFS=, read -r -a KAFKA_CONTROLLER_PORTS <<<"${AIRC_STACK_KAFKA_CONTROLLER_PORTS:-$KAFKA_CONTROLLER_PORT,$((KAFKA_CONTROLLER_PORT + 2)),$((KAFKA_CONTROLLER_PORT + 4))}"
KAFKA_CLUSTER_HEAP=${AIRC_STACK_KAFKA_CLUSTER_HEAP:-384m}
CASSANDRA_HOST2=${AIRC_STACK_CASSANDRA_HOST2:-127.0.0.2}
CASSANDRA_CLUSTER_HEAP=${AIRC_STACK_CASSANDRA_CLUSTER_HEAP:-768M}
SPARK_MASTER_PORT=${AIRC_STACK_SPARK_MASTER_PORT:-7077}
SPARK_UI_PORT=${AIRC_STACK_SPARK_UI_PORT:-8090}
SPARK_WORKER_PORT=${AIRC_STACK_SPARK_WORKER_PORT:-7078}        # worker 1; worker 2 = +1
SPARK_WORKER_UI_PORT=${AIRC_STACK_SPARK_WORKER_UI_PORT:-8091}  # worker 1; worker 2 = +1
SPARK_WORKER_MEMORY=${AIRC_STACK_SPARK_WORKER_MEMORY:-1g}
SPARK_DAEMON_HEAP=${AIRC_STACK_SPARK_DAEMON_HEAP:-256m}
SPARK_TIMEOUT=${AIRC_STACK_SPARK_TIMEOUT:-90}
# Components of the cluster profile.
CLUSTER_COMPONENTS="kafka cassandra spark registry postgres"

say() { printf 'stack: %s\n' "$*" >&2; }
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }

java_bin() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    echo "$JAVA_HOME/bin/java"
  else
    command -v java || die "java not found (install openjdk-17-jre-headless or set JAVA_HOME)"
  fi
}

java_home() {
  local j
  j=$(readlink -f "$(java_bin)")
  dirname "$(dirname "$j")"
}

now() { date +%s; }

# --- fetching -------------------------------------------------------------

# fetch_jars NAME POM [extra mvn args...]: copies the POM's dependencies into
# lib/NAME unless lib/NAME/.complete holds the same fingerprint. Downloads go
# to a temporary folder first so an interrupted fetch never looks complete.
fetch_jars() {
  local name=$1 pom=$2; shift 2
  local dest=$LIB/$name fp
  fp="$(sha256sum "$pom" | cut -d' ' -f1) $*"
  if [ -f "$dest/.complete" ] && [ "$(cat "$dest/.complete")" = "$fp" ]; then
    return 0
  fi
  say "fetching $name jars from Maven Central ($(basename "$pom"))"
  local t0 tmp; t0=$(now); tmp=$dest.tmp.$$
  rm -rf "$tmp"; mkdir -p "$tmp"
  if ! mvn -q -B -f "$pom" \
      org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp" "$@" >"$LOGS/fetch-$name.log" 2>&1; then
    rm -rf "$tmp"
    tail -n 20 "$LOGS/fetch-$name.log" >&2
    die "fetching $name jars failed (log: $LOGS/fetch-$name.log)"
  fi
  printf '%s\n' "$fp" >"$tmp/.complete"
  rm -rf "$dest"; mv "$tmp" "$dest"
  say "fetched $name: $(ls "$dest" | wc -l) jars in $(( $(now) - t0 )) s"
}

fetch_venv() {
  if [ -f "$VENV/.complete" ] && [ "$(cat "$VENV/.complete")" = "$PIP_REQUIREMENTS" ] \
     && [ -x "$VENV/bin/spark-submit" ]; then
    return 0
  fi
  say "creating venv with $PIP_REQUIREMENTS (PyPI)"
  local t0; t0=$(now)
  rm -rf "$VENV"
  python3 -m venv "$VENV" || die "python3 -m venv failed (apt-get install python3-venv)"
  # shellcheck disable=SC2086
  if ! "$VENV/bin/pip" install -q --disable-pip-version-check $PIP_REQUIREMENTS \
      >"$LOGS/fetch-venv.log" 2>&1; then
    tail -n 20 "$LOGS/fetch-venv.log" >&2
    die "pip install failed (log: $LOGS/fetch-venv.log)"
  fi
  printf '%s\n' "$PIP_REQUIREMENTS" >"$VENV/.complete"
  say "venv ready in $(( $(now) - t0 )) s"
}

pyspark_version() {
  "$VENV/bin/python" -c 'import pyspark; print(pyspark.__version__)'
}

spark_home() {
  "$VENV/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))'
}

fetch_spark() {
  fetch_venv
  fetch_jars spark-jars "$POMS/spark-connectors-pom.xml" \
    -DexcludeTransitive=true -Dspark.version="$(pyspark_version)"
  write_spark_conf
}

# The venv's own bin/spark-submit only works with the venv activated (it finds
# SPARK_HOME and the Python to run through `python3` on PATH). bin/spark-submit
# in the stack home pins both, so callers such as airc can run it from any
# environment. SPARK_CONF_DIR keeps Spark's console at WARN from JVM start.
write_spark_conf() {
  local c=$CONF/spark sh
  sh=$(spark_home)
  mkdir -p "$c" "$STACK_HOME/bin"
  cat >"$c/log4j2.properties" <<EOF
# Written by scripts/stack.sh: Spark's console logging at WARN.
rootLogger.level = warn
rootLogger.appenderRef.stdout.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
logger.kafka.name = org.apache.kafka
logger.kafka.level = warn
logger.cassandra.name = com.datastax
logger.cassandra.level = warn
EOF
  cat >"$STACK_HOME/bin/spark-submit.tmp" <<EOF
#!/bin/sh
# Written by scripts/stack.sh: the venv's spark-submit with its environment pinned.
SPARK_HOME='$sh'
PYSPARK_PYTHON='$VENV/bin/python'
SPARK_CONF_DIR=\${SPARK_CONF_DIR:-'$c'}
JAVA_HOME=\${JAVA_HOME:-'$(java_home)'}
SPARK_LOCAL_IP=\${SPARK_LOCAL_IP:-127.0.0.1}
export SPARK_HOME PYSPARK_PYTHON SPARK_CONF_DIR JAVA_HOME SPARK_LOCAL_IP
exec '$VENV/bin/spark-submit' "\$@"
EOF
  chmod +x "$STACK_HOME/bin/spark-submit.tmp"
  mv "$STACK_HOME/bin/spark-submit.tmp" "$STACK_HOME/bin/spark-submit"
}

spark_jars_csv() {
  local f out=""
  for f in "$LIB"/spark-jars/*.jar; do
    [ -e "$f" ] || continue
    out="${out:+$out,}$f"
  done
  echo "$out"
}

# --- processes ------------------------------------------------------------

# Each server's command line carries -Dairc.stack.id=<home>:<component>, so a
# pid is only trusted when its /proc cmdline still names this stack home and
# component (guards against pid reuse and a lost pid file).
marker() { echo "-Dairc.stack.id=$STACK_HOME:$1"; }

pid_matches() {
  local pid=$1 comp=$2
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$(marker "$comp")"
}

component_pid() {
  local comp=$1 pid="" p
  [ -f "$PIDS/$comp.pid" ] && pid=$(cat "$PIDS/$comp.pid" 2>/dev/null || true)
  if pid_matches "$pid" "$comp"; then echo "$pid"; return 0; fi
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    if pid_matches "$p" "$comp"; then echo "$p" >"$PIDS/$comp.pid"; echo "$p"; return 0; fi
  done
  return 1
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# spawn COMP LOGFILE cmd...: starts cmd in its own session (so it survives the
# caller's process group being killed) and records its pid.
spawn() {
  local comp=$1 out=$2; shift 2
  mkdir -p "$PIDS"
  rm -f "$PIDS/$comp.pid"
  # 9>&-: the server must not inherit (and hold forever) stack.sh's lock.
  setsid sh -c 'echo $$ >"$0"; exec "$@"' "$PIDS/$comp.pid" "$@" \
    </dev/null >>"$out" 2>&1 9>&- &
  local i
  for i in $(seq 1 50); do
    [ -s "$PIDS/$comp.pid" ] && return 0
    sleep 0.1
  done
  die "$comp: no pid file after spawning"
}

stop_component() {
  local comp=$1 pid i
  if ! pid=$(component_pid "$comp"); then
    say "$comp: not running"
    rm -f "$PIDS/$comp.pid"
    return 0
  fi
  say "$comp: stopping pid $pid (SIGTERM, up to $STOP_TIMEOUT s)"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 $((STOP_TIMEOUT * 5))); do
    pid_matches "$pid" "$comp" || break
    sleep 0.2
  done
  if pid_matches "$pid" "$comp"; then
    say "$comp: still running after $STOP_TIMEOUT s, SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do pid_matches "$pid" "$comp" || break; sleep 0.1; done
  fi
  rm -f "$PIDS/$comp.pid"
  say "$comp: stopped"
}

# wait_healthy COMP TIMEOUT: polls COMP's health check until it passes; fails
# early (with the log tail) if the process dies. Progress line every 10 s.
wait_healthy() {
  local comp=$1 timeout=$2 t0 last=0 el
  t0=$(now)
  while :; do
    if health_unit "$comp"; then
      say "$comp: healthy after $(( $(now) - t0 )) s"
      return 0
    fi
    if ! component_pid "$comp" >/dev/null; then
      tail -n 40 "$LOGS/$comp.out" >&2 || true
      die "$comp: process exited during start (logs: $LOGS/$comp.out, $LOGS/$comp/)"
    fi
    el=$(( $(now) - t0 ))
    if [ "$el" -ge "$timeout" ]; then
      tail -n 40 "$LOGS/$comp.out" >&2 || true
      die "$comp: not healthy after $timeout s (logs: $LOGS/$comp.out, $LOGS/$comp/); still running, stop with: $0 down $comp"
    fi
    if [ $(( el - last )) -ge 10 ]; then
      say "$comp: waiting ($el s / $timeout s)"
      last=$el
    fi
    sleep 1
  done
}

# --- kafka ----------------------------------------------------------------

# kcat_brokers BOOTSTRAP: the metadata listing of the cluster as seen from
# BOOTSTRAP (bounded), or nothing.
kcat_meta() { timeout 10 kcat -b "$1" -L -m 5 2>/dev/null; }

health_kafka() {
  port_open "$KAFKA_HOST" "$KAFKA_PORT" || return 1
  kcat_meta "$KAFKA_HOST:$KAFKA_PORT" | grep -q ' 1 brokers:'
}

# health_kafka_node I: broker I answers and lists itself in the metadata.
health_kafka_node() {
  local i=$1 port=${KAFKA_PORTS[$(($1 - 1))]}
  port_open "$KAFKA_HOST" "$port" || return 1
  kcat_meta "$KAFKA_HOST:$port" | grep -q "broker $i at "
}

# write_kafka_conf NAME NODE_ID PORT CONTROLLER_PORT VOTERS REPLICAS MIN_ISR
# writes conf/NAME/{server,log4j}.properties for one KRaft node (broker +
# controller) with its log dir data/NAME. REPLICAS and MIN_ISR apply to the
# internal topics and to topics created without explicit settings.
write_kafka_conf() {
  local name=$1 id=$2 port=$3 cport=$4 voters=$5 rf=$6 isr=$7
  local c=$CONF/$name nparts=1
  [ "$rf" -gt 1 ] && nparts=3
  mkdir -p "$c" "$DATA/$name" "$LOGS/$name"
  cat >"$c/server.properties" <<EOF
# Written by scripts/stack.sh; regenerated on every start.
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
listeners=PLAINTEXT://$KAFKA_HOST:$port,CONTROLLER://$KAFKA_HOST:$cport
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA/$name
num.partitions=$nparts
default.replication.factor=$rf
min.insync.replicas=$isr
auto.create.topics.enable=true
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=$nparts
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
transaction.state.log.num.partitions=$nparts
group.initial.rebalance.delay.ms=0
log.retention.hours=168
log.segment.bytes=104857600
EOF
  cat >"$c/log4j.properties" <<EOF
# Written by scripts/stack.sh.
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$LOGS/$name/server.log
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=3
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.controller=INFO
log4j.logger.kafka.log.LogCleaner=WARN
EOF
}

# kafka_jvm NAME HEAP: sets KAFKA_JVM to the broker's java command line (heap,
# GC, logging, classpath) up to, not including, the main class.
kafka_jvm() {
  local name=${1:-kafka} heap=${2:-$KAFKA_HEAP}
  KAFKA_JVM=("$(java_bin)" -Xms"$heap" -Xmx"$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$CONF/$name/log4j.properties" -Dkafka.logs.dir="$LOGS/$name" \
    -cp "$LIB/kafka/*")
}

# kafka_format NAME ID_FILE: formats data/NAME with the cluster id kept in
# ID_FILE (made once), unless it is formatted already.
kafka_format() {
  local name=$1 idf=$2
  [ -f "$DATA/$name/meta.properties" ] && return 0
  if [ ! -s "$idf" ]; then
    "${KAFKA_JVM[@]}" kafka.tools.StorageTool random-uuid 2>>"$LOGS/$name.out" | tail -n 1 >"$idf"
  fi
  say "$name: formatting $DATA/$name (cluster id $(cat "$idf"))"
  "${KAFKA_JVM[@]}" kafka.tools.StorageTool format -t "$(cat "$idf")" \
    -c "$CONF/$name/server.properties" --ignore-formatted >>"$LOGS/$name.out" 2>&1 \
    || die "$name: storage format failed (log: $LOGS/$name.out)"
}

start_kafka() {
  fetch_jars kafka "$POMS/kafka-pom.xml"
  command -v kcat >/dev/null || die "kcat not found (apt-get install kcat)"
  if component_pid kafka >/dev/null; then
    wait_healthy kafka "$KAFKA_TIMEOUT"
    return 0
  fi
  if port_open "$KAFKA_HOST" "$KAFKA_PORT" || port_open "$KAFKA_HOST" "$KAFKA_CONTROLLER_PORT"; then
    die "kafka: port $KAFKA_PORT or $KAFKA_CONTROLLER_PORT is taken by a process this stack did not start"
  fi
  write_kafka_conf kafka 1 "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT" 1 1
  kafka_jvm kafka "$KAFKA_HEAP"
  mkdir -p "$CONF/kafka"
  kafka_format kafka "$CONF/kafka/cluster.id"
  say "kafka: starting on $KAFKA_HOST:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT, heap $KAFKA_HEAP)"
  spawn kafka "$LOGS/kafka.out" "${KAFKA_JVM[@]}" "$(marker kafka)" kafka.Kafka "$CONF/kafka/server.properties"
  wait_healthy kafka "$KAFKA_TIMEOUT"
}

kafka_bootstrap_list() {
  local i out=""
  for i in 1 2 3; do out="${out:+$out,}$KAFKA_HOST:${KAFKA_PORTS[$((i - 1))]}"; done
  echo "$out"
}

# Three KRaft nodes, each broker + controller, one cluster id. All missing
# nodes are spawned before any wait (the quorum needs two of three), then
# each must list itself in the metadata. Finally users_created is created
# (3 partitions, replication 3, min.insync.replicas 2) if it is missing.
# kafka_units: the nodes to start (default all three; `up kafka2` starts one).
start_kafka_cluster() {
  local units=${1:-"kafka1 kafka2 kafka3"} u i voters=""
  fetch_jars kafka "$POMS/kafka-pom.xml"
  command -v kcat >/dev/null || die "kcat not found (apt-get install kcat)"
  for i in 1 2 3; do voters="${voters:+$voters,}$i@$KAFKA_HOST:${KAFKA_CONTROLLER_PORTS[$((i - 1))]}"; done
  mkdir -p "$CONF"
  for u in $units; do
    i=${u#kafka}
    component_pid "$u" >/dev/null && continue
    local port=${KAFKA_PORTS[$((i - 1))]} cport=${KAFKA_CONTROLLER_PORTS[$((i - 1))]}
    if port_open "$KAFKA_HOST" "$port" || port_open "$KAFKA_HOST" "$cport"; then
      die "$u: port $port or $cport is taken by a process this stack did not start"
    fi
    write_kafka_conf "$u" "$i" "$port" "$cport" "$voters" 3 2
    kafka_jvm "$u" "$KAFKA_CLUSTER_HEAP"
    kafka_format "$u" "$CONF/kafka-cluster.id"
    say "$u: starting node $i on $KAFKA_HOST:$port (controller $cport, heap $KAFKA_CLUSTER_HEAP)"
    spawn "$u" "$LOGS/$u.out" "${KAFKA_JVM[@]}" "$(marker "$u")" kafka.Kafka "$CONF/$u/server.properties"
  done
  for u in $units; do wait_healthy "$u" "$KAFKA_TIMEOUT"; done
  kafka_cluster_topic users_created
}

# kafka_cluster_topic NAME: makes sure the cluster has topic NAME. It is
# created by the brokers' auto-creation (a metadata request that allows it),
# so it gets their defaults: num.partitions=3, default.replication.factor=3,
# min.insync.replicas=2 (server.properties). The Maven Kafka jars lack the
# kafka-tools module (TopicCommand); ConfigCommand (kafka core) shows the
# effective min.insync.replicas. Topics publish-kafka creates get the same.
kafka_cluster_topic() {
  local t=$1 boot i
  boot=$(kafka_bootstrap_list)
  for i in $(seq 1 30); do
    timeout 10 kcat -b "$boot" -L -t "$t" -X allow.auto.create.topics=true 2>/dev/null \
      | grep -q "topic \"$t\" with 3 partitions" && { say "kafka: topic $t ready (3 partitions)"; return 0; }
    sleep 1
  done
  die "kafka: topic $t has not 3 partitions after 30 s (kcat -b $boot -L -t $t)"
}

# --- cassandra ------------------------------------------------------------

health_cassandra() { health_cassandra_host "$CASSANDRA_HOST"; }

# health_cassandra_host HOST: the node at HOST answers a query itself (the
# driver is pinned to it) and counts as a normal member.
health_cassandra_host() {
  local host=$1
  port_open "$host" "$CASSANDRA_PORT" || return 1
  [ -x "$VENV/bin/python" ] || return 1
  timeout 20 "$VENV/bin/python" - "$host" "$CASSANDRA_PORT" >/dev/null 2>&1 <<'EOF'
import logging, sys
logging.disable(logging.CRITICAL)
from cassandra.cluster import Cluster, ExecutionProfile, EXEC_PROFILE_DEFAULT
from cassandra.policies import WhiteListRoundRobinPolicy
prof = ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy([sys.argv[1]]))
c = Cluster([sys.argv[1]], port=int(sys.argv[2]), connect_timeout=5, control_connection_timeout=5,
            execution_profiles={EXEC_PROFILE_DEFAULT: prof})
try:
    s = c.connect()
    s.execute("SELECT release_version FROM system.local", timeout=5).one()
finally:
    c.shutdown()
EOF
}

# write_cassandra_conf NAME HOST SEED CLUSTER_NAME: conf/NAME/{cassandra.yaml,
# logback.xml} for one node listening on HOST, data under data/NAME.
write_cassandra_conf() {
  local name=${1:-cassandra} host=${2:-$CASSANDRA_HOST} seed=${3:-$CASSANDRA_HOST} cname=${4:-airc}
  local c=$CONF/$name d=$DATA/$name
  mkdir -p "$c" "$d" "$LOGS/$name"
  cat >"$c/cassandra.yaml" <<EOF
# Written by scripts/stack.sh; regenerated on every start. Unknown keys are rejected.
cluster_name: $cname
num_tokens: 1
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
listen_address: $host
rpc_address: $host
storage_port: $CASSANDRA_STORAGE_PORT
native_transport_port: $CASSANDRA_PORT
start_native_transport: true
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "$seed:$CASSANDRA_STORAGE_PORT"
data_file_directories:
  - $d/data
commitlog_directory: $d/commitlog
hints_directory: $d/hints
saved_caches_directory: $d/saved_caches
cdc_raw_directory: $d/cdc_raw
commitlog_sync: periodic
commitlog_sync_period: 10000ms
authenticator: AllowAllAuthenticator
authorizer: AllowAllAuthorizer
auto_snapshot: false
EOF
  cat >"$c/logback.xml" <<EOF
<!-- Written by scripts/stack.sh. INFO to a rolling file, WARN to stdout. -->
<configuration scan="false">
  <appender name="FILE" class="ch.qos.logback.core.rolling.RollingFileAppender">
    <file>$LOGS/$name/system.log</file>
    <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">
      <fileNamePattern>$LOGS/$name/system.log.%i.zip</fileNamePattern>
      <minIndex>1</minIndex><maxIndex>3</maxIndex>
    </rollingPolicy>
    <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy">
      <maxFileSize>20MB</maxFileSize>
    </triggeringPolicy>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <filter class="ch.qos.logback.classic.filter.ThresholdFilter"><level>WARN</level></filter>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO">
    <appender-ref ref="FILE"/>
    <appender-ref ref="STDOUT"/>
  </root>
</configuration>
EOF
}

start_cassandra() {
  fetch_jars cassandra "$POMS/cassandra-pom.xml"
  fetch_venv   # the health check uses the venv's cassandra-driver
  if component_pid cassandra >/dev/null; then
    wait_healthy cassandra "$CASSANDRA_TIMEOUT"
    return 0
  fi
  spawn_cassandra cassandra "$CASSANDRA_HOST" "$CASSANDRA_HOST" airc "$CASSANDRA_HEAP"
  wait_healthy cassandra "$CASSANDRA_TIMEOUT"
}

# Two nodes on CASSANDRA_HOST and CASSANDRA_HOST2 (same ports), seed = the
# first; the second is started only once the first answers (two nodes
# joining at once fight over the ring). units: which to start (default both).
start_cassandra_cluster() {
  local units=${1:-"cassandra1 cassandra2"} u
  fetch_jars cassandra "$POMS/cassandra-pom.xml"
  fetch_venv
  for u in $units; do
    if ! component_pid "$u" >/dev/null; then
      local host=$CASSANDRA_HOST
      [ "$u" = cassandra2 ] && host=$CASSANDRA_HOST2
      spawn_cassandra "$u" "$host" "$CASSANDRA_HOST" airc-cluster "$CASSANDRA_CLUSTER_HEAP"
    fi
    wait_healthy "$u" "$CASSANDRA_TIMEOUT"
  done
}

# spawn_cassandra NAME HOST SEED CLUSTER_NAME HEAP: starts one node (does not wait).
spawn_cassandra() {
  local name=$1 host=$2 seed=$3 cname=$4 heap=$5
  if port_open "$host" "$CASSANDRA_PORT" || port_open "$host" "$CASSANDRA_STORAGE_PORT"; then
    die "$name: port $CASSANDRA_PORT or $CASSANDRA_STORAGE_PORT on $host is taken by a process this stack did not start"
  fi
  local jamm
  jamm=$(ls "$LIB"/cassandra/jamm-*.jar 2>/dev/null | head -n 1)
  [ -n "$jamm" ] || die "cassandra: no jamm jar in $LIB/cassandra"
  write_cassandra_conf "$name" "$host" "$seed" "$cname"
  say "$name: starting on $host:$CASSANDRA_PORT (heap $heap)"
  # JVM flags: Cassandra 5.0's conf/jvm-server.options and jvm17-server.options.
  spawn "$name" "$LOGS/$name.out" "$(java_bin)" "$(marker "$name")" \
    -Xms"$heap" -Xmx"$heap" -Xss256k \
    -ea -da:net.openhft... -XX:+UseThreadPriorities -XX:+HeapDumpOnOutOfMemoryError \
    -XX:HeapDumpPath="$DATA/$name" -XX:+UseTLAB -XX:+ResizeTLAB -XX:+PerfDisableSharedMem \
    -XX:+UseG1GC -XX:+ParallelRefProcEnabled -XX:MaxTenuringThreshold=1 -XX:G1HeapRegionSize=16m \
    -XX:G1RSetUpdatingPauseTimePercent=5 -XX:MaxGCPauseMillis=300 \
    -XX:InitiatingHeapOccupancyPercent=70 \
    -Djava.net.preferIPv4Stack=true -Djdk.attach.allowAttachSelf=true \
    --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
    --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED \
    --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED \
    --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED \
    --add-exports java.sql/java.sql=ALL-UNNAMED \
    --add-exports java.base/java.lang.ref=ALL-UNNAMED \
    --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED \
    --add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED \
    --add-exports jdk.attach/sun.tools.attach=ALL-UNNAMED \
    --add-opens java.base/java.lang.module=ALL-UNNAMED \
    --add-opens java.base/jdk.internal.loader=ALL-UNNAMED \
    --add-opens java.base/jdk.internal.ref=ALL-UNNAMED \
    --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED \
    --add-opens java.base/jdk.internal.math=ALL-UNNAMED \
    --add-opens java.base/jdk.internal.module=ALL-UNNAMED \
    --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED \
    --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED \
    --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
    --add-opens java.base/java.io=ALL-UNNAMED \
    --add-opens java.base/java.lang.reflect=ALL-UNNAMED \
    --add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED \
    --add-opens java.base/java.lang=ALL-UNNAMED \
    --add-opens java.base/java.util=ALL-UNNAMED \
    --add-opens java.base/java.nio=ALL-UNNAMED \
    --add-opens java.base/java.util.concurrent=ALL-UNNAMED \
    --add-opens java.base/java.util.concurrent.atomic=ALL-UNNAMED \
    --add-opens java.base/java.math=ALL-UNNAMED \
    --add-opens java.base/java.net=ALL-UNNAMED \
    -Dio.netty.tryReflectionSetAccessible=true \
    -Dio.netty.allocator.useCacheForAllThreads=true -Dio.netty.allocator.maxOrder=11 \
    -javaagent:"$jamm" \
    -Dcassandra.config="file://$CONF/$name/cassandra.yaml" \
    -Dcassandra.storagedir="$DATA/$name" -Dcassandra.logdir="$LOGS/$name" \
    -Dcassandra.ring_delay_ms=5000 -Dcassandra.consistent.rangemovement=false \
    -Dcassandra-foreground=yes -Dcassandra.skip_wait_for_gossip_to_settle=0 \
    -Dcassandra.superuser_setup_delay_ms=0 \
    -Dlogback.configurationFile="file://$CONF/$name/logback.xml" \
    -cp "$CONF/$name:$LIB/cassandra/*" org.apache.cassandra.service.CassandraDaemon
}

# --- spark (tooling only) -------------------------------------------------

health_spark() {
  [ -f "$VENV/.complete" ] && [ -x "$VENV/bin/spark-submit" ] && [ -f "$LIB/spark-jars/.complete" ] \
    && [ -x "$STACK_HOME/bin/spark-submit" ]
}

start_spark() {
  fetch_spark
}

# --- registry (Apicurio Registry 2.6, not in the default list) -------------
# A Confluent-compatible schema registry for publish-kafka's Avro format:
# `up registry` fetches io.apicurio:apicurio-registry-app:2.6.13.Final (the
# tar.gz "all", scripts/stack/registry-pom.xml), unpacks it into lib/registry
# and runs it on 127.0.0.1:${AIRC_STACK_REGISTRY_PORT:-8081} with in-memory
# storage (schemas and ids last as long as the process). Healthy when
# GET /apis/ccompat/v7/subjects answers 200. `env` prints AIRC__REGISTRY__URL
# while it runs.

REGISTRY_HOST=127.0.0.1
REGISTRY_PORT=${AIRC_STACK_REGISTRY_PORT:-8081}
REGISTRY_HEAP=${AIRC_STACK_REGISTRY_HEAP:-512m}
REGISTRY_TIMEOUT=${AIRC_STACK_REGISTRY_TIMEOUT:-90}
OPTIONAL_COMPONENTS="${OPTIONAL_COMPONENTS:+$OPTIONAL_COMPONENTS }registry"

registry_url() { echo "http://$REGISTRY_HOST:$REGISTRY_PORT/apis/ccompat/v7"; }

health_registry() {
  port_open "$REGISTRY_HOST" "$REGISTRY_PORT" || return 1
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$(registry_url)/subjects" 2>/dev/null)" = 200 ]
}

# The tarball comes through fetch_jars (lib/registry-dist); lib/registry
# holds it unpacked, marked complete with the same fingerprint.
fetch_registry() {
  fetch_jars registry-dist "$POMS/registry-pom.xml" -DexcludeTransitive=true
  local dist=$LIB/registry-dist dest=$LIB/registry fp tgz tmp jar
  fp=$(cat "$dist/.complete")
  if [ -f "$dest/.complete" ] && [ "$(cat "$dest/.complete")" = "$fp" ]; then
    return 0
  fi
  tgz=$(ls "$dist"/*.tar.gz 2>/dev/null | head -n 1)
  [ -n "$tgz" ] || die "registry: no tarball in $dist"
  tmp=$dest.tmp.$$
  rm -rf "$tmp"; mkdir -p "$tmp"
  tar -xzf "$tgz" -C "$tmp" || { rm -rf "$tmp"; die "registry: cannot unpack $tgz"; }
  jar=$(find "$tmp" -name '*-runner.jar' | head -n 1)
  [ -n "$jar" ] || { rm -rf "$tmp"; die "registry: no *-runner.jar in $tgz"; }
  printf '%s\n' "$fp" >"$tmp/.complete"
  rm -rf "$dest"; mv "$tmp" "$dest"
  say "registry: unpacked $(basename "$tgz")"
}

start_registry() {
  fetch_registry
  if component_pid registry >/dev/null; then
    wait_healthy registry "$REGISTRY_TIMEOUT"
    return 0
  fi
  if port_open "$REGISTRY_HOST" "$REGISTRY_PORT"; then
    die "registry: port $REGISTRY_PORT is taken by a process this stack did not start"
  fi
  local jar
  jar=$(find "$LIB/registry" -name '*-runner.jar' | head -n 1)
  mkdir -p "$DATA/registry"
  say "registry: starting Apicurio on $REGISTRY_HOST:$REGISTRY_PORT (heap $REGISTRY_HEAP, in-memory storage)"
  spawn registry "$LOGS/registry.out" "$(java_bin)" "$(marker registry)" -Xmx"$REGISTRY_HEAP" \
    -Djava.io.tmpdir="$DATA/registry" -Dquarkus.http.host="$REGISTRY_HOST" \
    -Dquarkus.http.port="$REGISTRY_PORT" -jar "$jar"
  wait_healthy registry "$REGISTRY_TIMEOUT"
}

status_registry() {
  local pid state
  if pid=$(component_pid registry); then
    if health_registry; then state=running; else state=unhealthy; fi
  else
    pid=-; state=stopped
  fi
  printf '%-14s %-10s pid=%-8s %s\n' registry "$state" "$pid" "$(registry_url)"
  [ "$state" = running ]
}

# --- postgres (the batch sink) ---------------------------------------------
# Debian's PostgreSQL 15 server binaries, no download. PostgreSQL refuses to
# run as root, so as root initdb/pg_ctl/psql run as Debian's `postgres` user
# and the cluster's folders (data/postgres, its socket folder run/postgres)
# belong to it. Listens on 127.0.0.1:$AIRC_STACK_POSTGRES_PORT (default 5433,
# never a system server's 5432). The database and role `airc` (CREATEDB, so
# tests can make databases of their own; password
# generated once, kept in conf/postgres/password, mode 0600) are what `env`
# prints as AIRC__POSTGRES__URL. pg_ctl owns the process (postmaster.pid in
# the data folder names it), so this component needs no command-line marker.

POSTGRES_HOST=127.0.0.1
POSTGRES_PORT=${AIRC_STACK_POSTGRES_PORT:-5433}
POSTGRES_TIMEOUT=${AIRC_STACK_POSTGRES_TIMEOUT:-60}
POSTGRES_DATA=$DATA/postgres
POSTGRES_SOCK=$STACK_HOME/run/postgres

postgres_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}

as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

postgres_password() { cat "$CONF/postgres/password" 2>/dev/null; }

postgres_url() {
  printf 'postgresql://airc:%s@%s:%s/airc' "$(postgres_password)" "$POSTGRES_HOST" "$POSTGRES_PORT"
}

# Healthy = the server accepts connections AND the sink's role can log in.
health_postgres() {
  local bin; bin=$(postgres_bin) || return 1
  [ -s "$CONF/postgres/password" ] || return 1
  "$bin/pg_isready" -q -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" -t 3 || return 1
  PGCONNECT_TIMEOUT=5 "$bin/psql" -X -q -t -A "$(postgres_url)" -c 'SELECT 1' >/dev/null 2>&1
}

postgres_running() {
  local bin; bin=$(postgres_bin) || return 1
  [ -f "$POSTGRES_DATA/postmaster.pid" ] && as_postgres "$bin/pg_ctl" -D "$POSTGRES_DATA" status >/dev/null 2>&1
}

postgres_pid() { head -n 1 "$POSTGRES_DATA/postmaster.pid" 2>/dev/null; }

start_postgres() {
  local bin t0; t0=$(now)
  bin=$(postgres_bin) || die "postgres: no PostgreSQL server (initdb, pg_ctl) in /usr/lib/postgresql/*/bin (apt-get install postgresql-15)"
  mkdir -p "$CONF/postgres" "$POSTGRES_SOCK" "$LOGS"
  if ! postgres_running; then
    if port_open "$POSTGRES_HOST" "$POSTGRES_PORT"; then
      die "postgres: port $POSTGRES_PORT is taken by a process this stack did not start"
    fi
    mkdir -p "$POSTGRES_DATA"
    touch "$LOGS/postgres.log"
    if [ "$(id -u)" -eq 0 ]; then
      # the postgres user must reach its folders through the stack home
      chmod go+x "$STACK_HOME" "$DATA" "$STACK_HOME/run" "$LOGS" 2>/dev/null || true
      chown postgres: "$POSTGRES_DATA" "$POSTGRES_SOCK" "$LOGS/postgres.log"
      chmod 700 "$POSTGRES_DATA"
    fi
    if [ ! -f "$POSTGRES_DATA/PG_VERSION" ]; then
      say "postgres: initdb $POSTGRES_DATA"
      as_postgres "$bin/initdb" -D "$POSTGRES_DATA" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 -E UTF8 >"$LOGS/postgres-initdb.log" 2>&1 \
        || { tail -n 20 "$LOGS/postgres-initdb.log" >&2; die "postgres: initdb failed (log: $LOGS/postgres-initdb.log)"; }
    fi
    say "postgres: starting on $POSTGRES_HOST:$POSTGRES_PORT"
    # 9>&-: the server must not inherit (and hold forever) stack.sh's lock
    as_postgres "$bin/pg_ctl" -D "$POSTGRES_DATA" -l "$LOGS/postgres.log" -w -t "$POSTGRES_TIMEOUT" \
      -o "-c listen_addresses=$POSTGRES_HOST -p $POSTGRES_PORT -k $POSTGRES_SOCK -c max_connections=100" \
      start >/dev/null 2>&1 9>&- \
      || { tail -n 20 "$LOGS/postgres.log" >&2; die "postgres: did not start within $POSTGRES_TIMEOUT s (log: $LOGS/postgres.log)"; }
  fi
  # the sink's role and database, idempotently, over the socket as superuser
  if [ ! -s "$CONF/postgres/password" ]; then
    (umask 077; head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$CONF/postgres/password")
  fi
  local pw; pw=$(postgres_password)
  printf '%s\n' \
    "SELECT 'CREATE ROLE airc LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'airc') \\gexec" \
    "ALTER ROLE airc LOGIN CREATEDB PASSWORD '$pw';" \
    "SELECT 'CREATE DATABASE airc OWNER airc' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'airc') \\gexec" \
    | as_postgres "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$POSTGRES_SOCK" -p "$POSTGRES_PORT" -d postgres \
      >>"$LOGS/postgres-setup.log" 2>&1 \
    || die "postgres: creating role/database airc failed (log: $LOGS/postgres-setup.log)"
  while ! health_postgres; do
    [ $(( $(now) - t0 )) -lt "$POSTGRES_TIMEOUT" ] \
      || die "postgres: not healthy after $POSTGRES_TIMEOUT s (log: $LOGS/postgres.log)"
    sleep 1
  done
  say "postgres: healthy after $(( $(now) - t0 )) s"
}

stop_postgres() {
  local bin
  if ! bin=$(postgres_bin) || ! postgres_running; then say "postgres: not running"; return 0; fi
  say "postgres: stopping pid $(postgres_pid) (pg_ctl fast, up to $STOP_TIMEOUT s)"
  as_postgres "$bin/pg_ctl" -D "$POSTGRES_DATA" -m fast -w -t "$STOP_TIMEOUT" stop >/dev/null 2>&1 \
    || as_postgres "$bin/pg_ctl" -D "$POSTGRES_DATA" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
  say "postgres: stopped"
}

status_postgres() {
  local state pid=-
  if postgres_running; then
    pid=$(postgres_pid)
    if health_postgres; then state=running; else state=unhealthy; fi
  else
    state=stopped
  fi
  printf '%-14s %-10s pid=%-8s %s\n' postgres "$state" "$pid" "$POSTGRES_HOST:$POSTGRES_PORT"
  [ "$state" = running ]
}

# --- spark standalone (cluster profile) ------------------------------------

spark_master_url() { echo "spark://127.0.0.1:$SPARK_MASTER_PORT"; }
spark_ui_url() { echo "http://127.0.0.1:$SPARK_UI_PORT"; }

# spark_master_json: the master's /json/ (bounded), or nothing.
spark_master_json() { curl -fsS -m 5 "$(spark_ui_url)/json/" 2>/dev/null; }

health_spark_master() {
  port_open 127.0.0.1 "$SPARK_MASTER_PORT" || return 1
  spark_master_json | python3 -c 'import json,sys; sys.exit(json.load(sys.stdin).get("status") != "ALIVE")' \
    2>/dev/null
}

# health_spark_worker N: the master lists worker N (by its port) as ALIVE.
health_spark_worker() {
  local port=$((SPARK_WORKER_PORT + $1 - 1))
  spark_master_json | python3 -c '
import json, sys
ws = json.load(sys.stdin).get("workers", [])
sys.exit(not any(w.get("state") == "ALIVE" and w.get("port") == int(sys.argv[1]) for w in ws))' "$port" \
    2>/dev/null
}

# spark_daemon NAME CLASS ARGS...: runs a Spark daemon the way the pyspark
# distribution's bin/spark-class does (java -cp <conf>:<spark home>/jars/*
# CLASS), with the stack marker on the command line and the environment the
# worker hands to the executors it launches (SPARK_HOME, JAVA_HOME, Python,
# SPARK_SCALA_VERSION: spark-class's load-spark-env.sh sets it, and without
# it the worker's executor launcher fails with "Cannot find any build
# directories").
spark_daemon() {
  local name=$1 cls=$2; shift 2
  local sh; sh=$(spark_home)
  mkdir -p "$LOGS/$name" "$DATA/$name"
  say "$name: starting $cls $*"
  SPARK_HOME=$sh SPARK_CONF_DIR=$CONF/spark JAVA_HOME=$(java_home) PYSPARK_PYTHON=$VENV/bin/python \
  SPARK_LOCAL_IP=127.0.0.1 SPARK_LOG_DIR=$LOGS/$name SPARK_WORKER_DIR=$DATA/$name SPARK_SCALA_VERSION=2.12 \
    spawn "$name" "$LOGS/$name.out" "$(java_bin)" "$(marker "$name")" -Xmx"$SPARK_DAEMON_HEAP" \
    -Dspark.worker.timeout=15 -Dspark.worker.cleanup.enabled=true \
    -cp "$CONF/spark:$sh/jars/*" "$cls" "$@"
}

# Master, then the workers (1 core, SPARK_WORKER_MEMORY each). units: which
# to start (default all three). The master declares a worker dead after 15 s
# without heartbeat (spark.worker.timeout, Spark's default is 60).
start_spark_cluster() {
  local units=${1:-"spark-master spark-worker1 spark-worker2"} u n
  fetch_spark
  for u in $units; do
    component_pid "$u" >/dev/null && continue
    case $u in
      spark-master)
        if port_open 127.0.0.1 "$SPARK_MASTER_PORT" || port_open 127.0.0.1 "$SPARK_UI_PORT"; then
          die "spark-master: port $SPARK_MASTER_PORT or $SPARK_UI_PORT is taken by a process this stack did not start"
        fi
        spark_daemon spark-master org.apache.spark.deploy.master.Master \
          --host 127.0.0.1 --port "$SPARK_MASTER_PORT" --webui-port "$SPARK_UI_PORT"
        wait_healthy spark-master "$SPARK_TIMEOUT"
        ;;
      spark-worker*)
        n=${u#spark-worker}
        spark_daemon "$u" org.apache.spark.deploy.worker.Worker \
          --host 127.0.0.1 --port $((SPARK_WORKER_PORT + n - 1)) --webui-port $((SPARK_WORKER_UI_PORT + n - 1)) \
          --cores 1 --memory "$SPARK_WORKER_MEMORY" --work-dir "$DATA/$u" "$(spark_master_url)"
        ;;
    esac
  done
  for u in $units; do wait_healthy "$u" "$SPARK_TIMEOUT"; done
}

# --- profiles and processes -------------------------------------------------

# The profile of the last `up` (single when none was recorded).
recorded_profile() {
  local p=single
  [ -f "$PROFILE_FILE" ] && p=$(cat "$PROFILE_FILE")
  case $p in single|cluster) echo "$p" ;; *) echo single ;; esac
}

# units PROFILE COMPONENT: the processes (pid-file names) COMPONENT runs in
# PROFILE; a single cluster process names itself.
units() {
  case $1:$2 in
    single:kafka|single:cassandra) echo "$2" ;;
    single:spark) ;;
    cluster:kafka) echo kafka1 kafka2 kafka3 ;;
    cluster:cassandra) echo cassandra1 cassandra2 ;;
    cluster:spark) echo spark-master spark-worker1 spark-worker2 ;;
    cluster:kafka[123]|cluster:cassandra[12]|cluster:spark-master|cluster:spark-worker[12]) echo "$2" ;;
    *) echo "$2" ;;   # registry, postgres: one process each
  esac
}

# group_of UNIT: the component a cluster process belongs to.
group_of() {
  case $1 in
    kafka[123]) echo kafka ;; cassandra[12]) echo cassandra ;; spark-*) echo spark ;; *) echo "$1" ;;
  esac
}


health_unit() {
  case $1 in
    kafka) health_kafka ;;
    kafka[123]) health_kafka_node "${1#kafka}" ;;
    cassandra|cassandra1) health_cassandra_host "$CASSANDRA_HOST" ;;
    cassandra2) health_cassandra_host "$CASSANDRA_HOST2" ;;
    spark-master) health_spark_master ;;
    spark-worker[12]) health_spark_worker "${1#spark-worker}" ;;
    *) health_"$1" ;;
  esac
}

unit_address() {
  case $1 in
    kafka) echo "$KAFKA_HOST:$KAFKA_PORT" ;;
    kafka[123]) echo "$KAFKA_HOST:${KAFKA_PORTS[$((${1#kafka} - 1))]}" ;;
    cassandra|cassandra1) echo "$CASSANDRA_HOST:$CASSANDRA_PORT" ;;
    cassandra2) echo "$CASSANDRA_HOST2:$CASSANDRA_PORT" ;;
    spark-master) echo "$(spark_master_url) ui=$(spark_ui_url)" ;;
    spark-worker[12]) echo "127.0.0.1:$((SPARK_WORKER_PORT + ${1#spark-worker} - 1))" ;;
    *) echo "" ;;
  esac
}

# --- commands -------------------------------------------------------------

status_line() {
  local unit=$1 pid state
  case $unit in
    spark)
      if health_spark; then
        printf '%-14s %-10s pyspark=%s jars=%s\n' spark ready "$(pyspark_version 2>/dev/null || echo '?')" \
          "$(ls "$LIB"/spark-jars/*.jar | wc -l)"
        return 0
      fi
      printf '%-14s %-10s (run: %s up spark)\n' spark missing "$0"
      return 1
      ;;
    registry|postgres) "status_$unit"; return ;;
  esac
  if pid=$(component_pid "$unit"); then
    if health_unit "$unit"; then state=running; else state=unhealthy; fi
  else
    pid=-; state=stopped
  fi
  printf '%-14s %-10s pid=%-8s %s\n' "$unit" "$state" "$pid" "$(unit_address "$unit")"
  [ "$state" = running ]
}

cmd_status() {
  local rc=0 comp u
  for comp in "$@"; do
    if [ "$PROFILE" = cluster ] && [ "$comp" = spark ]; then status_line spark || rc=1; fi
    for u in $(units "$PROFILE" "$comp"); do status_line "$u" || rc=1; done
    if [ "$PROFILE" = single ] && [ "$comp" = spark ]; then status_line spark || rc=1; fi
  done
  return $rc
}

# any_running PROFILE: some process of PROFILE is alive.
any_running() {
  local comp u
  for comp in $ALL_COMPONENTS; do
    for u in $(units "$1" "$comp"); do component_pid "$u" >/dev/null && return 0; done
  done
  return 1
}

cmd_up() {
  local comp t0 other; t0=$(now)
  mkdir -p "$LIB" "$CONF" "$DATA" "$LOGS" "$PIDS"
  if [ "$PROFILE" = cluster ]; then other=single; else other=cluster; fi
  if any_running "$other"; then
    die "the $other profile is up in $STACK_HOME; run: $0 down   (then: $0 up${PROFILE_FLAG:+ $PROFILE_FLAG})"
  fi
  echo "$PROFILE" >"$PROFILE_FILE"
  if [ "$PROFILE" = single ]; then
    for comp in "$@"; do start_"$comp"; done
  else
    # Group the named processes by component, keeping the order of the list.
    local g u want
    for g in kafka cassandra spark registry postgres; do
      want=""
      for comp in "$@"; do
        [ "$(group_of "$comp")" = "$g" ] || continue
        want="$want $(units cluster "$comp")"
      done
      [ -n "$want" ] || continue
      case $g in
        kafka) start_kafka_cluster "$want" ;;
        cassandra) start_cassandra_cluster "$want" ;;
        spark) start_spark_cluster "$want" ;;
        *) "start_$g" ;;   # registry, postgres: the same process in both profiles
      esac
    done
  fi
  say "up ($PROFILE profile): done in $(( $(now) - t0 )) s"
  cmd_status "$@"
}

cmd_down() {
  local comp u
  for comp in "$@"; do
    case $comp in
      spark) [ "$PROFILE" = single ] && continue ;;
      postgres) stop_postgres; continue ;;
    esac
    # Reverse order: workers before their master.
    for u in $(units "$PROFILE" "$comp" | tr ' ' '\n' | tac); do stop_component "$u"; done
  done
}

# Values are single-quoted so the output can be eval'ed or sourced; no value
# contains a single quote (paths under the stack home and the repo).
cmd_env() {
  local sh="" names=""
  [ -x "$VENV/bin/python" ] && sh=$(spark_home 2>/dev/null || true)
  emit() { printf "%s='%s'\n" "$1" "$2"; names="$names $1"; }
  echo "# profile: $PROFILE"
  if [ "$PROFILE" = cluster ]; then
    emit AIRC__KAFKA__BOOTSTRAP_SERVERS "$(kafka_bootstrap_list)"
    # Topics publish-kafka creates get 3 partitions x 3 replicas; min ISR 2
    # is the brokers' default (min.insync.replicas in server.properties).
    emit AIRC__KAFKA__PARTITIONS 3
    emit AIRC__KAFKA__REPLICATION_FACTOR 3
  else
    emit AIRC__KAFKA__BOOTSTRAP_SERVERS "$KAFKA_HOST:$KAFKA_PORT"
  fi
  emit AIRC__CASSANDRA__HOST "$CASSANDRA_HOST"
  emit AIRC__CASSANDRA__PORT "$CASSANDRA_PORT"
  # the sink's URL only while it runs: without it the Spark job skips PostgreSQL
  if postgres_running; then emit AIRC__POSTGRES__URL "$(postgres_url)"; fi
  if [ "$PROFILE" = cluster ]; then
    # Keyspace at RF 2; writes and validation at ONE, so one node down still
    # lands and validates (docs/pipeline.md, "Cluster profile").
    emit AIRC__CASSANDRA__REPLICATION_FACTOR 2
    emit AIRC__CASSANDRA__WRITE_CONSISTENCY ONE
    emit AIRC__CASSANDRA__CONSISTENCY ONE
  fi
  emit AIRC__SPARK__SPARK_SUBMIT "$STACK_HOME/bin/spark-submit"
  emit AIRC__SPARK__JARS "$(spark_jars_csv)"
  emit AIRC__SPARK__JOB "$REPO/jobs/spark_stream.py"
  if [ "$PROFILE" = cluster ]; then
    emit AIRC__SPARK__MASTER "$(spark_master_url)"
    emit AIRC__SPARK__UI "$(spark_ui_url)"
  else
    emit AIRC__SPARK__MASTER 'local[2]'
  fi
  if component_pid registry >/dev/null 2>&1; then
    emit AIRC__REGISTRY__URL "$(registry_url)"
    # the cluster profile publishes Avro (docs/pipeline.md, "Formats")
    if [ "$PROFILE" = cluster ]; then emit AIRC__KAFKA__FORMAT avro; fi
  fi
  emit AIRC_STACK_PROFILE "$PROFILE"
  emit AIRC_STACK_HOME "$STACK_HOME"
  emit AIRC_STACK_PYTHON "$VENV/bin/python"
  emit SPARK_HOME "$sh"
  emit SPARK_CONF_DIR "$CONF/spark"
  emit PYSPARK_PYTHON "$VENV/bin/python"
  emit SPARK_LOCAL_IP 127.0.0.1
  emit JAVA_HOME "$(java_home)"
  echo "export$names"
}

usage() {
  sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[ $# -ge 1 ] || usage
cmd=$1; shift
PROFILE=$(recorded_profile)
PROFILE_FLAG=""
comps=()
for a in "$@"; do
  case $a in
    --cluster) PROFILE=cluster; PROFILE_FLAG=--cluster ;;
    --single) PROFILE=single; PROFILE_FLAG=--single ;;
    *) comps+=("$a") ;;
  esac
done
# `up` without a flag: the recorded profile while any of its processes runs,
# else single (the default).
if [ "$cmd" = up ] && [ -z "$PROFILE_FLAG" ] && [ "$PROFILE" = cluster ] && ! any_running cluster; then
  PROFILE=single
fi
if [ ${#comps[@]} -eq 0 ]; then
  if [ "$PROFILE" = cluster ]; then
    read -r -a comps <<<"$CLUSTER_COMPONENTS"
  else
    read -r -a comps <<<"$ALL_COMPONENTS"
    # optional components: `down` stops them too, `status` shows them while they run
    for c in $OPTIONAL_COMPONENTS; do
      case $cmd in
        down) comps+=("$c") ;;
        status) if component_pid "$c" >/dev/null 2>&1; then comps+=("$c"); fi ;;
      esac
    done
  fi
fi
for c in "${comps[@]}"; do
  if [ "$PROFILE" = cluster ]; then
    case $c in
      kafka|cassandra|spark|registry|postgres|kafka[123]|cassandra[12]|spark-master|spark-worker[12]) ;;
      *) die "unknown component '$c' (cluster profile: $CLUSTER_COMPONENTS, or one process: kafka1..3, cassandra1..2, spark-master, spark-worker1..2)" ;;
    esac
  else
    case " $ALL_COMPONENTS $OPTIONAL_COMPONENTS " in *" $c "*) ;; *) die "unknown component '$c' (one of: $ALL_COMPONENTS $OPTIONAL_COMPONENTS; --cluster for the cluster profile)";; esac
  fi
done
# up and down of one stack home are serialized (two test sessions starting the
# stack at once would otherwise both spawn a broker). Bounded wait.
take_lock() {
  mkdir -p "$PIDS"
  exec 9>"$PIDS/.stack.lock"
  flock -w "${AIRC_STACK_LOCK_TIMEOUT:-600}" 9 || die "another stack.sh up/down holds $PIDS/.stack.lock"
}
case $cmd in
  up) take_lock; cmd_up "${comps[@]}" ;;
  down) take_lock; cmd_down "${comps[@]}" ;;
  status) cmd_status "${comps[@]}" ;;
  env) cmd_env ;;
  -h|--help|help) usage ;;
  *) usage ;;
esac
