#!/usr/bin/env bash
# The Apache Airflow side of `make bench`: runs the same DAG shapes that airc's
# scheduler is timed on (a chain of N `true` tasks, and one root plus N parallel
# `true` tasks) through a real Airflow scheduler on this machine, and reports
# wall time, queued->running and upstream-done->downstream-start latencies, and
# memory.
#
#   scripts/bench-airflow.sh [--tasks N] [--out results.json] [--shapes chain,fanout]
#                            [--timeout SECONDS] [--keep]
#
#   --tasks N        tasks per DAG (default 100; the fan-out has N+1 with its root)
#   --out FILE       also write the results as JSON to FILE
#   --shapes LIST    which DAGs to run, comma-separated (default chain,fanout)
#   --timeout S      bound on waiting for all runs together (default 2400 = 40 min);
#                    past it the figures cover the finished tasks, the JSON says
#                    "complete": false, and the script exits 3
#   --keep           keep the temporary AIRFLOW_HOME, logs and database folder
#
# Version and executor (see docs/bench-airflow.md for why):
#   apache-airflow 2.10.5 with the [postgres] extra, installed from PyPI into
#   <repo>/.bench/airflow-venv (reused while its marker matches). Airflow's
#   official constraints file is not reachable from here, so the resolved set
#   that installed cleanly on Python 3.11 is pinned below (CONSTRAINTS); pip
#   then needs no backtracking.
#   LocalExecutor (tasks run in parallel worker processes), which Airflow 2
#   refuses on SQLite; so the metadata database is a private PostgreSQL cluster
#   (Debian's `postgresql` package, installed with apt-get when missing) made by
#   initdb in a temporary folder and listening on 127.0.0.1 and a free port.
#   Airflow's own defaults are kept (parallelism 32, max_active_tasks_per_dag
#   16, fork-based task runner) so the figures are those a user would see.
#   The one departure: `scheduler --skip-serve-logs`, so no log server listens
#   on 0.0.0.0:8793 (the bench reads no task logs over HTTP).
#
# Everything started here (PostgreSQL, the scheduler and its children) is
# stopped on exit, failure and Ctrl-C included.
#
# Not for: tuning Airflow, Airflow 3.x, CeleryExecutor, or CI (a cold install
# takes ~5 minutes and one run of both shapes at N=100 ~5 minutes; a chain of
# 1000 needs well over an hour on 2 cores, ~5-6 s per step).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BENCH_HOME=${AIRC_BENCH_HOME:-$REPO/.bench}
VENV=$BENCH_HOME/airflow-venv
AIRFLOW_VERSION=2.10.5
AIRFLOW_REQUIREMENT="apache-airflow[postgres]==$AIRFLOW_VERSION"
PYTHON=${PYTHON:-python3}

TASKS=100
OUT=""
SHAPES="chain,fanout"
TIMEOUT=2400
KEEP=0

say() { printf 'bench-airflow: %s\n' "$*" >&2; }
die() { printf 'bench-airflow: error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '8,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --tasks) [ $# -ge 2 ] || usage; TASKS=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || usage; OUT=$2; shift 2 ;;
    --shapes) [ $# -ge 2 ] || usage; SHAPES=$2; shift 2 ;;
    --timeout) [ $# -ge 2 ] || usage; TIMEOUT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage ;;
    *) printf 'bench-airflow: error: unknown argument: %s\n' "$1" >&2; usage ;;
  esac
done
case "$TASKS" in ''|*[!0-9]*) die "--tasks: not a positive integer: $TASKS" ;; esac
[ "$TASKS" -ge 1 ] || die "--tasks: must be at least 1"
case "$TIMEOUT" in ''|*[!0-9]*) die "--timeout: not a number of seconds: $TIMEOUT" ;; esac
for s in ${SHAPES//,/ }; do
  case "$s" in chain|fanout) ;; *) die "--shapes: unknown shape: $s (chain, fanout)" ;; esac
done
if [ -n "$OUT" ]; then
  mkdir -p "$(dirname "$OUT")"
  OUT=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")
fi

