#!/usr/bin/env bash
# The README's main command (`make demo`): runs the user_pipeline DAG once on
# the real stack, from nothing.
#
#   scripts/demo.sh [run]        stack up, randomuser-server, scheduler, one run, summary
#   scripts/demo.sh status       what the demo has running
#   scripts/demo.sh stop         pause user_pipeline, stop the demo's scheduler, web server and randomuser-server
#   scripts/demo.sh stop --all   ... and the stack (scripts/stack.sh down)
#
# Steps of `run`, each with a progress line and a bounded wait:
#   1. scripts/stack.sh up: Kafka, Cassandra, the Spark venv and jars (the
#      first time this downloads them: about 3 minutes; then ~20 s, or ~1 s
#      when already up).
#   2. bin/randomuser-server on 127.0.0.1:$AIRC_DEMO_PORT (8765; a free port if
#      that one is taken by something else), unless AIRC__RANDOMUSER__URL
#      points the pipeline elsewhere (e.g. https://randomuser.me/api/).
#   3. An AIRC_HOME at $AIRC_DEMO_HOME/airc with airc.ini: the repository's
#      dags/ as DAG folder, the stack's [kafka]/[cassandra]/[spark] settings,
#      [randomuser] url = the local server.
#   4. `airc scheduler` in the background (reused when already running with
#      the same settings, restarted when they changed).
#   5. A manual run of user_pipeline, created while the DAG is still paused
#      and then unpaused, so it is the run that goes first (max_active_runs
#      is 1); followed until it ends.
#   6. A summary: task states and durations, users fetched / published /
#      validated, where the logs are, how to look at the data and how to stop.
# Exit status: 0 only if the run succeeded.
#
# Idempotent: a re-run reuses what is up and adds one more run (new users,
# new seed). user_pipeline stays unpaused afterwards, so the scheduler also
# runs it @hourly (catchup=false: the current hour's run starts as soon as
# the demo's run ends, as in Airflow) until `scripts/demo.sh stop`.
#
# Settings (environment): AIRC_DEMO_CLUSTER=1 (the cluster profile, `make demo
# CLUSTER=1`; the single-node stack otherwise), AIRC_DEMO_HOME (default <repo>/.demo), AIRC_DEMO_PORT
# (8765), AIRC_DEMO_TIMEOUT (run timeout in seconds, 900), AIRC_BIN
# (<repo>/bin/airc), AIRC_STACK_HOME (the stack's home, see docs/stack.md),
# AIRC__RANDOMUSER__URL (the API; default the local server).
#
# Not for: production. Everything listens on 127.0.0.1 only.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
DEMO=${AIRC_DEMO_HOME:-$REPO/.demo}
mkdir -p "$DEMO"
DEMO=$(cd "$DEMO" && pwd)
HOME_DIR=$DEMO/airc
PIDS=$DEMO/pids
LOGS=$DEMO/logs
AIRC=${AIRC_BIN:-$REPO/bin/airc}
RANDOMUSER=$(dirname "$AIRC")/randomuser-server
PORT=${AIRC_DEMO_PORT:-8765}
RUN_TIMEOUT=${AIRC_DEMO_TIMEOUT:-900}
DAG=user_pipeline
STEPS=6

say() { printf 'demo: %s\n' "$*" >&2; }
step() { printf 'demo: [%s/%s] %s\n' "$1" "$STEPS" "$2" >&2; }
die() { printf 'demo: error: %s\n' "$*" >&2; exit 1; }
now() { date +%s; }

# pid_alive PIDFILE WORD: prints the pid if the file names a live process
# whose command line contains WORD (a recycled pid is not ours).
pid_alive() {
  local f=$1 word=$2 pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$word" || return 1
  echo "$pid"
}

