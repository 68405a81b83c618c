/* store_views.c: the read side behind the REST API and the dashboard (see
 * store_views.h). Queries only: every list is one indexed range scan
 * (dag primary key; dag_run(dag_id, logical_date), (dag_id, state,
 * logical_date), (dag_id, start_us|end_us); task_instance(run_pk,
 * task_id)), walked row by row into a borrowed struct on the stack. */
#include "store/store_views.h"
#include "store/store_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const double store_view_aDurationBucket[STORE_VIEW_N_BUCKET] = {0.1, 0.5, 1, 5, 30, 60, 300, 1800, 3600};

/* Integer column or STORE_VIEW_NULL. */
static int64_t col_int64_or_null(store_stmt *st, int i) {
  return store_col_is_null(st, i) ? STORE_VIEW_NULL : store_col_int64(st, i);
}

/* Steps st to the end, calling xRead for each row until it returns
 * nonzero; always finishes the statement. */
static airc_rc walk(store_stmt *st, int (*xRead)(store_stmt *, void *), void *pArg, airc_err *pErr) {
  int r;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
    if(xRead(st, pArg)) break;
  }
  store_stmt_done(st);
  return r == STORE_ERROR ? pErr->rc : AIRC_OK;
}

/* Steps st once into *pnOut (first column), finishing the statement. */
static airc_rc one_count(store_stmt *st, int64_t *pnOut, airc_err *pErr) {
  int r = store_stmt_step(st, pErr);
  *pnOut = r == STORE_ROW ? store_col_int64(st, 0) : 0;
  store_stmt_done(st);
  return r == STORE_ERROR ? pErr->rc : AIRC_OK;
}

/* ---- DAGs ---- */

#define DAG_COLS                                                                                      \
  "d.dag_id, d.description, d.is_paused, d.is_active, d.schedule, d.tags, d.next_dagrun, d.fileloc," \
  " d.last_parsed_us, d.current_hash,"                                                                \
  " EXISTS(SELECT 1 FROM import_error e WHERE e.fileloc=d.fileloc)"

/* dialect: sqlite (json_each, instr) / pg (json_array_elements_text, strpos).
 * ?3 is a JSON array of tags (any of them), ?4 a substring of the id. */
#define DAG_WHERE                                                                                          \
  " WHERE (?1 < 0 OR d.is_paused=?1) AND (?2=0 OR d.is_active=1)"                                         \
  " AND (?3 IS NULL OR EXISTS(SELECT 1 FROM json_each(d.tags) t, json_each(?3) q WHERE t.value=q.value))" \
  " AND (?4 IS NULL OR instr(d.dag_id, ?4) > 0)"
#define DAG_WHERE_PG                                                                                   \
  " WHERE ($1 < 0 OR d.is_paused=$1) AND ($2=0 OR d.is_active=1)"                                     \
  " AND ($3::text IS NULL OR EXISTS(SELECT 1 FROM json_array_elements_text(d.tags::json) t"            \
  " WHERE t IN (SELECT json_array_elements_text($3::json))))"                                        \
  " AND ($4::text IS NULL OR strpos(d.dag_id, $4) > 0)"

typedef struct dag_walk {
  store_view_dag_fn xRow;
  void *pCtx;
} dag_walk;

static int dag_read(store_stmt *st, void *pArg) {
  dag_walk *w = pArg;
  store_view_dag d;
  d.zDagId = store_col_str(st, 0);
  d.zDescription = store_col_text(st, 1);
  d.bPaused = store_col_int(st, 2);
  d.bActive = store_col_int(st, 3);
  d.zSchedule = store_col_str(st, 4);
  d.zTags = store_col_text(st, 5);
  d.nextDagrun = col_int64_or_null(st, 6);
  d.zFileloc = store_col_text(st, 7);
  d.lastParsedUs = col_int64_or_null(st, 8);
  d.zCurrentHash = store_col_text(st, 9);
  d.bImportErrors = store_col_int(st, 10);
  return w->xRow(w->pCtx, &d);
}

static void dag_bind_filter(store_stmt *st, const store_view_dag_filter *f) {
  store_bind_int64(st, 1, f->bPaused);
  store_bind_int64(st, 2, f->bOnlyActive);
  store_bind_text(st, 3, f->zTagsJson);
  store_bind_text(st, 4, f->zIdContains);
}

airc_rc store_view_dag_count(store *p, const store_view_dag_filter *pFilter, int64_t *pnOut, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(
      p, STORE_SQL2(p, "SELECT count(*) FROM dag d" DAG_WHERE, "SELECT count(*) FROM dag d" DAG_WHERE_PG), pErr);
  if(!st) return pErr->rc;
  dag_bind_filter(st, pFilter);
  return one_count(st, pnOut, pErr);
}

