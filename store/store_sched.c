/* store_sched.c: the scheduler loop's typed calls (store_sched.h).
 *
 * Written once against store_int.h. Each call prepares its statement from
 * a literal (cached by the driver: prepared once per connection), binds,
 * steps and always ends with store_stmt_done(); nothing is allocated per
 * call. Not for policy: which state follows which is decided in
 * scheduler/, this file only keeps the facts. */
#include "store/store_sched.h"
#include "store/store_int.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Walk end: STORE_ERROR -> pErr->rc prefixed with zWhat. */
static airc_rc sched_walk_end(store_stmt *st, int r, const char *zWhat, airc_err *pErr) {
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "%s", zWhat);
    return pErr->rc;
  }
  return AIRC_OK;
}

/* ---- DAGs and ticks ---- */

airc_rc store_sched_dag_each_scheduled(store *p, store_sched_dag_fn xRow, void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "SELECT dag_id, current_hash FROM dag WHERE is_active=1 AND is_paused=0"
      " AND schedule IS NOT NULL AND schedule NOT IN ('none','')", pErr);
  if(!st) return pErr->rc;
  int r;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
    store_sched_dag_row row = {store_col_str(st, 0), store_col_str(st, 1)};
    if(xRow(pCtx, &row)) break;
  }
  return sched_walk_end(st, r, "list scheduled DAGs", pErr);
}

airc_rc store_sched_dag_get_scheduled(store *p, const char *zDagId, store_sched_dag_fn xRow, void *pCtx,
                                      airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "SELECT dag_id, current_hash FROM dag WHERE dag_id=? AND is_active=1 AND is_paused=0"
      " AND schedule IS NOT NULL AND schedule NOT IN ('none','')", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) {
    store_sched_dag_row row = {store_col_str(st, 0), store_col_str(st, 1)};
    xRow(pCtx, &row);
  }
  return sched_walk_end(st, r, "read scheduled DAG", pErr);
}

airc_rc store_sched_dag_run_counts(store *p, const char *zDagId, int64_t *pLastScheduled, int *pnActive,
                                   airc_err *pErr) {
  *pLastScheduled = -1;
  *pnActive = 0;
  store_stmt *st = store_stmt_prepare(p,
      "SELECT max(logical_date) FROM dag_run WHERE dag_id=? AND run_type='scheduled'", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW && !store_col_is_null(st, 0)) *pLastScheduled = store_col_int64(st, 0);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "last scheduled run of DAG '%s'", zDagId);
    return pErr->rc;
  }
  st = store_stmt_prepare(p,
      "SELECT count(*) FROM dag_run WHERE dag_id=? AND state IN ('queued','running') AND is_test=0", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) *pnActive = store_col_int(st, 0);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "active runs of DAG '%s'", zDagId);
    return pErr->rc;
  }
  return AIRC_OK;
}

airc_rc store_sched_dag_set_next_dagrun(store *p, const char *zDagId, int64_t next, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "UPDATE dag SET next_dagrun=?1 WHERE dag_id=?2 AND coalesce(next_dagrun,-1)<>?1", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, next);
  store_bind_text(st, 2, zDagId);
  return store_stmt_run(st, "set next run date", pErr);
}

/* ---- runs ---- */

airc_rc store_sched_run_each_active(store *p, int64_t onlyRunPk, store_sched_run_fn xRow, void *pCtx,
                                    airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "SELECT r.id, r.dag_id, r.run_id, r.state, r.dag_hash, coalesce(d.is_paused, 0), r.logical_date"
      " FROM dag_run r LEFT JOIN dag d ON d.dag_id=r.dag_id"
      " WHERE r.state IN ('queued','running') AND (?1 > 0 AND r.id=?1 OR ?1 = 0 AND r.is_test=0)"
      " ORDER BY r.logical_date, r.id", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, onlyRunPk);
  int r;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
    store_sched_run_row row = {store_col_int64(st, 0), store_col_str(st, 1), store_col_str(st, 2),
                               store_col_str(st, 3), store_col_str(st, 4), store_col_int(st, 5) != 0,
                               store_col_int64(st, 6)};
    if(xRow(pCtx, &row)) break;
  }
  return sched_walk_end(st, r, "list active runs", pErr);
}