# stop_pid PIDFILE WORD NAME: SIGTERM, wait up to 15 s, then SIGKILL.
stop_pid() {
  local f=$1 word=$2 name=$3 pid i
  if ! pid=$(pid_alive "$f" "$word"); then
    rm -f "$f"
    say "$name: not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 150); do
    [ -d "/proc/$pid" ] || break
    sleep 0.1
  done
  if [ -d "/proc/$pid" ]; then
    say "$name: still running after 15 s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
  say "$name: stopped (pid $pid)"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

need_binaries() {
  if [ ! -x "$AIRC" ] || [ ! -x "$RANDOMUSER" ]; then
    say "building airc (make all)"
    make -C "$REPO" -s all >&2 || die "make all failed"
  fi
}

# --- steps -------------------------------------------------------------

start_stack() {
  local t0; t0=$(now)
  # Without AIRC_DEMO_CLUSTER, `up` keeps whichever profile is running (single by default).
  local flag=()
  case ${AIRC_DEMO_CLUSTER:-} in 1|yes|true) flag=(--cluster) ;; esac
  step 1 "bringing the stack up${flag:+ (cluster profile)}: Kafka, Cassandra, Spark, PostgreSQL (first time: downloads, ~3 min)"
  "$REPO/scripts/stack.sh" up "${flag[@]}" >&2 || die "scripts/stack.sh up ${flag[*]} failed (see docs/stack.md, Troubleshooting)"
  eval "$("$REPO/scripts/stack.sh" env)"
  say "stack ready in $(( $(now) - t0 )) s"
}

# Sets URL to the API the pipeline will read.
start_randomuser() {
  if [ -n "${AIRC__RANDOMUSER__URL:-}" ]; then
    step 2 "users from AIRC__RANDOMUSER__URL=$AIRC__RANDOMUSER__URL (local randomuser-server not needed)"
    URL=$AIRC__RANDOMUSER__URL
    return 0
  fi
  local pid
  if pid=$(pid_alive "$PIDS/randomuser.pid" randomuser-server) && [ -s "$DEMO/randomuser.url" ]; then
    URL=$(cat "$DEMO/randomuser.url")
    step 2 "randomuser-server already running (pid $pid) at $URL"
    return 0
  fi
  local port=$PORT
  if port_open "$port"; then
    say "port $port is taken by another program: using a free port"
    port=0
  fi
  step 2 "starting randomuser-server on 127.0.0.1 (port ${port/#0/any free one})"
  local log=$LOGS/randomuser.log i
  : >"$log"
  setsid "$RANDOMUSER" --host 127.0.0.1 --port "$port" >>"$log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PIDS/randomuser.pid"
  URL=
  for i in $(seq 1 100); do
    URL=$(sed -n 's/^listening on //p' "$log" | head -n 1)
    [ -n "$URL" ] && break
    [ -d "/proc/$pid" ] || break
    sleep 0.1
  done
  [ -n "$URL" ] || { tail -n 20 "$log" >&2; die "randomuser-server did not start (log: $log)"; }
  echo "$URL" >"$DEMO/randomuser.url"
  say "randomuser-server pid $pid at $URL"
}

write_home() {
  step 3 "AIRC_HOME at $HOME_DIR (DAGs from $REPO/dags)"
  mkdir -p "$HOME_DIR"
  local ini=$HOME_DIR/airc.ini tmp
  tmp=$ini.tmp.$$
  cat >"$tmp" <<EOF
# Written by scripts/demo.sh (rewritten on each run).
[core]
dags_folder = $REPO/dags
plugins_folder = $(cd "$(dirname "$AIRC")" && pwd)/plugins

[randomuser]
url = $URL

[kafka]
bootstrap_servers = $AIRC__KAFKA__BOOTSTRAP_SERVERS
${AIRC__KAFKA__PARTITIONS:+partitions = $AIRC__KAFKA__PARTITIONS}
${AIRC__KAFKA__REPLICATION_FACTOR:+replication_factor = $AIRC__KAFKA__REPLICATION_FACTOR}
${AIRC__KAFKA__FORMAT:+format = $AIRC__KAFKA__FORMAT}

[registry]
${AIRC__REGISTRY__URL:+url = $AIRC__REGISTRY__URL}

[cassandra]
host = $AIRC__CASSANDRA__HOST
port = $AIRC__CASSANDRA__PORT
${AIRC__CASSANDRA__REPLICATION_FACTOR:+replication_factor = $AIRC__CASSANDRA__REPLICATION_FACTOR}
${AIRC__CASSANDRA__WRITE_CONSISTENCY:+write_consistency = $AIRC__CASSANDRA__WRITE_CONSISTENCY}
${AIRC__CASSANDRA__CONSISTENCY:+consistency = $AIRC__CASSANDRA__CONSISTENCY}

[postgres]
${AIRC__POSTGRES__URL:+url = $AIRC__POSTGRES__URL}

[spark]
spark_submit = $AIRC__SPARK__SPARK_SUBMIT
master = $AIRC__SPARK__MASTER
job = $AIRC__SPARK__JOB
jars = $AIRC__SPARK__JARS
EOF
  mv "$tmp" "$ini"
  AIRC_HOME=$HOME_DIR "$AIRC" db init >/dev/null || die "airc db init failed"
}