airc_rc store_view_dag_list(store *p, const store_view_dag_filter *pFilter, int64_t limit, int64_t offset,
                            store_view_dag_fn xRow, void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      STORE_SQL2(p, "SELECT " DAG_COLS " FROM dag d" DAG_WHERE " ORDER BY d.dag_id LIMIT ?5 OFFSET ?6",
                 "SELECT " DAG_COLS " FROM dag d" DAG_WHERE_PG " ORDER BY d.dag_id LIMIT $5 OFFSET $6"), pErr);
  if(!st) return pErr->rc;
  dag_bind_filter(st, pFilter);
  store_bind_int64(st, 5, limit);
  store_bind_int64(st, 6, offset);
  dag_walk w = {xRow, pCtx};
  return walk(st, dag_read, &w, pErr);
}

airc_rc store_view_dag_get(store *p, const char *zDagId, store_view_dag_fn xRow, void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "SELECT " DAG_COLS " FROM dag d WHERE d.dag_id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) {
    dag_walk w = {xRow, pCtx};
    dag_read(st, &w);
  }
  store_stmt_done(st);
  if(r == STORE_ERROR) return pErr->rc;
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "DAG '%s' not found", zDagId);
  return AIRC_OK;
}

airc_rc store_view_dag_exists(store *p, const char *zDagId, int *pbFound, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "SELECT 1 FROM dag WHERE dag_id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  int r = store_stmt_step(st, pErr);
  store_stmt_done(st);
  *pbFound = r == STORE_ROW;
  return r == STORE_ERROR ? pErr->rc : AIRC_OK;
}

airc_rc store_view_dag_current_hash(store *p, const char *zDagId, char *zOut, size_t n, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "SELECT current_hash FROM dag WHERE dag_id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) snprintf(zOut, n, "%s", store_col_str(st, 0));
  store_stmt_done(st);
  if(r == STORE_ERROR) return pErr->rc;
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "DAG '%s' not found", zDagId);
  return AIRC_OK;
}

typedef struct task_id_walk {
  store_view_task_id_fn xTask;
  void *pCtx;
} task_id_walk;

static int task_id_read(store_stmt *st, void *pArg) {
  task_id_walk *w = pArg;
  return w->xTask(w->pCtx, store_col_str(st, 0));
}

airc_rc store_view_dag_task_ids(store *p, const char *zDagId, store_view_task_id_fn xTask, void *pCtx,
                                airc_err *pErr) {
  /* dialect: sqlite (json_each, json_extract) / pg (json_array_elements WITH ORDINALITY) */
  store_stmt *st = store_stmt_prepare(p, STORE_SQL2(p,
      "SELECT json_extract(t.value, '$.id') FROM dag d JOIN dag_version v ON v.hash=d.current_hash,"
      " json_each(v.json, '$.tasks') t WHERE d.dag_id=? ORDER BY t.key",
      "SELECT t.value->>'id' FROM dag d JOIN dag_version v ON v.hash=d.current_hash,"
      " json_array_elements(v.json::json->'tasks') WITH ORDINALITY t(value, key) WHERE d.dag_id=$1 ORDER BY t.key"),
      pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  task_id_walk w = {xTask, pCtx};
  return walk(st, task_id_read, &w, pErr);
}

airc_rc store_view_dag_active_counts(store *p, int64_t *pnPaused, int64_t *pnUnpaused, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "SELECT coalesce(sum(CASE WHEN is_paused=1 THEN 1 ELSE 0 END), 0),"
      " coalesce(sum(CASE WHEN is_paused=0 THEN 1 ELSE 0 END), 0) FROM dag WHERE is_active=1", pErr);
  if(!st) return pErr->rc;
  int r = store_stmt_step(st, pErr);
  *pnPaused = r == STORE_ROW ? store_col_int64(st, 0) : 0;
  *pnUnpaused = r == STORE_ROW ? store_col_int64(st, 1) : 0;
  store_stmt_done(st);
  return r == STORE_ERROR ? pErr->rc : AIRC_OK;
}

/* ---- runs ---- */

#define RUN_COLS                                                                                  \
  "r.run_id, r.dag_id, r.logical_date, r.data_interval_start, r.data_interval_end, r.start_us, " \
  "r.end_us, r.state, r.run_type, r.conf, r.queued_us, r.id, r.note"

typedef struct run_walk {
  store_view_run_fn xRow;
  void *pCtx;
} run_walk;

