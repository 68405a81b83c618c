/* sqlite_migrations.c: the SQLite backend's schema, as a list of
 * migrations. Never edit a shipped one: add an entry and bump
 * SQLITE_SCHEMA_VERSION in sqlite_driver.h. */
#include "store/sqlite/sqlite_driver.h"
#include <stddef.h>

static const char *const azMigration[SQLITE_SCHEMA_VERSION] = {
    /* 0 -> 1: the core */
    "CREATE TABLE dag("
    "  dag_id TEXT PRIMARY KEY,"
    "  fileloc TEXT,"
    "  is_paused INTEGER NOT NULL DEFAULT 1,"
    "  is_active INTEGER NOT NULL DEFAULT 1,"
    "  description TEXT,"
    "  schedule TEXT,"
    "  tags TEXT NOT NULL DEFAULT '[]',"
    "  current_hash TEXT,"
    "  next_dagrun INTEGER,"              /* next logical date to create, seconds */
    "  last_parsed_us INTEGER,"
    "  created_us INTEGER"
    ");"
    "CREATE TABLE dag_version("
    "  hash TEXT PRIMARY KEY,"
    "  dag_id TEXT NOT NULL,"
    "  json TEXT NOT NULL,"
    "  created_us INTEGER"
    ");"
    "CREATE TABLE dag_run("
    "  id INTEGER PRIMARY KEY,"
    "  dag_id TEXT NOT NULL REFERENCES dag(dag_id) ON DELETE CASCADE,"
    "  run_id TEXT NOT NULL,"
    "  run_type TEXT NOT NULL,"           /* scheduled | manual | backfill */
    "  logical_date INTEGER NOT NULL,"
    "  data_interval_start INTEGER NOT NULL,"
    "  data_interval_end INTEGER NOT NULL,"
    "  conf TEXT NOT NULL DEFAULT '{}',"
    "  state TEXT NOT NULL,"              /* queued | running | success | failed */
    "  dag_hash TEXT NOT NULL REFERENCES dag_version(hash),"
    "  queued_us INTEGER, start_us INTEGER, end_us INTEGER,"
    "  is_test INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE(dag_id, run_id)"
    ");"
    "CREATE INDEX dag_run_by_date ON dag_run(dag_id, logical_date);"
    "CREATE INDEX dag_run_by_state ON dag_run(state, dag_id);"
    "CREATE TABLE task_instance("
    "  id INTEGER PRIMARY KEY,"
    "  run_pk INTEGER NOT NULL REFERENCES dag_run(id) ON DELETE CASCADE,"
    "  dag_id TEXT NOT NULL,"
    "  task_id TEXT NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'none',"
    "  try_number INTEGER NOT NULL DEFAULT 0,"
    "  max_tries INTEGER NOT NULL DEFAULT 0,"
    "  queued_us INTEGER, start_us INTEGER, end_us INTEGER, duration REAL,"
    "  pid INTEGER, exit_code INTEGER,"
    "  next_retry_us INTEGER,"
    "  log_path TEXT,"
    "  note TEXT,"
    "  updated_us INTEGER,"
    "  UNIQUE(run_pk, task_id)"
    ");"
    "CREATE INDEX ti_by_state ON task_instance(state, dag_id);"
    "CREATE TABLE task_try("
    "  ti_id INTEGER NOT NULL REFERENCES task_instance(id) ON DELETE CASCADE,"
    "  try_number INTEGER NOT NULL,"
    "  state TEXT NOT NULL,"
    "  start_us INTEGER, end_us INTEGER, exit_code INTEGER, pid INTEGER,"
    "  log_path TEXT, note TEXT,"
    "  PRIMARY KEY(ti_id, try_number)"
    ");"
    "CREATE TABLE xcom("
    "  ti_id INTEGER PRIMARY KEY REFERENCES task_instance(id) ON DELETE CASCADE,"
    "  try_number INTEGER NOT NULL,"
    "  value TEXT NOT NULL,"
    "  updated_us INTEGER"
    ");"
    "CREATE TABLE import_error("
    "  fileloc TEXT PRIMARY KEY,"
    "  message TEXT NOT NULL,"
    "  timestamp_us INTEGER NOT NULL"
    ");"
    "CREATE TABLE scheduler_state("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT"
    ");",
    /* 1 -> 2: users and sessions for the web server, indexes for its lists */
    "CREATE TABLE user("
    "  id INTEGER PRIMARY KEY,"
    "  username TEXT NOT NULL UNIQUE,"
    "  role TEXT NOT NULL CHECK(role IN ('admin','op','viewer')),"
    "  password_hash TEXT NOT NULL,"
    "  created_us INTEGER NOT NULL"
    ");"
    "CREATE TABLE web_session("
    "  token_hash TEXT PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,"
    "  csrf_token TEXT NOT NULL,"
    "  created_us INTEGER NOT NULL,"
    "  expires_us INTEGER NOT NULL"
    ");"
    "CREATE INDEX web_session_by_user ON web_session(user_id);"
    "CREATE INDEX web_session_by_expiry ON web_session(expires_us);"
    /* the web API's lists: filtered and ordered runs of one DAG */
    "CREATE INDEX dag_run_by_dag_state ON dag_run(dag_id, state, logical_date);"
    "CREATE INDEX dag_run_by_dag_start ON dag_run(dag_id, start_us);"
    "CREATE INDEX dag_run_by_dag_end ON dag_run(dag_id, end_us);",
    /* 2 -> 3: run counts per DAG and state, kept by triggers, so that a
     * paginated list's total_entries costs the same with 10,000 runs as
     * with 10 (count(*) would walk every run of the DAG) */
    "CREATE TABLE dag_run_count("
    "  dag_id TEXT NOT NULL,"
    "  state TEXT NOT NULL,"
    "  n INTEGER NOT NULL,"
    "  PRIMARY KEY(dag_id, state)"
    ") WITHOUT ROWID;"
    "INSERT INTO dag_run_count SELECT dag_id, state, count(*) FROM dag_run GROUP BY dag_id, state;"
    "CREATE TRIGGER dag_run_count_ins AFTER INSERT ON dag_run BEGIN"
    "  INSERT INTO dag_run_count VALUES(new.dag_id, new.state, 1)"
    "    ON CONFLICT(dag_id, state) DO UPDATE SET n=n+1;"
    " END;"
    "CREATE TRIGGER dag_run_count_del AFTER DELETE ON dag_run BEGIN"
    "  UPDATE dag_run_count SET n=n-1 WHERE dag_id=old.dag_id AND state=old.state;"
    " END;"
    "CREATE TRIGGER dag_run_count_upd AFTER UPDATE OF state ON dag_run WHEN old.state<>new.state BEGIN"
    "  UPDATE dag_run_count SET n=n-1 WHERE dag_id=old.dag_id AND state=old.state;"
    "  INSERT INTO dag_run_count VALUES(new.dag_id, new.state, 1)"
    "    ON CONFLICT(dag_id, state) DO UPDATE SET n=n+1;"
    " END;",
    /* 3 -> 4: the scheduler's tick planning asks for the latest scheduled
     * run of a DAG (store_sched_dag_run_counts): one index seek instead of
     * a walk over every run of the DAG (dag_run_by_date had to filter
     * run_type row by row, so a DAG with a long history cost more per
     * planning) */
    "CREATE INDEX dag_run_by_dag_type_date ON dag_run(dag_id, run_type, logical_date);",
    /* 4 -> 5: the distributed executor (docs/scaling.md). task_claim holds
     * a queued try's rendered launch request until a worker claims it, then
     * the claim's lease (worker, token, until) and, once the try ended, the
     * worker's result (written fenced by the token) until the scheduler
     * ingests it. task_log_chunk keeps the logs of tries that ran on other
     * hosts. scheduler_lease makes one scheduler of several the active one. */
    "ALTER TABLE task_instance ADD COLUMN hostname TEXT;"
    "ALTER TABLE task_try ADD COLUMN hostname TEXT;"
    "CREATE TABLE task_claim("
    "  ti_id INTEGER PRIMARY KEY REFERENCES task_instance(id) ON DELETE CASCADE,"
    "  try_number INTEGER NOT NULL,"
    "  queue TEXT NOT NULL,"
    "  request TEXT NOT NULL,"
    "  queued_us INTEGER NOT NULL,"
    "  worker TEXT,"
    "  lease_token TEXT,"
    "  lease_until_us INTEGER,"
    "  result TEXT"
    ");"
    "CREATE INDEX task_claim_free ON task_claim(queue, queued_us) WHERE worker IS NULL;"
    "CREATE INDEX task_claim_lease ON task_claim(lease_until_us) WHERE worker IS NOT NULL AND result IS NULL;"
    "CREATE TABLE task_log_chunk("
    "  ti_id INTEGER NOT NULL REFERENCES task_instance(id) ON DELETE CASCADE,"
    "  try_number INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  data TEXT NOT NULL,"
    "  PRIMARY KEY(ti_id, try_number, seq)"
    ");"
    "CREATE TABLE scheduler_lease("
    "  id INTEGER PRIMARY KEY CHECK(id=1),"
    "  holder TEXT NOT NULL,"
    "  token TEXT NOT NULL,"
    "  until_us INTEGER NOT NULL"
    ");",
    /* 5 -> 6: the audit trail (GET /api/v1/eventLogs): who did what, when
     * and from where; rows are never updated */
    "CREATE TABLE event_log("
    "  id INTEGER PRIMARY KEY,"
    "  when_us INTEGER NOT NULL,"
    "  event TEXT NOT NULL,"
    "  owner TEXT,"
    "  dag_id TEXT, run_id TEXT, task_id TEXT,"
    "  map_index INTEGER, try_number INTEGER, logical_date INTEGER,"
    "  extra TEXT"
    ");"
    "CREATE INDEX event_log_by_dag ON event_log(dag_id, id);"
    "CREATE INDEX event_log_by_when ON event_log(when_us);",
    /* 6 -> 7: control of live work (store_control.h): requests to stop a
     * running try (no foreign key: a request outlives the task instance a
     * run or DAG deletion removes, the scheduler still has to stop its
     * process), users' notes on runs and task instances (task_instance.note
     * stays the system's own, "marked failed", a failure reason), and
     * backfills with the runs they created */
    "CREATE TABLE ti_stop_request("
    "  id INTEGER PRIMARY KEY,"
    "  ti_id INTEGER NOT NULL,"
    "  try_number INTEGER NOT NULL,"
    "  pid INTEGER,"
    "  requested_us INTEGER NOT NULL"
    ");"
    "ALTER TABLE dag_run ADD COLUMN note TEXT;"
    "ALTER TABLE task_instance ADD COLUMN user_note TEXT;"
    "CREATE TABLE backfill("
    "  id INTEGER PRIMARY KEY,"
    "  dag_id TEXT NOT NULL,"
    "  from_date INTEGER NOT NULL,"
    "  to_date INTEGER NOT NULL,"
    "  reprocess_behavior TEXT NOT NULL,"
    "  max_active_runs INTEGER NOT NULL,"
    "  dag_run_conf TEXT NOT NULL DEFAULT '{}',"
    "  is_paused INTEGER NOT NULL DEFAULT 0,"
    "  created_us INTEGER NOT NULL,"
    "  updated_us INTEGER NOT NULL,"
    "  canceled_us INTEGER"
    ");"
    "CREATE INDEX backfill_by_dag ON backfill(dag_id);"
    "ALTER TABLE dag_run ADD COLUMN backfill_id INTEGER;"
    "CREATE INDEX dag_run_by_backfill ON dag_run(backfill_id, state);",
    /* 7 -> 8: connections and variables (store/store_secret.h). Passwords
     * and secret variable values are kept sealed (common/seal.h): the
     * columns hold "v1:..." text, never the plaintext */
    "CREATE TABLE connection("
    "  conn_id TEXT PRIMARY KEY,"
    "  conn_type TEXT NOT NULL DEFAULT '',"
    "  description TEXT,"
    "  host TEXT, schema TEXT, login TEXT,"
    "  password_sealed TEXT,"
    "  port INTEGER,"
    "  extra TEXT NOT NULL DEFAULT '{}'"
    ");"
    "CREATE TABLE variable("
    "  key TEXT PRIMARY KEY,"
    "  val TEXT NOT NULL,"
    "  is_secret INTEGER NOT NULL DEFAULT 0,"
    "  description TEXT"
    ");",
    /* 8 -> 9: API tokens (store/store_user.h): short-lived bearer tokens
     * from POST /auth/token (kind 'access') and named personal tokens for
     * scripts (kind 'personal'). Only a BLAKE2b hash of the secret is kept;
     * deleting a user deletes its tokens */
    "CREATE TABLE api_token("
    "  id INTEGER PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL CHECK(kind IN ('access','personal')),"
    "  name TEXT,"
    "  token_hash TEXT NOT NULL,"
    "  created_us INTEGER NOT NULL,"
    "  expires_us INTEGER"
    ");"
    "CREATE UNIQUE INDEX api_token_by_name ON api_token(user_id, name);"
    "CREATE INDEX api_token_by_expiry ON api_token(expires_us);",
    /* 9 -> 10: datasets (store/store_dataset.h), as Airflow's: a dataset per
     * URI; which DAGs consume it (their schedule) and which tasks produce it
     * (their outlets), kind 'consumer' (task_id '') or 'producer'; the
     * events of successful producing tasks; the queue of events a consuming
     * DAG has not run for yet (a run takes them all when every dataset it
     * consumes has one); and which events each dataset-triggered run took */
    "CREATE TABLE dataset("
    "  id INTEGER PRIMARY KEY,"
    "  uri TEXT NOT NULL UNIQUE,"
    "  extra TEXT NOT NULL DEFAULT '{}',"
    "  created_us INTEGER NOT NULL,"
    "  updated_us INTEGER NOT NULL"
    ");"
    "CREATE TABLE dataset_ref("
    "  dataset_id INTEGER NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,"
    "  dag_id TEXT NOT NULL,"
    "  task_id TEXT NOT NULL DEFAULT '',"
    "  kind TEXT NOT NULL CHECK(kind IN ('consumer','producer')),"
    "  created_us INTEGER NOT NULL,"
    "  updated_us INTEGER NOT NULL,"
    "  PRIMARY KEY(dataset_id, dag_id, task_id, kind)"
    ");"
    "CREATE INDEX dataset_ref_by_dag ON dataset_ref(dag_id, kind);"
    "CREATE TABLE dataset_event("
    "  id INTEGER PRIMARY KEY,"
    "  dataset_id INTEGER NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,"
    "  extra TEXT NOT NULL DEFAULT '{}',"
    "  source_dag_id TEXT, source_task_id TEXT, source_run_id TEXT,"
    "  source_map_index INTEGER NOT NULL DEFAULT -1,"
    "  timestamp_us INTEGER NOT NULL"
    ");"
    "CREATE INDEX dataset_event_by_dataset ON dataset_event(dataset_id, timestamp_us);"
    "CREATE TABLE dataset_dag_run_queue("
    "  dataset_id INTEGER NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,"
    "  target_dag_id TEXT NOT NULL,"
    "  created_us INTEGER NOT NULL,"
    "  PRIMARY KEY(dataset_id, target_dag_id)"
    ");"
    "CREATE TABLE dagrun_dataset_event("
    "  run_pk INTEGER NOT NULL REFERENCES dag_run(id) ON DELETE CASCADE,"
    "  event_id INTEGER NOT NULL REFERENCES dataset_event(id) ON DELETE CASCADE,"
    "  PRIMARY KEY(run_pk, event_id)"
    ");"
    "CREATE INDEX dagrun_dataset_event_by_event ON dagrun_dataset_event(event_id);",
    /* 10 -> 11: dynamic task mapping (docs/authoring.md): a task instance
     * is (run, task, map_index), -1 for an unmapped task as in Airflow.
     * SQLite cannot change a table's UNIQUE constraint in place, so the
     * table is rebuilt the documented way (sqlite.org/lang_altertable.html,
     * "other kinds of table schema changes"): with foreign keys off, or
     * dropping the old table would cascade to task_try, xcom, task_claim
     * and task_log_chunk. PRAGMA foreign_keys is a no-op inside a
     * transaction, so this step ends the migration's transaction, does its
     * work in one of its own (with the new user_version, so that it runs
     * once) and opens another for the caller to commit. */
    "COMMIT;"
    "PRAGMA foreign_keys=OFF;"
    "BEGIN IMMEDIATE;"
    "CREATE TABLE task_instance_v11("
    "  id INTEGER PRIMARY KEY,"
    "  run_pk INTEGER NOT NULL REFERENCES dag_run(id) ON DELETE CASCADE,"
    "  dag_id TEXT NOT NULL,"
    "  task_id TEXT NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'none',"
    "  try_number INTEGER NOT NULL DEFAULT 0,"
    "  max_tries INTEGER NOT NULL DEFAULT 0,"
    "  queued_us INTEGER, start_us INTEGER, end_us INTEGER, duration REAL,"
    "  pid INTEGER, exit_code INTEGER,"
    "  next_retry_us INTEGER,"
    "  log_path TEXT,"
    "  note TEXT,"
    "  updated_us INTEGER,"
    "  hostname TEXT,"
    "  user_note TEXT,"
    "  map_index INTEGER NOT NULL DEFAULT -1,"
    "  UNIQUE(run_pk, task_id, map_index)"
    ");"
    "INSERT INTO task_instance_v11(id, run_pk, dag_id, task_id, state, try_number, max_tries, queued_us, start_us,"
    "  end_us, duration, pid, exit_code, next_retry_us, log_path, note, updated_us, hostname, user_note)"
    " SELECT id, run_pk, dag_id, task_id, state, try_number, max_tries, queued_us, start_us,"
    "  end_us, duration, pid, exit_code, next_retry_us, log_path, note, updated_us, hostname, user_note"
    " FROM task_instance;"
    "DROP TABLE task_instance;"
    "ALTER TABLE task_instance_v11 RENAME TO task_instance;"
    "CREATE INDEX ti_by_state ON task_instance(state, dag_id);"
    "CREATE INDEX ti_by_task ON task_instance(dag_id, task_id, state);"
    "PRAGMA user_version=11;" /* = this entry's version: change it with the entry if it moves */
    "COMMIT;"
    "PRAGMA foreign_keys=ON;"
    "BEGIN IMMEDIATE;",
    /* 11 -> 12: pools (store/store_pool.h) and notifications
     * (store/store_notify.h). A task instance records the pool and slots it
     * took when it was queued; the partial index makes "slots in use" a
     * walk over the pool's queued and running tries only. notification is
     * the outbox: the scheduler writes a row in the transaction that
     * records the event, a delivery process sends it (retries, backoff);
     * lease_until_us keeps two deliverers off the same row. A run's
     * deadline_us comes from its DAG's `deadline`; deadline_missed_us
     * records that on_deadline_miss fired (once) */
    "CREATE TABLE pool("
    "  name TEXT PRIMARY KEY,"
    "  slots INTEGER NOT NULL,"
    "  description TEXT,"
    "  include_deferred INTEGER NOT NULL DEFAULT 0"
    ");"
    "ALTER TABLE task_instance ADD COLUMN pool TEXT;"
    "ALTER TABLE task_instance ADD COLUMN pool_slots INTEGER;"
    "CREATE INDEX ti_pool_active ON task_instance(pool) WHERE state IN ('queued','running');"
    /* slots in use per pool, kept by triggers: the check that queues a try
     * reads one row, however many tries of the pool are running */
    "CREATE TABLE pool_usage("
    "  pool TEXT PRIMARY KEY,"
    "  used INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TRIGGER ti_pool_usage_ins AFTER INSERT ON task_instance"
    "  WHEN new.pool IS NOT NULL AND new.state IN ('queued','running') BEGIN"
    "  INSERT INTO pool_usage VALUES(new.pool, coalesce(new.pool_slots, 1))"
    "    ON CONFLICT(pool) DO UPDATE SET used=used+excluded.used;"
    " END;"
    "CREATE TRIGGER ti_pool_usage_del AFTER DELETE ON task_instance"
    "  WHEN old.pool IS NOT NULL AND old.state IN ('queued','running') BEGIN"
    "  UPDATE pool_usage SET used=used-coalesce(old.pool_slots, 1) WHERE pool=old.pool;"
    " END;"
    "CREATE TRIGGER ti_pool_usage_upd AFTER UPDATE OF state, pool, pool_slots ON task_instance"
    "  WHEN (old.state IN ('queued','running')) <> (new.state IN ('queued','running'))"
    "    OR old.pool IS NOT new.pool OR old.pool_slots IS NOT new.pool_slots BEGIN"
    "  UPDATE pool_usage SET used=used-coalesce(old.pool_slots, 1)"
    "    WHERE pool=old.pool AND old.state IN ('queued','running');"
    "  INSERT INTO pool_usage SELECT new.pool, coalesce(new.pool_slots, 1)"
    "    WHERE new.pool IS NOT NULL AND new.state IN ('queued','running')"
    "    ON CONFLICT(pool) DO UPDATE SET used=used+excluded.used;"
    " END;"
    "ALTER TABLE dag_run ADD COLUMN deadline_us INTEGER;"
    "ALTER TABLE dag_run ADD COLUMN deadline_missed_us INTEGER;"
    "CREATE INDEX dag_run_deadline ON dag_run(deadline_us) WHERE deadline_us IS NOT NULL AND deadline_missed_us IS NULL;"
    "CREATE TABLE notification("
    "  id INTEGER PRIMARY KEY,"
    "  created_us INTEGER NOT NULL,"
    "  event TEXT NOT NULL,"
    "  dag_id TEXT, run_id TEXT, task_id TEXT, try_number INTEGER,"
    "  target TEXT NOT NULL,"
    "  payload TEXT NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'pending',"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_us INTEGER NOT NULL,"
    "  lease_until_us INTEGER,"
    "  last_error TEXT,"
    "  sent_us INTEGER"
    ");"
    "CREATE INDEX notification_due ON notification(next_attempt_us) WHERE state='pending';"
    "CREATE INDEX notification_by_dag ON notification(dag_id, id);",
    /* 12 -> 13: the distributed executor's claims found by index. A worker
     * takes the oldest free claim in (queued_us, ti_id) order: with ti_id in
     * the index the scan stops at the first free rows it can lock, where it
     * read and sorted every free claim of the queue (a fan-out of 1000 tasks
     * queued in one wake share one queued_us: 1000 rows sorted per claim).
     * The scheduler takes the claims with a result through task_claim_done
     * (and the expired ones through task_claim_lease), not by a scan of every
     * claim in flight. A claim keeps the log path its result came with:
     * the scheduler's outcome writes it to the task instance (one update
     * of the task instance fewer per try, store_work_finish_log). */
    "ALTER TABLE task_claim ADD COLUMN log_path TEXT;"
    "DROP INDEX task_claim_free;"
    "CREATE INDEX task_claim_free ON task_claim(queue, queued_us, ti_id) WHERE worker IS NULL;"
    "CREATE INDEX task_claim_done ON task_claim(ti_id) WHERE result IS NOT NULL;",
    /* 13 -> 14: a claim says which task instance its worker queued and
     * started itself when the try succeeded (store_work_finish_continue,
     * docs/scaling.md "A worker continues a chain"): the scheduler takes
     * that with the result. */
    "ALTER TABLE task_claim ADD COLUMN continued_ti INTEGER;",
    /* 14 -> 15: two indexes of task_instance fewer. Every state change of a
     * task instance updated both (ti_by_task holds the state; the partial
     * ti_pool_active is rewritten when the state its WHERE names changes),
     * and on SQLite a commit writes each page it dirtied to the WAL: a
     * chain's task paid 13 WAL frames in its two commits, 9 without these
     * two (bench/store_frames.py). What they served, ti_by_state
     * (state, dag_id) serves: max_active_tis_per_dag counts a task's
     * queued and running tries (state IN (...) AND dag_id=?, then the task
     * id on those few rows), the pool lists read the queued and running
     * rows by state; deleting a DAG goes through its runs (store_control.c). */
    "DROP INDEX ti_by_task;"
    "DROP INDEX ti_pool_active;",
};

const char *sqlite_migration(int i) {
  return i >= 0 && i < SQLITE_SCHEMA_VERSION ? azMigration[i] : NULL;
}