# The scheduler is restarted when its settings changed (airc.ini, or an
# AIRC__* variable in this environment): it reads them once at start.
start_scheduler() {
  local fp pid log=$LOGS/scheduler.log
  fp=$( { cat "$HOME_DIR/airc.ini"; env | grep '^AIRC__' | sort; echo "$AIRC"; } | sha256sum | cut -d' ' -f1)
  if pid=$(pid_alive "$PIDS/scheduler.pid" "airc scheduler"); then
    if [ "$(cat "$DEMO/scheduler.settings" 2>/dev/null)" = "$fp" ]; then
      step 4 "scheduler already running (pid $pid)"
      return 0
    fi
    say "settings changed: restarting the scheduler"
    stop_pid "$PIDS/scheduler.pid" "airc scheduler" scheduler
  fi
  step 4 "starting the scheduler (log: $log)"
  local before i
  touch "$log"
  before=$(wc -l <"$log")
  AIRC_HOME=$HOME_DIR setsid "$AIRC" scheduler >>"$log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PIDS/scheduler.pid"
  echo "$fp" >"$DEMO/scheduler.settings"
  for i in $(seq 1 200); do
    tail -n +"$((before + 1))" "$log" | grep -q "scheduler started" && break
    [ -d "/proc/$pid" ] || break
    sleep 0.1
  done
  if ! tail -n +"$((before + 1))" "$log" | grep -q "scheduler started"; then
    tail -n 20 "$log" >&2
    die "the scheduler did not start within 20 s (log: $log)"
  fi
  say "scheduler pid $pid"
}

# The dashboard: airc webserver on 127.0.0.1 (AIRC_DEMO_WEB_PORT, default
# 8080, or a free port), user `admin` with a password generated once and
# kept in .demo/admin-password (mode 600).
start_webserver() {
  local pid log=$LOGS/webserver.log port=${AIRC_DEMO_WEB_PORT:-8080} i
  if [ ! -s "$DEMO/admin-password" ]; then
    (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(12))' >"$DEMO/admin-password")
  fi
  if ! AIRC_HOME=$HOME_DIR "$AIRC" users list -o plain 2>/dev/null | cut -f1 | grep -qx admin; then
    AIRC_HOME=$HOME_DIR "$AIRC" users create --username admin --role admin --password-stdin \
      <"$DEMO/admin-password" >/dev/null || die "airc users create failed"
  fi
  if pid=$(pid_alive "$PIDS/webserver.pid" "airc-webserver"); then
    step 4 "web server already running (pid $pid) at $(cat "$DEMO/webserver.url" 2>/dev/null)"
    return 0
  fi
  if ! python3 -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1])))" "$port" 2>/dev/null; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  fi
  step 4 "starting the web server on http://127.0.0.1:$port (log: $log)"
  AIRC_HOME=$HOME_DIR setsid "$AIRC" webserver --host 127.0.0.1 --port "$port" >>"$log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PIDS/webserver.pid"
  echo "http://127.0.0.1:$port/" >"$DEMO/webserver.url"
  for i in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1 && break
    [ -d "/proc/$pid" ] || die "the web server exited (log: $log)"
    sleep 0.1
  done
  say "web server pid $pid"
}