static int run_read(store_stmt *st, void *pArg) {
  run_walk *w = pArg;
  store_view_run x;
  x.zRunId = store_col_text(st, 0);
  x.zDagId = store_col_text(st, 1);
  x.logicalDate = col_int64_or_null(st, 2);
  x.dataIntervalStart = col_int64_or_null(st, 3);
  x.dataIntervalEnd = col_int64_or_null(st, 4);
  x.startUs = col_int64_or_null(st, 5);
  x.endUs = col_int64_or_null(st, 6);
  x.zState = store_col_text(st, 7);
  x.zRunType = store_col_text(st, 8);
  x.zConf = store_col_text(st, 9);
  x.queuedUs = col_int64_or_null(st, 10);
  x.id = store_col_int64(st, 11);
  x.zNote = store_col_text(st, 12);
  return w->xRow(w->pCtx, &x);
}

/* dialect: sqlite (json_each) / pg (json_array_elements_text). A filter on
 * states binds a JSON array of them (NULL: any state), on both. */
#define STATES_IN_SQLITE(COL, N) " AND (?" #N " IS NULL OR " COL " IN (SELECT value FROM json_each(?" #N ")))"
#define STATES_IN_PG(COL, N) " AND ($" #N "::text IS NULL OR " COL " IN (SELECT json_array_elements_text($" #N "::json)))"
#define RUNS_SQL_D(ORDER, STATES_IN)                     \
  "SELECT " RUN_COLS " FROM dag_run r WHERE r.dag_id=?1" \
  STATES_IN("r.state", 2) " ORDER BY " ORDER " LIMIT ?3 OFFSET ?4"
#define RUNS_SQL(ORDER) RUNS_SQL_D(ORDER, STATES_IN_SQLITE)
#define RUNS_SQL_PG(ORDER) RUNS_SQL_D(ORDER, STATES_IN_PG)

static const char *const azRunOrderSql[STORE_VIEW_RUN_ORDER_COUNT] = {
    [STORE_VIEW_RUN_BY_DATE_DESC] = RUNS_SQL("r.logical_date DESC, r.id DESC"),
    [STORE_VIEW_RUN_BY_DATE] = RUNS_SQL("r.logical_date, r.id"),
    [STORE_VIEW_RUN_BY_START_DESC] = RUNS_SQL("r.start_us DESC, r.id DESC"),
    [STORE_VIEW_RUN_BY_START] = RUNS_SQL("r.start_us, r.id"),
    [STORE_VIEW_RUN_BY_END_DESC] = RUNS_SQL("r.end_us DESC, r.id DESC"),
    [STORE_VIEW_RUN_BY_END] = RUNS_SQL("r.end_us, r.id"),
    [STORE_VIEW_RUN_BY_ID_DESC] = RUNS_SQL("r.id DESC"),
    [STORE_VIEW_RUN_BY_ID] = RUNS_SQL("r.id"),
};
/* PostgreSQL sorts NULLs last ascending, SQLite first: say SQLite's order
 * (a run not started yet has no start_us) */
static const char *const azRunOrderSqlPg[STORE_VIEW_RUN_ORDER_COUNT] = {
    [STORE_VIEW_RUN_BY_DATE_DESC] = RUNS_SQL_PG("r.logical_date DESC, r.id DESC"),
    [STORE_VIEW_RUN_BY_DATE] = RUNS_SQL_PG("r.logical_date, r.id"),
    [STORE_VIEW_RUN_BY_START_DESC] = RUNS_SQL_PG("r.start_us DESC NULLS LAST, r.id DESC"),
    [STORE_VIEW_RUN_BY_START] = RUNS_SQL_PG("r.start_us NULLS FIRST, r.id"),
    [STORE_VIEW_RUN_BY_END_DESC] = RUNS_SQL_PG("r.end_us DESC NULLS LAST, r.id DESC"),
    [STORE_VIEW_RUN_BY_END] = RUNS_SQL_PG("r.end_us NULLS FIRST, r.id"),
    [STORE_VIEW_RUN_BY_ID_DESC] = RUNS_SQL_PG("r.id DESC"),
    [STORE_VIEW_RUN_BY_ID] = RUNS_SQL_PG("r.id"),
};

