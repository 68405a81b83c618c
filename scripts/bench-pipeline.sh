#!/usr/bin/env bash
# Benchmarks of the user pipeline on the real stack (part of `make bench`).
# Prints figures and ratios; never fails on timing (exit 1 only when a step
# itself fails).
#
#   scripts/bench-pipeline.sh            (i) to (iv)
#   scripts/bench-pipeline.sh publish    (i)   publish-kafka vs kcat -P, same records, same broker
#   scripts/bench-pipeline.sh fetch      (ii)  fetch-and-transform records/s (bin/bench-fetch-users)
#   scripts/bench-pipeline.sh e2e        (iii) one user_pipeline run of 10,000 users, by task
#   scripts/bench-pipeline.sh avro       (iv)  Avro vs JSON: bytes per record and publish rate
#   scripts/bench-pipeline.sh cluster    (v)   100,000 users on the single-node profile, then on the
#                                              cluster profile (scripts/stack.sh up --cluster), by task
#
# (i) N users (AIRC_BENCH_PUBLISH_N, 50000) are fetched from the local
# randomuser-server and written as JSON Lines exactly as fetch-users writes
# them; bin/bench_kafka_publish (the project's kafka_publish_file(): idempotent
# producer, acks=all, key = id, three headers) and kcat (-X acks=all
# -X enable.idempotence=true, no key, no headers) each send that file to their
# own new topic (3 partitions, created beforehand with one record, so neither
# timing includes topic creation). Reported: airc's produce phase (first
# produce to last delivery report), airc's wall time (process start to exit:
# also the validation pass over every line and the connection), kcat's wall
# time (`kcat -P -l FILE`, process start to exit), and the ratios to kcat.
# Each is the best of AIRC_BENCH_REPEAT (3) runs.
#
# (iii) runs the repository's dags/user_pipeline.ini with params.count=10000,
# params.results=1000, its own topic and schedule none, in a temporary
# AIRC_HOME with a real scheduler; the breakdown comes from
# `airc tasks states-for-dag-run -o json`.
#
# (v) is (iii) with AIRC_BENCH_CLUSTER_N (100000) users, run first on the
# single-node profile and then on the cluster profile (3 Kafka brokers, Spark
# master + 2 workers, 2 Cassandra nodes, the schema registry, PostgreSQL:
# docs/stack.md) with that profile's settings from `scripts/stack.sh env`.
# It prints each task's seconds and records/s on both and the ratio
# cluster / single-node (bench/pipeline_summary.py). Not part of `all` (it
# needs about 9 GiB and several minutes): `make bench` runs it unless
# BENCH_SKIP has "cluster". It brings the cluster down at the end.
# (iv) N users (AIRC_BENCH_AVRO_N, 20000) fetched as in (i) are published by
# the publish-kafka task itself (`airc tasks test`, so the registry round trip
# is in the whole-process time) once as JSON and once as Avro (format = avro:
# the built-in schemas/user.avsc registered with the stack's Apicurio), each
# to its own topic, alternately AIRC_BENCH_REPEAT times. Bytes per record come
# from the task's XCom (value_bytes / delivered: the produced values' sizes);
# the rate is records / produce phase (the task's "delivered ... in Xs" line),
# and records / whole process. Topics are created by a one-record warm-up, so
# no timing includes topic creation.
#
# Uses the stack of ${AIRC_STACK_HOME:-<repo>/.stack} (brought up if needed:
# only Kafka for `publish`, nothing for `fetch`) and leaves it running.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=${AIRC_BIN_DIR:-$REPO/bin}
AIRC=${AIRC_BIN:-$BIN/airc}
N_PUBLISH=${AIRC_BENCH_PUBLISH_N:-50000}
N_E2E=${AIRC_BENCH_E2E_N:-10000}
N_CLUSTER=${AIRC_BENCH_CLUSTER_N:-100000}
N_AVRO=${AIRC_BENCH_AVRO_N:-20000}
REPEAT=${AIRC_BENCH_REPEAT:-3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/airc-bench-pipeline.XXXXXX")
PIDS_TO_STOP=()

say() { printf 'bench-pipeline: %s\n' "$*" >&2; }
die() { printf 'bench-pipeline: error: %s\n' "$*" >&2; exit 1; }

cleanup() {
  local p
  for p in "${PIDS_TO_STOP[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
  done
  for p in "${PIDS_TO_STOP[@]}"; do
    for _ in $(seq 1 100); do [ -d "/proc/$p" ] || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

now_ns() { date +%s%N; }
# secs START_NS END_NS
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "inf" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
min() { printf '%s\n' "$@" | sort -g | head -n 1; }

need() {
  local b
  for b in "$AIRC" "$BIN/randomuser-server" "$BIN/bench_kafka_publish" "$BIN/bench-fetch-users"; do
    [ -x "$b" ] || die "$b is not built (make all)"
  done
  command -v kcat >/dev/null || die "kcat is not installed (make deps)"
}

# stack_up [COMPONENT...]: only what the chosen part needs (publish: kafka)
stack_up() {
  say "stack: scripts/stack.sh up $*"
  "$REPO/scripts/stack.sh" up "$@" >/dev/null || die "scripts/stack.sh up $* failed"
  eval "$("$REPO/scripts/stack.sh" env)"
  BOOT=$AIRC__KAFKA__BOOTSTRAP_SERVERS
}

# Starts randomuser-server on a free port; sets API.
start_api() {
  [ -n "${API:-}" ] && return 0
  local log=$WORK/randomuser.log
  "$BIN/randomuser-server" --host 127.0.0.1 --port 0 >"$log" 2>&1 &
  PIDS_TO_STOP+=($!)
  for _ in $(seq 1 100); do
    API=$(sed -n 's/^listening on //p' "$log" | head -n 1)
    [ -n "$API" ] && return 0
    sleep 0.1
  done
  die "randomuser-server did not start: $(cat "$log")"
}

# --- (i) publish ------------------------------------------------------------

# Writes N users as fetch-users writes them (airc tasks test of a one-task DAG).
make_records() {
  local n=$1 out=$2 home=$WORK/records-home
  mkdir -p "$home/dags" && chmod 700 "$home"
  cat >"$home/dags/bench_records.ini" <<EOF
[dag]
id = bench_records
schedule = none

[task fetch]
type = fetch-users
url = $API
count = $n
results = 5000
seed = airc-bench
EOF
  AIRC_HOME=$home "$AIRC" db init >/dev/null
  AIRC_HOME=$home "$AIRC" tasks test bench_records fetch >"$WORK/records.log" 2>&1 ||
    die "fetching $n users failed: $(tail -n 5 "$WORK/records.log")"
  local f
  f=$(find "$home/data/bench_records" -name 'fetch.jsonl' | head -n 1)
  [ -s "$f" ] || die "no records file under $home/data"
  mv "$f" "$out"
}

bench_publish() {
  echo "== (i) publish throughput to the real broker ($BOOT), $N_PUBLISH records"
  start_api
  local file=$WORK/users.jsonl one=$WORK/one.jsonl
  make_records "$N_PUBLISH" "$file"
  head -n 1 "$file" >"$one"
  # the same records for kcat with what airc sends too: key = id (-K, tab
  # before the JSON) and the three airc headers (-H)
  local keyed=$WORK/users.keyed
  python3 -c 'import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    sys.stdout.write(json.loads(line)["id"] + "\t" + line)' "$file" >"$keyed"
  local bytes; bytes=$(wc -c <"$file")
  echo "records: $N_PUBLISH users from randomuser-server, $((bytes / N_PUBLISH)) bytes each on average"
  local tag; tag=$(date +%s)_$$
  local ta=airc_bench_publish_$tag tk=airc_bench_kcat_$tag th=airc_bench_kcath_$tag
  # create both topics the same way (3 partitions) outside the timings
  "$BIN/bench_kafka_publish" 1 "$BOOT" "$ta" "$one" >/dev/null || die "creating $ta failed"
  "$BIN/bench_kafka_publish" 1 "$BOOT" "$tk" "$one" >/dev/null || die "creating $tk failed"
  "$BIN/bench_kafka_publish" 1 "$BOOT" "$th" "$one" >/dev/null || die "creating $th failed"
  local aProd=() aWall=() aKcat=() aKcatH=() i t0 t1 out sec wall
  # settle: a pause before each timed send, so that the broker's work left
  # over from the previous send (flushes, GC) is charged to neither side
  for i in $(seq 1 "$REPEAT"); do
    sleep 1
    t0=$(now_ns)
    out=$("$BIN/bench_kafka_publish" 1 "$BOOT" "$ta" "$file") || die "bench_kafka_publish failed: $out"
    t1=$(now_ns)
    sec=$(sed -n 's/.*: \([0-9.]*\)s, [0-9]* records\/s$/\1/p' <<<"$out")
    [ -n "$sec" ] || die "cannot read bench_kafka_publish output: $out"
    grep -q "^publish-kafka bench: $N_PUBLISH records" <<<"$out" || die "not every record delivered: $out"
    wall=$(secs "$t0" "$t1")
    aProd+=("$sec"); aWall+=("$wall")
    sleep 1
    t0=$(now_ns)
    kcat -b "$BOOT" -P -t "$tk" -X acks=all -X enable.idempotence=true -l "$file" 2>"$WORK/kcat.err" ||
      die "kcat -P failed: $(cat "$WORK/kcat.err")"
    t1=$(now_ns)
    aKcat+=("$(secs "$t0" "$t1")")
    sleep 1
    t0=$(now_ns)
    kcat -b "$BOOT" -P -t "$th" -X acks=all -X enable.idempotence=true -K $'\t' \
      -H airc_dag_id=bench_publish -H "airc_run_id=run_$i" -H airc_task_id=publish -l "$keyed" 2>"$WORK/kcat.err" ||
      die "kcat -P -K -H failed: $(cat "$WORK/kcat.err")"
    t1=$(now_ns)
    aKcatH+=("$(secs "$t0" "$t1")")
    echo "  run $i: airc produce ${sec}s, airc whole process ${wall}s, kcat ${aKcat[-1]}s, kcat with key + headers ${aKcatH[-1]}s"
  done
  # both topics hold 1 + REPEAT * N records
  local want=$((1 + REPEAT * N_PUBLISH)) got
  for t in "$ta" "$tk" "$th"; do
    got=$(kcat -b "$BOOT" -C -t "$t" -o beginning -e -q -f 'x\n' 2>/dev/null | wc -l)
    [ "$got" -eq "$want" ] || die "topic $t holds $got records, expected $want"
  done
  echo "  checked: the three topics hold $want records each"
  local bp bw bk bh rp rw rk rh
  bp=$(min "${aProd[@]}"); bw=$(min "${aWall[@]}"); bk=$(min "${aKcat[@]}"); bh=$(min "${aKcatH[@]}")
  rp=$(rate "$N_PUBLISH" "$bp"); rw=$(rate "$N_PUBLISH" "$bw"); rk=$(rate "$N_PUBLISH" "$bk"); rh=$(rate "$N_PUBLISH" "$bh")
  echo "best of $REPEAT:"
  printf '  %-44s %8ss %10s records/s\n' "airc publish-kafka, produce phase" "$bp" "$rp"
  printf '  %-44s %8ss %10s records/s\n' "airc publish-kafka, whole process" "$bw" "$rw"
  printf '  %-44s %8ss %10s records/s\n' "kcat -P -l (acks=all, idempotent), value only" "$bk" "$rk"
  printf '  %-44s %8ss %10s records/s\n' "kcat, same records: key + 3 headers" "$bh" "$rh"
  echo "  ratio to kcat with the same records (key + headers): produce phase $(ratio "$rp" "$rh"), whole process $(ratio "$rw" "$rh") (goal >= 0.8)"
  echo "  ratio to kcat sending values only: produce phase $(ratio "$rp" "$rk"), whole process $(ratio "$rw" "$rk")"
  echo "  (airc's whole process also checks every line before sending anything; kcat checks nothing)"
}

# --- (ii) fetch ---------------------------------------------------------------

bench_fetch() {
  echo "== (ii) fetch-and-transform (bin/bench-fetch-users: HTTP GET + JSON parse + record + JSONL write)"
  "$BIN/bench-fetch-users" --count 10000 --results 1000 --repeat 3 || die "bench-fetch-users failed"
  "$BIN/bench-fetch-users" --count 50000 --results 5000 --repeat 2 || die "bench-fetch-users failed"
}

# --- (iii) end to end ---------------------------------------------------------

# bench_e2e N LABEL: one user_pipeline run of N users on the stack that is
# up (its settings already in the environment), by task; the figures also
# go to $WORK/e2e-LABEL.json for bench_cluster's comparison.
bench_e2e() {
  local n=$1 label=$2
  echo "== user_pipeline end to end, $n users ($label)"
  start_api
  local home=$WORK/e2e-$label topic
  topic=airc_bench_e2e_${label}_$(date +%s)_$$
  mkdir -p "$home/dags" && chmod 700 "$home"
  sed -e "s/^schedule = .*/schedule = none/" \
      -e "s/^params.count = .*/params.count = $n/" \
      -e "s/^params.results = .*/params.results = 1000/" \
      -e "s/^params.topic = .*/params.topic = $topic/" \
      "$REPO/dags/user_pipeline.ini" >"$home/dags/user_pipeline.ini"
  grep -q "^params.topic = $topic" "$home/dags/user_pipeline.ini" || die "could not set the DAG's parameters"
  local log=$WORK/scheduler-$label.log run t0 t1 rc=0 pid
  run=bench__$(date -u +%Y%m%dT%H%M%S)
  AIRC_HOME=$home "$AIRC" db init >/dev/null
  AIRC_HOME=$home AIRC__RANDOMUSER__URL=$API AIRC__CORE__DAGS_ARE_PAUSED_AT_CREATION=false \
    "$AIRC" scheduler >"$log" 2>&1 &
  pid=$!
  PIDS_TO_STOP+=($pid)
  for _ in $(seq 1 200); do grep -q "scheduler started" "$log" && break; sleep 0.1; done
  grep -q "scheduler started" "$log" || die "scheduler did not start: $(tail -n 5 "$log")"
  t0=$(now_ns)
  AIRC_HOME=$home "$AIRC" dags trigger user_pipeline --run-id "$run" --wait --timeout 30m \
    >"$WORK/trigger-$label.log" 2>&1 || rc=$?
  t1=$(now_ns)
  kill "$pid" 2>/dev/null || true
  AIRC_HOME=$home "$AIRC" tasks states-for-dag-run user_pipeline "$run" -o json >"$WORK/tis-$label.json"
  WALL=$(secs "$t0" "$t1") python3 "$REPO/bench/pipeline_summary.py" run "$WORK/tis-$label.json" \
    "$WORK/e2e-$label.json"
  [ "$rc" -eq 0 ] || die "the run did not succeed: $(tail -n 5 "$WORK/trigger-$label.log")"
}

# (v) the same N users on both profiles, then the ratio by task.
bench_cluster() {
  echo "== (v) user_pipeline, $N_CLUSTER users: single-node profile, then the cluster profile"
  "$REPO/scripts/stack.sh" down >/dev/null 2>&1 || true
  stack_up
  bench_e2e "$N_CLUSTER" single
  "$REPO/scripts/stack.sh" down >/dev/null || die "scripts/stack.sh down failed"
  local t0 t1
  t0=$(now_ns)
  stack_up --cluster
  t1=$(now_ns)
  echo "  cluster profile up in $(secs "$t0" "$t1") s (jars already fetched)"
  bench_e2e "$N_CLUSTER" cluster
  echo "-- cluster / single-node, $N_CLUSTER users"
  python3 "$REPO/bench/pipeline_summary.py" compare "$WORK/e2e-single.json" "$WORK/e2e-cluster.json"
  "$REPO/scripts/stack.sh" down >/dev/null || true
}

# --- (iv) Avro vs JSON -----------------------------------------------------------

bench_avro() {
  echo "== (iv) Avro vs JSON: the same $N_AVRO users published by publish-kafka to $BOOT"
  [ -n "${AIRC__REGISTRY__URL:-}" ] || die "no AIRC__REGISTRY__URL: the registry component is not running"
  start_api
  local file=$WORK/avro-users.jsonl one=$WORK/avro-one.jsonl home=$WORK/avro-home tag
  make_records "$N_AVRO" "$file"
  head -n 1 "$file" >"$one"
  tag=$(date +%s)_$$
  mkdir -p "$home/dags"
  local f
  {
    printf '[dag]\nid = bench_avro\nschedule = none\n\n'
    for f in json avro; do
      printf '[task warm_%s]\ntype = publish-kafka\ninput = %s\ntopic = airc_bench_%s_%s\nformat = %s\npartitions = 3\n\n' \
        "$f" "$one" "$f" "$tag" "$f"
      printf '[task pub_%s]\ntype = publish-kafka\ninput = %s\ntopic = airc_bench_%s_%s\nformat = %s\npartitions = 3\ntimeout = 5m\n\n' \
        "$f" "$file" "$f" "$tag" "$f"
    done
  } >"$home/dags/bench_avro.ini"
  AIRC_HOME=$home "$AIRC" db init >/dev/null
  for f in json avro; do
    AIRC_HOME=$home "$AIRC" tasks test bench_avro "warm_$f" >"$WORK/warm.log" 2>&1 ||
      die "warm-up publish ($f) failed: $(tail -n 3 "$WORK/warm.log")"
  done
  local i t0 t1 out prod wall aJP=() aJW=() aAP=() aAW=() jBytes=0 aBytes=0
  for i in $(seq 1 "$REPEAT"); do
    for f in json avro; do
      sleep 1
      t0=$(now_ns)
      out=$(AIRC_HOME=$home "$AIRC" tasks test bench_avro "pub_$f" 2>&1) || die "publish ($f) failed: $(tail -n 3 <<<"$out")"
      t1=$(now_ns)
      prod=$(sed -n 's/^publish-kafka: [0-9]*\/[0-9]* delivered to .* in \([0-9.]*\)s (.*/\1/p' <<<"$out")
      [ -n "$prod" ] || die "cannot read the publish ($f) output: $out"
      local x; x=$(sed -n 's/^\[airc\] xcom: //p' <<<"$out")
      local deliv bytes
      deliv=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["delivered"])' "$x")
      bytes=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["value_bytes"])' "$x")
      [ "$deliv" -eq "$N_AVRO" ] || die "publish ($f): $deliv of $N_AVRO delivered"
      wall=$(secs "$t0" "$t1")
      if [ "$f" = json ]; then aJP+=("$prod"); aJW+=("$wall"); jBytes=$bytes
      else aAP+=("$prod"); aAW+=("$wall"); aBytes=$bytes; fi
      echo "  run $i $f: produce ${prod}s, whole task ${wall}s, $bytes value bytes"
    done
  done
  local jp jw ap aw jb ab
  jp=$(min "${aJP[@]}"); jw=$(min "${aJW[@]}"); ap=$(min "${aAP[@]}"); aw=$(min "${aAW[@]}")
  jb=$(awk -v b="$jBytes" -v n="$N_AVRO" 'BEGIN { printf "%.1f", b / n }')
  ab=$(awk -v b="$aBytes" -v n="$N_AVRO" 'BEGIN { printf "%.1f", b / n }')
  echo "best of $REPEAT ($N_AVRO records each):"
  printf '  %-6s %10s bytes/record %10s records/s produce phase %10s records/s whole task\n' \
    json "$jb" "$(rate "$N_AVRO" "$jp")" "$(rate "$N_AVRO" "$jw")"
  printf '  %-6s %10s bytes/record %10s records/s produce phase %10s records/s whole task\n' \
    avro "$ab" "$(rate "$N_AVRO" "$ap")" "$(rate "$N_AVRO" "$aw")"
  echo "  avro/json: bytes per record $(ratio "$ab" "$jb"), produce rate $(ratio "$(rate "$N_AVRO" "$ap")" "$(rate "$N_AVRO" "$jp")"), whole-task rate $(ratio "$(rate "$N_AVRO" "$aw")" "$(rate "$N_AVRO" "$jw")")"
  echo "  (avro values: 5-byte header + Avro binary, no field names; the avro task parses each line with jansson to encode it, in the check pass)"
}

need
case ${1:-all} in
  publish) stack_up kafka; bench_publish ;;
  fetch) bench_fetch ;;
  e2e) stack_up; bench_e2e "$N_E2E" single ;;
  avro) stack_up kafka registry; bench_avro ;;
  cluster) bench_cluster ;;
  all) stack_up; bench_publish; bench_fetch; bench_e2e "$N_E2E" single; stack_up kafka registry; bench_avro ;;
  *) die "unknown benchmark '$1' (publish, fetch, e2e, avro, cluster, all)" ;;
esac