airc_rc store_sched_run_get_active(store *p, int64_t runPk, store_sched_run_fn xRow, void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "SELECT r.id, r.dag_id, r.run_id, r.state, r.dag_hash, coalesce(d.is_paused, 0), r.logical_date"
      " FROM dag_run r LEFT JOIN dag d ON d.dag_id=r.dag_id"
      " WHERE r.id=? AND r.state IN ('queued','running') AND r.is_test=0", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, runPk);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) {
    store_sched_run_row row = {store_col_int64(st, 0), store_col_str(st, 1), store_col_str(st, 2),
                               store_col_str(st, 3), store_col_str(st, 4), store_col_int(st, 5) != 0,
                               store_col_int64(st, 6)};
    xRow(pCtx, &row);
  }
  return sched_walk_end(st, r, "read active run", pErr);
}

airc_rc store_sched_run_each_queued(store *p, store_sched_run_fn xRow, void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "SELECT r.id, r.dag_id, r.run_id, r.state, r.dag_hash, coalesce(d.is_paused, 0), r.logical_date"
      " FROM dag_run r LEFT JOIN dag d ON d.dag_id=r.dag_id"
      " WHERE r.state='queued' AND r.is_test=0 ORDER BY r.logical_date, r.id", pErr);
  if(!st) return pErr->rc;
  int r;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
    store_sched_run_row row = {store_col_int64(st, 0), store_col_str(st, 1), store_col_str(st, 2),
                               store_col_str(st, 3), store_col_str(st, 4), store_col_int(st, 5) != 0,
                               store_col_int64(st, 6)};
    if(xRow(pCtx, &row)) break;
  }
  return sched_walk_end(st, r, "list queued runs", pErr);
}

airc_rc store_sched_dag_running_runs(store *p, const char *zDagId, int *pn, airc_err *pErr) {
  *pn = 0;
  store_stmt *st = store_stmt_prepare(p,
      "SELECT count(*) FROM dag_run WHERE dag_id=? AND state='running' AND is_test=0", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) *pn = store_col_int(st, 0);
  return sched_walk_end(st, r, "count running runs", pErr);
}

airc_rc store_sched_run_set_state(store *p, int64_t runPk, const char *zState, int bEnd, int64_t nowUs,
                                  airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "UPDATE dag_run SET state=?1, start_us=CASE WHEN ?1='running' THEN coalesce(start_us, ?2) ELSE start_us END,"
      " end_us=CASE WHEN ?3<>0 THEN ?2 ELSE NULL END WHERE id=?4", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zState);
  store_bind_int64(st, 2, nowUs);
  store_bind_int64(st, 3, bEnd ? 1 : 0);
  store_bind_int64(st, 4, runPk);
  return store_stmt_run(st, "update run state", pErr);
}

/* ---- task instances ---- */

airc_rc store_sched_ti_each_of_run(store *p, int64_t runPk, store_sched_ti_fn xRow, void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "SELECT id, task_id, state, next_retry_us, map_index FROM task_instance WHERE run_pk=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, runPk);
  int r;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
    store_sched_ti_row row = {store_col_int64(st, 0), store_col_str(st, 1), store_col_str(st, 2),
                              store_col_int64(st, 3), store_col_int(st, 4)};
    if(xRow(pCtx, &row)) break;
  }
  return sched_walk_end(st, r, "read task states", pErr);
}

airc_rc store_sched_ti_each_dag_load(store *p, store_sched_load_fn xLoad, void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "SELECT ti.dag_id, count(*) FROM task_instance ti WHERE ti.state IN ('queued','running') GROUP BY ti.dag_id",
      pErr);
  if(!st) return pErr->rc;
  int r;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW)
    if(xLoad(pCtx, store_col_str(st, 0), store_col_int(st, 1))) break;
  return sched_walk_end(st, r, "count active tasks", pErr);
}