airc_rc store_view_run_count(store *p, const char *zDagId, const char *zStatesJson, int64_t *pnOut, airc_err *pErr) {
  /* dialect: sqlite (json_each) / pg; dag_run_count is kept by triggers */
  store_stmt *st = store_stmt_prepare(p, STORE_SQL2(p,
      "SELECT coalesce(sum(n), 0) FROM dag_run_count WHERE dag_id=?1" STATES_IN_SQLITE("state", 2),
      "SELECT coalesce(sum(n), 0) FROM dag_run_count WHERE dag_id=$1" STATES_IN_PG("state", 2)), pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  store_bind_text(st, 2, zStatesJson);
  return one_count(st, pnOut, pErr);
}

airc_rc store_view_run_list(store *p, const char *zDagId, const char *zStatesJson, store_view_run_order eOrder,
                            int64_t limit, int64_t offset, store_view_run_fn xRow, void *pCtx, airc_err *pErr) {
  if((int)eOrder < 0 || eOrder >= STORE_VIEW_RUN_ORDER_COUNT)
    return airc_err_set(pErr, AIRC_ERR_INVALID, "run list: no order %d", (int)eOrder);
  store_stmt *st = store_stmt_prepare(p, STORE_SQL2(p, azRunOrderSql[eOrder], azRunOrderSqlPg[eOrder]), pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  store_bind_text(st, 2, zStatesJson);
  store_bind_int64(st, 3, limit);
  store_bind_int64(st, 4, offset);
  run_walk w = {xRow, pCtx};
  return walk(st, run_read, &w, pErr);
}

airc_rc store_view_run_recent(store *p, const char *zDagId, int nRuns, store_view_run_fn xRow, void *pCtx,
                              airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "SELECT " RUN_COLS " FROM dag_run r WHERE r.dag_id=? ORDER BY r.logical_date DESC, r.id DESC LIMIT ?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  store_bind_int64(st, 2, nRuns);
  run_walk w = {xRow, pCtx};
  return walk(st, run_read, &w, pErr);
}

airc_rc store_view_run_get(store *p, const char *zDagId, const char *zRunId, store_view_run_fn xRow, void *pCtx,
                           airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "SELECT " RUN_COLS " FROM dag_run r WHERE r.dag_id=? AND r.run_id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  store_bind_text(st, 2, zRunId);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) {
    run_walk w = {xRow, pCtx};
    run_read(st, &w);
  }
  store_stmt_done(st);
  if(r == STORE_ERROR) return pErr->rc;
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "DAG '%s' has no run '%s'", zDagId, zRunId);
  return AIRC_OK;
}

airc_rc store_view_run_pk(store *p, const char *zDagId, const char *zRunId, int64_t *pPk, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "SELECT id FROM dag_run WHERE dag_id=? AND run_id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  store_bind_text(st, 2, zRunId);
  int r = store_stmt_step(st, pErr);
  *pPk = r == STORE_ROW ? store_col_int64(st, 0) : 0;
  store_stmt_done(st);
  if(r == STORE_ERROR) return pErr->rc;
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "DAG '%s' has no run '%s'", zDagId, zRunId);
  return AIRC_OK;
}

/* ---- task instances ---- */

#define TI_FROM                                                                                       \
  "SELECT ti.task_id, ti.state, ti.try_number, ti.max_tries, ti.start_us, ti.end_us, ti.duration,"   \
  " ti.pid, coalesce(ti.user_note, ti.note), ti.queued_us, x.value, r.run_id, r.dag_id, r.logical_date, ti.exit_code," \
  " ti.id, ti.next_retry_us, ti.hostname, ti.map_index"                                                  \
  " FROM task_instance ti JOIN dag_run r ON r.id=ti.run_pk LEFT JOIN xcom x ON x.ti_id=ti.id"

typedef struct ti_walk {
  store_view_ti_fn xRow;
  void *pCtx;
} ti_walk;

static int ti_read(store_stmt *st, void *pArg) {
  ti_walk *w = pArg;
  store_view_ti t;
  t.zTaskId = store_col_text(st, 0);
  t.zState = store_col_text(st, 1);
  t.tryNumber = store_col_int(st, 2);
  t.maxTries = store_col_int(st, 3);
  t.startUs = col_int64_or_null(st, 4);
  t.endUs = col_int64_or_null(st, 5);
  t.bDuration = !store_col_is_null(st, 6);
  t.duration = t.bDuration ? store_col_double(st, 6) : 0;
  t.pid = col_int64_or_null(st, 7);
  t.zNote = store_col_text(st, 8);
  t.queuedUs = col_int64_or_null(st, 9);
  t.zXcom = store_col_text(st, 10);
  t.zRunId = store_col_text(st, 11);
  t.zDagId = store_col_text(st, 12);
  t.logicalDate = col_int64_or_null(st, 13);
  t.exitCode = col_int64_or_null(st, 14);
  t.id = store_col_int64(st, 15);
  t.nextRetryUs = col_int64_or_null(st, 16);
  t.zHostname = store_col_text(st, 17);
  t.mapIndex = store_col_int(st, 18);
  return w->xRow(w->pCtx, &t);
}

airc_rc store_view_ti_count(store *p, int64_t runPk, const char *zStatesJson, int64_t *pnOut, airc_err *pErr) {
  /* dialect: sqlite (json_each) / pg */
  store_stmt *st = store_stmt_prepare(p, STORE_SQL2(p,
      "SELECT count(*) FROM task_instance WHERE run_pk=?1" STATES_IN_SQLITE("state", 2),
      "SELECT count(*) FROM task_instance WHERE run_pk=$1" STATES_IN_PG("state", 2)), pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, runPk);
  store_bind_text(st, 2, zStatesJson);
  return one_count(st, pnOut, pErr);
}