# ---------------------------------------------------------------- venv
# The set pip resolved for apache-airflow[postgres]==2.10.5 on Python 3.11
# (pip check clean). Stands in for Airflow's constraints-3.11.txt.
CONSTRAINTS='aiohappyeyeballs==2.7.1
aiohttp==3.14.5
aiosignal==1.4.0
aiosmtplib==5.1.3
alembic==1.19.2
anyio==4.16.0
apache-airflow-providers-common-compat==1.9.0
apache-airflow-providers-common-io==1.6.5
apache-airflow-providers-common-sql==1.29.0
apache-airflow-providers-fab==1.5.3
apache-airflow-providers-ftp==3.13.3
apache-airflow-providers-http==5.5.0
apache-airflow-providers-imap==3.9.4
apache-airflow-providers-postgres==6.4.1
apache-airflow-providers-smtp==2.3.2
apache-airflow-providers-sqlite==4.1.3
apispec==6.10.1
argcomplete==3.7.2
asgiref==3.13.0
asyncpg==0.32.0
attrs==26.1.0
babel==2.18.0
blinker==1.9.0
cachelib==0.17.0
certifi==2026.10.18
cffi==2.1.1
charset-normalizer==3.5.2
click==8.5.1
clickclick==20.10.2
colorama==0.4.6
colorlog==6.12.0
ConfigUpdater==4.1.1
connexion==2.14.2
cron_descriptor==2.2.1
croniter==7.0.0
cryptography==50.0.2
Deprecated==1.3.1
dill==0.4.1
dnspython==2.9.2
email-validator==2.4.0
Flask==2.2.5
Flask-AppBuilder==4.5.3
Flask-Babel==2.0.0
Flask-Caching==2.4.1
Flask-JWT-Extended==4.7.4
Flask-Limiter==3.12
Flask-Login==0.6.3
Flask-Session==0.5.0
Flask-SQLAlchemy==2.5.1
Flask-WTF==1.3.0
frozenlist==1.8.0
fsspec==2026.9.0
google-re2==1.1.20251105
googleapis-common-protos==1.76.0
greenlet==3.5.6
grpcio==1.85.1
gunicorn==27.0.1
h11==0.16.0
httpcore==1.0.9
httpx==0.28.1
idna==3.20
importlib_metadata==10.2.0
inflection==0.5.1
itsdangerous==2.2.0
Jinja2==3.1.6
jmespath==1.1.0
jsonschema==4.26.0
jsonschema-specifications==2025.9.1
lazy-importer==0.1.0
lazy-object-proxy==1.13.0
limits==5.8.0
linkify-it-py==2.2.0
lockfile==0.12.2
Mako==1.4.3
markdown-it-py==4.3.0
MarkupSafe==3.0.4
marshmallow==3.26.2
marshmallow-oneofschema==3.2.0
marshmallow-sqlalchemy==0.28.2
mdit-py-plugins==0.7.0
mdurl==0.1.2
methodtools==0.4.7
more-itertools==11.2.1
multidict==7.2.1
opentelemetry-api==1.45.2
opentelemetry-exporter-http-transport==0.66b2
opentelemetry-exporter-otlp==1.45.2
opentelemetry-exporter-otlp-common==0.66b2
opentelemetry-exporter-otlp-proto-common==1.45.2
opentelemetry-exporter-otlp-proto-grpc==1.45.2
opentelemetry-exporter-otlp-proto-http==1.45.2
opentelemetry-proto==1.45.2
opentelemetry-sdk==1.45.2
opentelemetry-semantic-conventions==0.66b2
ordered-set==4.1.0
packaging==26.3
pathlib_abc==0.5.2
pathspec==1.1.1
pendulum==3.3.0
pluggy==1.7.0
prison==0.2.1
propcache==0.5.4
protobuf==7.36.2
psutil==7.2.2
psycopg2-binary==2.9.13
pycparser==3.12
Pygments==2.21.0
PyJWT==2.15.1
python-daemon==3.1.2
python-dateutil==2.9.0.post0
python-nvd3==0.16.0
python-slugify==9.2.0
pytz==2026.6
PyYAML==6.0.3
referencing==0.37.0
requests==2.34.2
requests-toolbelt==1.0.0
rfc3339-validator==0.1.4
rich==13.9.4
rich-argparse==1.8.0
rpds-py==2026.9.1
setproctitle==1.3.8
six==1.17.0
SQLAlchemy==1.4.54
SQLAlchemy-JSONField==1.0.3
SQLAlchemy-Utils==0.42.1
sqlparse==0.6.1
tabulate==0.10.0
tenacity==9.2.1
termcolor==3.3.0
text-unidecode==1.3
typing_extensions==4.16.0
tzdata==2026.6
universal_pathlib==0.3.10
urllib3==2.8.0
Werkzeug==2.2.3
wirerope==1.0.0
wrapt==2.5.2
WTForms==3.3.2
yarl==1.25.1
zipp==4.1.2'

