#!/bin/bash
# pg_outcome_batch.sh: what an outcome costs PostgreSQL one per statement
# against 20 per statement (store_stmt_run_batched, docs/benchmarks.md
# "Statements batched"). A benchmark aid, not a test: airc's schema
# (`airc db init`), 100,000 running task instances, then pgbench (10 s each,
# one client, prepared statements) with airc's outcome statement as the
# scheduler sends it (two per transaction) and in its batched form (20 rows
# per statement). Prints pgbench's latency per transaction and the cost per
# outcome.
#
#   scripts/pg-test.sh bench/pg_outcome_batch.sh
set -euo pipefail
[ -n "${AIRC_TEST_PG:-}" ] || { echo "pg_outcome_batch: run it under scripts/pg-test.sh" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
U="$AIRC_TEST_PG"; DB="${U%/*}/airc_outcome_batch"
HP=${U#postgresql://postgres@}; HOST=${HP%:*}; PORT=${HP#*:}; PORT=${PORT%%/*}
PGOPTIONS="-c client_min_messages=warning" psql -q "$U" -c "DROP DATABASE IF EXISTS airc_outcome_batch" \
  -c "CREATE DATABASE airc_outcome_batch"
mkdir -m 700 "$W/home"
AIRC__DATABASE__URL=$DB AIRC_HOME="$W/home" "$ROOT/bin/airc" db init >/dev/null
psql -q "$DB" <<'SQL'
INSERT INTO dag(dag_id) VALUES('d');
INSERT INTO dag_version(hash, dag_id, json) VALUES('h', 'd', '{}');
INSERT INTO dag_run(id, dag_id, run_id, run_type, logical_date, data_interval_start, data_interval_end, state, dag_hash)
  VALUES(1, 'd', 'r', 'manual', 0, 0, 0, 'running', 'h');
INSERT INTO pool(name, slots) VALUES('default_pool', 1000000) ON CONFLICT DO NOTHING;
INSERT INTO task_instance(run_pk, dag_id, task_id, state, try_number, max_tries, updated_us, pool, pool_slots)
  SELECT 1, 'd', 't' || g, 'running', 1, 1, 0, 'default_pool', 1 FROM generate_series(1, 100000) g;
ANALYZE;
SQL
# the scheduler's outcome statement (store/store_sched.c), one task instance each
ONE="WITH ti AS (UPDATE task_instance SET state='success', end_us=5, start_us=coalesce(start_us, 4), duration=0.1,
 exit_code=0, pid=coalesce(7, pid), next_retry_us=NULL, note=NULL, updated_us=5, log_path=coalesce('/l', log_path)
 WHERE id=:id RETURNING id) INSERT INTO task_try(ti_id, try_number, state, start_us, end_us, exit_code, pid, log_path,
 note, hostname) VALUES(:id, 1, 'success', 4, 5, 0, 7, '/l', NULL, 'w0') ON CONFLICT(ti_id, try_number) DO UPDATE
 SET state=excluded.state;"
printf '\\set id random(1, 99999)\nBEGIN;\n%s\n%s\nCOMMIT;\n' "$ONE" "${ONE//:id/(:id+1)}" > "$W/one.sql"
# its batched form (OUTCOME_BATCH_SQL's shape), 20 task instances
cat > "$W/batch.sql" <<'SQL'
\set a random(1, 99980)
BEGIN;
WITH v AS (SELECT g AS ti_id FROM generate_series(:a, :a + 19) g),
 ti AS (UPDATE task_instance t SET state='success', end_us=5, start_us=coalesce(t.start_us, 4), duration=0.1,
 exit_code=0, pid=coalesce(7, t.pid), next_retry_us=NULL, note=NULL, updated_us=5, log_path=coalesce('/l', t.log_path)
 FROM v WHERE t.id=v.ti_id RETURNING t.id)
 INSERT INTO task_try(ti_id, try_number, state, start_us, end_us, exit_code, pid, log_path, note, hostname)
 SELECT ti_id, 1, 'success', 4, 5, 0, 7, '/l', NULL, 'w0' FROM v ON CONFLICT(ti_id, try_number) DO UPDATE
 SET state=excluded.state;
COMMIT;
SQL
lat() { pgbench -n -M prepared -h "$HOST" -p "$PORT" -U postgres -T 10 -c 1 -f "$1" airc_outcome_batch 2>/dev/null \
  | awk '/latency average/ {print $4}'; }
# every run starts from running task instances (each becomes `success`: the
# pool trigger fires) and no tries, vacuumed
fresh() { psql -q "$DB" -c "UPDATE task_instance SET state='running'" -c "DELETE FROM task_try" -c "VACUUM ANALYZE"; }
fresh; A=$(lat "$W/one.sql")
fresh; B=$(lat "$W/batch.sql")
awk -v a="$A" -v b="$B" 'BEGIN { printf "outcome, one per statement: %.3f ms per transaction of 2 = %.0f us each\n", a, a * 500;
  printf "outcome, 20 per statement: %.3f ms per transaction of 20 = %.0f us each (%.1fx less)\n", b, b * 50, (a * 500) / (b * 50) }'
psql -q "$U" -c "DROP DATABASE airc_outcome_batch"