airc_rc store_view_ti_list(store *p, int64_t runPk, const char *zStatesJson, int64_t limit, int64_t offset,
                           store_view_ti_fn xRow, void *pCtx, airc_err *pErr) {
  /* dialect: sqlite (json_each) / pg */
  store_stmt *st = store_stmt_prepare(p, STORE_SQL2(p,
      TI_FROM " WHERE ti.run_pk=?1" STATES_IN_SQLITE("ti.state", 2) " ORDER BY ti.id LIMIT ?3 OFFSET ?4",
      TI_FROM " WHERE ti.run_pk=$1" STATES_IN_PG("ti.state", 2) " ORDER BY ti.id LIMIT $3 OFFSET $4"), pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, runPk);
  store_bind_text(st, 2, zStatesJson);
  store_bind_int64(st, 3, limit);
  store_bind_int64(st, 4, offset);
  ti_walk w = {xRow, pCtx};
  return walk(st, ti_read, &w, pErr);
}

airc_rc store_view_ti_get(store *p, int64_t runPk, const char *zTaskId, store_view_ti_fn xRow, void *pCtx,
                          airc_err *pErr) {
  return store_view_ti_get_at(p, runPk, zTaskId, -1, xRow, pCtx, pErr);
}

airc_rc store_view_ti_list_mapped(store *p, int64_t runPk, const char *zTaskId, int64_t limit, int64_t offset,
                                  int64_t *pnTotal, store_view_ti_fn xRow, void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "SELECT count(*) FROM task_instance WHERE run_pk=? AND task_id=? AND map_index>=0", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, runPk);
  store_bind_text(st, 2, zTaskId);
  airc_rc rc = one_count(st, pnTotal, pErr);
  if(rc) return rc;
  st = store_stmt_prepare(p,
      TI_FROM " WHERE ti.run_pk=? AND ti.task_id=? AND ti.map_index>=0 ORDER BY ti.map_index LIMIT ? OFFSET ?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, runPk);
  store_bind_text(st, 2, zTaskId);
  store_bind_int64(st, 3, limit);
  store_bind_int64(st, 4, offset);
  ti_walk w = {xRow, pCtx};
  return walk(st, ti_read, &w, pErr);
}

airc_rc store_view_ti_get_at(store *p, int64_t runPk, const char *zTaskId, int mapIndex, store_view_ti_fn xRow,
                             void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, TI_FROM " WHERE ti.run_pk=? AND ti.task_id=? AND ti.map_index=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, runPk);
  store_bind_text(st, 2, zTaskId);
  store_bind_int64(st, 3, mapIndex);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) {
    ti_walk w = {xRow, pCtx};
    ti_read(st, &w);
  }
  store_stmt_done(st);
  if(r == STORE_ERROR) return pErr->rc;
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "run %lld has no task '%s'", (long long)runPk, zTaskId);
  return AIRC_OK;
}

airc_rc store_view_ti_try_state(store *p, int64_t runPk, const char *zTaskId, int *pTry, char *zState, size_t n,
                                airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "SELECT try_number, state FROM task_instance WHERE run_pk=? AND task_id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, runPk);
  store_bind_text(st, 2, zTaskId);
  int r = store_stmt_step(st, pErr);
  *pTry = r == STORE_ROW ? store_col_int(st, 0) : 0;
  snprintf(zState, n, "%s", r == STORE_ROW ? store_col_str(st, 1) : "");
  store_stmt_done(st);
  if(r == STORE_ERROR) return pErr->rc;
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "run %lld has no task '%s'", (long long)runPk, zTaskId);
  return AIRC_OK;
}

typedef struct mark_walk {
  store_view_ti_mark_fn xRow;
  void *pCtx;
} mark_walk;

static int mark_read(store_stmt *st, void *pArg) {
  mark_walk *w = pArg;
  store_view_ti_mark m = {store_col_str(st, 0), store_col_str(st, 1), store_col_int64(st, 2), store_col_int(st, 3)};
  return w->xRow(w->pCtx, &m);
}

airc_rc store_view_ti_marks(store *p, int64_t runPk, store_view_ti_mark_fn xRow, void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "SELECT task_id, state, updated_us, max_tries FROM task_instance WHERE run_pk=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, runPk);
  mark_walk w = {xRow, pCtx};
  return walk(st, mark_read, &w, pErr);
}

typedef struct try_walk {
  store_view_try_fn xRow;
  void *pCtx;
} try_walk;