# The venv counts as complete only when its marker holds exactly this text, so
# a changed version or constraint set reinstalls it.
venv_marker_text() { printf '%s\n%s\n' "$AIRFLOW_REQUIREMENT" "$CONSTRAINTS"; }

ensure_venv() {
  if [ -f "$VENV/.airc-complete" ] && [ "$(cat "$VENV/.airc-complete")" = "$(venv_marker_text)" ] \
     && [ -x "$VENV/bin/airflow" ]; then
    say "reusing $VENV (apache-airflow $AIRFLOW_VERSION)"
    return
  fi
  say "installing apache-airflow $AIRFLOW_VERSION into $VENV (cold install: ~5 minutes)"
  rm -rf "$VENV"
  mkdir -p "$BENCH_HOME"
  "$PYTHON" -m venv "$VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  local t0=$SECONDS cfile="$BENCH_HOME/airflow-constraints.txt"
  printf '%s\n' "$CONSTRAINTS" > "$cfile"
  "$VENV/bin/pip" install -q --disable-pip-version-check \
      -c "$cfile" "$AIRFLOW_REQUIREMENT" >&2 || die "pip install $AIRFLOW_REQUIREMENT failed"
  "$VENV/bin/pip" check >&2 || die "pip check: the Airflow venv has broken requirements"
  venv_marker_text > "$VENV/.airc-complete"
  say "installed in $((SECONDS - t0)) s"
}

# ---------------------------------------------------------------- postgres
PG_BIN=""
find_pg_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then PG_BIN=$d; return 0; fi
  done
  return 1
}

ensure_postgres() {
  find_pg_bin && return
  say "PostgreSQL not found: installing Debian's postgresql"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >&2 \
    || die "apt-get install postgresql failed"
  find_pg_bin || die "postgresql installed but no initdb/pg_ctl under /usr/lib/postgresql/*/bin"
}

# PostgreSQL refuses to run as root: as root the cluster belongs to the
# `postgres` system user that Debian's package creates.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---------------------------------------------------------------- cleanup
WORK=""
PG_DATA=""
SCHED_PID=""