airc_rc store_sched_ti_set_state(store *p, int64_t tiId, const char *zState, int64_t nowUs, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "UPDATE task_instance SET state=?, updated_us=? WHERE id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zState);
  store_bind_int64(st, 2, nowUs);
  store_bind_int64(st, 3, tiId);
  /* a wake that holds back a fan-out's tries for a pool slot marks
   * hundreds `scheduled` one after another: one statement on PostgreSQL */
  return store_stmt_run_batched(st,
      "UPDATE task_instance t SET state=v.state, updated_us=v.now_us"
      " FROM unnest(?1::text[], ?2::bigint[], ?3::bigint[]) AS v(state, now_us, id) WHERE t.id=v.id",
      3, "update task state", pErr);
}

airc_rc store_sched_ti_hold(store *p, int64_t tiId, const char *zFrom, int64_t nowUs, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "UPDATE task_instance SET state='scheduled', updated_us=?2 WHERE id=?1 AND state=?3", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, tiId);
  store_bind_int64(st, 2, nowUs);
  store_bind_text(st, 3, zFrom);
  return store_stmt_run_batched(st,
      "UPDATE task_instance t SET state='scheduled', updated_us=v.now_us"
      " FROM unnest(?1::bigint[], ?2::bigint[], ?3::text[]) AS v(id, now_us, from_state)"
      " WHERE t.id=v.id AND t.state=v.from_state",
      1, "hold task", pErr);
}

airc_rc store_sched_ti_queue(store *p, int64_t tiId, const char *zFrom, int64_t nowUs, airc_err *pErr) {
  /* a sensor's next poke (up_for_reschedule) continues its try: same try
   * number, same start time (its timeout counts from there) */
  store_stmt *st = store_stmt_prepare(p,
      "UPDATE task_instance SET try_number=try_number+CASE WHEN state='up_for_reschedule' THEN 0 ELSE 1 END,"
      " start_us=CASE WHEN state='up_for_reschedule' THEN start_us ELSE NULL END,"
      " state='queued', queued_us=?1, pid=NULL,"
      " exit_code=NULL, end_us=NULL, duration=NULL, next_retry_us=NULL, note=NULL,"
      " updated_us=?1 WHERE id=?2 AND state IN ('scheduled','up_for_reschedule',?3)", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, nowUs);
  store_bind_int64(st, 2, tiId);
  store_bind_text(st, 3, zFrom); /* NULL matches nothing */
  return store_stmt_run(st, "queue task", pErr);
}

airc_rc store_sched_ti_continue(store *p, int64_t upTiId, int upTry, int64_t tiId, int tryNumber, int pid,
                                const char *zLogPath, int64_t nowUs, int *pbDone, airc_err *pErr) {
  *pbDone = 0;
  store_stmt *st = store_stmt_prepare(p,
      "UPDATE task_instance SET try_number=?4, start_us=NULL, state='queued', queued_us=?7, pid=?5, log_path=?6,"
      " exit_code=NULL, end_us=NULL, duration=NULL, next_retry_us=NULL, note=NULL, updated_us=?7"
      " WHERE id=?3 AND try_number=?4-1 AND state IN ('none','scheduled')"
      " AND EXISTS(SELECT 1 FROM task_instance n WHERE n.id=?1 AND n.try_number=?2 AND n.state IN ('queued','running')"
      " AND n.run_pk=task_instance.run_pk)"
      " AND EXISTS(SELECT 1 FROM dag_run r WHERE r.id=task_instance.run_pk AND r.state='running'"
      " AND NOT EXISTS(SELECT 1 FROM dag d WHERE d.dag_id=r.dag_id AND d.is_paused<>0))", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, upTiId);
  store_bind_int64(st, 2, upTry);
  store_bind_int64(st, 3, tiId);
  store_bind_int64(st, 4, tryNumber);
  store_bind_int64(st, 5, pid);
  store_bind_text(st, 6, zLogPath);
  store_bind_int64(st, 7, nowUs);
  airc_rc rc = store_stmt_run(st, "continue the chain", pErr);
  if(!rc) *pbDone = store_changes(p) == 1;
  return rc;
}

airc_rc store_sched_ti_set_running(store *p, int64_t tiId, int pid, int64_t startUs, const char *zLogPath,
                                   airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "UPDATE task_instance SET state='running', pid=?1, start_us=?2, log_path=?3, updated_us=?2"
      " WHERE id=?4 AND state='queued'", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, pid);
  store_bind_int64(st, 2, startUs);
  store_bind_text(st, 3, zLogPath);
  store_bind_int64(st, 4, tiId);
  return store_stmt_run(st, "mark running", pErr);
}