static int try_read(store_stmt *st, void *pArg) {
  try_walk *w = pArg;
  store_view_try t;
  t.tryNumber = store_col_int(st, 0);
  t.zState = store_col_text(st, 1);
  t.startUs = col_int64_or_null(st, 2);
  t.endUs = col_int64_or_null(st, 3);
  t.exitCode = col_int64_or_null(st, 4);
  t.pid = col_int64_or_null(st, 5);
  t.zNote = store_col_text(st, 6);
  t.zHostname = store_col_text(st, 7);
  return w->xRow(w->pCtx, &t);
}

airc_rc store_view_try_list(store *p, int64_t tiId, store_view_try_fn xRow, void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "SELECT try_number, state, start_us, end_us, exit_code, pid, note, hostname FROM task_try WHERE ti_id=?"
      " ORDER BY try_number",
      pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, tiId);
  try_walk w = {xRow, pCtx};
  return walk(st, try_read, &w, pErr);
}

/* ---- grid ---- */

/* One (run, task) cell summed up from its instance rows as they come
 * (ordered by run, then task): a mapped task's instances as the scheduler
 * does (sched_runs.c map_summary). In C rather than a GROUP BY with CASE
 * aggregates: for 1000 tasks x 25 runs that statement took 4x the CPU of
 * the plain rows (it doubled the grid request's time, 20 -> 45 ms). */
typedef struct cell_acc {
  int64_t runPk;
  char *zTask;           /* owned copy; NULL: no cell pending */
  size_t nTaskAlloc;
  char zState[40];       /* the only row's state (n == 1) */
  int n, nMapped, nNotDone, nFail, nUpFail, nSucc;
} cell_acc;

static int cell_state_is(const char *z, const char *zWant) { return z && !strcmp(z, zWant); }

/* Adds one instance row to the pending cell. */
static void cell_acc_row(cell_acc *a, const char *zState, int mapIndex) {
  if(a->n++ == 0) snprintf(a->zState, sizeof(a->zState), "%s", zState ? zState : "");
  a->nMapped += mapIndex >= 0;
  int bFail = cell_state_is(zState, "failed"), bUp = cell_state_is(zState, "upstream_failed");
  int bSucc = cell_state_is(zState, "success"), bSkip = cell_state_is(zState, "skipped");
  a->nNotDone += !(bFail || bUp || bSucc || bSkip);
  a->nFail += bFail;
  a->nUpFail += bUp;
  a->nSucc += bSucc;
}

/* Hands the pending cell to xCell; its return value (nonzero: stop). */
static int cell_acc_emit(cell_acc *a, store_view_cell_fn xCell, void *pCtx) {
  const char *zState = a->zState;
  if(a->n > 1)
    zState = a->nNotDone ? "running"
             : a->nFail  ? "failed"
             : a->nUpFail ? "upstream_failed"
             : a->nSucc  ? "success"
                         : "skipped";
  store_view_cell c = {a->runPk, a->zTask, zState, a->nMapped};
  return xCell(pCtx, &c);
}

airc_rc store_view_grid_cells(store *p, const char *zDagId, int64_t nRuns, store_view_cell_fn xCell, void *pCtx,
                              airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "SELECT ti.run_pk, ti.task_id, ti.state, ti.map_index FROM task_instance ti WHERE ti.run_pk IN"
      " (SELECT id FROM dag_run WHERE dag_id=? ORDER BY logical_date DESC, id DESC LIMIT ?)"
      " ORDER BY ti.run_pk, ti.task_id", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  store_bind_int64(st, 2, nRuns);
  cell_acc a;
  memset(&a, 0, sizeof(a));
  int r = STORE_DONE, bStop = 0;
  airc_rc rc = AIRC_OK;
  while(!bStop && (r = store_stmt_step(st, pErr)) == STORE_ROW) {
    int64_t runPk = store_col_int64(st, 0);
    const char *zTask = store_col_str(st, 1);
    if(a.n && (a.runPk != runPk || strcmp(a.zTask, zTask))) {
      bStop = cell_acc_emit(&a, xCell, pCtx);
      a.n = a.nMapped = a.nNotDone = a.nFail = a.nUpFail = a.nSucc = 0;
    }
    if(bStop) break;
    if(a.n == 0) {
      size_t nTask = strlen(zTask) + 1;
      if(nTask > a.nTaskAlloc) {
        char *z = realloc(a.zTask, nTask);
        if(!z) {
          rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "grid: out of memory");
          break;
        }
        a.zTask = z;
        a.nTaskAlloc = nTask;
      }
      memcpy(a.zTask, zTask, nTask);
      a.runPk = runPk;
    }
    cell_acc_row(&a, store_col_text(st, 2), store_col_int(st, 3));
  }
  if(!rc && !bStop && r == STORE_ERROR) rc = pErr->rc;
  if(!rc && !bStop && a.n) cell_acc_emit(&a, xCell, pCtx);
  store_stmt_done(st);
  free(a.zTask);
  return rc;
}