# Prints "task=state ..." for the run.
task_states() {
  AIRC_HOME=$HOME_DIR "$AIRC" tasks states-for-dag-run "$DAG" "$RUN_ID" -o json 2>/dev/null |
    python3 -c 'import json, sys
print(" ".join("%s=%s" % (t["task_id"], t["state"]) for t in json.load(sys.stdin)))' 2>/dev/null || true
}

run_pipeline() {
  RUN_ID="demo__$(date -u +%Y-%m-%dT%H:%M:%S)_$$"
  step 5 "running $DAG (run $RUN_ID; Spark needs 20-90 s; at most ${RUN_TIMEOUT} s)"
  # Created while paused, so no scheduled run can start before it.
  local out
  out=$(AIRC_HOME=$HOME_DIR "$AIRC" dags trigger "$DAG" --run-id "$RUN_ID" 2>&1) ||
    die "airc dags trigger $DAG failed: $out"
  out=$(AIRC_HOME=$HOME_DIR "$AIRC" dags unpause "$DAG" 2>&1) || die "airc dags unpause $DAG failed: $out"
  local t0 last="" cur state
  t0=$(now)
  while :; do
    state=$(AIRC_HOME=$HOME_DIR "$AIRC" dags state "$DAG" "$RUN_ID" 2>/dev/null || echo unknown)
    cur=$(task_states)
    if [ "$cur" != "$last" ]; then
      say "  $(( $(now) - t0 ))s  $cur"
      last=$cur
    fi
    case $state in success|failed) break ;; esac
    if [ $(( $(now) - t0 )) -ge "$RUN_TIMEOUT" ]; then
      say "run $RUN_ID still $state after $RUN_TIMEOUT s"
      state=timeout
      break
    fi
    sleep 2
  done
  RUN_STATE=$state
  say "run $RUN_ID: $state after $(( $(now) - t0 )) s"
}

summary() {
  step 6 "summary"
  AIRC_HOME=$HOME_DIR "$AIRC" tasks states-for-dag-run "$DAG" "$RUN_ID" -o json |
    RUN_STATE=$RUN_STATE python3 -c '
import json, os, sys
tis = {t["task_id"]: t for t in json.load(sys.stdin)}
def x(task, key):
    v = (tis.get(task) or {}).get("xcom") or {}
    return v.get(key, "-")
print("")
print("run %s of user_pipeline: %s" % (tis and next(iter(tis.values()))["run_id"], os.environ["RUN_STATE"].upper()))
print("")
print("  %-20s %-16s %5s %10s" % ("task", "state", "try", "seconds"))
for t in tis.values():
    d = t.get("duration")
    print("  %-20s %-16s %5s %10s" % (t["task_id"], t["state"], t.get("try_number", ""),
                                       "%.1f" % d if isinstance(d, (int, float)) else "-"))
    if t.get("note"):
        print("  %-20s %s" % ("", t["note"]))
print("")
print("  users fetched      %s (rejected %s)  -> %s" % (x("fetch_users", "records"), x("fetch_users", "rejected"), x("fetch_users", "path")))
print("  users published    %s of %s to Kafka topic %s, offsets %s" % (
    x("publish_kafka", "delivered"), x("publish_kafka", "read"), x("publish_kafka", "topic"),
    ", ".join("p%s %s..%s" % (p, o["first_offset"], o["last_offset"])
              for p, o in (x("publish_kafka", "partitions") if isinstance(x("publish_kafka", "partitions"), dict) else {}).items()) or "-"))
print("  users validated    %s of %s in Cassandra (missing %s, mismatched %s)" % (
    x("validate_cassandra", "found"), x("validate_cassandra", "expected"),
    x("validate_cassandra", "missing"), x("validate_cassandra", "mismatched")))
'
  local bs=$AIRC__KAFKA__BOOTSTRAP_SERVERS py=${AIRC_STACK_PYTHON:-python3}
  cat <<EOF

Dashboard
  $(cat "$DEMO/webserver.url" 2>/dev/null)   user admin, password in $DEMO/admin-password
Logs
  task logs        AIRC_HOME=$HOME_DIR $AIRC tasks logs $DAG '$RUN_ID' <task>
                   (files under $HOME_DIR/logs/dag_id=$DAG/)
  scheduler        $LOGS/scheduler.log
  randomuser       $LOGS/randomuser.log
  stack            ${AIRC_STACK_HOME:-$REPO/.stack}/logs/
Look at the data
  Kafka            kcat -b $bs -C -t users_created -o -3 -e -f 'key=%k headers=%h\n%s\n\n'
  Cassandra        $py -c "from cassandra.cluster import Cluster; s = Cluster(['$AIRC__CASSANDRA__HOST'], port=$AIRC__CASSANDRA__PORT).connect(); print(s.execute('SELECT count(*) FROM spark_streams.created_users').one()); [print(r) for r in s.execute('SELECT * FROM spark_streams.created_users LIMIT 3')]"
                   (or: cqlsh $AIRC__CASSANDRA__HOST $AIRC__CASSANDRA__PORT -e 'SELECT * FROM spark_streams.created_users LIMIT 3', if cqlsh is installed)
  dead letters     same, table spark_streams.created_users_dead_letter
  more runs        AIRC_HOME=$HOME_DIR $AIRC dags trigger $DAG --wait
  real API         AIRC__RANDOMUSER__URL=https://randomuser.me/api/ scripts/demo.sh
Stop
  scripts/demo.sh stop          pause $DAG (it is unpaused: the scheduler runs it @hourly), stop the scheduler and randomuser-server
  scripts/demo.sh stop --all    and the stack (Kafka, Cassandra)
EOF
}