void store_sched_launch_read(store_stmt *st, int64_t tiId, store_sched_launch_fn xRow, void *pCtx) {
  store_sched_launch_row row = {tiId, store_col_int64(st, 9), store_col_str(st, 0), store_col_int(st, 1),
                                store_col_str(st, 2), store_col_str(st, 3), store_col_str(st, 4),
                                store_col_int64(st, 5), store_col_int64(st, 6), store_col_int64(st, 7),
                                store_col_str(st, 8), store_col_int(st, 10), store_col_int64(st, 11)};
  xRow(pCtx, &row);
}

airc_rc store_sched_ti_get_launch(store *p, int64_t tiId, store_sched_launch_fn xRow, void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "SELECT " STORE_SCHED_LAUNCH_COLUMNS " FROM task_instance ti JOIN dag_run r ON r.id=ti.run_pk WHERE ti.id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, tiId);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) store_sched_launch_read(st, tiId, xRow, pCtx);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "read task instance %lld", (long long)tiId);
    return pErr->rc;
  }
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "task instance %lld vanished", (long long)tiId);
  return AIRC_OK;
}

airc_rc store_sched_xcom_each_of_run(store *p, int64_t runPk, store_sched_xcom_fn xXcom, void *pCtx,
                                     airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "SELECT ti.task_id, x.value, ti.map_index FROM xcom x JOIN task_instance ti ON ti.id=x.ti_id WHERE ti.run_pk=?"
      " ORDER BY ti.task_id, ti.map_index", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, runPk);
  int r;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW)
    if(xXcom(pCtx, store_col_str(st, 0), store_col_int(st, 2), store_col_str(st, 1))) break;
  return sched_walk_end(st, r, "read XCom values", pErr);
}

/* ---- outcomes of tries ---- */

void store_sched_ti_current_read(store_stmt *st, int i0, store_sched_ti_current *pOut) {
  snprintf(pOut->zState, sizeof(pOut->zState), "%s", store_col_str(st, i0));
  pOut->tryNumber = store_col_int(st, i0 + 1);
  pOut->maxTries = store_col_int(st, i0 + 2);
  snprintf(pOut->zTaskId, sizeof(pOut->zTaskId), "%s", store_col_str(st, i0 + 3));
  snprintf(pOut->zDagHash, sizeof(pOut->zDagHash), "%s", store_col_str(st, i0 + 4));
  pOut->runPk = store_col_int64(st, i0 + 5);
  pOut->startUs = store_col_int64(st, i0 + 6);
  snprintf(pOut->zLogPath, sizeof(pOut->zLogPath), "%s", store_col_str(st, i0 + 7));
  snprintf(pOut->zDagId, sizeof(pOut->zDagId), "%s", store_col_str(st, i0 + 8));
  snprintf(pOut->zRunId, sizeof(pOut->zRunId), "%s", store_col_str(st, i0 + 9));
  pOut->mapIndex = store_col_int(st, i0 + 10);
}

airc_rc store_sched_ti_get_current(store *p, int64_t tiId, store_sched_ti_current *pOut, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "SELECT ti.state, ti.try_number, ti.max_tries, ti.task_id, r.dag_hash, ti.run_pk,"
      " ti.start_us, ti.log_path, r.dag_id, r.run_id, ti.map_index"
      " FROM task_instance ti JOIN dag_run r ON r.id=ti.run_pk WHERE ti.id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, tiId);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) store_sched_ti_current_read(st, 0, pOut);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "read task instance %lld", (long long)tiId);
    return pErr->rc;
  }
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no task instance %lld", (long long)tiId);
  return AIRC_OK;
}

/* An outcome's two writes, with numbered parameters (outcome_bind): the
 * task instance's, and the try's record, replacing an earlier one of the
 * same try */
#define OUTCOME_TI_SQL                                                                                        \
  "UPDATE task_instance SET state=?1, end_us=?2, start_us=coalesce(start_us, ?3), duration=?4,"                \
  " exit_code=?5, pid=coalesce(?6, pid), next_retry_us=?7, note=?8, updated_us=?9,"                         \
  " log_path=coalesce(?13, log_path), hostname=coalesce(?14, hostname) WHERE id=?10"