/* ---- import errors ---- */

airc_rc store_view_import_error_count(store *p, int64_t *pnOut, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "SELECT count(*) FROM import_error", pErr);
  if(!st) return pErr->rc;
  return one_count(st, pnOut, pErr);
}

typedef struct import_error_walk {
  store_view_import_error_fn xRow;
  void *pCtx;
} import_error_walk;

static int import_error_read(store_stmt *st, void *pArg) {
  import_error_walk *w = pArg;
  store_view_import_error e = {store_col_int64(st, 0), store_col_text(st, 1), store_col_text(st, 2),
                               col_int64_or_null(st, 3)};
  return w->xRow(w->pCtx, &e);
}

airc_rc store_view_import_error_list(store *p, int64_t limit, int64_t offset, store_view_import_error_fn xRow,
                                     void *pCtx, airc_err *pErr) {
  /* dialect: sqlite (rowid is the id) / pg (a BIGSERIAL id column) */
  store_stmt *st = store_stmt_prepare(p, STORE_SQL2(p,
      "SELECT rowid, fileloc, message, timestamp_us FROM import_error ORDER BY timestamp_us DESC, rowid LIMIT ? OFFSET ?",
      "SELECT id, fileloc, message, timestamp_us FROM import_error ORDER BY timestamp_us DESC, id LIMIT $1 OFFSET $2"),
      pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, limit);
  store_bind_int64(st, 2, offset);
  import_error_walk w = {xRow, pCtx};
  return walk(st, import_error_read, &w, pErr);
}

/* ---- scheduler state and metrics ---- */

airc_rc store_view_scheduler_int(store *p, const char *zKey, int64_t iDefault, int64_t *pOut, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "SELECT value FROM scheduler_state WHERE key=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zKey);
  int r = store_stmt_step(st, pErr);
  const char *z = r == STORE_ROW ? store_col_text(st, 0) : NULL;
  *pOut = z ? strtoll(z, NULL, 10) : iDefault;
  store_stmt_done(st);
  return r == STORE_ERROR ? pErr->rc : AIRC_OK;
}

typedef struct count_walk {
  store_view_count_fn xRow;
  void *pCtx;
} count_walk;

static int count_read(store_stmt *st, void *pArg) {
  count_walk *w = pArg;
  store_view_count c = {store_col_str(st, 0), store_col_int64(st, 1)};
  return w->xRow(w->pCtx, &c);
}

airc_rc store_view_run_state_counts(store *p, store_view_count_fn xRow, void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "SELECT state, count(*) FROM dag_run WHERE is_test=0 GROUP BY state ORDER BY state",
                                      pErr);
  if(!st) return pErr->rc;
  count_walk w = {xRow, pCtx};
  return walk(st, count_read, &w, pErr);
}

airc_rc store_view_ti_state_counts(store *p, store_view_count_fn xRow, void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "SELECT state, count(*) FROM task_instance GROUP BY state ORDER BY state", pErr);
  if(!st) return pErr->rc;
  count_walk w = {xRow, pCtx};
  return walk(st, count_read, &w, pErr);
}

typedef struct durations_walk {
  store_view_durations_fn xRow;
  void *pCtx;
} durations_walk;

static int durations_read(store_stmt *st, void *pArg) {
  durations_walk *w = pArg;
  store_view_durations d;
  d.zDagId = store_col_str(st, 0);
  d.n = store_col_int64(st, 1);
  d.sum = store_col_double(st, 2);
  for(int i = 0; i < STORE_VIEW_N_BUCKET; i++) d.anLe[i] = store_col_int64(st, 3 + i);
  return w->xRow(w->pCtx, &d);
}

#define LE(X) ", sum(CASE WHEN duration<=" #X " THEN 1 ELSE 0 END)"

airc_rc store_view_task_durations(store *p, store_view_durations_fn xRow, void *pCtx, airc_err *pErr) {
  /* the bounds here are store_view_aDurationBucket's */
  store_stmt *st = store_stmt_prepare(p,
      "SELECT dag_id, count(*), sum(duration)" LE(0.1) LE(0.5) LE(1) LE(5) LE(30) LE(60) LE(300) LE(1800) LE(3600)
      " FROM task_instance WHERE duration IS NOT NULL AND state IN ('success','failed') GROUP BY dag_id ORDER BY dag_id",
      pErr);
  if(!st) return pErr->rc;
  durations_walk w = {xRow, pCtx};
  return walk(st, durations_read, &w, pErr);
}

/* ---- command-line reads (airc dags/tasks ...) ---- */

