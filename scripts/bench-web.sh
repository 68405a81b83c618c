#!/bin/sh
# bench-web.sh: web API figures (not a test: prints numbers, asserts nothing).
#
#   1. fills a fresh store with 10,000 runs of DAG `bench` (10 tasks each)
#      and 25 runs of DAG `wide` (1000 tasks each), writing the SQLite
#      tables directly (scripts/bench_web_fill.py);
#   2. starts `airc webserver` on a free 127.0.0.1 port;
#   3. runs wrk on /api/v1/dags and on one run's taskInstances with a Basic
#      auth header, printing req/s and p99 (goal: >= 10,000 req/s, p99 < 10 ms
#      on 2 cores; the uncached dagRuns?limit=100 list's figure is also
#      printed as a ratio to that goal, and again with Connection: close);
#   4. times the grid of 1000 tasks x 25 runs (goal < 50 ms).
# Environment: AIRC_BIN (default bin/airc), BENCH_DURATION (default 10s),
# BENCH_CONNECTIONS (default 16), BENCH_THREADS (default 2).
set -eu
cd "$(dirname "$0")/.."
AIRC_BIN=${AIRC_BIN:-$PWD/bin/airc}
DUR=${BENCH_DURATION:-10s}
CONN=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
command -v wrk >/dev/null || { echo "bench-web: wrk is not installed (apt-get install wrk)"; exit 1; }
HOME_DIR=$(mktemp -d /tmp/airc-bench-web.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$HOME_DIR"; }
trap cleanup EXIT INT TERM
export AIRC_HOME="$HOME_DIR"
mkdir -p "$HOME_DIR/dags"
python3 scripts/bench_web_fill.py "$HOME_DIR" "$AIRC_BIN"
printf 'bench-pass-1\n' | "$AIRC_BIN" users create --username bench --role viewer --password-stdin >/dev/null
AUTH="Authorization: Basic $(printf 'bench:bench-pass-1' | base64)"
echo "store: $(sqlite3 "$HOME_DIR/airc.db" 'select count(*) from dag_run') runs, $(sqlite3 "$HOME_DIR/airc.db" 'select count(*) from task_instance') task instances; $(nproc) cores; wrk -t$THREADS -c$CONN -d$DUR"

# Two passes: with the per-thread response cache (the default: a reply is
# reused while the store has not changed, i.e. dashboards polling between
# scheduler commits) and without it (every request reads the store and
# builds its JSON: the cost when the store changes all the time).
for mode in cached uncached; do
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  if [ $mode = uncached ]; then export AIRC__WEBSERVER__RESPONSE_CACHE=false; fi
  "$AIRC_BIN" webserver --port "$PORT" >/dev/null 2>"$HOME_DIR/webserver.err" &
  PID=$!
  i=0
  until curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null 2>&1; do
    i=$((i+1)); [ $i -gt 200 ] && { echo "bench-web: webserver did not start"; cat "$HOME_DIR/webserver.err"; exit 1; }
    sleep 0.05
  done
  BASE="http://127.0.0.1:$PORT/api/v1"
  echo "-- response cache: $mode"
  curl -sf -H "$AUTH" "$BASE/dags" >/dev/null  # warm the Basic-auth cache (argon2 once)
  for url in "$BASE/dags" "$BASE/dags/bench/dagRuns/run_05000/taskInstances" "$BASE/dags/bench/dagRuns?limit=100"; do
    out=$(wrk -t"$THREADS" -c"$CONN" -d"$DUR" --latency -H "$AUTH" "$url")
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    bad=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
    printf '%-70s %10s req/s   p99 %8s%s\n' "${url#http://127.0.0.1:$PORT}" "$rps" "$p99" "${bad:+   non-2xx $bad}"
    case $url in *dagRuns\?limit=100) RUNS_RPS=$rps ;; esac
  done
  # goal (issue 11): the uncached run list, 100 runs (~45 KB), >= 10,000 req/s on 2 cores;
  # the same with a new connection per request (Connection: close) shows what keep-alive brings
  if [ $mode = uncached ]; then
    CLOSE_RPS=$(wrk -t"$THREADS" -c"$CONN" -d"$DUR" -H "$AUTH" -H 'Connection: close' "$BASE/dags/bench/dagRuns?limit=100" | awk '/Requests\/sec/ {print $2}')
    awk -v r="$RUNS_RPS" -v c="$CLOSE_RPS" 'BEGIN { printf "run list uncached: %.0f req/s = %.2f x the goal of 10,000 req/s (%s); with Connection: close %.0f req/s (keep-alive %.2f x that)\n", r, r / 10000, (r >= 10000 ? "met" : "NOT met"), c, (c > 0 ? r / c : 0) }'
  fi
  python3 - "$BASE" "$AUTH" <<'PY'
import sys, time, urllib.request, json
base, auth = sys.argv[1], sys.argv[2].split(": ", 1)
times = []
for _ in range(20):
    req = urllib.request.Request(base + "/dags/wide/grid?limit=25", headers={auth[0]: auth[1]})
    t = time.perf_counter()
    body = urllib.request.urlopen(req, timeout=30).read()
    times.append((time.perf_counter() - t) * 1000)
doc = json.loads(body)
times.sort()
print("grid %d tasks x %d runs (%d bytes): median %.1f ms, max %.1f ms (goal < 50 ms)" % (
    len(doc["tasks"]), len(doc["dag_runs"]), len(body), times[len(times) // 2], times[-1]))
PY
  kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=
done