cmd_run() {
  mkdir -p "$PIDS" "$LOGS"
  need_binaries
  start_stack
  start_randomuser
  write_home
  start_scheduler
  start_webserver
  run_pipeline
  summary
  [ "$RUN_STATE" = success ]
}

cmd_stop() {
  # Paused first, so that no new run starts; tasks already running finish
  # under their supervisors (bounded by their execution_timeout).
  if [ -f "$HOME_DIR/airc.db" ] && [ -x "$AIRC" ]; then
    AIRC_HOME=$HOME_DIR "$AIRC" dags pause "$DAG" >/dev/null 2>&1 && say "$DAG paused"
  fi
  stop_pid "$PIDS/scheduler.pid" "airc scheduler" scheduler
  stop_pid "$PIDS/webserver.pid" "airc-webserver" webserver
  stop_pid "$PIDS/randomuser.pid" randomuser-server randomuser-server
  if [ "${1:-}" = "--all" ]; then
    "$REPO/scripts/stack.sh" down
  else
    say "the stack is still up (scripts/demo.sh stop --all, or scripts/stack.sh down)"
  fi
}

cmd_status() {
  local pid rc=0
  if pid=$(pid_alive "$PIDS/scheduler.pid" "airc scheduler"); then
    say "scheduler          running pid=$pid home=$HOME_DIR"
  else
    say "scheduler          stopped"; rc=1
  fi
  if pid=$(pid_alive "$PIDS/webserver.pid" airc-webserver); then
    say "web server         running pid=$pid $(cat "$DEMO/webserver.url" 2>/dev/null)"
  else
    say "web server         stopped"
  fi
  if pid=$(pid_alive "$PIDS/randomuser.pid" randomuser-server); then
    say "randomuser-server  running pid=$pid $(cat "$DEMO/randomuser.url" 2>/dev/null)"
  else
    say "randomuser-server  stopped"
  fi
  "$REPO/scripts/stack.sh" status >&2 || rc=1
  return $rc
}

case ${1:-run} in
  run) cmd_run ;;
  stop) shift; cmd_stop "$@" ;;
  status) cmd_status ;;
  -h|--help|help) sed -n '2,39p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) die "unknown command '$1' (run, status, stop [--all])" ;;
esac