#define OUTCOME_TRY_SQL                                                                                       \
  "INSERT INTO task_try(ti_id, try_number, state, start_us, end_us, exit_code, pid, log_path, note, hostname)" \
  " VALUES(?10, ?11, ?12, ?3, ?2, ?5, ?6, ?13, ?8, ?14)"                                                       \
  " ON CONFLICT(ti_id, try_number) DO UPDATE SET state=excluded.state, start_us=excluded.start_us,"            \
  " end_us=excluded.end_us, exit_code=excluded.exit_code, pid=excluded.pid,"                                   \
  " log_path=excluded.log_path, note=excluded.note,"                                                           \
  " hostname=coalesce(excluded.hostname, task_try.hostname)"

/* The same two writes for many outcomes at once (PostgreSQL): parameter i
 * is the array of the outcomes' parameter i (store_stmt_run_batched). */
#define OUTCOME_BATCH_SQL                                                                                     \
  "WITH v AS (SELECT * FROM unnest(?1::text[], ?2::bigint[], ?3::bigint[], ?4::float8[], ?5::bigint[],"          \
  " ?6::bigint[], ?7::bigint[], ?8::text[], ?9::bigint[], ?10::bigint[], ?11::bigint[], ?12::text[],"           \
  " ?13::text[], ?14::text[]) AS v(ti_state, end_us, start_us, duration, exit_code, pid, next_retry_us, note,"  \
  " now_us, ti_id, try_number, try_state, log_path, hostname)),"                                                \
  " ti AS (UPDATE task_instance t SET state=v.ti_state, end_us=v.end_us, start_us=coalesce(t.start_us, v.start_us),"\
  " duration=v.duration, exit_code=v.exit_code, pid=coalesce(v.pid, t.pid), next_retry_us=v.next_retry_us,"    \
  " note=v.note, updated_us=v.now_us, log_path=coalesce(v.log_path, t.log_path),"                              \
  " hostname=coalesce(v.hostname, t.hostname) FROM v WHERE t.id=v.ti_id"                                        \
  " RETURNING t.id)"                                                                                            \
  " INSERT INTO task_try(ti_id, try_number, state, start_us, end_us, exit_code, pid, log_path, note, hostname)" \
  " SELECT ti_id, try_number, try_state, start_us, end_us, exit_code, pid, log_path, note, hostname FROM v"     \
  " ON CONFLICT(ti_id, try_number) DO UPDATE SET state=excluded.state, start_us=excluded.start_us,"            \
  " end_us=excluded.end_us, exit_code=excluded.exit_code, pid=excluded.pid,"                                   \
  " log_path=excluded.log_path, note=excluded.note,"                                                           \
  " hostname=coalesce(excluded.hostname, task_try.hostname)"

/* Binds ?1..?10 and ?13 (the task instance's values: a try that ran on a
 * worker has its log path recorded here, with its outcome), and ?11, ?12
 * and ?14 (the try's own) when bTry. ?14, the host, also fills the task
 * instance's hostname when nothing did before (a try handed to a worker
 * that ended before the worker recorded it started: store_work_adopt);
 * unbound (NULL) it changes nothing. */
static void outcome_bind(store_stmt *st, const store_sched_outcome *pO, const char *zNote, int bTry) {
  store_bind_text(st, 1, pO->zTiState);
  store_bind_int64(st, 2, pO->endUs);
  store_bind_int64(st, 3, pO->startUs);
  store_bind_double(st, 4, (double)(pO->endUs - pO->startUs) / 1e6);
  if(pO->exitCode >= 0) store_bind_int64(st, 5, pO->exitCode);
  else store_bind_null(st, 5);
  if(pO->pid > 0) store_bind_int64(st, 6, pO->pid);
  else store_bind_null(st, 6);
  if(pO->nextRetryUs) store_bind_int64(st, 7, pO->nextRetryUs);
  else store_bind_null(st, 7);
  store_bind_text(st, 8, zNote);
  store_bind_int64(st, 9, pO->nowUs);
  store_bind_int64(st, 10, pO->tiId);
  store_bind_text(st, 13, pO->zLogPath);
  if(!bTry) return;
  store_bind_int64(st, 11, pO->tryNumber);
  store_bind_text(st, 12, pO->zTryState);
  store_bind_text(st, 14, pO->zHostname);
}

