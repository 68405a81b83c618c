#!/bin/bash
# pg-test.sh: runs a command against a throwaway PostgreSQL cluster.
#
#   scripts/pg-test.sh COMMAND [ARGS...]
#
# Starts Debian's PostgreSQL (15) in a temporary folder (initdb, then pg_ctl
# listening on 127.0.0.1 and a free port, its socket in the folder), exports
# AIRC_TEST_PG=postgresql://postgres@127.0.0.1:PORT/postgres (the admin
# database: tests create a database of their own from it), runs COMMAND,
# stops the cluster and removes the folder (kept on failure, with its log).
# As root the cluster belongs to the `postgres` system user (PostgreSQL
# refuses root). Durability is off (fsync): the cluster lives for one run.
# AIRC_PG_TEST_OPTS adds server options (e.g. '-c shared_preload_libraries=
# pg_stat_statements' for bench_dist.py --statements).
# Exit status: COMMAND's.
set -euo pipefail

PG_BIN=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then PG_BIN=$d; break; fi
done
[ -n "$PG_BIN" ] || { echo "pg-test: no PostgreSQL server (initdb, pg_ctl): run scripts/install-deps.sh" >&2; exit 1; }

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/airc-pg-test.XXXXXX")
chmod 755 "$WORK"
mkdir -p "$WORK/pg"
[ "$(id -u)" -ne 0 ] || chown postgres: "$WORK/pg"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
STARTED=0
cleanup() {
  local rc=$?
  set +e
  if [ "$STARTED" = 1 ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -m fast -w -t 30 stop >/dev/null 2>&1 \
      || as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -m immediate stop >/dev/null 2>&1
  fi
  if [ "$rc" -eq 0 ]; then rm -rf "$WORK"; else echo "pg-test: kept $WORK (pg/postgres.log)" >&2; fi
  exit $rc
}
trap cleanup EXIT
as_pg "$PG_BIN/initdb" -D "$WORK/pg/data" -U postgres -A trust -E UTF8 >"$WORK/initdb.log" 2>&1 \
  || { echo "pg-test: initdb failed: see $WORK/initdb.log" >&2; exit 1; }
as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/postgres.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $WORK/pg -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off ${AIRC_PG_TEST_OPTS:-}" \
  start >/dev/null || { echo "pg-test: PostgreSQL did not start: see $WORK/pg/postgres.log" >&2; exit 1; }
STARTED=1
export AIRC_TEST_PG="postgresql://postgres@127.0.0.1:$PORT/postgres"
export AIRC_TEST_PG_BIN="$PG_BIN"
echo "pg-test: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"
"$@"