# Stops what this script started, in reverse order: the scheduler's process
# group (it was started with setsid), then PostgreSQL. Safe to call twice.
cleanup() {
  local rc=$?
  set +e
  if [ -n "$SCHED_PID" ] && kill -0 "$SCHED_PID" 2>/dev/null; then
    kill -TERM -- "-$SCHED_PID" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$SCHED_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$SCHED_PID" 2>/dev/null
  fi
  SCHED_PID=""
  if [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 \
      || as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1
  fi
  PG_DATA=""
  if [ -n "$WORK" ] && [ -d "$WORK" ]; then
    if [ "$KEEP" = 1 ] || [ "$rc" -ne 0 ]; then
      say "kept $WORK (logs: scheduler.log, pg/postgres.log, home/logs)"
    else
      rm -rf "$WORK"
    fi
  fi
  WORK=""
  return $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- main
ensure_venv
ensure_postgres

WORK=$(mktemp -d "${TMPDIR:-/tmp}/airc-bench-airflow.XXXXXX")
chmod 755 "$WORK"
mkdir -p "$WORK/pg"
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$WORK/pg"; fi
PG_DATA_DIR=$WORK/pg/data
PG_PORT=$(free_port)
say "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT ($PG_DATA_DIR)"
as_pg "$PG_BIN/initdb" -D "$PG_DATA_DIR" -U postgres -A trust -E UTF8 >"$WORK/initdb.log" 2>&1 \
  || die "initdb failed: see $WORK/initdb.log"
PG_DATA=$PG_DATA_DIR
as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$WORK/pg/postgres.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $WORK/pg -c max_connections=200" start >/dev/null \
  || die "PostgreSQL did not start: see $WORK/pg/postgres.log"
as_pg "$PG_BIN/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c 'CREATE DATABASE airflow' >/dev/null \
  || die "could not create the airflow database"

export AIRFLOW_HOME=$WORK/home
mkdir -p "$AIRFLOW_HOME/dags"
export AIRFLOW__CORE__EXECUTOR=LocalExecutor
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="postgresql+psycopg2://postgres@127.0.0.1:$PG_PORT/airflow"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__DAGS_FOLDER=$AIRFLOW_HOME/dags
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=True
export AIRFLOW__WEBSERVER__SECRET_KEY=airc-bench
export AIRFLOW__CORE__FERNET_KEY=""
export AIRFLOW__LOGGING__LOGGING_LEVEL=WARNING
export AIRFLOW__SCHEDULER__STANDALONE_DAG_PROCESSOR=False
AF="$VENV/bin/airflow"

say "airflow db migrate"
"$AF" db migrate >"$WORK/db-migrate.log" 2>&1 || die "airflow db migrate failed: see $WORK/db-migrate.log"

cat >"$AIRFLOW_HOME/dags/bench_chain.py" <<EOF
# t0 >> t1 >> ... >> t$((TASKS - 1)), each running \`true\`.
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("bench_chain", schedule=None, start_date=datetime(2024, 1, 1), catchup=False) as dag:
    prev = None
    for i in range($TASKS):
        t = BashOperator(task_id=f"t{i}", bash_command="true")
        if prev is not None:
            prev >> t
        prev = t
EOF
cat >"$AIRFLOW_HOME/dags/bench_fanout.py" <<EOF
# root >> [c0 .. c$((TASKS - 1))], each running \`true\`.
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("bench_fanout", schedule=None, start_date=datetime(2024, 1, 1), catchup=False) as dag:
    root = BashOperator(task_id="root", bash_command="true")
    root >> [BashOperator(task_id=f"c{i}", bash_command="true") for i in range($TASKS)]
EOF

# Parse the DAG files into the database once, so `unpause` finds them before
# the scheduler's DAG processor has had its first pass.
"$AF" dags reserialize >"$WORK/reserialize.log" 2>&1 || die "airflow dags reserialize failed: see $WORK/reserialize.log"
for s in ${SHAPES//,/ }; do
  "$AF" dags unpause "bench_$s" >>"$WORK/unpause.log" 2>&1 || die "airflow dags unpause bench_$s failed: see $WORK/unpause.log"
done

say "starting airflow scheduler (LocalExecutor)"
setsid "$AF" scheduler --skip-serve-logs >"$WORK/scheduler.log" 2>&1 &
SCHED_PID=$!

say "N=$TASKS tasks per DAG; shapes: $SHAPES; timeout ${TIMEOUT}s"
"$VENV/bin/python" - "$WORK" "$SCHED_PID" "$TASKS" "$SHAPES" "$TIMEOUT" "$OUT" "$PG_DATA" <<'PYEOF'
"""Triggers each bench DAG the way a user would (`airflow dags trigger`),
waits for the run with a bound, samples the memory of the scheduler's process
tree and of PostgreSQL while waiting, then computes the figures from the
task_instance rows and prints a table (and JSON when asked)."""
import json, math, os, platform, subprocess, sys, time
import psycopg2

work, sched_pid, n_tasks, shapes, timeout, out, pg_data = sys.argv[1:8]
sched_pid, n_tasks, timeout = int(sched_pid), int(n_tasks), float(timeout)
shapes = [s for s in shapes.split(",") if s]
af = os.path.join(os.path.dirname(sys.executable), "airflow")
deadline = time.monotonic() + timeout
conn = psycopg2.connect(os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].replace("postgresql+psycopg2", "postgresql"))
conn.autocommit = True


def die(msg):
    print(f"bench-airflow: error: {msg}", file=sys.stderr)
    sys.exit(1)


def say(msg):
    print(f"bench-airflow: {msg}", file=sys.stderr, flush=True)


def proc_status_kb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def proc_pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree(root):
    """The pids of root and all its descendants, from /proc."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def alive(pid):
    """True while pid runs (a zombie the shell has not reaped yet counts as dead)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def postmaster_pid():
    try:
        with open(os.path.join(pg_data, "postmaster.pid")) as f:
            return int(f.readline())
    except (OSError, ValueError):
        return 0


def sample():
    """(airflow tree RSS, airflow tree PSS, airflow process count, postgres tree PSS) in kB."""
    pids = tree(sched_pid)
    rss = sum(proc_status_kb(p, "VmRSS") for p in pids)
    pss = sum(proc_pss_kb(p) for p in pids)
    pg = postmaster_pid()
    pg_pss = sum(proc_pss_kb(p) for p in tree(pg)) if pg else 0
    return rss, pss, len(pids), pg_pss


def pct(values, p):
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    v = sorted(values)
    return v[max(0, math.ceil(p / 100.0 * len(v)) - 1)]


def ms(delta):
    return delta.total_seconds() * 1000.0


def query(sql, args=()):
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


peak = {"rss": 0, "pss": 0, "procs": 0, "pg_pss": 0}


def track():
    rss, pss, procs, pg_pss = sample()
    peak["rss"] = max(peak["rss"], rss)
    peak["pss"] = max(peak["pss"], pss)
    peak["procs"] = max(peak["procs"], procs)
    peak["pg_pss"] = max(peak["pg_pss"], pg_pss)


# The scheduler is ready once its job row heartbeats.
while True:
    if not alive(sched_pid):
        die(f"the scheduler exited early: see {work}/scheduler.log")
    if query("SELECT 1 FROM job WHERE job_type = 'SchedulerJob' AND state = 'running'"):
        break
    if time.monotonic() > deadline:
        die("the scheduler did not start in time")
    time.sleep(0.5)

def count_done(dag_id, run_id):
    return query("SELECT count(*) FROM task_instance WHERE dag_id = %s AND run_id = %s AND state = 'success'",
                 (dag_id, run_id))[0][0]


def figures(shape, tis, queued_at, t_cli, t_cli_done, expected):
    """The figures of one run from its task instances {task_id: (state, queued, start, end)}.
    Only finished tasks count, so a run cut by the timeout still gives figures over its done part."""
    done = {k: v for k, v in tis.items() if v[0] == "success" and v[2] and v[3]}
    q2r = [ms(s - q) for (_, q, s, _) in done.values() if q]
    if shape == "chain":
        deps = [ms(done[f"t{i + 1}"][2] - done[f"t{i}"][3])
                for i in range(n_tasks - 1) if f"t{i}" in done and f"t{i + 1}" in done]
    elif "root" in done:
        deps = [ms(done[f"c{i}"][2] - done["root"][3]) for i in range(n_tasks) if f"c{i}" in done]
    else:
        deps = []
    complete = len(done) == expected
    last_end = max((v[3] for v in done.values()), default=None)
    first_start = min((v[2] for v in done.values()), default=None)
    r1 = lambda x: None if x is None else round(x, 1)
    return {
        "complete": complete,
        "tasks": expected,
        "tasks_done": len(done),
        "wall_s": round((last_end - queued_at).total_seconds(), 3) if complete else None,
        "wall_from_cli_s": round(last_end.timestamp() - t_cli, 3) if complete else None,
        "elapsed_s": round(time.time() - t_cli, 3),
        "trigger_cli_s": round(t_cli_done - t_cli, 3),
        "trigger_to_first_start_s": round((first_start - queued_at).total_seconds(), 3) if first_start else None,
        "queued_to_running_p50_ms": r1(pct(q2r, 50)),
        "queued_to_running_p99_ms": r1(pct(q2r, 99)),
        "dep_latency_p50_ms": r1(pct(deps, 50)),
        "dep_latency_p99_ms": r1(pct(deps, 99)),
        "dep_latency_min_ms": r1(min(deps, default=None)),
        "task_duration_p50_ms": r1(pct([ms(e - s) for (_, _, s, e) in done.values()], 50)),
    }


results = {}
timed_out = []
for shape in shapes:
    dag_id = f"bench_{shape}"
    expected = n_tasks + (1 if shape == "fanout" else 0)
    if time.monotonic() > deadline:
        say(f"{dag_id}: skipped, the timeout has passed")
        results[shape] = {"complete": False, "tasks": expected, "tasks_done": 0, "skipped": True}
        timed_out.append(shape)
        continue
    run_id = f"bench_{shape}_{int(time.time())}"
    say(f"{dag_id}: triggering ({expected} tasks)")
    t_cli = time.time()
    r = subprocess.run([af, "dags", "trigger", "-r", run_id, dag_id], capture_output=True, text=True)
    if r.returncode != 0:
        die(f"airflow dags trigger {dag_id} failed:\n{r.stderr[-2000:]}")
    t_cli_done = time.time()
    last_report = time.monotonic()
    state = None
    while True:
        track()
        rows = query("SELECT state FROM dag_run WHERE dag_id = %s AND run_id = %s", (dag_id, run_id))
        state = rows[0][0] if rows else None
        if state in ("success", "failed"):
            break
        if not alive(sched_pid):
            die(f"the scheduler died during {dag_id}: see {work}/scheduler.log")
        if time.monotonic() > deadline:
            say(f"{dag_id}: TIMEOUT with {count_done(dag_id, run_id)}/{expected} tasks done; "
                "figures below cover the done part only (raise --timeout or lower --tasks)")
            timed_out.append(shape)
            break
        if time.monotonic() - last_report > 30:
            say(f"{dag_id}: {count_done(dag_id, run_id)}/{expected} tasks done")
            last_report = time.monotonic()
        time.sleep(0.5)
    (queued_at,), = query("SELECT queued_at FROM dag_run WHERE dag_id = %s AND run_id = %s", (dag_id, run_id))
    tis = {row[0]: row[1:] for row in query(
        "SELECT task_id, state, queued_dttm, start_date, end_date FROM task_instance "
        "WHERE dag_id = %s AND run_id = %s", (dag_id, run_id))}
    results[shape] = figures(shape, tis, queued_at, t_cli, t_cli_done, expected)
    if shape not in timed_out and (state != "success" or not results[shape]["complete"]):
        die(f"{dag_id}: run ended {state} with {results[shape]['tasks_done']}/{expected} tasks succeeded: "
            f"see {work}/home/logs")
    if shape not in timed_out:
        say(f"{dag_id}: {state} in {results[shape]['wall_s']} s")

rss_end, pss_end, procs_end, pg_pss_end = sample()
track()
import importlib.metadata as md
doc = {
    "airflow_version": md.version("apache-airflow"),
    "executor": os.environ["AIRFLOW__CORE__EXECUTOR"],
    "database": "postgresql " + query("SHOW server_version")[0][0],
    "tasks": n_tasks,
    "complete": not timed_out,
    **results,
    "scheduler_peak_rss_kb": proc_status_kb(sched_pid, "VmHWM"),
    "airflow_tree_rss_end_kb": rss_end,
    "airflow_tree_pss_end_kb": pss_end,
    "airflow_tree_processes_end": procs_end,
    "airflow_tree_peak_rss_kb": peak["rss"],
    "airflow_tree_peak_pss_kb": peak["pss"],
    "airflow_tree_peak_processes": peak["procs"],
    "postgres_peak_pss_kb": peak["pg_pss"],
    "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release()},
}
# The configuration actually in force (Airflow's defaults: nothing sets them).
from airflow.configuration import conf as afconf
doc["airflow_config"] = {
    "parallelism": afconf.getint("core", "parallelism"),
    "max_active_tasks_per_dag": afconf.getint("core", "max_active_tasks_per_dag"),
    "execute_tasks_new_python_interpreter": afconf.getboolean("core", "execute_tasks_new_python_interpreter"),
}

print()
print(f"Apache Airflow {doc['airflow_version']}, {doc['executor']}, {doc['database']}, "
      f"N={n_tasks} tasks per DAG (fan-out: 1 root + N), {doc['machine']['cpus']} CPUs")
print(f"  (parallelism={doc['airflow_config']['parallelism']}, "
      f"max_active_tasks_per_dag={doc['airflow_config']['max_active_tasks_per_dag']}: Airflow defaults)")
cols = [("wall_s", "wall s"), ("queued_to_running_p50_ms", "q->run p50 ms"),
        ("queued_to_running_p99_ms", "q->run p99 ms"), ("dep_latency_p50_ms", "dep p50 ms"),
        ("dep_latency_p99_ms", "dep p99 ms"), ("task_duration_p50_ms", "task p50 ms")]
print(f"  {'shape':<8}" + "".join(f"{h:>15}" for _, h in cols))
for shape in shapes:
    row = results[shape]
    print(f"  {shape:<8}" + "".join(f"{'-' if row.get(k) is None else row[k]:>15}" for k, _ in cols)
          + ("" if row["complete"] else f"   INCOMPLETE: {row['tasks_done']}/{row['tasks']} tasks done"))
print(f"  scheduler peak RSS (VmHWM):           {doc['scheduler_peak_rss_kb']:>9} kB")
print(f"  airflow processes at end: {procs_end:>3}, RSS sum {rss_end:>9} kB, PSS sum {pss_end:>9} kB")
print(f"  airflow processes peak:   {peak['procs']:>3}, RSS sum {peak['rss']:>9} kB, PSS sum {peak['pss']:>9} kB")
print(f"  postgres peak PSS sum:                {peak['pg_pss']:>9} kB")
if out:
    with open(out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    say(f"wrote {out}")
if timed_out:
    say(f"timeout: {', '.join(timed_out)} did not finish within {timeout:.0f} s (exit 3)")
    sys.exit(3)
PYEOF