airc_rc store_sched_outcome_record(store *p, const store_sched_outcome *pO, airc_err *pErr) {
  const char *zNote = pO->zNote && *pO->zNote ? pO->zNote : NULL;
  if(p->pDrv->eDialect == STORE_DIALECT_PG) {
    /* dialect: pg -- both writes in one statement (a data-modifying WITH
     * runs to completion whether or not the outer statement reads it): one
     * round trip on the path from a worker's result to the next task */
    store_stmt *st = store_stmt_prepare(p, "WITH ti AS (" OUTCOME_TI_SQL " RETURNING id) " OUTCOME_TRY_SQL, pErr);
    if(!st) return pErr->rc;
    outcome_bind(st, pO, zNote, 1);
    /* nothing to read back: it travels with the transaction's next
     * statement, and the outcomes of a wake that follow one another (a
     * fan-out's results) travel as one (store_stmt_run_batched; keyed by
     * the task instance, ?10) */
    return store_stmt_run_batched(st, OUTCOME_BATCH_SQL, 10, "record outcome and try", pErr);
  }
  store_stmt *st = store_stmt_prepare(p, OUTCOME_TI_SQL, pErr);
  if(!st) return pErr->rc;
  outcome_bind(st, pO, zNote, 0);
  airc_rc rc = store_stmt_run(st, "record outcome", pErr);
  if(rc) return rc;
  st = store_stmt_prepare(p, OUTCOME_TRY_SQL, pErr);
  if(!st) return pErr->rc;
  outcome_bind(st, pO, zNote, 1); /* ?1, ?4, ?7 and ?9 go unused: harmless */
  return store_stmt_run(st, "record try", pErr);
}

airc_rc store_sched_xcom_set(store *p, int64_t tiId, int tryNumber, const char *zValue, int64_t nowUs,
                             airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "INSERT INTO xcom(ti_id, try_number, value, updated_us) VALUES(?,?,?,?)"
      " ON CONFLICT(ti_id) DO UPDATE SET try_number=excluded.try_number, value=excluded.value,"
      " updated_us=excluded.updated_us", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, tiId);
  store_bind_int64(st, 2, tryNumber);
  store_bind_text(st, 3, zValue);
  store_bind_int64(st, 4, nowUs);
  return store_stmt_run(st, "record xcom", pErr);
}

/* ---- zombies and recovery ---- */

airc_rc store_sched_zombie_each_candidate(store *p, int64_t onlyRunPk, store_sched_zombie_fn xRow, void *pCtx,
                                          airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "SELECT ti.id, ti.try_number, ti.state, ti.pid FROM task_instance ti JOIN dag_run r ON r.id=ti.run_pk"
      " WHERE ti.state IN ('queued','running') AND (?1 > 0 AND r.id=?1 OR ?1 = 0 AND r.is_test=0)", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, onlyRunPk);
  int r;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
    store_sched_zombie_row row = {store_col_int64(st, 0), store_col_int(st, 1),
                                  !strcmp(store_col_str(st, 2), "queued"), store_col_int(st, 3)};
    if(xRow(pCtx, &row)) break;
  }
  return sched_walk_end(st, r, "list zombie candidates", pErr);
}

airc_rc store_sched_ti_adopt_running(store *p, int64_t tiId, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "UPDATE task_instance SET state='running' WHERE id=? AND state='queued'",
                                      pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, tiId);
  return store_stmt_run(st, "adopt running task", pErr);
}

airc_rc store_sched_ti_unqueue(store *p, int64_t tiId, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "UPDATE task_instance SET state='scheduled', try_number=try_number-1 WHERE id=? AND state='queued'", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, tiId);
  return store_stmt_run(st, "reschedule task", pErr);
}

/* ---- sensors and mapped tasks ---- */