airc_rc store_view_run_list_no_test(store *p, const char *zDagId, const char *zState, int64_t limit, int64_t offset,
                                    store_view_run_fn xRow, void *pCtx, airc_err *pErr) {
  /* dialect: pg (a parameter only tested IS NULL needs a type) */
  store_stmt *st = store_stmt_prepare(p, STORE_SQL2(p,
      "SELECT " RUN_COLS " FROM dag_run r WHERE r.dag_id=?1 AND (?2 IS NULL OR r.state=?2) AND r.is_test=0"
      " ORDER BY r.logical_date DESC, r.id DESC LIMIT ?3 OFFSET ?4",
      "SELECT " RUN_COLS " FROM dag_run r WHERE r.dag_id=$1 AND ($2::text IS NULL OR r.state=$2) AND r.is_test=0"
      " ORDER BY r.logical_date DESC, r.id DESC LIMIT $3 OFFSET $4"), pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  store_bind_text(st, 2, zState);
  store_bind_int64(st, 3, limit);
  store_bind_int64(st, 4, offset);
  run_walk w = {xRow, pCtx};
  return walk(st, run_read, &w, pErr);
}

airc_rc store_view_run_progress_get(store *p, const char *zDagId, const char *zRunId, store_view_run_progress *pOut,
                                    airc_err *pErr) {
  memset(pOut, 0, sizeof(*pOut));
  store_stmt *st = store_stmt_prepare(p,
      "SELECT r.state, count(ti.id),"
      " sum(CASE WHEN ti.state IN ('success','failed','skipped','upstream_failed') THEN 1 ELSE 0 END),"
      " sum(CASE WHEN ti.state='running' THEN 1 ELSE 0 END), sum(CASE WHEN ti.state='failed' THEN 1 ELSE 0 END),"
      " sum(CASE WHEN ti.state='up_for_retry' THEN 1 ELSE 0 END)"
      " FROM dag_run r LEFT JOIN task_instance ti ON ti.run_pk=r.id WHERE r.dag_id=? AND r.run_id=?"
      " GROUP BY r.id, r.state", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  store_bind_text(st, 2, zRunId);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) {
    snprintf(pOut->zState, sizeof(pOut->zState), "%s", store_col_str(st, 0));
    pOut->nTotal = store_col_int(st, 1);
    pOut->nDone = store_col_int(st, 2);
    pOut->nRunning = store_col_int(st, 3);
    pOut->nFailed = store_col_int(st, 4);
    pOut->nRetry = store_col_int(st, 5);
  }
  store_stmt_done(st);
  if(r == STORE_ERROR) return pErr->rc;
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "DAG '%s' has no run '%s'", zDagId, zRunId);
  return AIRC_OK;
}

airc_rc store_view_run_at_date(store *p, const char *zDagId, int64_t logicalDate, char *zRunId, size_t n,
                               char *zState, size_t nState, airc_err *pErr) {
  if(n) zRunId[0] = 0;
  if(nState) zState[0] = 0;
  store_stmt *st = store_stmt_prepare(p,
      "SELECT run_id, state FROM dag_run WHERE dag_id=? AND logical_date=? AND is_test=0"
      " ORDER BY CASE WHEN run_type='backfill' THEN 1 ELSE 0 END DESC, id DESC LIMIT 1", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  store_bind_int64(st, 2, logicalDate);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) {
    snprintf(zRunId, n, "%s", store_col_str(st, 0));
    snprintf(zState, nState, "%s", store_col_str(st, 1));
  }
  store_stmt_done(st);
  return r == STORE_ERROR ? pErr->rc : AIRC_OK;
}

typedef struct ti_log_walk {
  store_view_ti_log_fn xRow;
  void *pCtx;
} ti_log_walk;

static int ti_log_read(store_stmt *st, void *pArg) {
  ti_log_walk *w = pArg;
  return w->xRow(w->pCtx, store_col_str(st, 0), store_col_str(st, 1));
}

airc_rc store_view_ti_log_each(store *p, int64_t runPk, const char *zState, store_view_ti_log_fn xRow, void *pCtx,
                               airc_err *pErr) {
  /* dialect: pg (a parameter only tested IS NULL needs a type) */
  store_stmt *st = store_stmt_prepare(p, STORE_SQL2(p,
      "SELECT task_id, log_path FROM task_instance WHERE run_pk=?1 AND (?2 IS NULL OR state=?2) ORDER BY id",
      "SELECT task_id, log_path FROM task_instance WHERE run_pk=$1 AND ($2::text IS NULL OR state=$2) ORDER BY id"),
      pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, runPk);
  store_bind_text(st, 2, zState);
  ti_log_walk w = {xRow, pCtx};
  return walk(st, ti_log_read, &w, pErr);
}