airc_rc store_sched_ti_reschedule(store *p, int64_t tiId, int64_t nextUs, int64_t nowUs, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "UPDATE task_instance SET state='up_for_reschedule', next_retry_us=?1, pid=NULL, updated_us=?2"
      " WHERE id=?3 AND state IN ('queued','running')", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, nextUs);
  store_bind_int64(st, 2, nowUs);
  store_bind_int64(st, 3, tiId);
  return store_stmt_run(st, "reschedule sensor", pErr);
}

airc_rc store_sched_ti_set_state_note(store *p, int64_t tiId, const char *zState, const char *zNote, int64_t nowUs,
                                      airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "UPDATE task_instance SET state=?1, note=?2, end_us=?3, updated_us=?3 WHERE id=?4", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zState);
  store_bind_text(st, 2, zNote);
  store_bind_int64(st, 3, nowUs);
  store_bind_int64(st, 4, tiId);
  return store_stmt_run(st, "update task state", pErr);
}

airc_rc store_sched_ti_expand(store *p, int64_t tiId, int n, int64_t nowUs, int64_t *aIds, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "UPDATE task_instance SET map_index=0, state='scheduled', updated_us=?1 WHERE id=?2 AND map_index=-1", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, nowUs);
  store_bind_int64(st, 2, tiId);
  airc_rc rc = store_stmt_run(st, "expand mapped task", pErr);
  aIds[0] = tiId;
  for(int k = 1; !rc && k < n; k++) {
    st = store_stmt_prepare(p,
        "INSERT INTO task_instance(run_pk, dag_id, task_id, state, max_tries, updated_us, map_index, pool, pool_slots)"
        " SELECT run_pk, dag_id, task_id, 'scheduled', max_tries, ?1, ?2, pool, pool_slots FROM task_instance WHERE id=?3",
        pErr);
    if(!st) return pErr->rc;
    store_bind_int64(st, 1, nowUs);
    store_bind_int64(st, 2, k);
    store_bind_int64(st, 3, tiId);
    rc = store_stmt_run(st, "insert mapped task instance", pErr);
    if(!rc) aIds[k] = store_last_insert_id(p);
  }
  return rc;
}

airc_rc store_sched_task_active(store *p, const char *zDagId, const char *zTaskId, int *pn, airc_err *pErr) {
  *pn = 0;
  store_stmt *st = store_stmt_prepare(p,
      "SELECT count(*) FROM task_instance WHERE dag_id=? AND task_id=? AND state IN ('queued','running')", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  store_bind_text(st, 2, zTaskId);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) *pn = store_col_int(st, 0);
  return sched_walk_end(st, r, "count active instances of a task", pErr);
}

/* ---- timers and liveness ---- */

airc_rc store_sched_retry_next(store *p, int64_t onlyRunPk, int64_t *pNextUs, airc_err *pErr) {
  *pNextUs = 0;
  store_stmt *st = store_stmt_prepare(p,
      "SELECT min(ti.next_retry_us) FROM task_instance ti JOIN dag_run r ON r.id=ti.run_pk"
      " WHERE ti.state IN ('up_for_retry','up_for_reschedule') AND (?1 > 0 AND r.id=?1 OR ?1 = 0 AND r.is_test=0)", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, onlyRunPk);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW && !store_col_is_null(st, 0)) *pNextUs = store_col_int64(st, 0);
  return sched_walk_end(st, r, "next retry time", pErr);
}

airc_rc store_sched_heartbeat(store *p, int64_t nowUs, int pid, int64_t loopLagUs, airc_err *pErr) {
  char zNow[24], zPid[24], zLag[24];
  snprintf(zNow, sizeof(zNow), "%" PRId64, nowUs);
  snprintf(zPid, sizeof(zPid), "%d", pid);
  snprintf(zLag, sizeof(zLag), "%" PRId64, loopLagUs);
  store_stmt *st = store_stmt_prepare(p,
      "INSERT INTO scheduler_state(key, value) VALUES('heartbeat_us', ?), ('pid', ?), ('loop_lag_us', ?)"
      " ON CONFLICT(key) DO UPDATE SET value=excluded.value", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zNow);
  store_bind_text(st, 2, zPid);
  store_bind_text(st, 3, zLag);
  return store_stmt_run(st, "heartbeat", pErr);
}
